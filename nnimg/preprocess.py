"""Bring any picture of a digit to MNIST's convention: grey, light strokes on black, the strokes
scaled into 20x20 and centred by centre of mass in 28x28."""

from __future__ import annotations

import numpy as np
from PIL import Image

MAX_PIXELS = 25_000_000
STROKE_THRESHOLD = 0.15  # share of full contrast that counts as ink


class InvalidImageError(ValueError):
    """The input cannot be read as a digit; the message is meant for the user."""


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise InvalidImageError(f"The image is too large ({width}x{height} pixels); use one under 5000x5000.")


def _to_grey(image: np.ndarray) -> np.ndarray:
    """Any (H, W[, C]) array -> float grey in [0, 1]; transparency is laid on a contrasting colour."""
    pixels = image.astype(np.float64)
    if image.dtype == np.uint8 or pixels.max() > 1.0:
        pixels /= 255.0
    if pixels.ndim == 2:
        return pixels
    if pixels.shape[2] in (2, 4):
        colour, alpha = pixels[..., :-1], pixels[..., -1:]
        grey = colour.mean(axis=2, keepdims=True) if colour.shape[2] == 3 else colour
        if alpha.min() < 0.98 and alpha.sum() > 0:
            ink_brightness = float((grey * alpha).sum() / alpha.sum())
            background = 0.0 if ink_brightness > 0.5 else 1.0
            grey = alpha * grey + (1 - alpha) * background
        return grey[..., 0]
    if pixels.shape[2] == 3:
        return pixels @ np.array([0.299, 0.587, 0.114])
    return pixels[..., 0]


def to_mnist_digit(image: np.ndarray | Image.Image | None) -> np.ndarray:
    """Return the 28x28 uint8 digit a model sees; a 28x28 grey image is taken as it is."""
    if image is None:
        raise InvalidImageError("No image was given: pick, upload or draw a digit.")
    array = np.asarray(image)
    if array.ndim not in (2, 3) or array.shape[0] < 1 or array.shape[1] < 1 or array.dtype == object:
        raise InvalidImageError(f"This is not an image (array of shape {array.shape}).")
    _check_size(array.shape[1], array.shape[0])
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.shape == (28, 28):
        return array if array.dtype == np.uint8 else np.rint(_to_grey(array) * 255).astype(np.uint8)
    grey = _to_grey(array)
    border = np.concatenate([grey[:2].ravel(), grey[-2:].ravel(), grey[:, :2].ravel(), grey[:, -2:].ravel()])
    background = float(np.median(border))
    if background > 0.5:
        grey, background = 1.0 - grey, 1.0 - background
    contrast = grey.max() - background
    if contrast < 0.1:
        raise InvalidImageError("The image looks empty: draw or upload a digit.")
    ink = np.clip((grey - background) / contrast, 0.0, 1.0)
    rows, cols = np.nonzero(ink > STROKE_THRESHOLD)
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = 20.0 / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    patch = Image.fromarray(np.rint(ink * 255).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
    return _centre_by_mass(np.asarray(patch, dtype=np.float64))


def _centre_by_mass(patch: np.ndarray) -> np.ndarray:
    """Place a patch (at most 20x20) in 28x28 so that its centre of mass lands on the centre."""
    total = patch.sum()
    ys, xs = np.indices(patch.shape)
    centre_y = (ys * patch).sum() / total if total else patch.shape[0] / 2
    centre_x = (xs * patch).sum() / total if total else patch.shape[1] / 2
    top = int(np.clip(round(13.5 - centre_y), 0, 28 - patch.shape[0]))
    left = int(np.clip(round(13.5 - centre_x), 0, 28 - patch.shape[1]))
    canvas = np.zeros((28, 28))
    canvas[top:top + patch.shape[0], left:left + patch.shape[1]] = patch
    return np.rint(np.clip(canvas, 0, 255)).astype(np.uint8)


def read_image_file(path: str | None) -> np.ndarray:
    """Decode an uploaded file to an array (L, LA, RGB or RGBA), refusing non-images and huge ones."""
    if path is None:
        raise InvalidImageError("No image was given: pick, upload or draw a digit.")
    try:
        with Image.open(path) as image:
            _check_size(image.width, image.height)
            if image.mode not in ("L", "LA", "RGB", "RGBA"):
                image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
            return np.array(image)
    except InvalidImageError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidImageError("This file is not an image that can be read; upload a PNG or JPEG.") from error
