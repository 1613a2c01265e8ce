"""Your own models beside the shipped ones: a DCGAN trained on a folder lands in NNIMG_USER_MODELS (never in
checkpoints/), and the running app answers for it, and lists it, without a restart."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, serving_app, write_folder_dcgan, write_tiny_checkpoints

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture
def app_with_user_models(tmp_path):
    """The app serving tiny checkpoints and an empty folder of your own models; (client, checkpoints, user)."""
    checkpoints, user = write_tiny_checkpoints(tmp_path / "checkpoints"), tmp_path / "user"
    user.mkdir()
    with serving_app(checkpoints, user_models=user) as url:
        yield gradio_client.Client(url, verbose=False, ssl_verify=False), checkpoints, user


def _grid(client, recipe: str) -> np.ndarray:
    return np.array(Image.open(client.predict("non-saturating", -1, 0, recipe, api_name="/gan_grid")))


def test_a_model_written_while_the_app_runs_is_answered_and_listed(app_with_user_models, monkeypatch):
    from nnimg.ui import gan_losses, own_pictures

    client, checkpoints, user = app_with_user_models
    with pytest.raises(gradio_client.exceptions.AppError, match="recipe"):
        _grid(client, "mine")
    write_folder_dcgan(user, "mine", "non-saturating")
    assert _grid(client, "mine").shape == (8 * 32, 8 * 32, 3)
    assert np.array(Image.open(client.predict("mine", 0, api_name="/model_picture"))).shape == (32, 32, 3)
    assert not list(checkpoints.glob("dcgan_mine*"))
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("NNIMG_USER_MODELS", str(user))
    assert "mine" in [value for _, value in gan_losses._recipe_choices()]  # what Refresh puts in the Recipe switch
    assert "dcgan_mine_non-saturating" in [value for _, value in own_pictures._model_choices().choices]
    # switching to a run of one loss leaves the other losses' columns empty, without an error
    assert gan_losses._for_trained_losses(gan_losses.gan_grid)("saturating", -1, -1, "mine") is None


@pytest.mark.slow
def test_the_readme_dry_run_without_out_writes_your_model_and_the_app_answers(app_with_user_models, tmp_path):
    client, checkpoints, user = app_with_user_models
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for index in range(8):
        Image.fromarray(np.random.default_rng(index).integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
            pictures / f"{index}.png")
    env = os.environ | {"NNIMG_CHECKPOINTS": str(checkpoints), "NNIMG_USER_MODELS": str(user)}
    command = [sys.executable, "train/train_dcgan.py", "--loss", "non-saturating", "--data", str(pictures),
               "--image-size", "32", "--name", "mine", "--dry-run", "--threads", "1"]
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    assert (user / "dcgan_mine_non-saturating.safetensors").exists() and not list(checkpoints.glob("dcgan_mine*"))
    assert _grid(client, "mine").shape == (8 * 32, 8 * 32, 3)
    shipped = subprocess.run([sys.executable, "train/train_dcgan.py", "--loss", "non-saturating", "--dry-run"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert shipped.returncode == 2 and "--dry-run writes only where --out says" in shipped.stderr


def test_your_models_sit_beside_the_shipped_ones(tmp_path, monkeypatch):
    from nnimg.registry import find_dcgan, folder_dcgans

    checkpoints, user = tmp_path / "checkpoints", tmp_path / "user"
    checkpoints.mkdir(), user.mkdir()
    write_folder_dcgan(checkpoints, "pets", "least-squares")
    write_folder_dcgan(user, "mine", "saturating")
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("NNIMG_USER_MODELS", str(user))
    assert [entry.name for entry in folder_dcgans()] == ["dcgan_pets_least-squares", "dcgan_mine_saturating"]
    assert find_dcgan("saturating", "mine").path == user / "dcgan_mine_saturating.safetensors"
    assert Path(find_dcgan("least-squares", "pets").path).parent == checkpoints
