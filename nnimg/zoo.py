"""The shipped models, loaded once, and the questions the app asks of them."""

from __future__ import annotations

import json

import numpy as np
import torch

from nnimg.checkpoints import CheckpointError, ShippedAutoencoder, checkpoint_dir, load_model, shipped_autoencoders
from nnimg.models.autoencoder import Autoencoder


class AutoencoderZoo:
    """Every shipped autoencoder, keyed by (latent_dim, depth); a broken file is kept as its error."""

    def __init__(self) -> None:
        self.shipped = {(s.latent_dim, s.depth): s for s in shipped_autoencoders()}
        self.models: dict[tuple[int, int], Autoencoder] = {}
        self.errors: dict[tuple[int, int], str] = {}
        for key, shipped in self.shipped.items():
            try:
                self.models[key] = load_model(shipped.path)
            except CheckpointError as error:
                self.errors[key] = f"{error}. Train it with: {shipped.train_command}"

    def latent_dims(self, depth: int) -> list[int]:
        """The latent sizes shipped at `depth`, loaded or not."""
        return sorted(d for d, k in self.shipped if k == depth)

    def get(self, latent_dim: int, depth: int) -> Autoencoder:
        """The model, or CheckpointError saying which file is missing and how to train it."""
        key = (latent_dim, depth)
        if key not in self.shipped:
            shipped_dims = ", ".join(map(str, self.latent_dims(depth))) or "none"
            raise CheckpointError(f"No autoencoder ships with d = {latent_dim} at depth {depth}; "
                                  f"depth {depth} ships d = {shipped_dims}.")
        if key in self.errors:
            raise CheckpointError(self.errors[key])
        return self.models[key]

    @torch.inference_mode()
    def reconstruct(self, digits: np.ndarray, latent_dim: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(N, 28, 28) uint8 digits -> (reconstructions in [0, 1], MSE per image)."""
        model = self.get(latent_dim, depth)
        x = torch.from_numpy(np.asarray(digits, dtype=np.float32) / 255.0).unsqueeze(1)
        reconstruction = model(x)
        mse = ((reconstruction - x) ** 2).mean(dim=(1, 2, 3))
        return reconstruction[:, 0].numpy(), mse.numpy()

    def mse_curves(self) -> dict[str, dict[int, float]]:
        """Test MSE against d per depth (from the metrics JSON files) and the PCA baseline."""
        curves: dict[str, dict[int, float]] = {}
        for (latent_dim, depth), shipped in self.shipped.items():
            metrics = _read_json(shipped.metrics_path)
            if metrics:
                curves.setdefault(f"AE, {depth} conv layer{'s' if depth > 1 else ''}", {})[latent_dim] = metrics["test_mse"]
        pca = _read_json(checkpoint_dir() / "pca_metrics.json")
        if pca:
            curves["PCA"] = {int(d): mse for d, mse in pca["test_mse"].items()}
        return dict(sorted(curves.items()))


def _read_json(path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
