"""Is it a digit? An out-of-distribution check on the reference classifier, so that a blank image
or a blend is not reported as "1 100%".

Two scores, each compared with a threshold calibrated on real test digits:
- the Mahalanobis distance of the classifier's features to the nearest digit's mean (shared
  covariance, Lee et al. 2018): far from every digit's cloud, e.g. blank pages and noise;
- the classifier's energy, -logsumexp(logits) (Liu et al. 2020): logits weaker than real digits
  give, e.g. blends of two digits.
An image is "not a digit" when either score is beyond its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from nnimg.latent import decode, encode, sample_box
from nnimg.metrics import classifier_features
from nnimg.models.autoencoder import Autoencoder
from nnimg.training import predict_logits

FALSE_ALARM = 0.01  # the share of real test digits the two thresholds together may call "not a digit"


@dataclass
class DigitCheck:
    means: torch.Tensor  # (10, F) each digit's mean feature
    precision: torch.Tensor  # (F, F) inverse of the shared within-digit covariance
    distance_threshold: float
    energy_threshold: float

    def scores(self, classifier: torch.nn.Module, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """(Mahalanobis distance to the nearest digit, energy) of (N, 1, 28, 28) images."""
        features = classifier_features(classifier, images).double()
        offsets = features[:, None, :] - self.means[None]  # (N, 10, F)
        distances = torch.einsum("ncf,fg,ncg->nc", offsets, self.precision, offsets).min(1).values
        energy = -torch.logsumexp(predict_logits(classifier, images).double(), 1)
        return distances.numpy(), energy.numpy()

    def is_digit(self, classifier: torch.nn.Module, images: torch.Tensor) -> np.ndarray:
        """True where an image looks like a real digit to the classifier, per image."""
        distances, energy = self.scores(classifier, images)
        return (distances <= self.distance_threshold) & (energy <= self.energy_threshold)

    def save(self, path: Path) -> None:
        save_file({"means": self.means.contiguous(), "precision": self.precision.contiguous()}, str(path),
                  metadata={"distance_threshold": repr(self.distance_threshold),
                            "energy_threshold": repr(self.energy_threshold)})

    @classmethod
    def load(cls, path: Path) -> DigitCheck:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as file:
            metadata = file.metadata()
        return cls(tensors["means"].double(), tensors["precision"].double(),
                   float(metadata["distance_threshold"]), float(metadata["energy_threshold"]))


def fit_digit_check(classifier: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
                    calibration: torch.Tensor, *, false_alarm: float = FALSE_ALARM) -> DigitCheck:
    """Digit means and shared covariance of the classifier's features on labelled `images`; each
    threshold at the (1 - false_alarm / 2) quantile of its score on the `calibration` digits."""
    features = classifier_features(classifier, images).double()
    means = torch.stack([features[labels == digit].mean(0) for digit in range(10)])
    centred = features - means[labels]
    covariance = centred.T @ centred / len(features) + 1e-6 * torch.eye(features.shape[1], dtype=torch.double)
    check = DigitCheck(means, torch.linalg.inv(covariance), float("inf"), float("inf"))
    distances, energy = check.scores(classifier, calibration)
    check.distance_threshold = float(np.quantile(distances, 1 - false_alarm / 2))
    check.energy_threshold = float(np.quantile(energy, 1 - false_alarm / 2))
    return check


def not_digits(autoencoder: Autoencoder, images: torch.Tensor, labels: torch.Tensor, *, count: int = 500,
               seed: int = 0) -> dict[str, torch.Tensor]:
    """`count` images of each kind that is not a digit: blank, uniform noise, sparse noise, decoded
    codes drawn uniformly from the box of the AE's codes of `images`, and decoded midpoints between
    the codes of two different digits."""
    rng = torch.Generator().manual_seed(seed)
    codes = encode(autoencoder, images)
    pairs = torch.randint(0, len(images), (4 * count, 2), generator=rng)
    pairs = pairs[labels[pairs[:, 0]] != labels[pairs[:, 1]]][:count]
    return {"blank": torch.zeros(count, 1, 28, 28),
            "uniform noise": torch.rand(count, 1, 28, 28, generator=rng),
            "sparse noise": (torch.rand(count, 1, 28, 28, generator=rng) > 0.85).float(),
            "uniform box decodes": decode(autoencoder, sample_box(codes.min(0).values, codes.max(0).values, count,
                                                                  seed=seed)),
            "midpoints of two digits": decode(autoencoder, 0.5 * (codes[pairs[:, 0]] + codes[pairs[:, 1]]))}
