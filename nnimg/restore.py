"""Model inversion and restoration (docs/course.md, sections 7-8): degradations, restoration with
a GAN prior (optimise the noise), with an AE prior (optimise the image, MAP), and classical
Gaussian baselines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

DEGRADATIONS = ("noise-0.3", "noise-0.5", "window-8", "window-10", "quarter")


@dataclass
class Degraded:
    observed: torch.Tensor  # (N, C, H, W), (N, 1, 28, 28) for digits: what the method sees
    known: torch.Tensor  # (N, C, H, W) 1 where a pixel is observed (all ones for noise)
    noise_sigma: float = 0.0  # the Gaussian noise's standard deviation, 0 for masks


def window_mask(size: int, *, top: int | None = None, left: int | None = None, side: int = 28) -> torch.Tensor:
    """(1, 1, side, side) known-pixel mask with a size x size square erased (centred by default)."""
    top = (side - size) // 2 if top is None else top
    left = (side - size) // 2 if left is None else left
    if not (1 <= size <= side and 0 <= top <= side - size and 0 <= left <= side - size):
        raise ValueError(f"a {size}x{size} window at ({top}, {left}) does not fit in {side}x{side}")
    known = torch.ones(1, 1, side, side)
    known[..., top:top + size, left:left + size] = 0
    return known


def degrade(images: torch.Tensor, degradation: str, *, seed: int) -> Degraded:
    """Apply one of DEGRADATIONS to (N, C, H, W) square images in [0, 1] (28x28 digits; for other sizes
    the window is as many pixels, the quarter a quarter); noise depends only on the seed."""
    if degradation.startswith("noise-"):
        sigma = float(degradation.split("-", 1)[1])
        noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
        return Degraded(images + sigma * noise, torch.ones_like(images), sigma)
    if degradation.startswith("window-"):
        known = window_mask(int(degradation.split("-", 1)[1]), side=images.shape[-1])
    elif degradation == "quarter":
        side = images.shape[-1]
        known = torch.ones(1, 1, side, side)
        known[..., side // 2:, side // 2:] = 0
    else:
        raise ValueError(f"unknown degradation {degradation!r}; choose one of {', '.join(DEGRADATIONS)}")
    return apply_mask(images, known)


def apply_mask(images: torch.Tensor, known: torch.Tensor) -> Degraded:
    """Erase the pixels where `known` (broadcast to the images) is 0."""
    known = known.expand_as(images).clone()
    return Degraded(images * known, known)


def known_from_painting(alpha: np.ndarray, side: int = 28) -> torch.Tensor:
    """(1, 1, side, side) known-pixel mask from strokes painted on the picture enlarged to (H, W): a
    pixel is erased where any of its enlarged cell is painted (alpha > 0)."""
    height, width = alpha.shape
    if height < side or width < side:
        raise ValueError(f"the painted layer is {width}x{height}; it must be at least {side}x{side}")
    cells = alpha[: height // side * side, : width // side * side].reshape(side, height // side, side, width // side)
    painted = torch.from_numpy(cells.max(axis=(1, 3)) > 0)
    return (~painted).float().view(1, 1, side, side)


def keep_known(estimate: torch.Tensor, degraded: Degraded) -> torch.Tensor:
    """Known pixels from the observation, the rest from the estimate (noise: the estimate)."""
    if degraded.noise_sigma > 0:
        return estimate
    return degraded.known * degraded.observed + (1 - degraded.known) * estimate


def _data_loss(estimate: torch.Tensor, degraded: Degraded, norm: str) -> torch.Tensor:
    """Per-image loss of `estimate` on the observed pixels, L1 or L2: (N,)."""
    difference = (estimate - degraded.observed) * degraded.known
    per_pixel = difference.abs() if norm == "l1" else difference ** 2
    return per_pixel.flatten(1).sum(1) / degraded.known.flatten(1).sum(1)


def _feature_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image squared feature distance relative to the target's feature energy: (N,)."""
    return (features - target).pow(2).flatten(1).sum(1) / target.pow(2).flatten(1).sum(1).clamp_min(1e-8)


