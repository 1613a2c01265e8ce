"""Random distortions of (N, 1, H, W) digit batches, for training only."""

from __future__ import annotations

import math

import torch
from torch import nn


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each (N, 1, H, W) image by up to `max_shift` pixels, filling with black."""
    if max_shift == 0:
        return images
    padded = nn.functional.pad(images, [max_shift] * 4)
    offsets = torch.randint(0, 2 * max_shift + 1, (len(images), 2), generator=generator).tolist()
    height, width = images.shape[-2:]
    return torch.stack([padded[i, :, dy:dy + height, dx:dx + width] for i, (dy, dx) in enumerate(offsets)])


def random_affine(images: torch.Tensor, share: float, generator: torch.Generator, *,
                  max_degrees: float = 8.0, max_scale: float = 0.08, max_shear: float = 0.1) -> torch.Tensor:
    """Rotate, scale and shear a random `share` of the (N, 1, H, W) images about their centre.

    Each chosen image gets a rotation of up to `max_degrees`, a scale within 1 +- `max_scale` and a
    horizontal shear up to `max_shear`, all uniform; the rest pass unchanged. The distortions stay
    within the variety of handwriting, so the digits keep their class and stay centred.
    """
    if share == 0:
        return images
    n = len(images)

    def uniform(limit: float) -> torch.Tensor:
        return (2 * torch.rand(n, generator=generator) - 1) * limit

    angle, scale, shear = uniform(math.radians(max_degrees)), 1 + uniform(max_scale), uniform(max_shear)
    cos, sin, zero = torch.cos(angle) / scale, torch.sin(angle) / scale, torch.zeros(n)
    theta = torch.stack([torch.stack([cos, shear - sin, zero], 1),
                         torch.stack([sin, cos, zero], 1)], 1).to(images.device)  # (N, 2, 3): output -> input
    grid = nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    distorted = nn.functional.grid_sample(images, grid, align_corners=False, padding_mode="zeros")
    chosen = (torch.rand(n, generator=generator) < share).to(images.device).view(n, 1, 1, 1)
    return torch.where(chosen, distorted, images)
