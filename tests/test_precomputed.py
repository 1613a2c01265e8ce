"""The precomputed latents: written and read back, taken only while their checkpoints are unchanged, and
read by the app's lab in place of encoding."""

import numpy as np
import torch

from nnimg.checkpoints import save_model
from nnimg.latent import encode
from nnimg.metrics import correlation_matrix
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.precomputed import correlation_indices, file_digest, load_latents, precompute_latents, save_latents
from nnimg.registry import PRECOMPUTED_LATENTS, autoencoder_name, shipped, with_role
from nnimg.ui.lab import Lab


def _autoencoder(latent_dim: int, *, seed: int = 0) -> Autoencoder:
    torch.manual_seed(seed)
    return Autoencoder(AutoencoderConfig(latent_dim=latent_dim, depth=1, hidden=16)).eval()


def test_entries_are_taken_only_while_their_checkpoint_is_unchanged(tmp_path, digits):
    models = {"a": _autoencoder(2), "b": _autoencoder(3)}
    checkpoints = {name: tmp_path / f"{name}.safetensors" for name in models}
    for name, model in models.items():
        save_model(checkpoints[name], model)
    tensors = precompute_latents(models, digits, with_codes=["a"])
    assert set(tensors) == {"correlation/a", "correlation/b", "codes/a"} and tensors["codes/a"].dtype == torch.float16
    assert torch.allclose(tensors["codes/a"].float(), encode(models["a"], digits), rtol=1e-3, atol=1e-3)
    expected = correlation_matrix(encode(models["b"], digits[correlation_indices(len(digits))]).numpy())
    assert np.allclose(tensors["correlation/b"].numpy(), expected, atol=1e-6)
    path = tmp_path / "latents.safetensors"
    save_latents(path, tensors, digests={name: file_digest(p) for name, p in checkpoints.items()}, images=len(digits))
    loaded = load_latents(path, checkpoints, images=len(digits))
    assert set(loaded) == set(tensors) and torch.equal(loaded["codes/a"], tensors["codes/a"])
    save_model(checkpoints["b"], _autoencoder(3, seed=1))  # b retrained: its entries no longer hold
    assert set(load_latents(path, checkpoints, images=len(digits))) == {"correlation/a", "codes/a"}
    assert load_latents(path, checkpoints, images=len(digits) + 1) == {}  # computed on another test split
    assert load_latents(tmp_path / "missing.safetensors", checkpoints, images=len(digits)) == {}


def test_the_lab_reads_the_precomputed_file_and_encodes_without_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(tmp_path))
    name = autoencoder_name(10, 2)
    save_model(shipped(name).path, Autoencoder(AutoencoderConfig(latent_dim=10, depth=2, hidden=16)))
    lab = Lab()
    model, count = lab.zoo.named_autoencoder(name), len(lab.test_x)
    marked = torch.full((count, 10), 0.5)  # not what the model encodes: it can only come from the file
    tensors = {f"codes/{name}": marked.half(), f"correlation/{name}": torch.eye(10)}
    save_latents(with_role(PRECOMPUTED_LATENTS).path, tensors, digests={name: file_digest(shipped(name).path)},
                 images=count)
    assert torch.equal(lab.test_codes(name, model), marked)
    assert np.array_equal(lab.correlation_matrix(name, model), np.eye(10))
    with_role(PRECOMPUTED_LATENTS).path.unlink()
    fresh = Lab()
    codes = fresh.test_codes(name, model)
    assert torch.equal(codes, encode(model, fresh.test_x))
    expected = correlation_matrix(codes[correlation_indices(count)].numpy())
    assert np.array_equal(fresh.correlation_matrix(name, model), expected)
