"""Losses beyond plain reconstruction: moment matching toward a uniform latent (docs/course.md, section 1)."""

from __future__ import annotations

import torch
from torch import nn

UNIFORM_MOMENTS = {"mean": 0.5, "variance": 1 / 12, "skewness": 0.0, "kurtosis": 1.8}


def batch_moments(codes: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-coordinate mean, variance, skewness and kurtosis of (B, d) codes over the batch."""
    mean = codes.mean(0)
    centred = codes - mean
    variance = centred.pow(2).mean(0)
    safe = variance.clamp_min(1e-8)
    return {"mean": mean, "variance": variance,
            "skewness": centred.pow(3).mean(0) / safe.pow(1.5),
            "kurtosis": centred.pow(4).mean(0) / safe.pow(2)}


def moment_matching_loss(codes: torch.Tensor) -> torch.Tensor:
    """Sum of squared gaps to Uniform[0, 1]'s four moments, averaged over the coordinates."""
    moments = batch_moments(codes)
    return sum((moments[name] - target) ** 2 for name, target in UNIFORM_MOMENTS.items()).mean()


def uniform_latent_loss(model: nn.Module, batch: torch.Tensor, *,
                        moment_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction MSE plus `moment_weight` times the moment-matching loss of the codes;
    returns (loss, reconstruction)."""
    codes = model.encoder(batch)
    reconstruction = model.decoder(codes)
    loss = ((reconstruction - batch) ** 2).mean() + moment_weight * moment_matching_loss(codes)
    return loss, reconstruction


GENERATOR_LOSSES = ("saturating", "non-saturating", "least-squares")


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """D's usual binary cross-entropy: real -> 1, fake -> 0 (from logits, numerically stable)."""
    return (nn.functional.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, kind: str) -> torch.Tensor:
    """G's loss on D's logits for its samples, with D = sigmoid(logit):
    saturating log(1 - D) = -softplus(logit); non-saturating -log D = softplus(-logit);
    least-squares (1 - D)^2."""
    if kind == "saturating":
        return -nn.functional.softplus(fake_logits).mean()
    if kind == "non-saturating":
        return nn.functional.softplus(-fake_logits).mean()
    if kind == "least-squares":
        return ((1 - torch.sigmoid(fake_logits)) ** 2).mean()
    raise ValueError(f"unknown generator loss {kind!r}; choose one of {', '.join(GENERATOR_LOSSES)}")


def code_loss(code_logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """InfoGAN's term: cross-entropy of D's code head against the codes G was given."""
    return nn.functional.cross_entropy(code_logits, codes)