def gaussian_starts(noise_dim: int) -> Callable[[int, torch.Generator], torch.Tensor]:
    """Starting latents drawn from a standard Gaussian of `noise_dim` numbers."""
    return lambda count, rng: torch.randn(count, noise_dim, generator=rng)


def restore_with_generator(
    generate: Callable[[torch.Tensor], torch.Tensor],
    draw_starts: Callable[[int, torch.Generator], torch.Tensor],
    degraded: Degraded,
    *,
    steps: int = 300,
    restarts: int = 4,
    norm: str = "l2",
    lr: float = 0.05,
    z_penalty: float = 0.0,
    temperature: float = 0.0,
    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
    feature_weight: float = 0.0,
    seed: int = 0,
    report_every: int = 25,
) -> Iterator[dict]:
    """Find z so that generate(z) matches the observation (model inversion when nothing is
    degraded); every image gets `restarts` random starts, drawn by `draw_starts(count, rng)` from
    G's prior, all optimised in one batch. With `features` (a perceptual loss, for inversion), the
    loss adds `feature_weight` times the relative squared distance of the features.

    Yields {"step", "loss", "estimate"} (the best restart's generate(z)) every `report_every`
    steps, then a last event with "restored", known pixels kept for masks: the best restart, or
    with `temperature` > 0 the restarts averaged with weights exp(-loss / temperature), a posterior
    mean over the fits found, which trades a little sharpness for a lower expected error.
    """
    count = len(degraded.observed)
    z = draw_starts(count * restarts, torch.Generator().manual_seed(seed)).requires_grad_()
    optimizer = torch.optim.Adam([z], lr=lr)
    repeated = Degraded(degraded.observed.repeat_interleave(restarts, 0),
                        degraded.known.repeat_interleave(restarts, 0), degraded.noise_sigma)
    target = features(repeated.observed).detach() if features is not None else None
    for step in range(1, steps + 1):
        images = generate(z)
        losses = _data_loss(images, repeated, norm) + z_penalty * (z ** 2).mean(1)
        if target is not None:
            losses = losses + feature_weight * _feature_loss(features(images), target)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        if step % report_every == 0 or step == steps:
            best = losses.detach().view(count, restarts).argmin(1) + torch.arange(count) * restarts
            event = {"step": step, "loss": float(losses.detach().view(count, restarts).min(1).values.mean()),
                     "estimate": images.detach()[best]}
            if step == steps:
                fit = event["estimate"]
                if temperature > 0:
                    weights = torch.softmax(-losses.detach().view(count, restarts) / temperature, dim=1)
                    fits = images.detach().view(count, restarts, *images.shape[1:])
                    fit = (weights[..., None, None, None] * fits).sum(1)
                event["restored"] = keep_known(fit, degraded).clamp(0, 1)
            yield event


# Where the AE prior's MAP starts: the Gaussian conditional mean (masks) or Wiener estimate (noise), the
# corrupted image as observed (hidden pixels black, or the noisy image: the course's start), grey, black, noise.
MAP_STARTS = ("conditional-mean", "degraded", "grey", "black", "noise")


def map_start(kind: str, degraded: Degraded, *, gaussian_estimate: torch.Tensor | None = None,
              seed: int = 0) -> torch.Tensor:
    """The first image of the AE prior's MAP (one of MAP_STARTS); "conditional-mean" needs the Gaussian
    prior's estimate (`GaussianPrior.restore`)."""
    if kind == "conditional-mean":
        if gaussian_estimate is None:
            raise ValueError("the conditional-mean start needs the Gaussian prior's estimate")
        return gaussian_estimate.clamp(0, 1)
    if kind == "degraded":
        return degraded.observed.clamp(0, 1)
    if kind == "noise":
        return torch.rand(degraded.observed.shape, generator=torch.Generator().manual_seed(seed))
    if kind in ("grey", "black"):
        return torch.full_like(degraded.observed, 0.5 if kind == "grey" else 0.0)
    raise ValueError(f"Unknown start {kind!r}; choose one of {', '.join(MAP_STARTS)}.")


