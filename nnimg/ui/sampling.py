"""The Sampling tab: digits drawn by GANs on the autoencoder's latent space, and how they trained."""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.grids import read_snapshots
from nnimg.metrics import classify
from nnimg.plots import critic_curves, digit_share_bars, image_grid, image_rows
from nnimg.registry import (CONDITIONAL_SAMPLER, LATENT_GAN_MODELS, UNCONDITIONAL_SAMPLER, latent_gan,
                            shipped_latent_gans, with_role)
from nnimg.sampling import sample_digits
from nnimg.ui import checks, latent_gan_live
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import DIGIT_CHOICES, OnLoad, captioned_image, captions, image_output
from nnimg.zoo import read_metrics

MAX_SAMPLES, PER_ROW, MAX_SNAPSHOT = 100, 10, 9
CONDITIONAL_MODEL = with_role(CONDITIONAL_SAMPLER).model


def sample(digit, count: float, seed: float, model: str = CONDITIONAL_MODEL):
    """Decoder(G(z)) samples of a latent GAN (any shipped one by name): of the asked digit from a
    conditional model (digits 0-9 in turn for 'any'), or from an unconditional one ('any' only);
    the grid (10 per row, no borders), a captioned copy, a summary and the classifier's tally."""
    digit = checks.asked_digit(digit)
    count, seed = checks.bounded(count, "number of samples", 1, MAX_SAMPLES), checks.seed(seed)
    entry = latent_gan(checks.one_of(model, LATENT_GAN_MODELS, "model"))
    with checks.user_errors():
        generator, autoencoder = lab().zoo.latent_gan(entry.model)
        classifier = lab().zoo.classifier
    conditional = generator.config.conditional
    if digit is not None and not conditional:
        raise gr.Error(f"The {entry.display} draws no chosen digit: ask for 'any', or pick a conditional model.")
    images = sample_digits(generator, autoencoder, count, seed=seed, digit=digit)
    labels, confidence = classify(classifier, images.unsqueeze(1))
    with checks.user_errors():
        digits = lab().is_digit(images)
    images = images.numpy()
    parts = [slice(start, start + PER_ROW) for start in range(0, count, PER_ROW)]
    rows = [("", images[part], captions(labels[part], confidence[part], digits[part])) for part in parts]
    read = np.where(digits, labels, -1)  # -1: the digit check says it is no digit
    tally = [[name, int((read == d).sum()), f"{(read == d).mean():.0%}"]
             for d, name in [(d, str(d)) for d in range(10)] + [(-1, "no digit")]]
    if digit is None:
        asked = ", digits 0-9 in turn" if conditional else ""
        summary = f"{count} samples from the {entry.display}{asked}; the classifier's reading below."
    else:
        summary = (f"The classifier reads **{digit}** in **{(labels == digit).mean():.0%}** of {count} samples "
                   f"asked of the {entry.display}.")
    return image_grid(images, columns=min(count, PER_ROW)), image_rows(rows), summary, tally


def latent_gan_training(model: str, snapshot: float):
    """Curves of one latent GAN's training and its decoded fixed-noise samples at a snapshot."""
    entry = latent_gan(checks.one_of(model, [s.model for s in shipped_latent_gans()], "model"))
    records = read_metrics(entry.metrics_path)
    if records is None:
        raise gr.Error(f"{entry.metrics_path.name} is missing. Train it with: {entry.train_command}")
    try:
        grids = read_snapshots(entry.samples_path)
    except OSError:
        message = f"{entry.samples_path.name} is missing or unreadable. Train it with: {entry.train_command}"
        raise gr.Error(message) from None
    snapshot = min(checks.bounded(snapshot, "snapshot", -1, MAX_SNAPSHOT), len(grids) - 1)  # -1 or past it: the last
    step = records["snapshot_steps"][snapshot]
    caption = f"Generator step {step} of {records['snapshot_steps'][-1]} ({records['steps_per_epoch']} per epoch)"
    return critic_curves(records["records"], title=entry.display), grids[snapshot], caption


def latent_gan_shares():
    """The share of each digit among 10,000 samples of every latent GAN (recorded after training)."""
    shares = {entry.display: records["quality_10000_samples"]["digit_shares"]
              for entry in shipped_latent_gans() if (records := read_metrics(entry.metrics_path))}
    if not shares:
        raise gr.Error("No latent GAN is trained yet. Train them with: python train/train_latent_gan.py --model all")
    return digit_share_bars(shares, title="Digits among 10,000 samples (a collapsed GAN favours a few)")


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("Sampling")
    gr.Markdown("A generator maps noise (and, for the conditional WGAN, a one-hot digit) to the codes of the "
                "d = 10 autoencoder; its decoder draws them. Ask for a digit and count how often the reference "
                "classifier agrees.")
    model_choices = [(s.display, s.model) for s in shipped_latent_gans()]
    with gr.Row():
        sampler = gr.Dropdown(model_choices, value=CONDITIONAL_MODEL, label="Generator")
        digit = gr.Dropdown(DIGIT_CHOICES, value="3", label="Digit ('any': every digit)")
        count = gr.Slider(1, MAX_SAMPLES, value=30, step=1, precision=0, label="Samples")
        seed = gr.Number(0, precision=0, label="Seed")
        button = gr.Button("Sample", variant="primary")
    summary = gr.Markdown(label="Summary")
    with gr.Row():
        captioned = captioned_image("Samples with the classifier's label and confidence")
        tally = gr.Dataframe(headers=["digit", "samples", "share"], label="What the classifier reads",
                             interactive=False)
    with gr.Accordion("The grid alone (the /sample endpoint's first output)", open=False):
        grid = image_output("10 per row, no borders")
    gr.Markdown("### Training")
    shares = gr.Plot()
    with gr.Row():
        model = gr.Dropdown(model_choices, value=with_role(UNCONDITIONAL_SAMPLER).model, label="Model")
        snapshot = gr.Slider(-1, MAX_SNAPSHOT, value=-1, step=1, precision=0,
                             label="Snapshot along training (-1: the end)")
    with gr.Row():
        curves = gr.Plot(label="Training curves", show_label=False)
        with gr.Column():
            snapshot_grid = image_output("64 fixed noise vectors, decoded")
            snapshot_caption = gr.Markdown(label="Step")
    with gr.Accordion("Train two latent GANs live", open=False):
        latent_gan_live.build()
    sample_inputs, sample_outputs = [digit, count, seed, sampler], [grid, captioned, summary, tally]
    gr.on([button.click, digit.change, sampler.change], sample, sample_inputs, sample_outputs, api_name="sample",
          preprocess=False)
    training_outputs = [curves, snapshot_grid, snapshot_caption]
    gr.on([model.change, snapshot.release], latent_gan_training, [model, snapshot], training_outputs,
          api_name="latent_gan_training", preprocess=False)
    return [(sample, sample_inputs, sample_outputs), (latent_gan_shares, [], shares),
            (latent_gan_training, [model, snapshot], training_outputs)]
