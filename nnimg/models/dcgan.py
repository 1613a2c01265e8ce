"""The DCGAN of the course (docs/course.md, section 6): a generator of transposed convolutions
from noise to 28x28 digits, and a smaller convolutional discriminator that returns one logit.

With `categories` > 0 it is an InfoGAN (Chen et al. 2016): a one-hot code joins G's noise, and a
head on D's features predicts that code from the image, so that each code comes to draw one kind of
digit without labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class DCGANConfig:
    noise_dim: int = 100
    width: int = 64  # G: 4w -> 2w -> w channels (256 -> 128 -> 64); D: w/2 -> w -> 2w (32 -> 64 -> 128)
    categories: int = 0  # InfoGAN's categorical code (0: the plain DCGAN)

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
        w = config.width

        def up(in_channels: int, out_channels: int, padding: int, output_padding: int) -> list[nn.Module]:
            return [nn.ConvTranspose2d(in_channels, out_channels, 3, stride=2, padding=padding,
                                       output_padding=output_padding, bias=False),
                    nn.BatchNorm2d(out_channels), nn.ReLU()]

        self.net = nn.Sequential(
            *up(config.latent_dim, 4 * w, 0, 0),  # (B, 4w, 3, 3)
            *up(4 * w, 2 * w, 0, 0),  # (B, 2w, 7, 7)
            *up(2 * w, w, 1, 1),  # (B, w, 14, 14)
            nn.ConvTranspose2d(w, 1, 3, stride=2, padding=1, output_padding=1),  # (B, 1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z.view(len(z), -1, 1, 1)))


class Discriminator(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.features = nn.Sequential(
            nn.Conv2d(1, w // 2, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, w/2, 14, 14)
            nn.Conv2d(w // 2, w, 4, stride=2, padding=1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2),  # (B, w, 7, 7)
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (B, 2w, 3, 3)
            nn.Flatten(),
        )
        self.logit = nn.Linear(2 * w * 9, 1)
        self.code_head = (nn.Sequential(nn.Linear(2 * w * 9, 128), nn.LeakyReLU(0.2), nn.Linear(128, config.categories))
                          if config.categories else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(self.features(x)).squeeze(1)  # (B,) logits

    def logits_and_codes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B,) real/fake logits and, for an InfoGAN, (B, categories) logits of the code."""
        h = self.features(x)
        return self.logit(h).squeeze(1), None if self.code_head is None else self.code_head(h)
