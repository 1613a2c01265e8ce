"""The shipped models, loaded once; a missing or broken file is kept as its error message."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from nnimg.checkpoints import (AE_STUDY_DEPTH, LATENT_GAN_MODELS, CheckpointError, ShippedAutoencoder, checkpoint_dir,
                               dcgan_paths, latent_gan_paths, load_model, shipped_autoencoders)
from nnimg.losses import GENERATOR_LOSSES
from nnimg.models.autoencoder import Autoencoder
from nnimg.models.classifier import Classifier
from nnimg.models.dcgan import Generator, sample_latent
from nnimg.models.latent_gan import CodeGenerator
from nnimg.restore import Degraded, GaussianPrior, gaussian_starts, restore_with_autoencoder, restore_with_generator

RESTORATION_METHODS = ("gan", "latent-gan", "ae", "uniform-ae", "classical")
# The AE priors' latent size, the same for the plain and the uniform-latent AE so they compare fairly.
# Denoising wants a richer model (d = 20 keeps strokes the noise does not hide); filling a hole wants a
# tighter one (d = 10 pulls harder toward a digit): `python -m nnimg.bench restore` measured both.
RESTORATION_AE_DIM = {"noise": 20, "mask": 10}
# The GAN priors try several random starts per image (Adam, lr 0.1) and average them, weighted by
# exp(-loss / 0.001), a posterior mean over the fits found (BENCHMARKS.md, restoration). The latent
# WGAN's generator is small enough to afford 16 starts; the DCGAN's, ten times dearer, gets 4.
GAN_RESTARTS, GAN_TEMPERATURE, GAN_LR = {"gan": 4, "latent-gan": 16}, 1e-3, 0.1
CLASSIFIER_COMMAND = "python train/train_classifier.py"
DCGAN_COMMAND = "python train/train_dcgan.py --loss {loss}"
LATENT_GAN_COMMAND = "python train/train_latent_gan.py --model {model}"


class ModelZoo:
    """Every shipped autoencoder (plain and uniform-latent) and the reference classifier."""

    def __init__(self) -> None:
        self.shipped = {s.name: s for s in shipped_autoencoders() + shipped_autoencoders(uniform=True)}
        self.errors: dict[str, str] = {}
        self.autoencoders: dict[str, Autoencoder] = {}
        for name, shipped in self.shipped.items():
            self._load(name, shipped.path, shipped.train_command, self.autoencoders)
        loaded: dict[str, Classifier] = {}
        self._load("classifier", checkpoint_dir() / "classifier.safetensors", CLASSIFIER_COMMAND, loaded)
        self._classifier = loaded.get("classifier")
        self.dcgans: dict[str, Generator] = {}
        for loss in GENERATOR_LOSSES:
            self._load(loss, dcgan_paths(loss)["generator"], DCGAN_COMMAND.format(loss=loss), self.dcgans)
        self.latent_gans: dict[str, CodeGenerator] = {}
        for model in LATENT_GAN_MODELS:
            self._load(f"latent_{model}", latent_gan_paths(model)["generator"],
                       LATENT_GAN_COMMAND.format(model=model), self.latent_gans)

    def _load(self, name: str, path: Path, command: str, into: dict) -> None:
        try:
            into[name] = load_model(path).requires_grad_(False)  # shipped models are never trained here
        except CheckpointError as error:
            self.errors[name] = f"{error}. Train it with: {command}"

    def latent_dims(self, depth: int) -> list[int]:
        """The latent sizes of the plain AEs shipped at `depth`, loaded or not."""
        return sorted(s.latent_dim for s in self.shipped.values() if s.depth == depth and not s.uniform)

    def autoencoder(self, latent_dim: int, depth: int, *, uniform: bool = False) -> Autoencoder:
        """The model, or CheckpointError saying which file is missing and how to train it."""
        name = ShippedAutoencoder(latent_dim, depth, uniform).name
        if name not in self.shipped:
            kind = "uniform-latent autoencoder" if uniform else "autoencoder"
            dims = [s.latent_dim for s in self.shipped.values() if s.depth == depth and s.uniform == uniform]
            raise CheckpointError(f"No {kind} ships with d = {latent_dim} at depth {depth}; "
                                  f"depth {depth} ships d = {', '.join(map(str, sorted(dims))) or 'none'}.")
        if name in self.errors:
            raise CheckpointError(self.errors[name])
        return self.autoencoders[name]

    @property
    def classifier(self) -> Classifier:
        """The reference classifier, or CheckpointError with the command that trains it."""
        if self._classifier is None:
            raise CheckpointError(self.errors["classifier"])
        return self._classifier

    @functools.cached_property
    def gaussian_prior(self) -> GaussianPrior:
        """The training digits' mean and covariance (the classical restoration baselines)."""
        path = checkpoint_dir() / "gaussian_prior.safetensors"
        try:
            tensors = load_file(str(path))
        except (OSError, SafetensorError) as error:
            raise CheckpointError(f"{path.name} is missing or unreadable. "
                                  "Make it with: python train/fit_pca.py") from error
        return GaussianPrior(tensors["mean"].double(), tensors["covariance"].double())

    def dcgan(self, loss: str) -> Generator:
        """The shipped DCGAN generator trained with `loss`, or CheckpointError."""
        if loss not in GENERATOR_LOSSES:
            raise CheckpointError(f"Unknown loss {loss!r}; choose one of {', '.join(GENERATOR_LOSSES)}.")
        if loss in self.errors:
            raise CheckpointError(self.errors[loss])
        return self.dcgans[loss]

    def latent_gan(self, model: str) -> tuple[CodeGenerator, Autoencoder]:
        """A shipped GAN on the AE's latent space and the AE whose decoder draws its codes."""
        if model not in LATENT_GAN_MODELS:
            raise CheckpointError(f"Unknown latent GAN {model!r}; choose one of {', '.join(LATENT_GAN_MODELS)}.")
        name = f"latent_{model}"
        if name in self.errors:
            raise CheckpointError(self.errors[name])
        generator = self.latent_gans[name]
        shipped = self.shipped[generator.config.autoencoder]
        return generator, self.autoencoder(shipped.latent_dim, shipped.depth, uniform=shipped.uniform)

    def restore(self, method: str, degraded: Degraded, *, steps: int, seed: int = 0,
                norm: str = "l2") -> Iterator[dict]:
        """Restore with one of RESTORATION_METHODS; yields progress events, the last with "restored"."""
        if method == "gan":
            generator = self.dcgan("non-saturating")
            yield from restore_with_generator(
                generator, lambda count, rng: sample_latent(generator.config, count, generator=rng), degraded,
                steps=steps, seed=seed, norm=norm, restarts=GAN_RESTARTS[method], temperature=GAN_TEMPERATURE,
                lr=GAN_LR)
        elif method == "latent-gan":
            generator, autoencoder = self.latent_gan("wgan")
            yield from restore_with_generator(
                lambda z: autoencoder.decoder(generator(z)), gaussian_starts(generator.config.noise_dim), degraded,
                steps=steps, seed=seed, norm=norm, restarts=GAN_RESTARTS[method], temperature=GAN_TEMPERATURE,
                lr=GAN_LR)
        elif method in ("ae", "uniform-ae"):
            masked = degraded.noise_sigma == 0
            latent_dim = RESTORATION_AE_DIM["mask" if masked else "noise"]
            autoencoder = self.autoencoder(latent_dim, AE_STUDY_DEPTH, uniform=method == "uniform-ae")
            start = self.gaussian_prior.conditional_mean(degraded) if masked else None
            yield from restore_with_autoencoder(autoencoder, degraded, steps=steps, start=start)
        elif method == "classical":
            restored = self.gaussian_prior.restore(degraded)
            yield {"step": steps, "loss": float("nan"), "estimate": restored, "restored": restored}
        else:
            raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(RESTORATION_METHODS)}.")

    @torch.inference_mode()
    def reconstruct(self, digits: np.ndarray, latent_dim: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(N, 28, 28) uint8 digits -> (reconstructions in [0, 1], MSE per image)."""
        model = self.autoencoder(latent_dim, depth)
        x = torch.from_numpy(np.asarray(digits, dtype=np.float32) / 255.0).unsqueeze(1)
        reconstruction = model(x)
        mse = ((reconstruction - x) ** 2).mean(dim=(1, 2, 3))
        return reconstruction[:, 0].numpy(), mse.numpy()

    def mse_curves(self) -> dict[str, dict[int, float]]:
        """Test MSE against d per depth (from the metrics JSON files) and the PCA baseline."""
        curves: dict[str, dict[int, float]] = {}
        for shipped in self.shipped.values():
            metrics = read_metrics(shipped.metrics_path)
            if metrics and not shipped.uniform:
                label = f"AE, {shipped.depth} conv layer{'s' * (shipped.depth > 1)}"
                curves.setdefault(label, {})[shipped.latent_dim] = metrics["test_mse"]
        pca = read_metrics(checkpoint_dir() / "pca_metrics.json")
        if pca:
            curves["PCA"] = {int(d): mse for d, mse in pca["test_mse"].items()}
        return dict(sorted(curves.items()))


def read_metrics(path: Path) -> dict | None:
    """A metrics JSON file, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
