"""Synthetic photos of digits written on paper (uneven, tinted light, out of focus, then saved as JPEG
or 16-bit PNG), and the share of them that reach the reference classifier as the right digit. Shared by
tests/test_photos.py and `python -m nnimg.bench photos`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter

from nnimg.data import to_tensor
from nnimg.preprocess import read_image_file, to_mnist_digit
from nnimg.training import predict_logits

PAPER, INK = 0.9, 0.15  # the grey of blank paper and of a stroke, in full light
TINT = np.array([1.0, 0.93, 0.78])  # warm indoor light


def photo_of_paper(digit: np.ndarray, rng: np.random.Generator, *, side: int = 240, shaded: bool = True) -> Image.Image:
    """An MNIST digit written dark on paper, placed at random, photographed in light that falls off across the
    page with a vignette (`shaded`; else even light), tinted, with sensor noise and a slight blur."""
    ink = np.asarray(Image.fromarray(digit).resize((side // 2, side // 2), Image.Resampling.BICUBIC), float) / 255
    page = np.zeros((side, side))
    top, left = rng.integers(side // 8, side // 3, size=2)
    page[top:top + side // 2, left:left + side // 2] = ink
    light = np.ones((side, side))
    if shaded:
        ys, xs = np.mgrid[0:side, 0:side] / side
        angle = rng.uniform(0, 2 * np.pi)
        light = 0.3 + 0.7 * np.clip(0.5 + 0.8 * (np.cos(angle) * (xs - 0.5) + np.sin(angle) * (ys - 0.5)), 0, 1)
        light *= 1 - 0.35 * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2)
    grey = light * (PAPER - (PAPER - INK) * page) + rng.normal(0, 0.02, page.shape)
    rgb = np.clip(grey[..., None] * TINT * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(1.2))


def save_photo(picture: Image.Image, path: Path, file_format: str) -> None:
    """Save as "jpeg" (quality 70), "png" (8-bit RGB) or "png16" (16-bit grey)."""
    if file_format == "jpeg":
        picture.save(path, format="JPEG", quality=70)
    elif file_format == "png16":
        Image.fromarray(np.asarray(picture.convert("L"), dtype=np.uint16) * 257).save(path, format="PNG")
    else:
        picture.save(path, format="PNG")


def read_right(classifier: torch.nn.Module, paths: list[Path], labels: np.ndarray) -> float:
    """The share of the picture files at `paths` that the app's upload path (read the file, flatten the light,
    crop to 28x28) hands to `classifier` as their label."""
    digits = np.stack([to_mnist_digit(read_image_file(str(path))) for path in paths])
    return float((predict_logits(classifier, to_tensor(digits)).argmax(1).numpy() == labels).mean())


def share_read_right(classifier: torch.nn.Module, digits: np.ndarray, labels: np.ndarray, *, file_format: str,
                     shaded: bool = True, seed: int = 0) -> float:
    """The share of `digits`, photographed and saved as `file_format`, that reach `classifier` as their label
    (`read_right`)."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as directory:
        paths = [Path(directory) / f"photo{index}" for index in range(len(digits))]
        for digit, path in zip(digits, paths):
            save_photo(photo_of_paper(digit, rng, shaded=shaded), path, file_format)
        return read_right(classifier, paths, labels)
