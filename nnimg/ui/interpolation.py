"""The Interpolation tab: straight lines between two codes of an autoencoder, and paths in a
latent GAN's noise space."""

from __future__ import annotations

import gradio as gr
import numpy as np

from nnimg.data import to_tensor
from nnimg.latent import decode_and_classify, encode, interpolate_codes
from nnimg.metrics import classify
from nnimg.plots import image_grid, image_rows
from nnimg.registry import AE_DEFAULT_DEPTH, AE_LATENT_DIMS, autoencoder_name, shipped
from nnimg.sampling import generate, label_path, noise, noise_path
from nnimg.ui import checks
from nnimg.ui.findings_panel import findings_panel
from nnimg.ui.lab import lab
from nnimg.ui.widgets import DIGIT_CHOICES, OnLoad, captioned_image, captions, digit_image, image_output

MAX_STEPS = 16
PRESET_PAIRS = {"1 → 5": (1, 5), "3 → 6": (3, 6), "0 → 4": (0, 4)}  # the write-ups' pairs


def interpolation_preset(pair: str):
    """The write-ups' pairs (1 -> 5, 3 -> 6, 0 -> 4) as two test digits."""
    first, second = PRESET_PAIRS[checks.one_of(pair, PRESET_PAIRS, "pair")]
    images, examples = lab().test_images, lab().first_of_each_digit
    return images[examples[first]], images[examples[second]]


def _frames(model_name: str, digit_a: np.ndarray, digit_b: np.ndarray, steps: int):
    """Decoded frames of the straight line between the two digits' codes, with the classifier's reading."""
    with checks.user_errors():
        model, classifier = lab().zoo.named_autoencoder(model_name), lab().zoo.classifier
    ends = encode(model, to_tensor(np.stack([digit_a, digit_b])))
    return decode_and_classify(model, classifier, interpolate_codes(ends[0], ends[1], steps))


def interpolate(image_a, image_b, latent_dim: float, steps: float):
    """Decode (1 - a) E(x1) + a E(x2) with the plain AE of size d: the strip (steps frames of
    28x28 side by side) and the classifier's reading of each frame. A cleared input clears them."""
    if image_a is None or image_b is None:
        return None, ""
    digit_a, digit_b = checks.digit(image_a), checks.digit(image_b)
    latent_dim = checks.whole_number(latent_dim, "latent size")
    steps = checks.bounded(steps, "number of steps", 2, MAX_STEPS)
    images, labels, confidence = _frames(autoencoder_name(latent_dim, AE_DEFAULT_DEPTH), digit_a, digit_b, steps)
    return image_grid(images, columns=steps), " → ".join(captions(labels, confidence, lab().is_digit(images)))


def interpolate_rows(image_a, image_b, model_names: list[str], steps: float):
    """One strip per chosen AE, with the classifier's label and confidence under each frame. A cleared
    input clears the strips."""
    if image_a is None or image_b is None:
        return None
    digit_a, digit_b = checks.digit(image_a), checks.digit(image_b)
    steps = checks.bounded(steps, "number of steps", 2, MAX_STEPS)
    model_names = checks.chosen(model_names or [], lab().zoo.shipped, "autoencoder")
    if not model_names:
        raise gr.Error("Choose at least one autoencoder to interpolate with.")
    rows, missing = [], []
    for name in model_names:
        try:
            images, labels, confidence = _frames(name, digit_a, digit_b, steps)
        except gr.Error as error:
            missing.append(str(error))
            continue
        rows.append((shipped(name).display, images, captions(labels, confidence, lab().is_digit(images))))
    if not rows:
        raise gr.Error(" ".join(missing))
    for message in missing:
        gr.Warning(message)
    return image_rows(rows)


