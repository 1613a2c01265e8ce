"""The shipped models, loaded once: the registry's loaded view. A missing or broken file is kept
as its error message, with the command that trains it, until the file changes: then it is read again."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from nnimg.checkpoints import CheckpointError, load_model
from nnimg.digit_check import DigitCheck
from nnimg.models.autoencoder import Autoencoder
from nnimg.models.classifier import Classifier
from nnimg.models.dcgan import Generator, sample_latent
from nnimg.models.latent_gan import CodeGenerator
from nnimg.registry import (CONDITIONAL_SAMPLER, DIGIT_CHECK, GAUSSIAN_PRIOR, LATENT_GAN_MODELS,
                            NOT_NETWORKS, REFERENCE_CLASSIFIER, REGISTRY, REPLICATE, RESTORATION_AE, RESTORATION_DCGAN,
                            RESTORATION_LATENT_GAN, UNCONDITIONAL_SAMPLER, Shipped, ShippedAutoencoder,
                            autoencoder_name, checkpoint_dir, dcgan_recipes, find_dcgan, latent_gan,
                            with_role)
from nnimg.restore import (Degraded, GaussianPrior, gaussian_starts, map_start, restore_with_autoencoder,
                           restore_with_generator)

RESTORATION_METHODS = ("gan", "latent-gan", "ae", "uniform-ae", "classical")
# The GAN priors try several random starts per image (Adam, lr 0.1) and average them, weighted by
# exp(-loss / 0.001), a posterior mean over the fits found (BENCHMARKS.md, restoration). The latent
# WGAN's generator is small enough to afford 16 starts; the DCGAN's, ten times dearer, gets 4.
GAN_RESTARTS, GAN_TEMPERATURE, GAN_LR = {"gan": 4, "latent-gan": 16}, 1e-3, 0.1


def restore_with_dcgan(generator: Generator, degraded: Degraded, **options) -> Iterator[dict]:
    """`restore_with_generator` with a DCGAN's G from starts drawn from its latent prior, the app's
    restarts, temperature and learning rate unless `options` say otherwise."""
    options = {"restarts": GAN_RESTARTS["gan"], "temperature": GAN_TEMPERATURE, "lr": GAN_LR} | options
    yield from restore_with_generator(
        generator, lambda count, rng: sample_latent(generator.config, count, generator=rng), degraded, **options)


def _file_state(path: Path) -> tuple[int, int] | None:
    """(modification time, size) of a file, None if it is missing."""
    try:
        state = path.stat()
    except OSError:
        return None
    return state.st_mtime_ns, state.st_size


class ModelZoo:
    """Every shipped model of the registry, loaded (the Gaussian prior on first use)."""

    def __init__(self) -> None:
        self.shipped: dict[str, ShippedAutoencoder] = {
            e.name: e for e in REGISTRY if isinstance(e, ShippedAutoencoder) and REPLICATE not in e.roles}
        self.models: dict[str, torch.nn.Module] = {}
        self.errors: dict[str, str] = {}
        self._failed_file: dict[str, tuple[int, int] | None] = {}  # the file as it was when it failed to load
        self.autoencoders: dict[str, Autoencoder] = {}
        for entry in REGISTRY:
            if not set(entry.roles) & set(NOT_NETWORKS):  # the others are not networks: loaded on first use
                self._load(entry)

    def _load(self, entry: Shipped) -> None:
        try:
            self.models[entry.name] = load_model(entry.path).requires_grad_(False)  # never trained here
        except CheckpointError as error:
            self.errors[entry.name] = f"{error}. Train it with: {entry.train_command}"
            self._failed_file[entry.name] = _file_state(entry.path)
            return
        self.errors.pop(entry.name, None)
        if entry.name in self.shipped:
            self.autoencoders[entry.name] = self.models[entry.name]

    def model(self, entry: Shipped) -> torch.nn.Module:
        """The loaded model of a registry entry (a folder's DCGAN: loaded on first use), or CheckpointError
        saying how to train it. A file that failed is read again once it has changed (restored, retrained)."""
        failed_and_changed = entry.name in self.errors and _file_state(entry.path) != self._failed_file[entry.name]
        if (entry.name not in self.models and entry.name not in self.errors) or failed_and_changed:
            self._load(entry)
        if entry.name in self.errors:
            raise CheckpointError(self.errors[entry.name])
        return self.models[entry.name]

    def latent_dims(self, depth: int) -> list[int]:
        """The latent sizes of the plain AEs shipped at `depth`, loaded or not."""
        return sorted(s.latent_dim for s in self.shipped.values()
                      if s.depth == depth and not s.uniform and s.fully_connected)

    def autoencoder(self, latent_dim: int, depth: int, *, uniform: bool = False) -> Autoencoder:
        """The model, or CheckpointError saying which file is missing and how to train it."""
        name = autoencoder_name(latent_dim, depth, uniform=uniform)
        if name not in self.shipped:
            kind = "uniform-latent autoencoder" if uniform else "autoencoder"
            dims = [s.latent_dim for s in self.shipped.values()
                    if s.depth == depth and s.uniform == uniform and s.fully_connected]
            raise CheckpointError(f"No {kind} ships with d = {latent_dim} at depth {depth}; "
                                  f"depth {depth} ships d = {', '.join(map(str, sorted(dims))) or 'none'}.")
        return self.model(self.shipped[name])

    def named_autoencoder(self, name: str) -> Autoencoder:
        """A shipped autoencoder by its name (ae_d10_l2, ae_uniform_d10_l2, ...), or CheckpointError."""
        if name not in self.shipped:
            raise CheckpointError(f"Unknown autoencoder {name!r}; choose one of {', '.join(self.shipped)}.")
        return self.model(self.shipped[name])

    @property
    def classifier(self) -> Classifier:
        """The reference classifier, or CheckpointError with the command that trains it."""
        return self.model(with_role(REFERENCE_CLASSIFIER))

    @functools.cached_property
    def gaussian_prior(self) -> GaussianPrior:
        """The training digits' mean and covariance (the classical restoration baselines)."""
        entry = with_role(GAUSSIAN_PRIOR)
        try:
            tensors = load_file(str(entry.path))
        except (OSError, SafetensorError) as error:
            raise CheckpointError(f"{entry.path.name} is missing or unreadable. "
                                  f"Make it with: {entry.train_command}") from error
        return GaussianPrior(tensors["mean"].double(), tensors["covariance"].double())

    @functools.cached_property
    def digit_check(self) -> DigitCheck:
        """The check 'is it a digit' calibrated on the test digits (the classifier's features)."""
        entry = with_role(DIGIT_CHECK)
        try:
            return DigitCheck.load(entry.path)
        except (OSError, SafetensorError, KeyError) as error:
            raise CheckpointError(f"{entry.path.name} is missing or unreadable. "
                                  f"Make it with: {entry.train_command}") from error

    def dcgan(self, loss: str, recipe: str = "shipped") -> Generator:
        """The DCGAN generator trained with `loss` and `recipe` (shipped or trained on a folder), or
        CheckpointError."""
        recipes = dcgan_recipes()
        if recipe not in recipes:
            raise CheckpointError(f"Unknown recipe {recipe!r}; choose one of {', '.join(recipes)}.")
        if loss not in recipes[recipe]:
            raise CheckpointError(f"The {recipe} recipe has the losses {', '.join(recipes[recipe])}, not {loss!r}.")
        return self.model(find_dcgan(loss, recipe))

    def latent_gan(self, model: str) -> tuple[CodeGenerator, Autoencoder]:
        """A shipped GAN on the AE's latent space and the AE whose decoder draws its codes."""
        if model not in LATENT_GAN_MODELS:
            raise CheckpointError(f"Unknown latent GAN {model!r}; choose one of {', '.join(LATENT_GAN_MODELS)}.")
        return self.latent_gan_of(latent_gan(model))

    def latent_gan_of(self, entry: Shipped) -> tuple[CodeGenerator, Autoencoder]:
        generator = self.model(entry)
        return generator, self.model(self.shipped[generator.config.autoencoder])

    def sampler(self, *, conditional: bool) -> tuple[CodeGenerator, Autoencoder]:
        """The latent GAN that draws chosen digits (conditional) or any digit, and its AE."""
        return self.latent_gan_of(with_role(CONDITIONAL_SAMPLER if conditional else UNCONDITIONAL_SAMPLER))

    def restore(self, method: str, degraded: Degraded, *, steps: int, seed: int = 0, norm: str = "l2",
                perceptual: float = 0.0, start: str | None = None) -> Iterator[dict]:
        """Restore with one of RESTORATION_METHODS, with an L2 or L1 data term; yields progress events,
        the last with "restored". `perceptual` > 0 adds that weight of a perceptual loss (the reference
        classifier's first convolutional features) to the GAN priors' fit, for inversion. `start`: where
        the AE priors' MAP starts (one of MAP_STARTS; default the conditional mean for masks, the noisy
        image for noise)."""
        gan_options = {"steps": steps, "seed": seed, "norm": norm, "temperature": GAN_TEMPERATURE, "lr": GAN_LR}
        if perceptual:
            gan_options |= {"features": self.classifier.convs[0], "feature_weight": perceptual}
        if method == "gan":
            yield from restore_with_dcgan(self.model(with_role(RESTORATION_DCGAN)), degraded, **gan_options)
        elif method == "latent-gan":
            generator, autoencoder = self.latent_gan_of(with_role(RESTORATION_LATENT_GAN))
            yield from restore_with_generator(
                lambda z: autoencoder.decoder(generator(z)), gaussian_starts(generator.config.noise_dim), degraded,
                restarts=GAN_RESTARTS[method], **gan_options)
        elif method in ("ae", "uniform-ae"):
            masked = degraded.noise_sigma == 0
            autoencoder = self.model(with_role(RESTORATION_AE[("mask" if masked else "noise", method == "uniform-ae")]))
            start = start or ("conditional-mean" if masked else "degraded")
            estimate = self.gaussian_prior.restore(degraded) if start == "conditional-mean" else None
            first = map_start(start, degraded, gaussian_estimate=estimate, seed=seed)
            yield from restore_with_autoencoder(autoencoder, degraded, steps=steps, start=first)
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
            if metrics and not shipped.uniform and shipped.fully_connected:
                label = f"AE, {shipped.depth} conv layer{'s' * (shipped.depth > 1)}"
                curves.setdefault(label, {})[shipped.latent_dim] = metrics["test_mse"]
        pca = read_metrics(checkpoint_dir() / "pca_metrics.json")  # written by train/fit_pca.py
        if pca:
            curves["PCA"] = {int(d): mse for d, mse in pca["test_mse"].items()}
        return dict(sorted(curves.items()))


def read_metrics(path: Path) -> dict | None:
    """A metrics JSON file, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
