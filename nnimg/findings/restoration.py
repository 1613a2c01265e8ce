"""Findings 9, 10 and 14: model inversion, restoration with generative priors, and faces."""

from __future__ import annotations

import torch
from torch import nn

from nnimg.findings import Finding, Measurements, share
from nnimg.metrics import psnr
from nnimg.restore import apply_mask, degrade

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


def faces(m: Measurements) -> Finding:
    return Finding(
        14, "GAN losses", "One write-up ran the DCGAN, inversion and restoration on a folder of face photos.",
        "Not run: nnimg ships MNIST only, and no face data set can be fetched here.",
        "not reproduced",
        "The pipeline is the same code on other images; it needs a folder of pictures that nnimg does not ship.",
        "none yet")
