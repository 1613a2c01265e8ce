"""Looking inside an autoencoder's latent space: codes, their box, projections, interpolation,
and how far the codes are from Uniform[0, 1]."""

from __future__ import annotations

import numpy as np
import torch

from nnimg.losses import batch_moments
from nnimg.metrics import classify, correlation_summaries
from nnimg.models.autoencoder import Autoencoder


@torch.inference_mode()
def encode(model: Autoencoder, images: torch.Tensor, *, batch_size: int = 2000) -> torch.Tensor:
    """(N, 1, 28, 28) images in [0, 1] -> (N, d) codes of `model.encoder` (an AE's, or a
    TransferNet's), in eval mode."""
    model.eval()
    return torch.cat([model.encoder(batch) for batch in images.split(batch_size)])


@torch.inference_mode()
def decode(model: Autoencoder, codes: torch.Tensor) -> torch.Tensor:
    """(N, d) codes -> (N, 1, 28, 28) images in [0, 1]."""
    model.eval()
    return model.decoder(codes)


def sample_box(low: torch.Tensor, high: torch.Tensor, count: int, *, seed: int) -> torch.Tensor:
    """`count` codes drawn uniformly from the box [low, high] (per coordinate)."""
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(count, len(low), generator=generator)


def project_2d(codes: torch.Tensor, *, coordinates: tuple[int, int] | None = None) -> tuple[np.ndarray, str, str]:
    """Two chosen coordinates of the codes, or (coordinates=None) their first two principal
    components; returns (N, 2) points and the two axis titles."""
    if coordinates is not None:
        first, second = coordinates
        return codes[:, [first, second]].numpy(), f"z[{first}]", f"z[{second}]"
    centred = codes.double() - codes.double().mean(0)
    _, _, components = torch.linalg.svd(centred, full_matrices=False)
    return (centred @ components[:2].T).float().numpy(), "principal component 1", "principal component 2"


def interpolate_codes(code_a: torch.Tensor, code_b: torch.Tensor, steps: int) -> torch.Tensor:
    """(steps, d) codes (1 - a) * code_a + a * code_b for a evenly from 0 to 1."""
    alphas = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - alphas) * code_a + alphas * code_b


def moments_table(codes: torch.Tensor) -> dict[str, float]:
    """The four moments of the codes, averaged over coordinates (Uniform[0, 1]: 0.5, 1/12, 0, 1.8)."""
    return {name: float(value.mean()) for name, value in batch_moments(codes.double()).items()}


@torch.inference_mode()
def decode_and_classify(model: Autoencoder, classifier: torch.nn.Module,
                        codes: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decoded images (N, 28, 28) in [0, 1], the classifier's labels and its confidence."""
    images = decode(model, codes)
    labels, confidence = classify(classifier, images)
    return images[:, 0].numpy(), labels, confidence


def correlation_by_dim(matrices_by_dim: dict[int, np.ndarray]) -> dict[str, dict[int, float]]:
    """The three correlation summaries (see metrics.correlation_summaries) of each latent size's
    correlation matrix, against latent size."""
    curves: dict[str, dict[int, float]] = {}
    for latent_dim, matrix in sorted(matrices_by_dim.items()):
        for name, value in correlation_summaries(matrix).items():
            curves.setdefault(name, {})[latent_dim] = value
    return curves


def real_and_box_samples(model: Autoencoder, classifier: torch.nn.Module, codes: torch.Tensor, count: int, *,
                         seed: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Decode `count` real codes and `count` codes drawn uniformly from the box the codes span;
    for each kind ("real", "box"): the images, the classifier's labels and its confidence."""
    chosen = torch.from_numpy(np.random.default_rng(seed).choice(len(codes), count, replace=False))
    box = sample_box(codes.min(0).values, codes.max(0).values, count, seed=seed)
    return {"real": decode_and_classify(model, classifier, codes[chosen]),
            "box": decode_and_classify(model, classifier, box)}


def uniform_codes(count: int, latent_dim: int, *, seed: int = 0) -> torch.Tensor:
    """`count` codes drawn from Uniform[0, 1]^d."""
    return torch.rand(count, latent_dim, generator=torch.Generator().manual_seed(seed))


def min_max_rescaled(codes: torch.Tensor) -> torch.Tensor:
    """Each coordinate mapped linearly onto [0, 1] (to compare shapes of distributions)."""
    low, high = codes.min(0).values, codes.max(0).values
    return (codes - low) / (high - low)
