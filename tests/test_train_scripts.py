"""The train/ scripts end to end: each finishes a --dry-run on a tiny cached training split and writes
its files under --out, and a DCGAN run continues exactly where it stopped or finished."""

import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from nnimg import cli
from nnimg.checkpoints import save_model
from nnimg.data import LABELLED_POOL_PATH, load_test_split, write_npz
from nnimg.grids import read_snapshots
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.classifier import Classifier, ClassifierConfig

TRAIN = Path(__file__).resolve().parent.parent / "train"
# The DCGAN dry run at a quarter of the shipped widths: a second less per run, the same code paths.
DCGAN = ("train_dcgan.py", "--loss", "non-saturating", "--dry-run", "--width", "16", "--d-width", "32",
         "--threads", "1")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    """The scripts' environment: 600 test digits as the cached training split and 100 crops of digits as
    the cached faces (NNIMG_DATA), and a tiny d = 10 AE and classifier in NNIMG_CHECKPOINTS, the latent
    GANs' inputs."""
    data, checkpoints = tmp_path_factory.mktemp("data"), tmp_path_factory.mktemp("checkpoints")
    images, labels = load_test_split()
    write_npz(data / "mnist_train.npz", images[-600:], labels[-600:])
    np.save(data / "lfw_faces.npy", images[:100, :25, :25])  # stands in for the cached faces
    torch.manual_seed(0)
    save_model(checkpoints / "ae_d10_l2.safetensors", Autoencoder(AutoencoderConfig(latent_dim=10, depth=2, hidden=16)))
    save_model(checkpoints / "classifier.safetensors", Classifier(ClassifierConfig(channels=(4, 8), features=16)))
    return os.environ | {"NNIMG_DATA": str(data), "NNIMG_CHECKPOINTS": str(checkpoints)}


