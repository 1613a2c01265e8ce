"""A user's own pictures: folders read into training images, the DCGAN trained on them at 32x32 and
64x64 in colour (one process and two, as torchrun starts them), and the checkpoint rebuilt from its file."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nnimg.checkpoints import load_model
from nnimg.data import ImageFolderError, fit_image, load_image_folder
from nnimg.grids import read_snapshots
from nnimg.models.dcgan import sample_latent

TRAIN_DCGAN = Path(__file__).resolve().parent.parent / "train" / "train_dcgan.py"
# A dry run at small widths and batches: seconds, the same code paths as the defaults.
SMALL = ("--dry-run", "--width", "8", "--d-width", "8", "--batch-size", "8", "--threads", "1")


def write_pictures(root: Path, *, count: int = 24, colour: bool = True, seed: int = 0) -> Path:
    """Discs and bars on plain backgrounds, of mixed sizes, as PNG and JPEG in nested folders, and one
    corrupt file."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        height, width = (int(side) for side in rng.integers(30, 90, 2))
        picture = np.empty((height, width, 3), np.uint8)
        picture[...] = rng.integers(0, 256, 3) if colour else rng.integers(0, 256)
        rows, columns = np.mgrid[:height, :width]
        shape = ((rows - height / 2) ** 2 + (columns - width / 2) ** 2 < (min(height, width) / 3) ** 2
                 if index % 2 else abs(columns - width / 2) < width / 8)
        picture[shape] = rng.integers(0, 256, 3) if colour else rng.integers(0, 256)
        folder = root / ("" if index % 3 == 0 else "people" if index % 3 == 1 else "people/more")
        folder.mkdir(parents=True, exist_ok=True)
        image = Image.fromarray(picture if colour else picture[..., 0])
        image.save(folder / f"picture{index}.{'png' if index % 2 else 'jpg'}")
    (root / "people" / "corrupt.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    (root / "notes.txt").write_text("not a picture")
    return root


def train(*flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TRAIN_DCGAN), *flags], capture_output=True, text=True, timeout=300)


def test_a_folder_tree_is_read_cropped_resized_and_the_corrupt_file_counted(tmp_path):
    images, skipped = load_image_folder(write_pictures(tmp_path), size=32)
    assert images.shape == (24, 32, 32, 3) and images.dtype == np.uint8 and skipped == 1
    assert images.std() > 10  # pictures, not blank frames


def test_grey_pictures_give_one_channel_unless_three_are_asked_for(tmp_path):
    folder = write_pictures(tmp_path, colour=False)
    assert load_image_folder(folder, size=28)[0].shape == (24, 28, 28)
    assert load_image_folder(folder, size=28, channels=3)[0].shape == (24, 28, 28, 3)


def test_a_picture_is_centre_cropped_before_it_is_resized():
    wide = np.zeros((20, 60), np.uint8)
    wide[:, 20:40] = 255  # the centre square is white, the sides black
    assert fit_image(Image.fromarray(wide), 16, 1).min() > 200


@pytest.mark.parametrize("make, message", [
    (lambda root: root / "missing", "is not a folder"),
    (lambda root: root, "holds no .png"),
    (lambda root: (root / "bad.png").write_bytes(b"x") and root, "could be read")])
def test_a_missing_empty_or_unreadable_folder_is_a_clear_error(tmp_path, make, message):
    with pytest.raises(ImageFolderError, match=message):
        load_image_folder(make(tmp_path), size=32)


@pytest.mark.slow
def test_the_dcgan_trains_on_a_folder_at_64x64_in_colour_and_the_app_can_rebuild_it(tmp_path):
    out = tmp_path / "out"
    done = train("--loss", "least-squares", "--data", str(write_pictures(tmp_path / "my faces")), "--image-size", "64",
                 *SMALL, "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 unreadable file skipped" in done.stdout
    record = json.loads((out / "dcgan_my-faces_least-squares.json").read_text())
    assert record["data"] | {"folder": None} == {"folder": None, "pictures": 24, "skipped": 1, "image_size": 64,
                                                 "channels": 3}
    generator = load_model(out / "dcgan_my-faces_least-squares.safetensors")
    assert generator(sample_latent(generator.config, 2)).shape == (2, 3, 64, 64)
    grids = read_snapshots(out / "dcgan_my-faces_least-squares_samples.png")
    assert len(grids) == 3 and grids[0].shape == (8 * 64, 8 * 64, 3)  # before training and after 2 epochs


@pytest.mark.slow
def test_folder_flags_without_a_folder_and_an_empty_folder_are_refused_in_one_sentence(tmp_path):
    assert "apply to --data" in train("--loss", "saturating", "--image-size", "64", *SMALL, "--out",
                                      str(tmp_path)).stderr
    (tmp_path / "empty").mkdir()
    refused = train("--loss", "saturating", "--data", str(tmp_path / "empty"), *SMALL, "--out", str(tmp_path))
    assert refused.returncode != 0 and "holds no .png, .jpg or .jpeg file" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_two_processes_train_with_ddp_on_the_cpu_as_one_does(tmp_path):
    folder = write_pictures(tmp_path / "pictures", count=40)
    flags = ("--loss", "non-saturating", "--data", str(folder), "--image-size", "32", *SMALL)
    one, two = tmp_path / "one", tmp_path / "two"
    assert train(*flags, "--out", str(one)).returncode == 0
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           str(TRAIN_DCGAN), *flags, "--out", str(two)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    records = {out: json.loads((out / "dcgan_pictures_non-saturating.json").read_text()) for out in (one, two)}
    assert records[two]["processes"] == 2 and records[one]["processes"] == 1
    assert [r["step"] for r in records[two]["records"]] == [r["step"] for r in records[one]["records"]]
    assert records[two]["config"] == records[one]["config"]
    for out in (one, two):
        generator = load_model(out / "dcgan_pictures_non-saturating.safetensors")
        assert generator(sample_latent(generator.config, 2)).shape == (2, 3, 32, 32)
        assert torch.isfinite(torch.tensor([r["g_loss"] for r in records[out]["records"]])).all()
    assert done.stdout.count("done in") == 1  # the first process alone reports and writes
