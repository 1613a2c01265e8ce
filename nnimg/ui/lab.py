"""The loaded lab that every tab reads: the test split, the shipped models and caches of fixed
results. Built on first use, so importing a tab module does nothing."""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable
from typing import TypeVar

import gradio as gr
import numpy as np
import torch

from nnimg import data
from nnimg.data import load_labelled_pool, load_test_split, load_unlabelled_pool, to_tensor
from nnimg.latent import correlation_by_dim, encode
from nnimg.metrics import classifier_features, correlation_matrix
from nnimg.models.autoencoder import Autoencoder
from nnimg.precomputed import correlation_indices, load_latents
from nnimg.registry import (AE_DEFAULT_DEPTH, DIGIT_CHECK, PRECOMPUTED_LATENTS, shipped_autoencoders,
                            studied_autoencoders, with_role)
from nnimg.ui.checks import user_errors
from nnimg.zoo import ModelZoo, read_metrics

T = TypeVar("T")


class LabUnavailableError(RuntimeError):
    """The shipped test split cannot be read, so no tab can work: one sentence saying what to do."""


def _shipped_data(load: Callable[[], T], path, what: str, error_type: type[Exception] = gr.Error) -> T:
    """`load()`, or `error_type` with the sentence that the shipped file `path` holding `what` is missing
    or broken and how to restore it. Nothing is kept on failure: a restored file is read on the next try."""
    try:
        return load()
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as error:
        state = "missing" if isinstance(error, FileNotFoundError) else "unreadable or altered"
        relative = f"nnimg/assets/{path.name}"
        raise error_type(f"{what} ({relative}) is {state}; it ships with nnimg, so restore it from the repository "
                         f"(git checkout -- {relative}).") from None


def _test_split() -> tuple[np.ndarray, np.ndarray]:
    return _shipped_data(load_test_split, data.TEST_SPLIT_PATH, "The MNIST test split", LabUnavailableError)


class Lab:
    """The test split, the model zoo, and codes and features computed once per model."""

    def __init__(self) -> None:
        self.test_images, self.test_labels = _test_split()
        self.test_x, self.test_y = to_tensor(self.test_images), torch.from_numpy(self.test_labels)
        self.zoo = ModelZoo()
        self.first_of_each_digit = [int(np.flatnonzero(self.test_labels == digit)[0]) for digit in range(10)]
        self._cache: dict[tuple, object] = {}

    @functools.cached_property
    def labelled_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """1,000 labelled training digits, 100 per digit (the transfer experiment's labels); a gr.Error if
        the file is missing or broken."""
        return _shipped_data(load_labelled_pool, data.LABELLED_POOL_PATH, "The pool of 1,000 labelled training digits")

    @functools.cached_property
    def unlabelled_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """10,000 other training digits, for label spreading (their labels only score it); a gr.Error if
        the file is missing or broken."""
        return _shipped_data(load_unlabelled_pool, data.UNLABELLED_POOL_PATH,
                             "The pool of 10,000 unlabelled training digits")

    @functools.cached_property
    def training_digits(self) -> torch.Tensor:
        """The 11,000 training digits that ship (both pools), as (N, 1, 28, 28) floats: live training's data."""
        return to_tensor(np.concatenate([self.labelled_pool[0], self.unlabelled_pool[0]]))

    @functools.cached_property
    def real_features(self) -> torch.Tensor:
        """The reference classifier's features of the 10,000 test digits (for Fréchet distances)."""
        return classifier_features(self.zoo.classifier, self.test_x)

    @functools.cached_property
    def precomputed(self) -> dict[str, torch.Tensor]:
        """The shipped test codes and correlation matrices (train/precompute_latents.py) of the
        autoencoders whose checkpoints are the ones they were computed from."""
        checkpoints = {s.name: s.path for s in studied_autoencoders()}
        return load_latents(with_role(PRECOMPUTED_LATENTS).path, checkpoints, images=len(self.test_x))

    def test_codes(self, name: str, model: Autoencoder) -> torch.Tensor:
        """The autoencoder `name`'s codes of the 10,000 test digits: shipped, else encoded once."""
        shipped = self.precomputed.get(f"codes/{name}")
        return self.cached(("test codes", name),
                           lambda: encode(model, self.test_x) if shipped is None else shipped.float())

    def correlation_matrix(self, name: str, model: Autoencoder) -> np.ndarray:
        """Pearson r between the coordinates of the autoencoder `name`'s codes of the 8,000 test
        digits of the correlation study: shipped, else computed once."""
        shipped = self.precomputed.get(f"correlation/{name}")
        if shipped is not None:
            return shipped.double().numpy()
        chosen = correlation_indices(len(self.test_x))
        return self.cached(("correlation", name),
                           lambda: correlation_matrix(self.test_codes(name, model)[chosen].numpy()))

    @functools.cached_property
    def correlation_by_dim(self) -> dict[str, dict[int, float]]:
        """The three correlation summaries against d for the latent sweep's autoencoders."""
        sweep = [s for s in shipped_autoencoders() if s.depth == AE_DEFAULT_DEPTH and s.name not in self.zoo.errors]
        return correlation_by_dim({s.latent_dim: self.correlation_matrix(s.name, self.zoo.model(s)) for s in sweep})

    def cached(self, key: tuple, compute: Callable[[], T]) -> T:
        """`compute()` the first time `key` is asked for; the same result after that."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def is_digit(self, images: np.ndarray | torch.Tensor) -> np.ndarray:
        """The check 'is it a digit' on (N, 28, 28) or (N, 1, 28, 28) images in [0, 1]."""
        batch = torch.as_tensor(images, dtype=torch.float32).reshape(-1, 1, 28, 28)
        with user_errors():
            return self.zoo.digit_check.is_digit(self.zoo.classifier, batch)

    @functools.cached_property
    def digit_check_false_alarm(self) -> float | None:
        """The share of real test digits the digit check calls 'no digit' (its metrics file)."""
        metrics = read_metrics(with_role(DIGIT_CHECK).metrics_path) or {}
        return metrics.get("real_digits_called_not_a_digit")

    @staticmethod
    def autoencoder_choices() -> list[tuple[str, str]]:
        """(display name, name) of the autoencoders the latent-space views offer: the latent sweep,
        the studies' depth, and the uniform-latent ones."""
        return [(s.display, s.name) for s in studied_autoencoders()]


@functools.cache
def lab() -> Lab:
    """The one lab of this process."""
    return Lab()
