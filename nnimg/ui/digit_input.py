"""Where a digit comes from: the MNIST test split, a random pick, or a drawing."""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.preprocess import InvalidImageError, to_mnist_digit
from nnimg.ui import checks
from nnimg.ui.lab import lab


def test_digit(index: float) -> np.ndarray:
    """One digit of the MNIST test split, by index."""
    images = lab().test_images
    return images[checks.bounded(index, "test index", 0, len(images) - 1)]


def random_index() -> int:
    """A random index into the test split."""
    return int(np.random.default_rng().integers(len(lab().test_images)))


def use_drawing(sketch: dict | None) -> np.ndarray:
    """The drawn digit, brought to MNIST's convention, from the raw payload of the drawing pad (its
    `composite` file)."""
    composite = sketch.get("composite") if isinstance(sketch, dict) else None
    drawing = checks.image_file(composite)
    try:
        return to_mnist_digit(drawing)
    except InvalidImageError:
        raise gr.Error("The drawing is empty: draw a digit first.") from None
