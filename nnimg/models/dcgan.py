"""The DCGAN of the course (docs/course.md, section 6): a generator of transposed convolutions
from noise to 28x28 digits, and a smaller convolutional discriminator that returns one logit.

For an image folder the same design scales to 32x32 and 64x64 pictures of 1 or 3 channels: G starts
from a 4x4 map and doubles it, D halves the picture down to 4x4, one more stage each for 64x64.

With `categories` > 0 it is an InfoGAN (Chen et al. 2016): a one-hot code joins G's noise, and a
head on D's features predicts that code from the image, so that each code comes to draw one kind of
digit without labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


IMAGE_SIZES = (28, 32, 64)


@dataclass
class DCGANConfig:
    noise_dim: int = 100
    width: int = 64  # G: 4w -> 2w -> w channels (256 -> 128 -> 64); D: w/2 -> w -> 2w (32 -> 64 -> 128)
    categories: int = 0  # InfoGAN's categorical code (0: the plain DCGAN)
    image_size: int = 28  # 28 (MNIST), 32 or 64
    channels: int = 1  # 1 (grey) or 3 (RGB)

    def __post_init__(self) -> None:
        if self.image_size not in IMAGE_SIZES:
            raise ValueError(f"image_size must be one of {IMAGE_SIZES}, not {self.image_size}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, not {self.channels}")

    @property
    def latent_dim(self) -> int:
        """G's input: the noise, then the one-hot code."""
        return self.noise_dim + self.categories

    def to_dict(self) -> dict:
        return asdict(self)


def sample_latent(config: DCGANConfig, count: int, *, generator: torch.Generator | None = None,
                  codes: torch.Tensor | None = None) -> torch.Tensor:
    """(count, latent_dim) inputs of G: Gaussian noise, then one-hot codes (random unless given)."""
    noise = torch.randn(count, config.noise_dim, generator=generator)
    if not config.categories:
        return noise
    if codes is None:
        codes = torch.randint(0, config.categories, (count,), generator=generator)
    return torch.cat([noise, nn.functional.one_hot(codes, config.categories).float()], 1)


def latent_codes(config: DCGANConfig, latent: torch.Tensor) -> torch.Tensor:
    """The categorical code of each latent vector, as class indices."""
    return latent[:, config.noise_dim:].argmax(1)


class Generator(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        w, c = config.width, config.channels

        def up(in_channels: int, out_channels: int, kernel: int, stride: int, padding: int,
               output_padding: int = 0) -> list[nn.Module]:
            return [nn.ConvTranspose2d(in_channels, out_channels, kernel, stride=stride, padding=padding,
                                       output_padding=output_padding, bias=False),
                    nn.BatchNorm2d(out_channels), nn.ReLU()]

        if config.image_size == 28:
            self.net = nn.Sequential(
                *up(config.latent_dim, 4 * w, 3, 2, 0),  # (B, 4w, 3, 3)
                *up(4 * w, 2 * w, 3, 2, 0),  # (B, 2w, 7, 7)
                *up(2 * w, w, 3, 2, 1, 1),  # (B, w, 14, 14)
                nn.ConvTranspose2d(w, c, 3, stride=2, padding=1, output_padding=1),  # (B, c, 28, 28)
            )
        else:  # 32: 4w at 4x4 -> 2w at 8x8 -> w at 16x16 -> c at 32x32; 64: one more stage from 8w
            width = w * config.image_size // 8
            layers = up(config.latent_dim, width, 4, 1, 0)  # (B, width, 4, 4)
            while width > w:
                layers += up(width, width // 2, 4, 2, 1)  # channels halve, the side doubles
                width //= 2
            self.net = nn.Sequential(*layers, nn.ConvTranspose2d(w, c, 4, stride=2, padding=1))  # (B, c, size, size)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z.view(len(z), -1, 1, 1)))


class Discriminator(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        w = config.width
        # 28: w/2 at 14x14 -> w at 7x7 -> 2w at 3x3; 32: the same to 4x4; 64: one more stage, 4w at 4x4
        stages = 4 if config.image_size == 64 else 3
        widths = [w // 2 * 2 ** stage for stage in range(stages)]
        layers: list[nn.Module] = []
        for stage, width in enumerate(widths):
            layers.append(nn.Conv2d(widths[stage - 1] if stage else config.channels, width, 4, stride=2, padding=1))
            layers += [nn.BatchNorm2d(width)] if stage else []
            layers.append(nn.LeakyReLU(0.2))
        self.features = nn.Sequential(*layers, nn.Flatten())
        side = 3 if config.image_size == 28 else 4
        features = widths[-1] * side * side
        self.logit = nn.Linear(features, 1)
        self.code_head = (nn.Sequential(nn.Linear(features, 128), nn.LeakyReLU(0.2), nn.Linear(128, config.categories))
                          if config.categories else None)

    def forward(self, x: torch.Tensor, *, with_codes: bool = False):
        """(B,) real/fake logits; with_codes: also, for an InfoGAN, (B, categories) logits of the code."""
        h = self.features(x)
        logits = self.logit(h).squeeze(1)
        if not with_codes:
            return logits
        return logits, None if self.code_head is None else self.code_head(h)
