"""Restoration with a DCGAN trained on your own folder of pictures (train/train_dcgan.py --data DIR):
a picture (uploaded, or drawn by the model itself) degraded by noise, an 8x8 window or a painted mask,
or inverted as it is, restored by fitting G's latent vector; PSNR and SSIM against the clean picture."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch
from PIL import Image

from nnimg.data import channels_first, fit_image
from nnimg.metrics import psnr, ssim
from nnimg.models.dcgan import Generator
from nnimg.plots import as_uint8
from nnimg.registry import folder_dcgans
from nnimg.restore import Degraded, apply_mask, degrade
from nnimg.sampling import fresh_samples
from nnimg.ui import checks
from nnimg.ui.lab import lab
from nnimg.ui.widgets import HEAVY, small_image
from nnimg.zoo import restore_with_dcgan

PICTURE_DEGRADATIONS = ("none (inversion)", "noise-0.3", "noise-0.5", "window-8", "painted mask")
MAX_STEPS, CANVAS_SIDE = 1000, 256


def _generator(model: str) -> Generator:
    """The folder-trained DCGAN named `model`, or a gr.Error. `model` is the run's name, as the GAN losses
    tab's recipe ("mine": its non-saturating DCGAN if there is one, else its first loss), or a file stem
    ("dcgan_mine_least-squares")."""
    entries = {entry.name: entry for entry in folder_dcgans()}
    for entry in sorted(entries.values(), key=lambda entry: entry.loss != "non-saturating"):
        entries.setdefault(entry.recipe, entry)
    checks.one_of(model, entries, "model" if entries else "model (none is trained on a folder yet)")
    with checks.user_errors():
        return lab().zoo.model(entries[model])


def _model_choices() -> gr.Dropdown:
    """The model list, read afresh: the shipped faces and your own models."""
    return gr.Dropdown(choices=[(entry.display, entry.name) for entry in folder_dcgans()])


def _picture(generator: Generator, image) -> torch.Tensor:
    """An uploaded picture centre-cropped and resized as the model was trained: (1, C, size, size) floats."""
    pixels = checks.image_file(image)
    config = generator.config
    picture = fit_image(Image.fromarray(pixels), config.image_size, config.channels)
    return channels_first(torch.from_numpy(picture[None])).float() / 255


def _as_image(images: torch.Tensor) -> np.ndarray:
    """The first of (N, C, H, W) floats as uint8 (H, W) or (H, W, 3)."""
    image = images[0].clamp(0, 1)
    return as_uint8((image[0] if len(image) == 1 else image.permute(1, 2, 0)).numpy())


def _degraded(clean: torch.Tensor, degradation: str, seed: int, editor: dict | None) -> Degraded:
    degradation = checks.one_of(degradation, PICTURE_DEGRADATIONS, "degradation")
    if degradation == PICTURE_DEGRADATIONS[0]:
        return Degraded(clean, torch.ones_like(clean))
    if degradation == "painted mask":
        unpainted = "Paint over the part of the picture to erase first (or choose another degradation)."
        return apply_mask(clean, checks.painted_known(editor, unpainted=unpainted, side=clean.shape[-1]))
    return degrade(clean, degradation, seed=seed)


def model_picture(model: str, seed: float) -> np.ndarray:
    """A picture drawn by the model itself from `seed`: a test picture that G can surely match."""
    generator = _generator(model)
    samples = fresh_samples(generator, 1, checks.seed(seed))
    return as_uint8(samples[0].numpy())


def picture_canvas(model: str, image) -> np.ndarray:
    """The picture as the model sees it, enlarged to paint a mask on."""
    picture = _as_image(_picture(_generator(model), image))
    return np.asarray(Image.fromarray(picture).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.NEAREST))


def restore_picture(model: str, image, degradation: str, steps: float, seed: float, editor: dict | None = None):
    """Stream the degraded picture and G's best fit so far; finally the restored picture (known pixels
    kept for masks) and its PSNR and SSIM against the clean one, beside the degraded input's."""
    generator = _generator(model)
    clean = _picture(generator, image)
    steps, seed = checks.bounded(steps, "number of steps", 10, MAX_STEPS), checks.seed(seed)
    degraded = _degraded(clean, degradation, seed, editor)
    inversion = degradation == PICTURE_DEGRADATIONS[0]  # nothing is erased: G's best match is the answer
    shown = _as_image(degraded.observed)
    for event in restore_with_dcgan(generator, degraded, steps=steps, seed=seed):
        restored = event["estimate"] if inversion else event.get("restored", event["estimate"])
        if "restored" not in event:
            yield shown, _as_image(restored), f"Fitting G's latent vector: step {event['step']} of {steps}"
    before = f"PSNR {float(psnr(degraded.observed.clamp(0, 1), clean)):.1f} dB, " \
             f"SSIM {float(ssim(degraded.observed.clamp(0, 1), clean)):.3f}"
    after = f"PSNR {float(psnr(restored, clean)):.1f} dB, SSIM {float(ssim(restored, clean)):.3f}"
    yield shown, _as_image(restored), f"**Restored: {after}** (degraded input: {before}; {steps} steps, seed {seed})"


