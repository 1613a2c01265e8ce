"""Live autoencoder training, in the Reconstruction tab: the course's autoencoders trained from scratch
on this machine, with their settings one click away."""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.latent import moments_table
from nnimg.live_training import AE_OPTIMIZERS, live_autoencoder_config, train_autoencoder_live
from nnimg.plots import coordinate_histograms, image_grid, live_autoencoder_curves
from nnimg.registry import AE_LIVE_PRESETS
from nnimg.ui import checks, live
from nnimg.ui.lab import lab
from nnimg.ui.widgets import image_output

TEST_DIGITS = 1000  # the test MSE's digits
KNOBS = ("latent_dim", "depth", "fc", "batchnorm", "uniform_weight", "optimizer", "lr", "batch_size")


def ae_live(latent_dim: float, depth: float, fc: bool, batchnorm: bool, uniform_weight: float, optimizer: str,
            lr: float, seconds: float, seed: float, batch_size: float = 128):
    """Train an autoencoder from scratch on the 11,000 shipped training digits for `seconds`; stream its
    curves, 16 test digits with their reconstructions, the code histograms (with a moment weight) and a
    summary whose test MSE is measured on 1,000 test digits."""
    latent_dim = checks.bounded(latent_dim, "latent size", 2, 100)
    depth = checks.one_of(checks.whole_number(depth, "number of conv layers"), (1, 2, 3), "number of conv layers")
    uniform_weight = checks.between(uniform_weight, "moment-matching weight", 0, 10)
    optimizer = checks.one_of(optimizer, AE_OPTIMIZERS, "optimizer")
    lr = checks.between(lr, "learning rate", 1e-5, 1.0)
    seconds, seed = live.budget(seconds), checks.seed(seed)
    batch_size = checks.bounded(batch_size, "batch size", 8, 512)
    try:
        config = live_autoencoder_config(latent_dim, depth, fully_connected=bool(fc), batchnorm=bool(batchnorm),
                                         uniform=uniform_weight > 0)
    except ValueError as error:
        raise gr.Error(f"{error}: turn the fully connected layers on, or choose such a d.") from None
    test = lab().test_x[:TEST_DIGITS]
    events = train_autoencoder_live(config, lab().training_digits, test, optimizer=optimizer, lr=lr,
                                    batch_size=batch_size, moment_weight=uniform_weight, seed=seed)
    records, tests = [], []

    def show(event: dict, elapsed: float) -> list:
        records.extend(event["records"])
        tests.append({"step": event["step"], "test_mse": event["test_mse"]})
        summary = {"steps": event["step"], "seconds": round(elapsed, 1), "epochs": event["epoch"],
                   "test_mse": event["test_mse"], "test_digits": TEST_DIGITS,
                   "train_mse": float(np.mean([record["mse"] for record in event["records"]])),
                   "config": config.to_dict(), "optimizer": optimizer, "lr": lr, "batch_size": batch_size}
        histograms = None
        if uniform_weight > 0:
            summary["moments"] = moments_table(event["codes"])
            shown = min(latent_dim, 10)
            histograms = coordinate_histograms({"test codes": event["codes"].numpy()}, coordinates=shown,
                                               title=f"The first {shown} coordinates of 1,000 test codes")
        digits, reconstructions = event["digits"].numpy(), event["reconstructions"].numpy()
        grid = image_grid(np.concatenate([digits[:8], reconstructions[:8], digits[8:], reconstructions[8:]]),
                          columns=8)
        status = (f"Step {event['step']} (epoch {event['epoch']}), {elapsed:.0f} of {seconds} s: test MSE "
                  f"**{event['test_mse']:.4f}** on {TEST_DIGITS:,} test digits.")
        return [status, live_autoencoder_curves(records, tests, with_loss=uniform_weight > 0), grid, histograms,
                summary]

    yield from live.stream(events, show, seconds=seconds, planned=f"a {seconds} s budget")


def preset_values(name: str) -> list:
    """The knobs' values of a preset, in KNOBS' order."""
    preset = AE_LIVE_PRESETS[checks.one_of(name, AE_LIVE_PRESETS, "preset")]
    return [preset[knob] for knob in KNOBS]


def build() -> None:
    """The live autoencoder's layout and events (inside the Reconstruction tab)."""
    gr.Markdown("Train an autoencoder from scratch on 11,000 training digits, on this machine's CPU, and watch it "
                f"learn (at most {live.MAX_SECONDS // 60} minutes). Without fully connected layers the code is "
                "the last convolution's map (docs/course.md, finding 11); a moment weight above 0 pushes the codes "
                "toward Uniform[0, 1] (section 1). Adam is AdamW with weight decay 0.05, as the shipped models; "
                "SGD has momentum 0.9. The learning rate stays constant.")
    preset = gr.Radio(list(AE_LIVE_PRESETS), value=next(iter(AE_LIVE_PRESETS)),
                      label="Start from the course's settings")
    with gr.Row():
        latent_dim = gr.Slider(2, 100, value=16, step=1, precision=0, label="Latent size d")
        depth = gr.Radio([1, 2, 3], value=3, label="Conv layers")
        with gr.Column(min_width=200):
            fc = gr.Checkbox(False, label="Fully connected layers")
            batchnorm = gr.Checkbox(True, label="BatchNorm")
    with gr.Row():
        uniform_weight = gr.Number(0.0, minimum=0, maximum=10, label="Moment-matching weight (0: plain)")
        optimizer = gr.Radio(list(AE_OPTIMIZERS), value="adam", label="Optimizer")
        lr = gr.Number(3e-3, minimum=1e-5, maximum=1.0, label="Learning rate")
        batch_size = gr.Slider(8, 512, value=128, step=8, precision=0, label="Batch size")
    with gr.Row():
        seconds = gr.Slider(5, live.MAX_SECONDS, value=live.DEFAULT_SECONDS, step=5, precision=0, label="Seconds")
        seed = gr.Number(0, precision=0, minimum=0, label="Seed")
    train_button, stop_button = live.controls()
    status = gr.Markdown(label="Status")
    with gr.Row():
        curves = gr.Plot(label="Train and test loss", show_label=False)
        grid = image_output("Rows 1 and 3: test digits; rows 2 and 4: their reconstructions")
    histograms = gr.Plot(label="Code histograms", show_label=False)
    summary = gr.JSON(label="Measured")
    knobs = [latent_dim, depth, fc, batchnorm, uniform_weight, optimizer, lr, batch_size]
    preset.change(preset_values, preset, knobs, api_visibility="private", preprocess=False)
    event = train_button.click(ae_live, [latent_dim, depth, fc, batchnorm, uniform_weight, optimizer, lr, seconds, seed,
                                         batch_size], [status, curves, grid, histograms, summary],
                               api_name="ae_live", preprocess=False, **live.LIVE)
    stop_button.click(None, cancels=[event], api_visibility="private")
