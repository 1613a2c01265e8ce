"""The Reconstruction tab: a digit through the autoencoder of a chosen latent size and depth."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np

from nnimg.checkpoints import CheckpointError
from nnimg.plots import image_rows, mse_curve
from nnimg.data import to_tensor
from nnimg.latent import decode, encode
from nnimg.registry import AE_DEFAULT_DEPTH, AE_LATENT_DIMS, NO_FC_AUTOENCODER, autoencoder_name, shipped
from nnimg.ui import ae_live, checks
from nnimg.ui.digit_input import random_index, test_digit, use_drawing
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import Lab, lab
from nnimg.ui.widgets import OnLoad, captioned_image, digit_image, drawing_input, small_image
from nnimg.zoo import read_metrics

DEPTHS = (1, 2, 3)  # the autoencoders' numbers of conv layers


def latent_dims_for_depth(depth: int, latent_dim: int) -> gr.Dropdown:
    """Offer only the latent sizes that ship at this depth, keeping the current one if it does. Its
    event runs without preprocessing: the dropdown's narrowed choices stay in the session's state, and
    Gradio would then refuse a latent size of another depth in the next call."""
    dims = lab().zoo.latent_dims(checks.one_of(checks.whole_number(depth, "depth"), DEPTHS, "depth"))
    latent_dim = checks.whole_number(latent_dim, "latent size")
    value = latent_dim if latent_dim in dims else min(dims, key=lambda d: abs(d - latent_dim))
    return gr.Dropdown(choices=dims, value=value)


def _examples_reconstructed(latent_dim: int, depth: int) -> np.ndarray:
    """The one-of-each-digit examples through the AE of `latent_dim` and `depth` (computed once)."""
    examples = lab().test_images[lab().first_of_each_digit]
    return lab().cached(("examples reconstructed", latent_dim, depth),
                        lambda: lab().zoo.reconstruct(examples, latent_dim, depth)[0])


@functools.lru_cache(maxsize=256)  # a class on the same preset digit: each digit goes through the AEs once
def _through_every_dim(the_lab: Lab, digit_bytes: bytes, depth: int) -> tuple[dict, tuple[int, ...]]:
    """A 28x28 uint8 digit through the AE of every shipped d at `depth`: {d: (reconstruction, MSE)}, and the
    d whose checkpoint is missing."""
    digit = np.frombuffer(digit_bytes, dtype=np.uint8).reshape(1, 28, 28)
    done, missing = {}, []
    for d in the_lab.zoo.latent_dims(depth):
        try:
            reconstruction, mse = the_lab.zoo.reconstruct(digit, d, depth)
            done[d] = (reconstruction, float(mse[0]))
        except CheckpointError:
            missing.append(d)
    return done, tuple(missing)


def reconstruct(image: dict | str | None, latent_dim: int, depth: int):
    """Reconstruct a digit with the chosen AE; also show it, beside one of each digit, at every shipped d
    of that depth. A cleared input clears the outputs."""
    if image is None:
        return None, None, "", None
    digit = checks.digit(image)
    latent_dim, depth = checks.whole_number(latent_dim, "latent size"), checks.whole_number(depth, "depth")
    done, missing = _through_every_dim(lab(), digit.astype(np.uint8).tobytes(), depth)
    if latent_dim in done:
        reconstruction, mse = done[latent_dim]
    else:
        with checks.user_errors():  # not shipped, or its checkpoint broken: the zoo says which, in a sentence
            reconstruction, mse = lab().zoo.reconstruct(digit[None], latent_dim, depth)
        mse = float(mse[0])
    rows = [("input", np.concatenate([digit[None], lab().test_images[lab().first_of_each_digit]]), None)]
    rows += [(f"d = {d}", np.concatenate([yours, _examples_reconstructed(d, depth)]), None)
             for d, (yours, _) in done.items()]
    for d in missing:
        gr.Warning(f"The d = {d}, depth {depth} checkpoint is missing; its row is left out.")
    summary = f"**MSE per pixel: {mse:.5f}** (d = {latent_dim}, {depth} conv layer{'s' * (depth > 1)})"
    return (reconstruction[0] * 255).round().astype(np.uint8), digit, summary, image_rows(rows, max_columns=11)


def compare_fc(image: dict | str | None):
    """The digit and one of each digit through the AE without FC layers (the course's first) and the
    d = 15 AE with them, same recipe; and their test MSEs."""
    digit = checks.digit(image)
    digits = np.concatenate([digit[None], lab().test_images[lab().first_of_each_digit]])
    x = to_tensor(digits)
    rows, errors = [("input", digits, None)], []
    for name in (NO_FC_AUTOENCODER, autoencoder_name(15, AE_DEFAULT_DEPTH)):
        entry = shipped(name)
        with checks.user_errors():
            model = lab().zoo.model(entry)
        rows.append((entry.display.split(" (")[0], decode(model, encode(model, x))[:, 0].numpy(), None))
        mse = (read_metrics(entry.metrics_path) or {}).get("test_mse", float("nan"))
        errors.append(f"{entry.display}: test MSE {mse:.4f}")
    return image_rows(rows, max_columns=11), "; ".join(errors) + "."


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("Reconstruction")
    test_images, examples = lab().test_images, lab().first_of_each_digit
    with gr.Row():
        with gr.Column(scale=1):
            digit_input = digit_image("Digit (upload, paste, or pick below)", type="filepath", value=test_images[0],
                                      sources=["upload", "clipboard"])
            with gr.Accordion("Pick from the MNIST test split", open=True):
                with gr.Row():
                    index = gr.Number(label="Test index (0-9999)", value=0, precision=0, minimum=0, maximum=9999)
                    random_button = gr.Button("Random digit")
                gr.Examples([[i] for i in examples], inputs=index, label="One of each digit",
                            example_labels=[f"a {digit}" for digit in range(10)])
            sketch, use_drawing_button = drawing_input("Draw a digit")
        with gr.Column(scale=1):
            with gr.Row():
                depth = gr.Radio(list(DEPTHS), value=AE_DEFAULT_DEPTH, label="Conv layers (depth)")
                latent_dim = gr.Dropdown(list(AE_LATENT_DIMS), value=10, label="Latent size d")
            with gr.Row():
                model_input = small_image("What the model sees (28x28)")
                reconstruction = small_image("Reconstruction")
            summary = gr.Markdown(label="MSE per pixel")
    comparison = captioned_image("The same digits at every shipped d (first column: yours)")
    gr.Plot(mse_curve(lab().zoo.mse_curves(), title="Test reconstruction error against latent size"))
    with gr.Accordion("Without fully connected layers (the course's first autoencoder)", open=False):
        gr.Markdown("The code is the last convolution's 4x4 map of one channel (d = 16), beside the d = 15 "
                    "autoencoder with FC layers, trained with the same recipe.")
        fc_button = gr.Button("Compare on this digit")
        fc_rows = captioned_image("Input, without FC layers, with FC layers")
        fc_summary = gr.Markdown(label="Test MSEs")
    with gr.Accordion("Train an autoencoder live", open=False):
        ae_live.build()

    index.change(test_digit, index, digit_input, api_name="test_digit", preprocess=False)
    random_button.click(random_index, None, index, api_name="random_index")
    use_drawing_button.click(use_drawing, sketch, digit_input, api_name="use_drawing", preprocess=False)
    inputs, outputs = [digit_input, latent_dim, depth], [reconstruction, model_input, summary, comparison]
    gr.on([digit_input.change, latent_dim.change], reconstruct, inputs, outputs, api_name="reconstruct",
          preprocess=False)
    depth.change(latent_dims_for_depth, [depth, latent_dim], latent_dim, api_name="latent_dims_for_depth",
                 preprocess=False).then(
        reconstruct, inputs, outputs, api_visibility="private", preprocess=False)
    fc_button.click(compare_fc, digit_input, [fc_rows, fc_summary], api_name="compare_fc", preprocess=False)
    return [(reconstruct, inputs, outputs)]
