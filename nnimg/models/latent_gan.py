"""GANs on an autoencoder's latent space (docs/course.md, section 5): a generator maps noise (and,
if conditional, a one-hot digit) to AE codes, a critic judges codes; images are Decoder(G(z))."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass
class LatentGANConfig:
    code_dim: int = 10  # the AE's latent size
    noise_dim: int = 10
    hidden: int = 256
    conditional: bool = False  # a one-hot digit is concatenated to G's and the critic's inputs
    autoencoder: str = "ae_d10_l2"  # whose decoder turns codes into images
    code_mean: list[float] = field(default_factory=list)  # G works on standardised codes
    code_std: list[float] = field(default_factory=list)
    critic_batchnorm: bool = False  # BatchNorm in the critic too, as in the course's plain GAN

    def to_dict(self) -> dict:
        return asdict(self)


def _with_label(x: torch.Tensor, labels: torch.Tensor | None, conditional: bool) -> torch.Tensor:
    """Append the digit: int labels (B,) as one-hot, or (B, 10) weights as they are (a blend)."""
    if not conditional:
        return x
    one_hot = labels.to(x.dtype) if labels.dim() == 2 else nn.functional.one_hot(labels, 10).to(x.dtype)
    return torch.cat([x, one_hot], dim=1)  # (B, in + 10)


class CodeGenerator(nn.Module):
    """Noise (B, noise_dim) [+ digit] -> AE codes (B, code_dim), in the AE's own units."""

    def __init__(self, config: LatentGANConfig):
        super().__init__()
        self.config = config
        inputs = config.noise_dim + 10 * config.conditional
        self.net = nn.Sequential(
            nn.Linear(inputs, config.hidden), nn.BatchNorm1d(config.hidden), nn.LeakyReLU(0.2),
            nn.Linear(config.hidden, config.hidden), nn.BatchNorm1d(config.hidden), nn.LeakyReLU(0.2),
            nn.Linear(config.hidden, config.code_dim),
        )
        mean = torch.tensor(config.code_mean or [0.0] * config.code_dim)
        std = torch.tensor(config.code_std or [1.0] * config.code_dim)
        self.register_buffer("code_mean", mean)
        self.register_buffer("code_std", std)

    def standardised(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Codes in standardised units, what the critic sees."""
        return self.net(_with_label(noise, labels, self.config.conditional))

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.standardised(noise, labels) * self.code_std + self.code_mean


class CodeCritic(nn.Module):
    """Standardised codes (B, code_dim) [+ digit] -> one score (a logit for the plain GAN)."""

    def __init__(self, config: LatentGANConfig):
        super().__init__()
        self.config = config
        inputs, hidden = config.code_dim + 10 * config.conditional, config.hidden

        def norm() -> list[nn.Module]:
            return [nn.BatchNorm1d(hidden)] if config.critic_batchnorm else []

        self.net = nn.Sequential(
            nn.Linear(inputs, hidden), *norm(), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), *norm(), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, codes: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(_with_label(codes, labels, self.config.conditional)).squeeze(1)  # (B,)


class CodeClassifier(nn.Module):
    """Standardised codes (B, code_dim) -> digit logits (B, 10): the auxiliary classifier that
    steers a conditional generator toward codes of the asked digit (used in training only)."""

    def __init__(self, code_dim: int, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(code_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 10))

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.net(codes)
