"""What the Latent space tab shows of the shipped autoencoders that never changes, computed once by
train/precompute_latents.py and shipped beside them: every offered autoencoder's correlation matrix and
the test codes (float16) of the ones the tab opens on. Each model's entries carry the digest of the
checkpoint they came from: the app takes only those whose checkpoint is unchanged and computes the rest
when first asked for."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from nnimg.latent import encode
from nnimg.metrics import correlation_matrix
from nnimg.models.autoencoder import Autoencoder

CORRELATION_IMAGES = 8000  # the course encodes 8,000 random test images for the correlation study


def correlation_indices(test_count: int) -> np.ndarray:
    """Which test digits the correlation study encodes: CORRELATION_IMAGES of them (seed 0), or all of a
    smaller split."""
    return np.random.default_rng(0).choice(test_count, min(CORRELATION_IMAGES, test_count), replace=False)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def precompute_latents(models: dict[str, Autoencoder], test_x: torch.Tensor, *,
                       with_codes: Collection[str]) -> dict[str, torch.Tensor]:
    """Per named model, the correlation matrix of its codes of the correlation digits of `test_x`
    ("correlation/NAME", float32) and, for the names in `with_codes`, its codes of all of `test_x`
    ("codes/NAME", float16)."""
    chosen = torch.from_numpy(correlation_indices(len(test_x)))
    tensors = {}
    for name, model in models.items():
        codes = encode(model, test_x)
        tensors[f"correlation/{name}"] = torch.from_numpy(correlation_matrix(codes[chosen].numpy())).float()
        if name in with_codes:
            tensors[f"codes/{name}"] = codes.half()
    return tensors


def save_latents(path: Path, tensors: dict[str, torch.Tensor], *, digests: dict[str, str], images: int) -> None:
    """Write `precompute_latents`' tensors, computed on `images` test digits from the checkpoints of
    these `digests` (by model name), atomically: the app may be reading the file meanwhile."""
    metadata = {"images": str(images)} | {f"digest/{name}": digest for name, digest in digests.items()}
    partial = path.with_suffix(".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({key: tensor.contiguous() for key, tensor in tensors.items()}, str(partial), metadata=metadata)
    partial.replace(path)


def load_latents(path: Path, checkpoints: dict[str, Path], *, images: int) -> dict[str, torch.Tensor]:
    """The tensors of `path` ("codes/NAME", "correlation/NAME") computed on `images` test digits from
    the very files `checkpoints` names (by model name); none when the file is missing or unreadable."""
    try:
        with safe_open(str(path), framework="pt") as file:
            metadata = file.metadata() or {}
        tensors = load_file(str(path))
    except (OSError, SafetensorError):
        return {}
    if metadata.get("images") != str(images):
        return {}
    unchanged = {name for name, checkpoint in checkpoints.items()
                 if checkpoint.is_file() and metadata.get(f"digest/{name}") == file_digest(checkpoint)}
    return {key: tensor for key, tensor in tensors.items() if key.split("/", 1)[-1] in unchanged}
