"""Bring any picture of a digit to MNIST's convention: grey, light strokes on black, the strokes
scaled into 20x20 and centred by centre of mass in 28x28. A photo of paper is first flattened: the
paper's uneven light is estimated at a scale larger than a stroke and divided out."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

MAX_PIXELS = 25_000_000
WORKING_SIZE = 256  # pictures are shrunk to this longest side before anything else (the digit ends at 20x20)
STROKE_THRESHOLD = 0.3  # share of full contrast that counts as ink
PAPER_SCALE = 1 / 6  # the light is estimated over windows of this share of the picture, wider than a stroke


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
    ink = _ink(_to_grey(array))
    floor = np.median(ink) + 4 * 1.4826 * np.median(np.abs(ink - np.median(ink)))  # the paper's own grain
    contrast = ink.max() - floor
    if contrast < 0.1:
        raise InvalidImageError("The image looks empty: draw or upload a digit.")
    ink = np.clip((ink - floor) / contrast, 0.0, 1.0)
    rows, cols = np.nonzero(ink > STROKE_THRESHOLD)
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = 20.0 / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    patch = Image.fromarray(np.rint(ink * 255).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS)
    return _centre_by_mass(np.asarray(patch, dtype=np.float64))


def _ink(grey: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds, in [0, 1], whichever way round the picture is. Both readings
    are flattened (dark ink on light paper, light ink on dark). The wrong one leaves the strokes
    faint, or turns the background into ink: of the readings whose strongest ink stands well above
    their median pixel (the paper), take the one with the least ink, as a digit covers a small part
    of its picture."""
    readings = [1.0 - flatten_light(paper) for paper in (grey, 1.0 - grey)]
    contrasts = [float(reading.max() - np.median(reading)) for reading in readings]
    strong = [reading for reading, contrast in zip(readings, contrasts) if contrast >= 0.6 * max(contrasts)]
    return min(strong, key=lambda reading: float((reading > 0.5 * reading.max()).mean()))


def flatten_light(paper: np.ndarray) -> np.ndarray:
    """Divide out uneven light from a grey picture of dark ink on light paper: the paper's brightness is
    a closing (a local maximum, then minimum) over windows wider than a stroke, smoothed; where the
    picture is as bright as its paper it becomes 1, and where the paper is too dark to hold dark ink."""
    size = max(3, round(max(paper.shape) * PAPER_SCALE) // 2 * 2 + 1)
    image = Image.fromarray(np.rint(np.clip(paper, 0, 1) * 255).astype(np.uint8))
    # The rank filters cost size^2 per pixel: run them on a copy shrunk so that a window spans about 9 pixels
    # (the light varies slowly), then bring the estimate back to full size.
    factor = max(1, size // 9)
    small = image.reduce(factor) if factor > 1 else image
    window = max(3, size // factor // 2 * 2 + 1)
    light = small.filter(ImageFilter.MaxFilter(window)).filter(ImageFilter.MinFilter(window))
    light = light.resize(image.size, Image.Resampling.BILINEAR)
    light = np.asarray(light.filter(ImageFilter.GaussianBlur(size / 2)), dtype=np.float64) / 255.0
    return np.where(light > 0.1, np.clip(paper / np.maximum(light, 0.1), 0.0, 1.0), 1.0)  # too dark to read: paper


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
            image.draft(image.mode, (WORKING_SIZE, WORKING_SIZE))  # JPEG: decode at a fraction of the size
            if image.mode.startswith("I"):  # 16- or 32-bit grey: keep its levels, not two of them
                levels = np.asarray(image, dtype=np.float64)
                image = Image.fromarray(np.rint(levels / max(levels.max(), 1.0) * 255).astype(np.uint8))
            elif image.mode not in ("L", "LA", "RGB", "RGBA"):
                image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
            if max(image.size) > WORKING_SIZE and image.size != (28, 28):
                image.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BOX, reducing_gap=2.0)
            return np.array(image)
    except InvalidImageError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidImageError("This file is not an image that can be read; upload a PNG or JPEG.") from error
