"""The committed checkpoints are part of the product: they load, fit Spaces, and match their metrics."""

import json
import runpy

import pytest
import torch

from nnimg.checkpoints import load_model
from nnimg.data import load_test_split
from nnimg.digit_check import DigitCheck
from nnimg.grids import read_snapshots
from nnimg.latent import encode
from nnimg.losses import GENERATOR_LOSSES
from nnimg.models.dcgan import DCGANConfig
from nnimg.models.latent_gan import LatentGANConfig
from nnimg.precomputed import load_latents
from nnimg.registry import (AE_DEFAULT_DEPTH, NO_FC_AUTOENCODER, PRECOMPUTED_CODES, PRECOMPUTED_LATENTS, REGISTRY,
                            REPLICATE, REPO_ROOT,
                            checkpoint_dir, dcgan, shipped, shipped_autoencoders, shipped_dcgans, shipped_latent_gans,
                            studied_autoencoders, with_role)
from nnimg.training import predict_logits, reconstruction_mse

SHIPPED = shipped_autoencoders() + shipped_autoencoders(uniform=True) + [shipped(NO_FC_AUTOENCODER)]


def test_every_file_fits_spaces_and_the_autoencoders_fit_their_budget():
    sizes = {path.name: path.stat().st_size for path in checkpoint_dir().iterdir() if path.is_file()}
    assert all(size < 10 * 2**20 for size in sizes.values()), sizes
    assert sum(sizes[s.path.name] for s in shipped_autoencoders()) < 40 * 2**20  # the sweep's budget


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_shipped_autoencoder_loads_with_its_metrics(shipped):
    model = load_model(shipped.path)
    metrics = json.loads(shipped.metrics_path.read_text())
    assert (model.config.latent_dim, model.config.depth) == (shipped.latent_dim, shipped.depth)
    assert metrics["config"] == json.loads(json.dumps(model.config.to_dict()))
    assert all({"epoch", "train_mse", "test_mse"} <= set(epoch) for epoch in metrics["epochs"])


@pytest.fixture(scope="module")
def train_parser():
    """The argument parser of train/train_autoencoder.py, loaded once."""
    return runpy.run_path(str(REPO_ROOT / "train" / "train_autoencoder.py"))["build_parser"]()


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_the_train_command_repeats_the_recipe_of_the_checkpoint(train_parser, shipped):
    args = train_parser.parse_args(shipped.train_command.split()[2:])
    metrics = json.loads(shipped.metrics_path.read_text())
    assert (args.latent_dim, args.depth, args.uniform) == (shipped.latent_dim, shipped.depth, shipped.uniform)
    recipe = {"augment": 0.0} | metrics["recipe"]  # models trained before --augment existed saw no distortions
    for key, value in recipe.items():  # the script's defaults plus the command's flags
        assert getattr(args, key) == value, key


@pytest.mark.parametrize("latent_dim", [2, 10])
def test_recorded_test_mse_matches_the_weights(digits, latent_dim):
    shipped = next(s for s in SHIPPED if s.latent_dim == latent_dim and s.depth == AE_DEFAULT_DEPTH)
    recorded = json.loads(shipped.metrics_path.read_text())["test_mse"]
    measured = reconstruction_mse(load_model(shipped.path), digits)  # 512 test digits
    assert measured == pytest.approx(recorded, rel=0.25)


def test_the_classifier_ships_with_its_accuracy(digits):
    metrics = json.loads((checkpoint_dir() / "classifier.json").read_text())
    classifier = load_model(checkpoint_dir() / "classifier.safetensors")
    assert classifier.config.features == metrics["config"]["features"]
    # Measured on the first 512 test digits (0.998 shipped, ~0.13 untrained); all 10,000 take ~6 s on CPU.
    labels = load_test_split()[1][:len(digits)]
    measured = float((predict_logits(classifier, digits).argmax(1).numpy() == labels).mean())
    assert measured >= 0.98
    assert metrics["test_accuracy"] >= 0.993 and measured == pytest.approx(metrics["test_accuracy"], abs=0.01)


@pytest.mark.parametrize("entry", shipped_dcgans(), ids=lambda entry: entry.name)
def test_dcgan_ships_with_curves_and_grids(entry):
    generator = load_model(entry.path)
    records = json.loads(entry.metrics_path.read_text())
    grids = read_snapshots(entry.samples_path)
    assert generator.config == DCGANConfig(**records["config"])  # a field added later takes its default
    assert len(grids) == records["recipe"]["epochs"] + 1 and grids[0].shape == (224, 224)
    assert {"d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"} <= set(records["records"][0])


@pytest.mark.parametrize("loss", GENERATOR_LOSSES)
def test_the_dcgan_script_defaults_repeat_the_shipped_recipe(loss):
    """BENCHMARKS.md and the README make the shipped DCGANs with `train_dcgan.py --loss LOSS` alone."""
    parser = runpy.run_path(str(REPO_ROOT / "train" / "train_dcgan.py"))["build_parser"]()
    args = parser.parse_args(["--loss", loss])
    records = json.loads(dcgan(loss).metrics_path.read_text())
    assert {key: getattr(args, key) for key in records["recipe"]} == records["recipe"]
    assert records["config"] == {"noise_dim": 100, "width": args.width, "categories": args.categories}


@pytest.mark.parametrize("entry", shipped_latent_gans() + [e for e in REGISTRY if REPLICATE in e.roles],
                         ids=lambda entry: entry.name)
def test_latent_gans_and_their_replicates_ship_with_their_records(entry):
    generator = load_model(entry.path)
    records = json.loads(entry.metrics_path.read_text())
    assert generator.config == LatentGANConfig(**records["config"])  # a field added later takes its default
    assert (checkpoint_dir() / f"{generator.config.autoencoder}.safetensors").exists()
    assert len(read_snapshots(entry.samples_path)) == len(records["snapshot_steps"])
    assert len(records["quality_10000_samples"]["digit_shares"]) == 10


def test_the_shipped_digit_check_passes_digits_and_rejects_blank_pages_and_noise(digits):
    classifier, check = load_model(checkpoint_dir() / "classifier.safetensors"), DigitCheck.load(
        checkpoint_dir() / "digit_check.safetensors")
    assert check.is_digit(classifier, digits).mean() >= 0.97  # calibrated to call 1% of test digits 'no digit'
    blank, noise = torch.zeros(20, 1, 28, 28), torch.rand(20, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert not check.is_digit(classifier, blank).any() and not check.is_digit(classifier, noise).any()


def test_the_precomputed_latents_match_the_shipped_autoencoders(digits):
    """Every offered autoencoder's entries hold for its shipped checkpoint (else the app quietly encodes
    again: rerun train/precompute_latents.py), and the shipped codes are the model's, to float16."""
    path = with_role(PRECOMPUTED_LATENTS).path
    checkpoints = {entry.name: entry.path for entry in studied_autoencoders()}
    latents = load_latents(path, checkpoints, images=len(load_test_split()[0]))
    assert set(latents) == {f"correlation/{name}" for name in checkpoints} | {f"codes/{n}" for n in PRECOMPUTED_CODES}
    assert path.stat().st_size < 3 * 2**20
    name = PRECOMPUTED_CODES[0]
    codes = encode(load_model(checkpoints[name]), digits)  # the first 512 test digits
    assert torch.allclose(latents[f"codes/{name}"][:len(digits)].float(), codes, rtol=2e-3, atol=2e-3)
