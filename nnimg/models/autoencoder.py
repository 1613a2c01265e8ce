"""Convolutional autoencoder of the course (docs/course.md, section 1): stride-2 convolutions,
FC layers to a latent of size d, and a mirrored decoder with a sigmoid output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

DEFAULT_CHANNELS = {1: (8,), 2: (32, 64), 3: (32, 64, 128)}


@dataclass
class AutoencoderConfig:
    latent_dim: int = 10
    depth: int = 2  # number of stride-2 conv layers, 1 to 3
    channels: tuple[int, ...] = field(default=())  # per conv layer; empty: DEFAULT_CHANNELS[depth]
    hidden: int = 192  # width of the FC layer between the convs and the latent; 0: no FC layers, the
    # last conv's feature map is the code (latent_dim must equal its size)
    uniform_latent: bool = False  # trained to push its codes toward Uniform[0, 1]^d (docs/course.md, section 1)
    batchnorm: bool = True  # BatchNorm after every hidden conv layer

    def __post_init__(self) -> None:
        if self.depth not in DEFAULT_CHANNELS:
            raise ValueError(f"depth must be 1, 2 or 3, not {self.depth}")
        self.channels = tuple(self.channels) or DEFAULT_CHANNELS[self.depth]
        if len(self.channels) != self.depth:
            raise ValueError(f"{self.depth} conv layers need {self.depth} channel counts")
        feature_map = self.channels[-1] * _spatial_sizes(self.depth)[-1] ** 2
        if self.hidden == 0 and self.latent_dim != feature_map:
            raise ValueError(f"without FC layers the code is the last feature map, {feature_map} numbers, "
                             f"not latent_dim {self.latent_dim}")

    def to_dict(self) -> dict:
        return asdict(self)


def _spatial_sizes(depth: int) -> list[int]:
    """Feature-map sizes after each stride-2 conv (kernel 3, padding 1): 28 -> 14 -> 7 -> 4."""
    sizes = [28]
    for _ in range(depth):
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def _norm(config: AutoencoderConfig, channels: int) -> list[nn.Module]:
    return [nn.BatchNorm2d(channels)] if config.batchnorm else []


class Encoder(nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        layers, in_channels = [], 1
        for index, out_channels in enumerate(config.channels):
            layers.append(nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1))
            if config.hidden or index < config.depth - 1:  # without FC layers the last conv is the code
                layers += [*_norm(config, out_channels), nn.ReLU()]
            in_channels = out_channels
        self.convs = nn.Sequential(*layers)
        flat = in_channels * _spatial_sizes(config.depth)[-1] ** 2
        self.fc = nn.Flatten() if not config.hidden else nn.Sequential(
            nn.Flatten(), nn.Linear(flat, config.hidden), nn.ReLU(), nn.Linear(config.hidden, config.latent_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x)  # (B, C, 14|7|4, 14|7|4)
        return self.fc(h)  # (B, latent_dim)


class Decoder(nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        sizes = _spatial_sizes(config.depth)
        self.start = (config.channels[-1], sizes[-1], sizes[-1])
        self.fc = nn.Identity() if not config.hidden else nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden), nn.ReLU(),
            nn.Linear(config.hidden, config.channels[-1] * sizes[-1] ** 2), nn.ReLU())
        out_channels = list(config.channels[-2::-1]) + [1]
        layers, in_channels = [], config.channels[-1]
        for i, channels in enumerate(out_channels):
            target = sizes[-2 - i]
            output_padding = target - (2 * sizes[-1 - i] - 1)
            layers.append(nn.ConvTranspose2d(in_channels, channels, 3, stride=2, padding=1,
                                             output_padding=output_padding))
            if channels != 1:
                layers += [*_norm(config, channels), nn.ReLU()]
            in_channels = channels
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(-1, *self.start)  # (B, C, 4|7|14, ...)
        return torch.sigmoid(self.deconvs(h))  # (B, 1, 28, 28)


class Autoencoder(nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))
