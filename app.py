"""nnimg: an interactive lab for generative models of MNIST digits (the Gradio app).

    pip install -r requirements.txt && python app.py      # http://127.0.0.1:7860
"""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.checkpoints import AE_DEFAULT_DEPTH, AE_LATENT_DIMS, CheckpointError
from nnimg.data import load_test_split
from nnimg.plots import labelled_rows, mse_curve
from nnimg.preprocess import InvalidImageError, read_image_file, to_mnist_digit
from nnimg.zoo import AutoencoderZoo

CSS = """
.pixelated img { image-rendering: pixelated; width: 100% !important; height: 100% !important; object-fit: contain; }
"""
TEST_IMAGES, TEST_LABELS = load_test_split()
ZOO = AutoencoderZoo()
GRID_INDICES = [int(np.flatnonzero(TEST_LABELS == digit)[0]) for digit in range(10)]


def _digit(image: dict | str | None) -> np.ndarray:
    """The 28x28 digit a model sees, or a gr.Error a student understands.

    `image` is the raw payload of an image input (events run with preprocess=False, so that a file
    that is not an image reaches us and gets a plain answer instead of Gradio's internal error).
    """
    path = image.get("path") if isinstance(image, dict) else image
    try:
        return to_mnist_digit(read_image_file(path))
    except InvalidImageError as error:
        raise gr.Error(str(error)) from None


def _whole_number(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise gr.Error(f"The {name} must be a whole number, not {value!r}.") from None


def test_digit(index: float) -> np.ndarray:
    """One digit of the MNIST test split, by index."""
    if index is None or not float(index).is_integer() or not 0 <= index < len(TEST_IMAGES):
        raise gr.Error(f"The test split has images 0 to {len(TEST_IMAGES) - 1}; {index} is not one of them.")
    return TEST_IMAGES[int(index)]


def random_index() -> int:
    """A random index into the test split."""
    return int(np.random.default_rng().integers(len(TEST_IMAGES)))


def use_drawing(sketch: dict | None) -> np.ndarray:
    """The drawn digit, brought to MNIST's convention."""
    composite = (sketch or {}).get("composite")
    try:
        return to_mnist_digit(composite)
    except InvalidImageError as error:
        raise gr.Error("The drawing is empty: draw a digit first." if composite is not None else str(error)) from None


def latent_dims_for_depth(depth: int, latent_dim: int) -> gr.Dropdown:
    """Offer only the latent sizes that ship at this depth, keeping the current one if it does."""
    dims = ZOO.latent_dims(int(depth))
    value = int(latent_dim) if int(latent_dim) in dims else min(dims, key=lambda d: abs(d - int(latent_dim)))
    return gr.Dropdown(choices=dims, value=value)


def reconstruct(image: dict | str | None, latent_dim: int, depth: int):
    """Reconstruct a digit with the chosen AE; also show it at every shipped d of that depth."""
    return _reconstruct_digit(_digit(image), _whole_number(latent_dim, "latent size"), _whole_number(depth, "depth"))


def _reconstruct_digit(digit: np.ndarray, latent_dim: int, depth: int):
    try:
        reconstruction, mse = ZOO.reconstruct(digit[None], latent_dim, depth)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None
    digits = np.concatenate([digit[None], TEST_IMAGES[GRID_INDICES]])
    rows = [("input", digits)]
    for d in ZOO.latent_dims(depth):
        try:
            rows.append((f"d = {d}", ZOO.reconstruct(digits, d, depth)[0]))
        except CheckpointError:
            gr.Warning(f"The d = {d}, depth {depth} checkpoint is missing; its row is left out.")
    summary = f"**MSE per pixel: {mse[0]:.5f}** (d = {latent_dim}, {depth} conv layer{'s' * (depth > 1)})"
    return (reconstruction[0] * 255).round().astype(np.uint8), digit, summary, labelled_rows(rows, scale=2)


def _initial_outputs() -> list:
    try:
        return list(_reconstruct_digit(TEST_IMAGES[0], 10, AE_DEFAULT_DEPTH))
    except gr.Error:
        return [None, TEST_IMAGES[0], "", None]


def _digit_image(label: str, **kwargs) -> gr.Image:
    return gr.Image(label=label, format="png", image_mode=None, elem_classes="pixelated", height=200, **kwargs)


INITIAL = _initial_outputs()

with gr.Blocks(title="nnimg") as demo:
    gr.Markdown("# nnimg: generative models of MNIST digits\n"
                "An interactive lab for autoencoders and GANs. Pick, upload or draw a digit.")
    with gr.Tab("Reconstruction"):
        with gr.Row():
            with gr.Column(scale=1):
                digit_input = _digit_image("Digit (upload, paste, or pick below)", type="filepath", value=TEST_IMAGES[0],
                                           sources=["upload", "clipboard"])
                with gr.Accordion("Pick from the MNIST test split", open=True):
                    with gr.Row():
                        index = gr.Number(label="Test index (0-9999)", value=0, precision=0, minimum=0, maximum=9999)
                        random_button = gr.Button("Random digit")
                    gr.Examples([[i] for i in GRID_INDICES], inputs=index, label="One of each digit",
                                example_labels=[f"a {digit}" for digit in range(10)])
                with gr.Accordion("Draw a digit", open=False):
                    sketch = gr.Sketchpad(label="Draw", type="numpy", canvas_size=(280, 280),
                                          brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"))
                    use_drawing_button = gr.Button("Use drawing")
            with gr.Column(scale=1):
                with gr.Row():
                    depth = gr.Radio([1, 2, 3], value=AE_DEFAULT_DEPTH, label="Conv layers (depth)")
                    latent_dim = gr.Dropdown(list(AE_LATENT_DIMS), value=10, label="Latent size d")
                with gr.Row():
                    model_input = _digit_image("What the model sees (28x28)", interactive=False, value=INITIAL[1])
                    reconstruction = _digit_image("Reconstruction", interactive=False, value=INITIAL[0])
                summary = gr.Markdown(INITIAL[2], label="Reconstruction error")
        comparison = gr.Image(label="The same digits at every shipped d (first column: yours)", format="png",
                              interactive=False, elem_classes="pixelated", value=INITIAL[3])
        gr.Plot(mse_curve(ZOO.mse_curves(), title="Test reconstruction error against latent size"))

    index.change(test_digit, index, digit_input, api_name="test_digit")
    random_button.click(random_index, None, index, api_name="random_index")
    use_drawing_button.click(use_drawing, sketch, digit_input, api_name="use_drawing")
    reconstruct_inputs = [digit_input, latent_dim, depth]
    reconstruct_outputs = [reconstruction, model_input, summary, comparison]
    gr.on([digit_input.change, latent_dim.change], reconstruct, reconstruct_inputs, reconstruct_outputs,
          api_name="reconstruct", preprocess=False)
    depth.change(latent_dims_for_depth, [depth, latent_dim], latent_dim, api_name="latent_dims_for_depth").then(
        reconstruct, reconstruct_inputs, reconstruct_outputs, api_visibility="private", preprocess=False)


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=4).launch(max_file_size="20mb", css=CSS)