def build() -> None:
    """The section's layout and events (inside the Restoration tab)."""
    entries = folder_dcgans()
    with gr.Accordion("Your own pictures: a DCGAN trained on a folder", open=bool(entries)):
        gr.Markdown("Train the DCGAN on a folder of your pictures (`python train/train_dcgan.py --loss all --data DIR "
                    "--image-size 64 --name mine`, see the README); it writes to your models folder "
                    "(`NNIMG_USER_MODELS`, default `~/.nnimg/models`), and **Refresh** lists it here. "
                    "The picture is centre-cropped and resized as in training, then restored by searching G's "
                    "latent vector (4 random starts, the same as the DCGAN prior above)."
                    + ("" if entries else "\n\n*No DCGAN trained on a folder is there yet.*"))
        with gr.Row():
            trains = [entry.name for entry in entries if entry.loss == "non-saturating"]  # the loss that trains best
            model = gr.Dropdown([(entry.display, entry.name) for entry in entries],
                                value=(trains or [entry.name for entry in entries] or [None])[0], label="Model",
                                allow_custom_value=True)
            degradation = gr.Radio(list(PICTURE_DEGRADATIONS), value="noise-0.3", label="Degradation")
            steps = gr.Slider(10, MAX_STEPS, value=200, step=10, precision=0, label="Steps")
            seed = gr.Number(0, label="Seed", precision=0)
        with gr.Row():
            picture = gr.Image(label="Your picture", type="filepath", format="png", sources=["upload", "clipboard"],
                               elem_classes="pixelated", height=224)
            canvas = gr.ImageEditor(label="Paint the part to erase (painted mask)", type="filepath", format="png",
                                    sources=(), brush=gr.Brush(colors=["#ff0000"], default_size=12,
                                                               color_mode="fixed"))
            degraded, restored = small_image("Degraded input"), small_image("Restored")
        with gr.Row():
            sample_button = gr.Button("A picture drawn by the model")
            mask_button = gr.Button("Paint a mask on it")
            refresh_button = gr.Button("Refresh: list new models")
            restore_button = gr.Button("Restore", variant="primary")
            stop_button = gr.Button("Stop")
        summary = gr.Markdown(label="PSNR and SSIM")
    refresh_button.click(_model_choices, None, model, api_visibility="private")
    sample_button.click(model_picture, [model, seed], picture, api_name="model_picture", preprocess=False)
    mask_button.click(picture_canvas, [model, picture], canvas, api_name="picture_canvas", preprocess=False)
    event = restore_button.click(restore_picture, [model, picture, degradation, steps, seed, canvas],
                                 [degraded, restored, summary], api_name="restore_picture", preprocess=False,
                                 **HEAVY)
    stop_button.click(None, cancels=[event], api_visibility="private")
