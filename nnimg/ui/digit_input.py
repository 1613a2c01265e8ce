"""Where a digit comes from: the MNIST test split, a random pick, or a drawing."""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.preprocess import InvalidImageError, to_mnist_digit
from nnimg.ui.lab import lab


def test_digit(index: float) -> np.ndarray:
    """One digit of the MNIST test split, by index."""
    images = lab().test_images
    if index is None or not float(index).is_integer() or not 0 <= index < len(images):
        raise gr.Error(f"The test split has images 0 to {len(images) - 1}; {index} is not one of them.")
    return images[int(index)]


def random_index() -> int:
    """A random index into the test split."""
    return int(np.random.default_rng().integers(len(lab().test_images)))


def use_drawing(sketch: dict | None) -> np.ndarray:
    """The drawn digit, brought to MNIST's convention."""
    composite = (sketch or {}).get("composite")
    try:
        return to_mnist_digit(composite)
    except InvalidImageError as error:
        raise gr.Error("The drawing is empty: draw a digit first." if composite is not None else str(error)) from None
