"""PCA baseline for the latent-size sweep: the best linear code of size d."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class PCA:
    mean: torch.Tensor  # (784,)
    components: torch.Tensor  # (784, 784), columns by decreasing variance
    variances: torch.Tensor  # (784,)

    def reconstruct(self, images: torch.Tensor, latent_dim: int) -> torch.Tensor:
        """Project (N, 1, 28, 28) images on the first `latent_dim` components and back."""
        flat = images.reshape(len(images), -1).double() - self.mean
        basis = self.components[:, :latent_dim]
        restored = (flat @ basis) @ basis.T + self.mean
        return restored.float().reshape(images.shape)


def fit_pca(images: torch.Tensor) -> PCA:
    """Fit on (N, 1, 28, 28) images in [0, 1], in float64."""
    flat = images.reshape(len(images), -1).double()
    mean = flat.mean(0)
    centred = flat - mean
    covariance = centred.T @ centred / (len(flat) - 1)
    variances, components = torch.linalg.eigh(covariance)
    return PCA(mean=mean, components=components.flip(1), variances=variances.flip(0))


def pca_mse(pca: PCA, images: torch.Tensor, latent_dim: int) -> float:
    """Mean squared error per pixel of the rank-`latent_dim` PCA reconstruction."""
    return float(((pca.reconstruct(images, latent_dim) - images) ** 2).mean())
