"""The DCGAN of SPEC §6: a generator of transposed convolutions from noise to 28x28 digits, and a
smaller convolutional discriminator that returns one logit."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class DCGANConfig:
    noise_dim: int = 100
    width: int = 64  # G: 4w -> 2w -> w channels (256 -> 128 -> 64); D: w/2 -> w -> 2w (32 -> 64 -> 128)

    def to_dict(self) -> dict:
        return asdict(self)


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
            *up(config.noise_dim, 4 * w, 0, 0),  # (B, 4w, 3, 3)
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
        self.net = nn.Sequential(
            nn.Conv2d(1, w // 2, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, w/2, 14, 14)
            nn.Conv2d(w // 2, w, 4, stride=2, padding=1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2),  # (B, w, 7, 7)
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (B, 2w, 3, 3)
            nn.Flatten(), nn.Linear(2 * w * 9, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B,) logits