def restore_with_autoencoder(
    autoencoder: nn.Module,
    degraded: Degraded,
    *,
    steps: int = 300,
    temperature: float = 0.05,
    lr: float = 0.2,
    start: torch.Tensor | None = None,
    report_every: int = 25,
) -> Iterator[dict]:
    """MAP restoration with P(I) ~ exp(-||AE(I) - I||^2 / T): optimise the image itself.

    Noise: minimise ||I - I_c||^2 / (2 sigma^2) + ||AE(I) - I||^2 / T, from `start` (default: the noisy
    image). Masks: the known pixels are fixed and only the unknown ones move, under ||AE(I) - I||^2 / T,
    starting from `start` (a first guess of the unknown pixels, `map_start`; default grey 0.2).
    Yields {"step", "loss", "estimate"}, the last event with "restored". Only the image is
    optimised; freeze the autoencoder (requires_grad_(False)) to spare its gradients.
    """
    autoencoder.eval()
    if start is None:
        start = degraded.observed.clamp(0, 1) if degraded.noise_sigma > 0 else torch.full_like(degraded.observed, 0.2)
    if degraded.noise_sigma == 0:
        start = keep_known(start, degraded)
    logits = torch.logit(start.clamp(0.02, 0.98)).requires_grad_()  # the image as sigmoid(logits), in (0, 1)
    optimizer = torch.optim.Adam([logits], lr=lr)
    for step in range(1, steps + 1):
        image = keep_known(torch.sigmoid(logits), degraded)
        prior = ((autoencoder(image) - image) ** 2).flatten(1).sum(1) / temperature
        data = (((image - degraded.observed) ** 2).flatten(1).sum(1) / (2 * degraded.noise_sigma ** 2)
                if degraded.noise_sigma > 0 else torch.zeros_like(prior))
        losses = data + prior
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        if step % report_every == 0 or step == steps:
            event = {"step": step, "loss": float(losses.detach().mean()), "estimate": image.detach()}
            if step == steps:
                event["restored"] = image.detach().clamp(0, 1)
            yield event


@dataclass
class GaussianPrior:
    """A Gaussian fitted to the training digits: the classical baselines' model of images."""

    mean: torch.Tensor  # (784,)
    covariance: torch.Tensor  # (784, 784)

    def wiener(self, degraded: Degraded) -> torch.Tensor:
        """The linear MMSE (Wiener) estimate under additive white noise: mu + S (S + s^2 I)^-1 (y - mu)."""
        flat = degraded.observed.flatten(1).double() - self.mean
        system = self.covariance + degraded.noise_sigma ** 2 * torch.eye(784, dtype=torch.float64)
        estimate = self.mean + torch.linalg.solve(system, self.covariance @ flat.T).T
        return estimate.float().view_as(degraded.observed).clamp(0, 1)

    def conditional_mean(self, degraded: Degraded, *, ridge: float = 1e-3) -> torch.Tensor:
        """Fill the unknown pixels with their mean given the known ones; keep the known ones.
        Images that share a mask share one linear solve."""
        observed = degraded.observed.flatten(1).double()
        masks = degraded.known.flatten(1).bool()
        restored = observed.clone()
        for mask in torch.unique(masks, dim=0):
            rows = (masks == mask).all(1)
            unknown = ~mask
            cov_kk = self.covariance[mask][:, mask] + ridge * torch.eye(int(mask.sum()), dtype=torch.float64)
            cov_uk = self.covariance[unknown][:, mask]
            centred = (observed[rows][:, mask] - self.mean[mask]).T  # (known, images)
            fill = self.mean[unknown] + (cov_uk @ torch.linalg.solve(cov_kk, centred)).T
            block = restored[rows]
            block[:, unknown] = fill
            restored[rows] = block
        return restored.float().view_as(degraded.observed).clamp(0, 1)

    def restore(self, degraded: Degraded) -> torch.Tensor:
        """Wiener filter for noise, conditional mean for masks."""
        return self.wiener(degraded) if degraded.noise_sigma > 0 else self.conditional_mean(degraded)
