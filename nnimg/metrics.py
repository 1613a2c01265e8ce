"""Measures of images and codes: PSNR and SSIM, classifier-based Inception Score, Fréchet distance
on the classifier's features, and summaries of a correlation matrix."""

from __future__ import annotations

import numpy as np
import torch
from pytorch_msssim import ssim as _ssim

from nnimg.training import predict_logits


def psnr(estimate: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB over the whole image, per image, for values in [0, 1]."""
    mse = ((estimate - clean) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1 / mse)


def ssim(estimate: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """Structural similarity per (1, 28, 28) image (pytorch-msssim, 11x11 Gaussian window)."""
    return _ssim(estimate.float(), clean.float(), data_range=1.0, size_average=False)


def inception_score(probabilities: torch.Tensor) -> float:
    """exp(E_x KL(p(y|x) || p(y))) for (N, classes) class probabilities: 1 (useless) to classes (ideal)."""
    p = probabilities.double().clamp_min(1e-12)
    marginal = p.mean(0, keepdim=True)
    return float(torch.exp((p * (p.log() - marginal.log())).sum(1).mean()))


def unsure_share(probabilities: torch.Tensor, threshold: float = 0.9) -> float:
    """Share of images whose most likely class has probability below `threshold`: what lowers IS."""
    return float((probabilities.max(1).values < threshold).float().mean())


def frechet_distance(features_a: torch.Tensor, features_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two (N, F) feature sets."""
    a, b = features_a.double(), features_b.double()
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    # Tr sqrt(cov_a cov_b) = Tr sqrt(S cov_b S) with S = sqrt(cov_a), a symmetric PSD product
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp_min(0).sqrt().sum()
    return float(((mean_a - mean_b) ** 2).sum() + torch.trace(cov_a) + torch.trace(cov_b) - 2 * cross)


@torch.inference_mode()
def classifier_features(classifier: torch.nn.Module, images: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """Penultimate-layer features of the reference classifier for (N, 1, 28, 28) images."""
    classifier.eval()
    return torch.cat([classifier.embed(batch) for batch in images.split(batch_size)])


def classify(classifier: torch.nn.Module, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(labels, confidence) of the reference classifier for (N, 1, 28, 28) images in [0, 1]."""
    probabilities = predict_logits(classifier, images).softmax(1)
    confidence, labels = probabilities.max(1)
    return labels.numpy(), confidence.numpy()


def digit_shares(labels: np.ndarray) -> np.ndarray:
    """Share of each digit 0-9 among classifier labels."""
    return np.bincount(labels, minlength=10) / max(len(labels), 1)


def correlation_matrix(codes: np.ndarray) -> np.ndarray:
    """Pearson r between the coordinates of (N, d) codes: a (d, d) matrix."""
    return np.corrcoef(codes, rowvar=False)


def correlation_summaries(matrix: np.ndarray) -> dict[str, float]:
    """A correlation matrix of code coordinates, summarised the ways the write-ups disagree on.

    The mean of |r| over the whole matrix includes the d ones on the diagonal, which alone give
    1/d, so it falls as d grows even when the coordinates grow more redundant.
    """
    r = np.abs(matrix)
    d = r.shape[0]
    off_diagonal = r[~np.eye(d, dtype=bool)]
    return {"mean_abs_r_with_diagonal": float(r.mean()),
            "mean_abs_r_off_diagonal": float(off_diagonal.mean()),
            "max_abs_r_off_diagonal": float(off_diagonal.max())}


def sample_quality(samples: torch.Tensor, classifier: torch.nn.Module, real_features: torch.Tensor) -> dict:
    """Classifier-IS, Fréchet distance to real features, the share the classifier is unsure of, and the
    digit shares of (N, 1, 28, 28) samples."""
    probabilities = predict_logits(classifier, samples).softmax(1)
    return {"inception_score": inception_score(probabilities), "unsure_share": unsure_share(probabilities),
            "frechet_distance": frechet_distance(classifier_features(classifier, samples), real_features),
            "digit_shares": digit_shares(probabilities.argmax(1).numpy())}
