"""The widgets the tabs share: digit inputs and outputs, the drawing pad, captions."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr
import numpy as np
import torch

CSS = """
.pixelated img { image-rendering: pixelated; width: 100% !important; height: 100% !important; object-fit: contain; }
.pixelated .image-container { padding-top: 2.2em; box-sizing: border-box; }  /* room for the floating label */
"""
DIGIT_CHOICES = ["any"] + [str(digit) for digit in range(10)]

OnLoad = list[tuple]  # (handler, inputs, outputs) to run when the tab opens
# Training and optimisation share one small pool of workers, so that a class training at once cannot
# starve the views that answer in milliseconds (each event's `concurrency_id` and `concurrency_limit`).
HEAVY = {"concurrency_id": "heavy", "concurrency_limit": 2}


def run_on_first_open(tab: gr.Tab, on_open: OnLoad) -> None:
    """Run a tab's `on_open` handlers when the user first selects it, so that a page load costs nothing
    for the tabs left unopened; selecting it again only counts."""
    opened = gr.State(0)
    counted = tab.select(lambda count: count + 1, opened, opened, queue=False, api_visibility="private")
    for handler, inputs, outputs in on_open:
        counted.then(_on_first(handler), [opened, *inputs], outputs, api_visibility="private", preprocess=False)


def _on_first(handler: Callable) -> Callable:
    """`handler` on the first opening (count 1); later, nothing updated."""
    def run(count: int, *values):
        return handler(*values) if count == 1 else gr.skip()
    return run


def digit_image(label: str, **kwargs) -> gr.Image:
    """A 28x28 digit shown enlarged with crisp pixels."""
    return gr.Image(label=label, format="png", image_mode=None, elem_classes="pixelated", height=200, **kwargs)


def image_output(label: str, **kwargs) -> gr.Image:
    """A PNG output with crisp pixels."""
    return gr.Image(label=label, format="png", interactive=False, elem_classes="pixelated", **kwargs)


def drawing_input(title: str) -> tuple[gr.Sketchpad, gr.Button]:
    """A folded canvas to draw a digit on, and the button that sends the drawing on."""
    with gr.Accordion(title, open=False):
        sketch = gr.Sketchpad(label="Draw", type="numpy", canvas_size=(280, 280),
                              brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"))
        return sketch, gr.Button("Use drawing")


def captions(labels: np.ndarray, confidence: np.ndarray, is_digit: np.ndarray) -> list[str]:
    """'label confidence%' under each image, or 'no digit' where the digit check says it is none."""
    return [f"{label} {p:.0%}" if digit else "no digit" for label, p, digit in zip(labels, confidence, is_digit)]


def as_uint8(image: torch.Tensor) -> np.ndarray:
    """The first (1, 28, 28) image of a batch as a 28x28 uint8 array."""
    return (image[0, 0].clamp(0, 1).numpy() * 255).round().astype(np.uint8)
