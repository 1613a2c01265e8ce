"""The Restoration tab: a damaged digit restored with GAN priors, autoencoder priors and a
Gaussian baseline, compared; and model inversion on its own."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from nnimg.data import to_tensor
from nnimg.metrics import classify, psnr, ssim
from nnimg.plots import image_rows, summary_curves
from nnimg.restore import DEGRADATIONS, Degraded, apply_mask, degrade, window_mask
from nnimg.ui import checks, jobs, own_pictures
from nnimg.ui.digit_input import test_digit, use_drawing
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import HEAVY, OnLoad, as_uint8, captioned_image, digit_image, drawing_input, small_image
from nnimg.zoo import RESTORATION_METHODS

MAX_STEPS = 1000
MAX_WINDOW, MAX_WINDOW_CORNER = 20, 26  # a custom window's size and its top-left corner's row and column
METHOD_NAMES = {"gan": "DCGAN prior", "latent-gan": "latent WGAN prior", "ae": "AE prior (MAP)",
                "uniform-ae": "uniform-latent AE prior", "classical": "Gaussian (Wiener / conditional mean)"}
CUSTOM_DEGRADATIONS = ("custom window", "painted mask")
INVERSION_PRIORS = ("gan", "latent-gan")
DATA_TERMS = ("l2", "l1")  # the GAN priors' fit to the known pixels (the course's write-ups used both)
INVERSION_LOSSES = {"mse": 0.0, "perceptual": 1.0}  # the weight of the perceptual term (restore.py)


def _degraded(clean: torch.Tensor, degradation: str, seed: int, window: tuple = (10, 9, 9),
              editor: dict | None = None) -> Degraded:
    degradation = checks.one_of(degradation, DEGRADATIONS + CUSTOM_DEGRADATIONS, "degradation")
    if degradation in DEGRADATIONS:
        return degrade(clean, degradation, seed=seed)
    if degradation == "custom window":
        size = checks.bounded(window[0], "window size", 2, MAX_WINDOW)
        top, left = (checks.bounded(value, f"window's {side}", 0, MAX_WINDOW_CORNER)
                     for value, side in zip(window[1:], ("top", "left")))
        try:
            return apply_mask(clean, window_mask(size, top=top, left=left))
        except ValueError as error:
            raise gr.Error(f"The window does not fit: {error}.") from None
    return apply_mask(clean, checks.painted_known(editor, unpainted="Paint over the part of the digit to erase first."))


def _method_events(method: str, degraded: Degraded, steps: int, seed: int, norm: str = "l2",
                   perceptual: float = 0.0):
    checks.one_of(method, RESTORATION_METHODS, "method")
    with checks.user_errors():
        yield from lab().zoo.restore(method, degraded, steps=steps, seed=seed, norm=norm, perceptual=perceptual)


def _judge(restored: torch.Tensor, clean: torch.Tensor) -> tuple[float, float, int | str, str]:
    """PSNR and SSIM against the clean digit, and the classifier's label and confidence ("?" and the
    reason if the classifier cannot be loaded: only the label needs it)."""
    quality = float(psnr(restored, clean)[0]), float(ssim(restored, clean)[0])
    try:
        with checks.user_errors():
            labels, confidence = classify(lab().zoo.classifier, restored)
    except gr.Error as error:
        return *quality, "?", error.message
    return *quality, int(labels[0]), f"{float(confidence[0]):.0%}"


def _inputs(image, steps: float, seed: float) -> tuple[torch.Tensor, int, int]:
    clean = to_tensor(checks.digit(image)[None])
    return clean, checks.bounded(steps, "number of steps", 10, MAX_STEPS), checks.seed(seed)


@jobs.capped("Restoration")
def restore(image, degradation: str, method: str, steps: float, seed: float):
    """Degrade the digit (server-side, with the seed) and restore it with one method; streams the
    current estimate every 25 steps. Outputs: the restored 28x28, the degraded input, a summary."""
    clean, steps, seed = _inputs(image, steps, seed)
    degraded = degrade(clean, checks.one_of(degradation, DEGRADATIONS, "degradation"), seed=seed)
    observed = as_uint8(degraded.observed)
    for event in _method_events(method, degraded, steps, seed):
        if "restored" in event:
            value, similarity, label, confidence = _judge(event["restored"], clean)
            yield (as_uint8(event["restored"]), observed, f"**PSNR {value:.2f} dB, SSIM {similarity:.3f}**; the "
                   f"classifier reads {label} ({confidence}).")
        else:
            yield as_uint8(event["estimate"]), observed, f"step {event['step']}/{steps}, loss {event['loss']:.4f}"


@jobs.capped("Restoration")
def restore_compare(image, degradation: str, methods: list[str], steps: float, seed: float, window_size: float,
                    window_top: float, window_left: float, editor: dict | None, norm: str = "l2"):
    """Every chosen method on the same degraded digit: live estimates, then one row per method with
    PSNR, SSIM and the classifier's label, and a before/after slider for the best. `norm` is the
    GAN priors' data term, "l2" or "l1". A method whose model is missing or broken is left out, and
    the status line says why."""
    clean, steps, seed = _inputs(image, steps, seed)
    norm = checks.one_of(norm, DATA_TERMS, "data term")
    methods = checks.chosen(methods, RESTORATION_METHODS, "method")
    if not methods:
        raise gr.Error("Choose at least one method.")
    degraded = _degraded(clean, degradation, seed, (window_size, window_top, window_left), editor)
    observed = degraded.observed.clamp(0, 1)
    results, table, left_out = [], [], []
    for method in methods:
        try:
            for event in _method_events(method, degraded, steps, seed, norm):
                if "restored" not in event:
                    yield (None, None, table, f"{METHOD_NAMES[method]}: step {event['step']}/{steps}, "
                           f"loss {event['loss']:.4f}", as_uint8(event["estimate"]))
            value, similarity, label, confidence = _judge(event["restored"], clean)
        except gr.Error as error:
            left_out.append(f"the {METHOD_NAMES[method]} ({error.message})")
            continue
        results.append((method, event["restored"], value))
        table.append([METHOD_NAMES[method], round(value, 2), round(similarity, 3), label,
                      "?" if label == "?" else confidence])
    if not results:
        raise gr.Error(f"No method could run: {'; '.join(left_out)}.")
    before = _judge(observed, clean)
    table.insert(0, ["degraded input", round(before[0], 2), round(before[1], 3), before[2],
                     "?" if before[2] == "?" else before[3]])
    frames = torch.cat([clean, observed] + [restored for _, restored, _ in results])[:, 0].numpy()
    captions = ["clean", f"input {before[0]:.1f} dB"] + [f"{method} {value:.1f} dB" for method, _, value in results]
    rows = image_rows([("", frames, captions)])
    best = max(results, key=lambda result: result[2])
    slider = (as_uint8(observed), as_uint8(best[1]))
    status = f"Done: the best here is the {METHOD_NAMES[best[0]]}." + (
        f" Left out: {'; '.join(left_out)}." if left_out else "") + (
        f" No labels: {before[3]}" if before[2] == "?" else "")
    yield rows, slider, table, status, as_uint8(best[1])


@jobs.capped("Inversion")
def invert(image, prior: str, steps: float, seed: float, loss: str = "mse"):
    """Model inversion: the closest image a generator can make, and the loss along the way; `loss`
    "mse", or "perceptual" (MSE plus the distance of the reference classifier's first features)."""
    clean, steps, seed = _inputs(image, steps, seed)
    if prior not in INVERSION_PRIORS:
        raise gr.Error("Invert the DCGAN ('gan') or the latent WGAN ('latent-gan').")
    perceptual = INVERSION_LOSSES[checks.one_of(loss, INVERSION_LOSSES, "loss")]
    history = {}
    nothing_hidden = apply_mask(clean, torch.ones(1, 1, 28, 28))
    for event in _method_events(prior, nothing_hidden, steps, seed, perceptual=perceptual):
        history[event["step"]] = event["loss"]
        figure = summary_curves({"loss of the best restart": history}, title="Inversion loss", y_title=loss)
        figure.update_xaxes(title="step", type="linear", tickvals=None)
        yield as_uint8(event["estimate"]), figure, f"step {event['step']}/{steps}: loss {event['loss']:.4f}"


def mask_canvas(image) -> dict:
    """The digit enlarged 10x, as the background to paint a mask on; a cleared input, an empty canvas."""
    if image is None:
        return None
    enlarged = np.kron(checks.digit(image), np.ones((10, 10), dtype=np.uint8))
    return {"background": np.stack([enlarged] * 3, axis=-1), "layers": [], "composite": None}


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("Restoration")
    nine = lab().first_of_each_digit[9]
    gr.Markdown("Restore a damaged digit with a generative prior: search a GAN's noise for an image that "
                "matches what is left (16 random starts, averaged by how well each fits; known pixels are kept), "
                "or move the image itself toward what an autoencoder reproduces (MAP from the Gaussian fill; the "
                "AEs with d = 20 for noise, d = 10 for masks); beside a Gaussian model of digits (Wiener filter, "
                "conditional mean).")
    with gr.Row():
        with gr.Column(scale=1):
            image = digit_image("Digit (upload, paste, or pick / draw below)", type="filepath",
                                sources=["upload", "clipboard"], value=lab().test_images[nine])
            index = gr.Number(label="Or a test index (0-9999)", value=nine, precision=0, minimum=0,
                              maximum=len(lab().test_images) - 1)
            sketch, use_drawing_button = drawing_input("Or draw a digit")
        with gr.Column(scale=2):
            degradation = gr.Radio(list(DEGRADATIONS + CUSTOM_DEGRADATIONS), value="window-10", label="Degradation")
            with gr.Row():
                window_size = gr.Slider(2, MAX_WINDOW, value=10, step=1, precision=0, label="Custom window: size")
                window_top = gr.Slider(0, MAX_WINDOW_CORNER, value=9, step=1, precision=0, label="top")
                window_left = gr.Slider(0, MAX_WINDOW_CORNER, value=9, step=1, precision=0, label="left")
            methods = gr.CheckboxGroup([(name, key) for key, name in METHOD_NAMES.items()],
                                       value=list(RESTORATION_METHODS), label="Methods to compare")
            norm = gr.Radio([("L2 (squared error)", "l2"), ("L1 (absolute error)", "l1")], value="l2",
                            label="Data term of the GAN priors")
            with gr.Row():
                steps = gr.Slider(10, MAX_STEPS, value=300, step=10, precision=0, label="Optimisation steps")
                seed = gr.Number(0, precision=0, label="Seed")
            button = gr.Button("Restore", variant="primary")
    with gr.Accordion("Paint a mask (choose 'painted mask' above)", open=False):
        editor = gr.ImageEditor(type="numpy", image_mode="RGBA", format="png", canvas_size=(280, 280), layers=False,
                                sources=(), elem_classes="sketch",
                                brush=gr.Brush(colors=["#ff0000"], default_size=20, color_mode="fixed"),
                                label="Paint over what to erase")
    status = gr.Markdown(label="Status")
    with gr.Row():
        live = small_image("Current estimate")
        slider = gr.ImageSlider(label="Degraded (left) and restored by the best method (right): drag the line",
                                type="numpy", format="png", height=280, elem_classes="before-after")
    rows = captioned_image("Clean, degraded, and each method")
    table = gr.Dataframe(headers=["method", "PSNR (dB)", "SSIM", "label", "confidence"], interactive=False,
                         label="Scores", show_label=False)
    with gr.Accordion("Inversion on its own", open=False):
        with gr.Row():
            prior = gr.Radio(list(INVERSION_PRIORS), value="gan", label="Generator")
            inversion_loss = gr.Radio([("MSE", "mse"), ("MSE + perceptual (classifier features)", "perceptual")],
                                      value="mse", label="Loss")
            invert_button = gr.Button("Invert")
        with gr.Row():
            best_match = small_image("G's best match")
            inversion_curve = gr.Plot(label="Loss curve", show_label=False)
        inversion_status = gr.Markdown(label="Status")
    with gr.Accordion("One method, for scripts (the /restore endpoint)", open=False):
        with gr.Row():
            single_degradation = gr.Radio(list(DEGRADATIONS), value="window-10", label="Degradation")
            method = gr.Radio(list(RESTORATION_METHODS), value="latent-gan", label="Method")
        single_button = gr.Button("Restore with this method")
        with gr.Row():
            single_restored = small_image("Restored 28x28")
            single_observed = small_image("Degraded input")
        single_summary = gr.Markdown(label="PSNR, SSIM and label")

    index.change(test_digit, index, image, api_name="restoration_test_digit", preprocess=False)
    use_drawing_button.click(use_drawing, sketch, image, api_name="restoration_use_drawing", preprocess=False)
    image.change(mask_canvas, image, editor, api_name="mask_canvas", preprocess=False)
    compare_inputs = [image, degradation, methods, steps, seed, window_size, window_top, window_left, editor, norm]
    button.click(restore_compare, compare_inputs, [rows, slider, table, status, live], api_name="restore_compare",
                 preprocess=False, **HEAVY)
    invert_inputs = [image, prior, steps, seed, inversion_loss]
    invert_button.click(invert, invert_inputs, [best_match, inversion_curve, inversion_status], api_name="invert",
                        preprocess=False, **HEAVY)
    single_button.click(restore, [image, single_degradation, method, steps, seed],
                        [single_restored, single_observed, single_summary], api_name="restore", preprocess=False,
                        **HEAVY)
    own_pictures.build()
    return [(mask_canvas, [image], editor)]
