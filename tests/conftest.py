import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from nnimg.checkpoints import save_model
from nnimg.data import load_test_split, to_tensor
from nnimg.digit_check import fit_digit_check
from nnimg.grids import write_snapshots
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.classifier import Classifier, ClassifierConfig
from nnimg.models.dcgan import DCGANConfig, Generator
from nnimg.models.latent_gan import CodeGenerator, LatentGANConfig

REPO = Path(__file__).resolve().parent.parent
# The tests, and the apps they start, see the shipped models only: your own (~/.nnimg/models) stay out.
_NO_USER_MODELS = tempfile.TemporaryDirectory(prefix="nnimg-no-user-models-")
os.environ["NNIMG_USER_MODELS"] = _NO_USER_MODELS.name


@pytest.fixture(scope="session")
def digits() -> torch.Tensor:
    """512 real test digits as (N, 1, 28, 28) floats in [0, 1]."""
    return to_tensor(load_test_split()[0][:512])


def write_tiny_checkpoints(directory: Path) -> Path:
    """Tiny untrained models where the app looks for checkpoints: the d = 10 AEs at depths 2 and 3,
    the classifier and a digit check fitted on it, an InfoGAN DCGAN (non-saturating) with two grids
    and one record, a Gaussian prior (mean 0.1, covariance 0.05 I), the WGAN and the conditional
    WGAN-GP; a DCGAN of 32x32 colour pictures as if trained on a folder named pets; a corrupt d = 32 file
    and nothing else."""
    torch.manual_seed(0)
    for depth in (2, 3):
        save_model(directory / f"ae_d10_l{depth}.safetensors",
                   Autoencoder(AutoencoderConfig(latent_dim=10, depth=depth, hidden=16)))
    classifier = Classifier(ClassifierConfig(channels=(4, 8), features=16)).eval()
    save_model(directory / "classifier.safetensors", classifier)
    images, labels = load_test_split()
    fit_digit_check(classifier, to_tensor(images[:300]), torch.from_numpy(labels[:300]),
                    to_tensor(images[300:600])).save(directory / "digit_check.safetensors")
    (directory / "ae_d32_l3.safetensors").write_bytes(b"not a checkpoint")
    save_model(directory / "dcgan_non-saturating.safetensors", Generator(DCGANConfig(width=8, categories=10)))
    write_snapshots(directory / "dcgan_non-saturating_samples.png", [np.zeros((64, 28, 28)), np.ones((64, 28, 28))])
    record = {"step": 1, "d_loss": 1.0, "g_loss": 1.0, "d_real": 0.5, "d_fake": 0.5, "g_grad_norm": 1.0}
    (directory / "dcgan_non-saturating.json").write_text(json.dumps({"records": [record], "steps_per_epoch": 1}))
    write_folder_dcgan(directory, "pets", "least-squares")
    save_file({"mean": torch.full((784,), 0.1), "covariance": torch.eye(784) * 0.05},
              str(directory / "gaussian_prior.safetensors"))
    for model, conditional in (("wgan", False), ("cwgan-gp", True)):
        config = LatentGANConfig(code_dim=10, hidden=8, conditional=conditional)
        save_model(directory / f"latent_{model}.safetensors", CodeGenerator(config).eval())
    return directory


def write_folder_dcgan(directory: Path, name: str, loss: str) -> None:
    """A tiny untrained DCGAN of 32x32 colour pictures as if trained on a folder named `name` with `loss`,
    its two grids (black, then white) and a record."""
    pets = DCGANConfig(width=8, image_size=32, channels=3)
    save_model(directory / f"dcgan_{name}_{loss}.safetensors", Generator(pets))
    write_snapshots(directory / f"dcgan_{name}_{loss}_samples.png",
                    [np.zeros((64, 32, 32, 3)), np.full((64, 32, 32, 3), 255)])
    record = {"step": 1, "d_loss": 1.0, "g_loss": 1.0, "d_real": 0.5, "d_fake": 0.5, "g_grad_norm": 1.0}
    (directory / f"dcgan_{name}_{loss}.json").write_text(json.dumps(
        {"loss": loss, "records": [record], "steps_per_epoch": 1,
         "data": {"folder": name, "pictures": 10, "skipped": 0, "image_size": 32, "channels": 3}}))


@contextmanager
def serving_app(checkpoints: Path, user_models: Path | None = None) -> Iterator[str]:
    """The app in a subprocess serving `checkpoints` (and your own models in `user_models`, default none);
    yields its URL once it says it is running."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "NNIMG_CHECKPOINTS": str(checkpoints), "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"} | ({"NNIMG_USER_MODELS": str(user_models)} if user_models else {})
    log_path = checkpoints / "app.log"
    with open(log_path, "w") as log:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while "Running on" not in log_path.read_text():
        if app.poll() is not None or time.monotonic() > deadline:
            app.kill()
            pytest.fail("the app did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.5)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.terminate()
        app.wait(timeout=30)