def run(env: dict, script: str, *flags: str) -> str:
    """Run train/`script` with `flags`; its output, after checking that it succeeded."""
    done = subprocess.run([sys.executable, str(TRAIN / script), *flags], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
    return done.stdout


DRY_RUNS = {
    "train_autoencoder.py": (["--latent-dim", "10", "--depth", "2", "--threads", "1"],
                             ["ae_d10_l2.safetensors", "ae_d10_l2.json", ".resume/ae_d10_l2.safetensors"]),
    "train_classifier.py": (["--threads", "1"],
                            ["classifier.safetensors", "classifier.json", ".resume/classifier.safetensors"]),
    "fit_pca.py": (["--threads", "1"], ["gaussian_prior.safetensors", "pca_metrics.json"]),
    "fit_digit_check.py": (["--threads", "1"], ["digit_check.safetensors", "digit_check.json"]),
    DCGAN[0]: (list(DCGAN[1:]), ["dcgan_non-saturating.safetensors", "dcgan_non-saturating.json",
                                 "dcgan_non-saturating_samples.png"]),
    "make_labelled_pool.py": ([], ["mnist_train_labelled_1000.npz", "mnist_train_unlabelled_10000.npz"]),
    "precompute_latents.py": (["--threads", "1"], ["precomputed_latents.safetensors", "precomputed_latents.json"]),
    "make_face_folder.py": ([], ["train/face000.png", "train/face001.png", "held-out/face011.png"]),
    "train_latent_gan.py": (["--model", "cwgan-gp", "--threads", "1"],  # conditional, with the code classifier
                            ["latent_cwgan-gp.safetensors", "latent_cwgan-gp.json", "latent_cwgan-gp_samples.png",
                             ".resume/latent_cwgan-gp.safetensors"]),
}


def test_every_script_in_train_is_dry_run_here():  # but all.py, which runs them all: tests/test_train_all.py
    assert {path.name for path in TRAIN.glob("*.py")} - {"all.py"} == set(DRY_RUNS)


@pytest.mark.slow  # a subprocess each, 2-12 s
@pytest.mark.parametrize("script", DRY_RUNS)
def test_every_script_finishes_a_dry_run_under_out(env, tmp_path, script):
    flags, expected = DRY_RUNS[script]
    shipped_pool = LABELLED_POOL_PATH.stat().st_mtime_ns
    run(env, script, *flags, "--dry-run", "--out", str(tmp_path))
    assert [name for name in expected if not (tmp_path / name).is_file()] == []
    assert LABELLED_POOL_PATH.stat().st_mtime_ns == shipped_pool  # a dry run leaves the shipped files alone
    for metrics in tmp_path.glob("*.json"):
        records = json.loads(metrics.read_text())
        if "epochs" in records.get("recipe", {}):
            assert records["recipe"]["epochs"] == 2
        if isinstance(records.get("epochs"), list):  # an autoencoder: one record per epoch
            assert len(records["epochs"]) == 2
        if "snapshot_steps" in records:  # a latent GAN: one grid per snapshot
            assert len(read_snapshots(tmp_path / f"{records['name']}_samples.png")) == len(records["snapshot_steps"])


def records_and_grids(out: Path) -> tuple[list[dict], list[np.ndarray]]:
    records = json.loads((out / "dcgan_non-saturating.json").read_text())
    return records["records"], read_snapshots(out / "dcgan_non-saturating_samples.png")


@pytest.fixture(scope="module")
def three_epochs(env, tmp_path_factory) -> tuple[list[dict], list[np.ndarray]]:
    """The records and grids of a DCGAN dry run of 3 epochs from scratch."""
    out = tmp_path_factory.mktemp("three")
    run(env, *DCGAN, "--epochs", "3", "--out", str(out))
    return records_and_grids(out)


@pytest.mark.slow
def test_a_finished_dcgan_run_extends_to_more_epochs_as_if_run_at_once(env, tmp_path, three_epochs):
    run(env, *DCGAN, "--out", str(tmp_path))
    two_records, two_grids = records_and_grids(tmp_path)
    assert len(two_grids) == 3 and (tmp_path / ".resume" / "dcgan_non-saturating.safetensors").exists()
    assert "resuming" in run(env, *DCGAN, "--epochs", "3", "--out", str(tmp_path))
    records, grids = records_and_grids(tmp_path)
    assert len(grids) == 4 and [r["step"] for r in records] == [3, 6, 9] and records[:2] == two_records
    assert records == three_epochs[0]
    assert all(np.array_equal(a, b) for a, b in zip(grids, three_epochs[1]))


@pytest.mark.slow
def test_an_interrupted_dcgan_run_resumes_exactly(env, tmp_path, three_epochs):
    command = [sys.executable, str(TRAIN / DCGAN[0]), *DCGAN[1:], "--epochs", "3", "--out", str(tmp_path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = tmp_path / ".resume" / "dcgan_non-saturating.safetensors"
    deadline = time.monotonic() + 120
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.kill()
    process.wait()
    assert state.exists() and not (tmp_path / "dcgan_non-saturating.json").exists()  # stopped after epoch 1 or 2
    run(env, *DCGAN, "--epochs", "3", "--out", str(tmp_path))
    records, grids = records_and_grids(tmp_path)
    assert records == three_epochs[0] and len(grids) == 4
    assert all(np.array_equal(a, b) for a, b in zip(grids, three_epochs[1]))


def test_a_finished_run_is_skipped_unless_asked_for_more_or_forced(tmp_path):
    model = torch.nn.Linear(2, 2)
    modules, optimizers = {"model": model}, {"optimizer": torch.optim.Adam(model.parameters())}

    def start(length: int, *, lr: float = 1e-3, force: bool = False) -> dict | None:
        return cli.ResumableRun(tmp_path, "tiny", force=force).start(modules, optimizers, length=length,
                                                                      settings={"lr": lr})

    run = cli.ResumableRun(tmp_path, "tiny")
    progress = run.start(modules, optimizers, length=2, settings={"lr": 1e-3})
    progress["done"] = 2
    run.save(modules, optimizers, progress)
    run.finish({"name": "tiny"})
    assert start(2) is None and start(3)["done"] == 2 and start(2, force=True)["done"] == 0
    with pytest.raises(SystemExit, match="other lr"):
        start(3, lr=1e-4)
    run.state_path.unlink()  # as the shipped checkpoints: metrics and no state
    assert start(3) is None


def test_a_dry_run_takes_its_defaults_where_no_flag_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(tmp_path / "checkpoints"))
    script = runpy.run_path(str(TRAIN / "train_dcgan.py"))

    def parse(*flags: str):
        return cli.parse_args(script["build_parser"](), ["--loss", "all", *flags], dry_run=script["DRY_RUN"])

    assert (parse().epochs, parse().steps, parse().out) == (16, None, tmp_path / "checkpoints")
    assert (parse("--dry-run", "--out", "x").epochs, parse("--dry-run", "--out", "x").steps) == (2, 3)
    assert parse("--dry-run", "--epochs", "3", "--out", "x").epochs == 3
    with pytest.raises(SystemExit):  # a dry run must say where it writes: never into the checkpoints
        parse("--dry-run")
