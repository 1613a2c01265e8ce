"""The widgets the tabs share: digit inputs and outputs, the drawing pad, captions."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr
import numpy as np
import torch

CSS = """
.pixelated .image-container { padding-top: 2.2em; box-sizing: border-box; }  /* room for the floating label */
.pixelated img { image-rendering: pixelated; width: 100% !important; height: 100% !important; object-fit: contain; }
/* Outputs: the label on its own line (a long one wraps instead of covering the picture), the buttons beside it */
.grid label.float, .small-image label.float, .captioned label.float, .before-after label.float {
  position: static; margin: var(--block-label-margin) 0 4px var(--block-label-margin); max-width: calc(100% - 90px); }
.grid .top-panel, .small-image .top-panel, .captioned .top-panel, .before-after .top-panel { top: -30px; }
/* A grid of small images: as wide as its column (up to 3x a 224 px grid), crisp pixels */
.grid .image-frame { width: 100%; max-width: 672px; margin: 0 auto; }
.grid img { image-rendering: pixelated; width: 100% !important; height: auto !important; max-height: 480px;
  object-fit: contain; }
/* One small image (28x28, 32x32): enlarged up to 224 px, crisp pixels */
.small-image .image-frame { width: min(100%, 224px); height: auto; aspect-ratio: 1; margin: 0 auto; }
.small-image img { image-rendering: pixelated; width: 100% !important; height: 100% !important; object-fit: contain; }
/* A picture with text in it: its own size or smaller (smoothly, so that no row of a letter is lost), never larger */
.captioned .image-frame { width: 100%; }
.captioned img { width: auto !important; max-width: 100%; height: auto !important; }
/* The restoration's before/after slider: the handle's track as wide as the square digit, its sides named */
.before-after .slider-wrap > .wrap { aspect-ratio: 1; width: auto; max-width: 100%; }
.before-after img { image-rendering: pixelated; }
.before-after .slider-wrap > .wrap::before, .before-after .slider-wrap > .wrap::after {
  position: absolute; bottom: 4px; z-index: 10; pointer-events: none; padding: 0 4px; border-radius: 3px;
  font-size: 12px; color: white; background: rgba(0, 0, 0, 0.6); }
.before-after .slider-wrap > .wrap::before { content: "degraded"; left: 4px; }
.before-after .slider-wrap > .wrap::after { content: "restored"; right: 4px; }
.sketch { user-select: none; -webkit-user-select: none; }  /* a stroke never selects the pad's text */
/* Tables wider than a phone scroll sideways, with a scrollbar in sight */
.table-wrap .virtual-table-viewport, .prose table { overflow-x: auto; scrollbar-width: auto;
  scrollbar-color: var(--neutral-400) var(--neutral-100); }
.prose table { display: block; max-width: 100%; }
.table-wrap .virtual-table-viewport::-webkit-scrollbar, .prose table::-webkit-scrollbar { height: 10px; }
.table-wrap .virtual-table-viewport::-webkit-scrollbar-thumb, .prose table::-webkit-scrollbar-thumb {
  background: var(--neutral-400); border-radius: 5px; }
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
    """A PNG output of a grid of small images, as wide as its column, with crisp pixels."""
    return gr.Image(label=label, format="png", interactive=False, elem_classes="grid", **kwargs)


def small_image(label: str, **kwargs) -> gr.Image:
    """A PNG output of one small image (a 28x28 digit, a 32x32 picture), enlarged up to 224 px with crisp
    pixels."""
    return gr.Image(label=label, format="png", interactive=False, elem_classes="small-image", **kwargs)


def captioned_image(label: str, **kwargs) -> gr.Image:
    """A PNG output with text drawn in it (`nnimg.plots.image_rows`): shown at its own size, or smaller
    and smooth where the column is narrower, never enlarged."""
    return gr.Image(label=label, format="png", interactive=False, elem_classes="captioned", **kwargs)


def blank_canvas() -> dict:
    """The drawing pad's value: white paper. Gradio's pad starts with its brush chosen only when it has
    a background; without one, a stroke selects the hint text instead of drawing."""
    return {"background": np.full((280, 280, 3), 255, dtype=np.uint8), "layers": [], "composite": None}


def drawing_input(title: str) -> tuple[gr.Sketchpad, gr.Button]:
    """A folded canvas to draw a digit on, and the button that sends the drawing on. Clearing the
    canvas brings the white paper back, and with it the brush."""
    with gr.Accordion(title, open=False):
        sketch = gr.Sketchpad(blank_canvas(), label="Draw", type="numpy", canvas_size=(280, 280), interactive=True,
                              brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"),
                              elem_classes="sketch")
        sketch.clear(blank_canvas, None, sketch, queue=False, api_visibility="private")
        return sketch, gr.Button("Use drawing")


def captions(labels: np.ndarray, confidence: np.ndarray, is_digit: np.ndarray) -> list[str]:
    """'label: confidence%' under each image, or 'no digit' where the digit check says it is none."""
    return [f"{label}: {p:.0%}" if digit else "no digit" for label, p, digit in zip(labels, confidence, is_digit)]


def as_uint8(image: torch.Tensor) -> np.ndarray:
    """The first (1, 28, 28) image of a batch as a 28x28 uint8 array."""
    return (image[0, 0].clamp(0, 1).numpy() * 255).round().astype(np.uint8)
