"""Digits photographed on paper: synthetic photos made here (shaded, tinted, blurred, noisy, JPEG,
16-bit) reach the model as the right digit."""

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from nnimg.checkpoints import load_model
from nnimg.data import load_test_split, to_tensor
from nnimg.preprocess import read_image_file, to_mnist_digit
from nnimg.registry import checkpoint_dir
from nnimg.training import predict_logits

COUNT = 40


def photo(digit: np.ndarray, rng: np.random.Generator, *, side: int = 240) -> Image.Image:
    """A digit written dark on paper and photographed in uneven, tinted light, slightly out of focus."""
    ink = np.asarray(Image.fromarray(digit).resize((side // 2, side // 2), Image.Resampling.BICUBIC), float) / 255
    page = np.zeros((side, side))
    top, left = rng.integers(side // 8, side // 3, size=2)
    page[top:top + side // 2, left:left + side // 2] = ink
    ys, xs = np.mgrid[0:side, 0:side] / side
    angle = rng.uniform(0, 2 * np.pi)
    light = 0.3 + 0.7 * np.clip(0.5 + 0.8 * (np.cos(angle) * (xs - 0.5) + np.sin(angle) * (ys - 0.5)), 0, 1)
    light *= 1 - 0.35 * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2)  # a vignette
    grey = light * (0.9 - 0.75 * page) + rng.normal(0, 0.02, page.shape)  # paper 0.9, ink 0.15, then the light
    tint = np.array([1.0, 0.93, 0.78])
    rgb = np.clip(grey[..., None] * tint * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(1.2))


def read_right(paths: list, labels: np.ndarray) -> float:
    classifier = load_model(checkpoint_dir() / "classifier.safetensors")
    digits = np.stack([to_mnist_digit(read_image_file(path)) for path in paths])
    return float((predict_logits(classifier, to_tensor(digits)).argmax(1).numpy() == labels).mean())


@pytest.fixture(scope="module")
def photos() -> tuple[list[Image.Image], np.ndarray]:
    images, labels = load_test_split()
    rng = np.random.default_rng(0)
    return [photo(digit, rng) for digit in images[:COUNT]], labels[:COUNT]


def test_shaded_tinted_photos_as_jpeg_are_read_right(photos, tmp_path):
    pictures, labels = photos
    paths = []
    for index, picture in enumerate(pictures):
        paths.append(tmp_path / f"photo{index}.jpg")
        picture.save(paths[-1], quality=70)
    assert read_right(paths, labels) >= 0.9


def test_sixteen_bit_photos_keep_their_grey_levels(photos, tmp_path):
    pictures, labels = photos
    paths = []
    for index, picture in enumerate(pictures[:10]):
        levels = np.asarray(picture.convert("L"), dtype=np.uint16) * 257
        paths.append(tmp_path / f"photo{index}.png")
        Image.fromarray(levels).save(paths[-1])
    assert Image.open(paths[0]).mode.startswith("I;16")
    assert len(np.unique(read_image_file(str(paths[0])))) > 100  # not cut to two levels
    assert read_right(paths, labels[:10]) >= 0.9


def test_a_huge_upload_is_decoded_small(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGBA", (5000, 5000), (0, 0, 0, 0)).save(buffer, format="PNG")
    path = tmp_path / "huge.png"
    path.write_bytes(buffer.getvalue())
    assert max(read_image_file(str(path)).shape[:2]) <= 256


def test_light_strokes_on_black_are_read_as_they_are(tmp_path):
    images, labels = load_test_split()
    paths = []
    for index, digit in enumerate(images[:20]):
        paths.append(tmp_path / f"mnist{index}.png")
        Image.fromarray(digit).resize((100, 100), Image.Resampling.BICUBIC).save(paths[-1])
    assert read_right(paths, labels[:20]) >= 0.95
