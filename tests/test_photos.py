"""Digits photographed on paper: synthetic photos (nnimg/paper_photos.py: shaded, tinted, blurred, noisy,
JPEG, 16-bit) reach the model as the right digit."""

import io

import numpy as np
import pytest
from PIL import Image

from nnimg.checkpoints import load_model
from nnimg.data import load_test_split
from nnimg.paper_photos import photo_of_paper, read_right, save_photo, share_read_right
from nnimg.preprocess import read_image_file
from nnimg.registry import checkpoint_dir

COUNT = 40


@pytest.fixture(scope="module")
def classifier():
    return load_model(checkpoint_dir() / "classifier.safetensors")


@pytest.fixture(scope="module")
def test_split() -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_test_split()
    return images[:COUNT], labels[:COUNT]


@pytest.mark.parametrize("file_format", ["jpeg", "png16"])
def test_shaded_tinted_photos_are_read_right(classifier, test_split, file_format):
    assert share_read_right(classifier, *test_split, file_format=file_format) >= 0.9


def test_sixteen_bit_photos_keep_their_grey_levels(test_split, tmp_path):
    path = tmp_path / "photo.png"
    save_photo(photo_of_paper(test_split[0][0], np.random.default_rng(0)), path, "png16")
    assert Image.open(path).mode.startswith("I;16")
    assert len(np.unique(read_image_file(str(path)))) > 100  # not cut to two levels


def test_a_huge_upload_is_decoded_small(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGBA", (5000, 5000), (0, 0, 0, 0)).save(buffer, format="PNG")
    path = tmp_path / "huge.png"
    path.write_bytes(buffer.getvalue())
    assert max(read_image_file(str(path)).shape[:2]) <= 256


def test_light_strokes_on_black_are_read_as_they_are(classifier, tmp_path):
    images, labels = load_test_split()
    paths = []
    for index, digit in enumerate(images[:20]):
        paths.append(tmp_path / f"mnist{index}.png")
        Image.fromarray(digit).resize((100, 100), Image.Resampling.BICUBIC).save(paths[-1])
    assert read_right(classifier, paths, labels[:20]) >= 0.95
