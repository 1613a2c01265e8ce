"""Sampling the generators: the DCGAN's G(z), a latent GAN's Decoder(G(z)) (plain or for chosen
digits), and paths through a latent GAN's noise space."""

from __future__ import annotations

import torch
from torch import nn

from nnimg.latent import decode
from nnimg.models.dcgan import sample_latent
from nnimg.models.autoencoder import Autoencoder
from nnimg.models.latent_gan import CodeGenerator


def noise(count: int, noise_dim: int, *, seed: int) -> torch.Tensor:
    """`count` N(0, 1) noise vectors, the same for the same seed."""
    return torch.randn(count, noise_dim, generator=torch.Generator().manual_seed(seed))


@torch.inference_mode()
def generate(generator: CodeGenerator, autoencoder: Autoencoder, z: torch.Tensor,
             labels: torch.Tensor | None = None) -> torch.Tensor:
    """Decoder(G(z[, labels])) as (N, 28, 28) images in [0, 1]."""
    generator.eval()
    if generator.config.conditional and labels is None:
        raise ValueError("a conditional generator needs the digits to draw")
    return decode(autoencoder, generator(z, labels if generator.config.conditional else None))[:, 0]


def sample_digits(generator: CodeGenerator, autoencoder: Autoencoder, count: int, *, seed: int,
                  digit: int | None = None) -> torch.Tensor:
    """`count` images: of `digit` from a conditional generator (digit None: digits 0-9 in turn), or
    from an unconditional one (digit None)."""
    if digit is not None:
        labels = torch.full((count,), digit, dtype=torch.long)
    else:
        labels = torch.arange(count) % 10 if generator.config.conditional else None
    return generate(generator, autoencoder, noise(count, generator.config.noise_dim, seed=seed), labels)


def noise_path(noise_dim: int, seed_a: int, seed_b: int, steps: int) -> torch.Tensor:
    """(steps, noise_dim) points on the straight line from the noise of seed_a to that of seed_b."""
    ends = torch.cat([noise(1, noise_dim, seed=seed_a), noise(1, noise_dim, seed=seed_b)])
    alphas = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - alphas) * ends[0] + alphas * ends[1]


def label_path(digit_a: int, digit_b: int, steps: int) -> torch.Tensor:
    """(steps, 10) blends (1 - a) one_hot(digit_a) + a one_hot(digit_b)."""
    ends = nn.functional.one_hot(torch.tensor([digit_a, digit_b]), 10).float()
    alphas = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - alphas) * ends[0] + alphas * ends[1]


def fresh_samples(generator: nn.Module, count: int, seed: int) -> torch.Tensor:
    """`count` samples of a DCGAN from the latent prior drawn with `seed`, as `sample_images` gives them."""
    latent = sample_latent(generator.config, count, generator=torch.Generator().manual_seed(seed))
    return sample_images(generator, latent)


@torch.inference_mode()
def sample_images(generator: nn.Module, noise: torch.Tensor) -> torch.Tensor:
    """G(noise) in eval mode as floats in [0, 1]: (N, H, W) grey or (N, H, W, 3) colour images."""
    was_training = generator.training
    generator.eval()
    images = generator(noise.to(next(generator.parameters()).device)).float().cpu()
    generator.train(was_training)
    return images[:, 0] if images.shape[1] == 1 else images.permute(0, 2, 3, 1)
