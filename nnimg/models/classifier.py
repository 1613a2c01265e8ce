"""The reference MNIST classifier: a small CNN, the yardstick for generated and restored digits."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class ClassifierConfig:
    channels: tuple[int, int] = (32, 64)
    features: int = 128  # width of the penultimate layer (the Fréchet distance's feature space)

    def __post_init__(self) -> None:
        self.channels = tuple(self.channels)

    def to_dict(self) -> dict:
        return asdict(self)


def _block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two 3x3 convs, the second with stride 2: halves the feature map."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, 3, stride=2, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU(),
    )


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        first, second = config.channels
        self.convs = nn.Sequential(_block(1, first), _block(first, second))
        self.features = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(second * 49, config.features),
                                      nn.BatchNorm1d(config.features), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.25), nn.Linear(config.features, 10))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x)  # (B, 64, 7, 7)
        return self.features(h)  # (B, features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))  # (B, 10) logits
