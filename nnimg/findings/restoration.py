"""Findings 9, 10 and 14: model inversion, restoration with generative priors, and faces."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn

from nnimg.checkpoints import CheckpointError
from nnimg.data import fit_image, to_tensor
from nnimg.face_photos import HELD_OUT_FACES, load_faces
from nnimg.findings import Finding, Measurements, share
from nnimg.metrics import psnr
from nnimg.registry import DCGAN_LOSSES, FACE_RECIPE, dcgan
from nnimg.restore import apply_mask, degrade
from nnimg.zoo import read_metrics, restore_with_dcgan

DIGITS, STEPS, PERCEPTUAL_WEIGHT = 40, 200, 1.0


def stroke_recall(estimate: torch.Tensor, clean: torch.Tensor,
                  where: torch.Tensor | None = None) -> tuple[float, float]:
    """The share of the clean digit's ink (> 0.5) that the estimate keeps, on thick strokes (ink that
    survives a 3x3 erosion) and on thin ones (the rest), optionally only `where` is True."""
    ink = clean > 0.5
    thick = ink & (-nn.functional.max_pool2d(-clean, 3, stride=1, padding=1) > 0.5)
    thin = ink & ~thick
    if where is not None:
        thick, thin = thick & where, thin & where
    kept = estimate > 0.5
    return float((kept & thick).sum() / thick.sum().clamp_min(1)), float((kept & thin).sum() / thin.sum().clamp_min(1))


def inversion(m: Measurements) -> Finding:
    clean = m.test_x[:DIGITS]
    nothing_hidden = apply_mask(clean, torch.ones(1, 1, 28, 28))
    rows, recalls = [], {}
    for prior, name in (("gan", "DCGAN"), ("latent-gan", "latent WGAN")):
        for weight, loss in ((0.0, "MSE"), (PERCEPTUAL_WEIGHT, "MSE + perceptual")):
            estimate = list(m.zoo.restore(prior, nothing_hidden, steps=STEPS, perceptual=weight))[-1]["estimate"]
            recalls[prior, loss] = stroke_recall(estimate, clean)
            rows.append(f"{name}, {loss}: PSNR {psnr(estimate, clean).mean():.1f} dB, thick strokes kept "
                        f"{share(recalls[prior, loss][0])}, thin {share(recalls[prior, loss][1])}")
    thick, thin = recalls["latent-gan", "MSE"]
    helps = recalls["latent-gan", "MSE + perceptual"][1] > thin + 0.02
    return Finding(
        9, "Restoration", "Inverting a generator recovers the coarse shape but loses thin strokes, edges and sharp "
        "corners: MSE gives blur; a perceptual loss is the suggested fix.",
        f"{DIGITS} test digits, {STEPS} steps: " + "; ".join(rows) + ".",
        "reproduced" if thin < thick - 0.05 and helps else "partly" if thin < thick - 0.05 else "not reproduced",
        "A generator can only draw what it learnt; where the digit's thin strokes fall between its modes, MSE "
        "settles on an average, which blurs them. The perceptual loss compares the reference classifier's first "
        "convolutional features, which respond to strokes and edges, so it "
        + ("keeps more thin strokes." if helps else "keeps no more thin strokes here than MSE alone."),
        "the Restoration tab: 'Inversion on its own' and its Loss choice")


def restoration(m: Measurements) -> Finding:
    clean = m.test_x[:DIGITS]
    gains = {}
    for degradation in ("noise-0.3", "noise-0.5", "window-10", "quarter"):
        degraded = degrade(clean, degradation, seed=0)
        restored = {method: list(m.zoo.restore(method, degraded, steps=STEPS))[-1]["restored"]
                    for method in ("ae", "uniform-ae")}
        gains[degradation] = float(psnr(restored["uniform-ae"], clean).mean() - psnr(restored["ae"], clean).mean())
    window = degrade(clean, "window-10", seed=0)
    restored = list(m.zoo.restore("latent-gan", window, steps=STEPS))[-1]["restored"]
    thick, thin = stroke_recall(restored, clean, where=window.known < 0.5)
    noisy = degrade(clean, "noise-0.3", seed=0)
    l1, l2 = (float(psnr(list(m.zoo.restore("latent-gan", noisy, steps=STEPS, norm=norm))[-1]["restored"],
                         clean).mean()) for norm in ("l1", "l2"))
    better = sum(gain > 0 for gain in gains.values())
    return Finding(
        10, "Restoration", "With a GAN prior, a thick simple stroke comes back and a thin curve does not; an AE "
        "prior restores by MAP; the uniform-latent AE restores better than the plain one.",
        f"{DIGITS} test digits, {STEPS} steps. Inside a 10x10 window the latent WGAN prior brings back "
        f"{share(thick)} of thick strokes and {share(thin)} of thin ones. Uniform-latent minus plain AE prior, PSNR: "
        + ", ".join(f"{d} {g:+.2f} dB" for d, g in gains.items())
        + f". Denoising (σ 0.3) with the latent WGAN prior: L1 {l1:.2f} dB, L2 {l2:.2f} dB.",
        "reproduced" if thick > thin + 0.05 and better == len(gains) else "partly" if thick > thin or better
        else "not reproduced",
        "A thick stroke leaves enough of itself around the hole to pin down the digit; a thin curve does not. The "
        f"uniform-latent AE is better in {better} of {len(gains)} cases: its code fills its box evenly, which "
        "helps when the damage is mild, but its higher reconstruction error costs it where the prior must do more "
        "of the work.",
        "the Restoration tab: Degradation, Methods to compare, Data term")


def held_out_faces(size: int) -> torch.Tensor:
    """The 10 faces of the LFW subset the face DCGANs never saw, as (10, 1, size, size) floats."""
    faces = load_faces()[-HELD_OUT_FACES:]
    return to_tensor(np.stack([fit_image(Image.fromarray(face), size, 1) for face in faces]))


def faces(m: Measurements) -> Finding:
    course = "One write-up ran the DCGAN (64 fixed noise vectors per loss), inversion and restoration on face photos."
    try:
        generators = {loss: m.zoo.dcgan(loss, FACE_RECIPE) for loss in DCGAN_LOSSES}
        clean = held_out_faces(generators["non-saturating"].config.image_size)
    except (CheckpointError, OSError, RuntimeError, ValueError) as error:
        return Finding(14, "GAN losses", course, f"Not measured: {error}.", "not reproduced",
                       "The faces need their DCGANs (train/make_face_folder.py, then the README's commands).",
                       "the GAN losses tab's Recipe: LFW faces")
    rows = []
    for loss, generator in generators.items():
        fits = {}
        for name, degraded in (("inversion", apply_mask(clean, torch.ones_like(clean))),
                               ("noise 0.3", degrade(clean, "noise-0.3", seed=0)),
                               ("8x8 window", degrade(clean, "window-8", seed=0))):
            event = list(restore_with_dcgan(generator, degraded, steps=STEPS))[-1]
            fits[name] = psnr(event["estimate" if name == "inversion" else "restored"], clean).mean()
        noisy = psnr(degrade(clean, "noise-0.3", seed=0).observed.clamp(0, 1), clean).mean()
        rows.append(f"{loss}: inversion {fits['inversion']:.1f} dB, denoised {fits['noise 0.3']:.1f} dB "
                    f"(noisy input {noisy:.1f} dB), 8x8 window filled {fits['8x8 window']:.1f} dB")
    record = read_metrics(dcgan("non-saturating", FACE_RECIPE).metrics_path) or {}
    pictures, steps = record.get("data", {}).get("pictures", "?"), record.get("records", [{}])[-1].get("step", "?")
    return Finding(
        14, "GAN losses", course,
        f"The course's DCGAN on {pictures} faces of the LFW subset (25x25 grey, enlarged to 32x32), each loss {steps} "
        f"generator steps; PSNR on the {HELD_OUT_FACES} faces it never saw, {STEPS} steps: " + "; ".join(rows) + ".",
        "partly",
        "The same code runs on faces, but on a small set: 90 grey faces of 25x25 pixels instead of colour photos "
        "at 64x64, so the generator learns a few average faces and inversion recovers the layout of light and "
        "dark more than the person. A larger folder of your own photos runs the same commands (README).",
        "the GAN losses tab's Recipe: LFW faces; the Restoration tab's 'Your own pictures'")
