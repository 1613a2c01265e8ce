"""The committed checkpoints are part of the product: they load, fit Spaces, and match their metrics."""

import json

import pytest

from nnimg.checkpoints import checkpoint_dir, load_model, shipped_autoencoders
from nnimg.training import reconstruction_mse

SHIPPED = shipped_autoencoders()


def test_every_file_fits_spaces_and_the_autoencoders_fit_their_budget():
    sizes = {path.name: path.stat().st_size for path in checkpoint_dir().iterdir() if path.is_file()}
    assert all(size < 10 * 2**20 for size in sizes.values()), sizes
    assert sum(sizes[s.path.name] for s in SHIPPED) < 40 * 2**20


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_shipped_autoencoder_loads_with_its_metrics(shipped):
    model = load_model(shipped.path)
    metrics = json.loads(shipped.metrics_path.read_text())
    assert (model.config.latent_dim, model.config.depth) == (shipped.latent_dim, shipped.depth)
    assert metrics["config"] == json.loads(json.dumps(model.config.to_dict()))
    assert all({"epoch", "train_mse", "test_mse"} <= set(epoch) for epoch in metrics["epochs"])


@pytest.mark.parametrize("latent_dim", [2, 10])
def test_recorded_test_mse_matches_the_weights(digits, latent_dim):
    shipped = next(s for s in SHIPPED if s.latent_dim == latent_dim and s.depth == 2)
    recorded = json.loads(shipped.metrics_path.read_text())["test_mse"]
    measured = reconstruction_mse(load_model(shipped.path), digits)  # 512 test digits
    assert measured == pytest.approx(recorded, rel=0.25)
