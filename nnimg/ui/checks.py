"""Input checks for the handlers: a package error or a bad value becomes one gr.Error sentence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from gradio.context import LocalContext

from nnimg.checkpoints import CheckpointError
from nnimg.preprocess import InvalidImageError, read_image_file, to_mnist_digit
from nnimg.restore import known_from_painting
from nnimg.ui.error_log import NOT_UPLOADED

MAX_SEED = 2**32 - 1  # seeds are whole numbers from 0 to this (numpy's and torch's generators take them all)
MAX_ECHO = 80  # characters of a refused value that a message repeats


def shown(value) -> str:
    """`repr(value)` for a message, cut to MAX_ECHO characters: a huge value is not echoed whole."""
    text = repr(value)
    return text if len(text) <= MAX_ECHO else f"{text[:MAX_ECHO - 3]}..."


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the package's errors for bad input or missing files into a gr.Error a student reads."""
    try:
        yield
    except (CheckpointError, InvalidImageError) as error:
        raise gr.Error(str(error)) from None


def image_file(payload: dict | str | None) -> np.ndarray:
    """The pixels of an image input's raw payload (a file's {"path": ...} or its path), or a gr.Error.

    Events run with preprocess=False, so that a file that is not an image reaches us and gets a plain
    answer instead of Gradio's internal error; so the check Gradio would make is made here: in a request,
    the path must be a file uploaded to this app (in Gradio's cache), never another file of the server
    or a web address.
    """
    path = payload.get("path") if isinstance(payload, dict) else payload
    blocks = LocalContext.blocks.get(None)
    if path is not None and blocks is not None:
        cache = Path(blocks.GRADIO_CACHE).resolve()
        if not isinstance(path, str) or not Path(path).resolve().is_relative_to(cache):
            raise gr.Error(f"This input {NOT_UPLOADED}")
    with user_errors():
        return read_image_file(path)


def digit(image: dict | str | None) -> np.ndarray:
    """The 28x28 digit a model sees, from the raw payload of an image input (`image_file`)."""
    pixels = image_file(image)
    with user_errors():
        return to_mnist_digit(pixels)


def whole_number(value, name: str) -> int:
    """`value` (an int, a whole float or such a text) as an int, or a gr.Error naming the field: a
    fraction, text, infinity or NaN is refused, not rounded."""
    try:
        number = float(value) if isinstance(value, str) else value
        if float(number).is_integer():
            return int(number)
    except (TypeError, ValueError, OverflowError):
        pass
    raise gr.Error(f"The {name} must be a whole number, not {shown(value)}.")


def between(value, name: str, low: float, high: float) -> float:
    """A number from `low` to `high` (not NaN), or a gr.Error naming the field and the range."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"The {name} must be a number, not {shown(value)}.") from None
    if not low <= number <= high:
        raise gr.Error(f"The {name} must be between {low:g} and {high:g}, not {shown(value)}.")
    return number


def bounded(value, name: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`, or a gr.Error naming the field and the range."""
    number = whole_number(value, name)
    if not low <= number <= high:
        raise gr.Error(f"The {name} must be between {low} and {high}, not {shown(value)}.")
    return number


def seed(value, name: str = "seed") -> int:
    """A seed from 0 to MAX_SEED, or a gr.Error naming the field."""
    return bounded(value, name, 0, MAX_SEED)


def as_list(value) -> list:
    """A multi-choice input as a list: API callers may send one value instead of a list of them."""
    return value if isinstance(value, list) else [value]


def chosen(values, choices, name: str) -> list:
    """A multi-choice input as a list of distinct `choices`, in the order given (so never longer than
    `choices`: a repeated entry is not run twice), or a gr.Error naming the first unknown one."""
    distinct = []
    for value in as_list(values):
        if one_of(value, choices, name) not in distinct:
            distinct.append(value)
    return distinct


def painted_known(editor: dict | None, *, unpainted: str, side: int = 28) -> torch.Tensor:
    """The (1, 1, side, side) known-pixel mask from the strokes painted on an image editor's first layer
    (a file, or an array); a gr.Error if it cannot be read, the sentence `unpainted` if nothing is painted."""
    layers = (editor.get("layers") if isinstance(editor, dict) else None) or []
    if layers and layers[0] is not None:
        try:
            layer = image_file(layers[0]) if isinstance(layers[0], dict) else np.asarray(layers[0])
            known = known_from_painting(layer[..., -1] if layer.ndim == 3 else layer, side)
        except (InvalidImageError, ValueError) as error:
            raise gr.Error(f"The painted layer cannot be read: {error}") from None
        if not known.all():
            return known
    raise gr.Error(unpainted)


def one_of(value, choices, name: str):
    """`value` if it is one of `choices`, else a gr.Error listing them."""
    try:
        if value in choices:
            return value
    except TypeError:  # unhashable (a list, a dict): none of them
        pass
    raise gr.Error(f"Unknown {name} {shown(value)}; choose one of {', '.join(map(str, choices))}.")


def asked_digit(value) -> int | None:
    """A digit 0-9, or None for 'any'."""
    if str(value).strip().lower() == "any":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if not 0 <= number <= 9:
        raise gr.Error(f"The digit must be 0 to 9 or 'any', not {shown(value)}.")
    return number