def interpolate_noise(seed_a: float, seed_b: float, digit_a, digit_b, steps: float):
    """Paths in the latent WGANs' noise space: the unconditional WGAN from the noise of seed A to
    that of seed B; the conditional one from digit A to digit B (noise of seed A), with the
    classifier's reading under each frame."""
    seed_a, seed_b = checks.seed(seed_a, "seed A"), checks.seed(seed_b, "seed B")
    steps = checks.bounded(steps, "number of steps", 2, MAX_STEPS)
    first, second = checks.asked_digit(digit_a), checks.asked_digit(digit_b)
    zoo, rows = lab().zoo, []
    with checks.user_errors():
        classifier = zoo.classifier
        generator, autoencoder = zoo.sampler(conditional=False)
        frames = generate(generator, autoencoder, noise_path(generator.config.noise_dim, seed_a, seed_b, steps))
        rows.append((f"WGAN noise, seed {seed_a} -> {seed_b}", frames))
        if first is not None and second is not None:
            generator, autoencoder = zoo.sampler(conditional=True)
            z = noise(1, generator.config.noise_dim, seed=seed_a).repeat(steps, 1)
            rows.append((f"cWGAN label, {first} -> {second}",
                         generate(generator, autoencoder, z, label_path(first, second, steps))))
    captioned = []
    for label, frames in rows:
        labels, confidence = classify(classifier, frames.unsqueeze(1))
        captioned.append((label, frames.numpy(), captions(labels, confidence, lab().is_digit(frames))))
    return image_rows(captioned)


def build() -> OnLoad:
    """The tab's layout and events; returns what to run when the page opens."""
    findings_panel("Interpolation")
    images, examples = lab().test_images, lab().first_of_each_digit
    gr.Markdown("Decode (1 - a) E(x1) + a E(x2) from a = 0 to 1. Under each frame: the reference classifier's "
                "label and confidence, so you can see where the path leaves the digits.")
    with gr.Row():
        image_a = digit_image("First digit", type="filepath", sources=["upload", "clipboard"],
                              value=images[examples[1]])
        image_b = digit_image("Second digit", type="filepath", sources=["upload", "clipboard"],
                              value=images[examples[5]])
        with gr.Column():
            pair = gr.Radio(list(PRESET_PAIRS), value="1 → 5", label="The write-ups' pairs")
            steps = gr.Slider(2, MAX_STEPS, value=9, step=1, precision=0, label="Steps")
            model_names = gr.CheckboxGroup(lab().autoencoder_choices(),
                                           value=["ae_d10_l2", "ae_d20_l2", "ae_uniform_d10_l2"],
                                           label="Autoencoders to compare")
            button = gr.Button("Interpolate", variant="primary")
    rows = captioned_image("One row per autoencoder")
    gr.Markdown("### In a GAN's noise space\nThe latent WGAN's generator maps noise to AE codes. Walking in its "
                "noise (or, for the conditional WGAN, between two digit labels) tends to stay on digits, where the "
                "AE's straight lines above leave them.")
    with gr.Row():
        seed_a = gr.Number(0, precision=0, label="Seed A")
        seed_b = gr.Number(1, precision=0, label="Seed B")
        digit_a = gr.Dropdown(DIGIT_CHOICES, value="6", label="Digit A (conditional row)")
        digit_b = gr.Dropdown(DIGIT_CHOICES, value="7", label="Digit B (conditional row)")
        noise_button = gr.Button("Interpolate in noise space")
    noise_rows = captioned_image("Noise-space paths")
    with gr.Accordion("One strip as an exact PNG (the /interpolate endpoint)", open=False):
        latent_dim = gr.Dropdown(list(AE_LATENT_DIMS), value=10, label="Latent size d")
        strip = image_output("Strip: steps frames of 28x28, side by side")
        readings = gr.Textbox(label="Classifier's reading of each frame")

    pair.change(interpolation_preset, pair, [image_a, image_b], api_name="interpolation_preset", preprocess=False)
    rows_inputs = [image_a, image_b, model_names, steps]
    gr.on([button.click, image_a.change, image_b.change, steps.release], interpolate_rows, rows_inputs, rows,
          api_name="interpolate_rows", preprocess=False)
    gr.on([button.click, latent_dim.change], interpolate, [image_a, image_b, latent_dim, steps], [strip, readings],
          api_name="interpolate", preprocess=False)
    noise_inputs = [seed_a, seed_b, digit_a, digit_b, steps]
    noise_button.click(interpolate_noise, noise_inputs, noise_rows, api_name="interpolate_noise", preprocess=False)
    return [(interpolate_rows, rows_inputs, rows), (interpolate_noise, noise_inputs, noise_rows)]
