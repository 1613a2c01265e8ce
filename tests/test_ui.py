"""The tabs' handlers called in-process, on tiny models: no server, milliseconds each."""

import asyncio
import logging
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from conftest import write_tiny_checkpoints
from nnimg import data
from nnimg.data import load_test_split, to_tensor
from nnimg.ui import (ae_live, digit_input, error_log, gan_losses, interpolation, latent_gan_live, latent_space, live,
                      own_pictures, reconstruction, restoration, sampling, transfer, widgets)
from nnimg.registry import LATENT_GAN_PRESETS, checkpoint_dir, shipped, shipped_autoencoders
from nnimg.ui.lab import lab

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def tiny_lab(tmp_path_factory):
    """The lab of this module serves the tiny models of `write_tiny_checkpoints`."""
    directory = write_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNIMG_CHECKPOINTS", str(directory))
        lab.cache_clear()
        yield lab()
    lab.cache_clear()


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("digits") / "seven.png"
    Image.fromarray(load_test_split()[0][0]).save(path)
    return str(path)


def test_reconstruct_leaves_out_the_missing_rows_and_reports_the_mse(seven, tiny_lab):
    reconstruction_image, model_input, summary, grid = reconstruction.reconstruct(seven, 10, 2)
    assert reconstruction_image.shape == (28, 28) and reconstruction_image.dtype == np.uint8
    assert np.array_equal(model_input, load_test_split()[0][0])
    x = to_tensor(model_input[None])
    with torch.no_grad():
        expected = float(((tiny_lab.zoo.autoencoder(10, 2)(x) - x) ** 2).mean())
    assert f"**MSE per pixel: {expected:.5f}**" in summary
    assert grid.height == 2 * (24 + 56 + 12)  # label line, tiles, gap: the input row and d = 10, no others


def test_a_broken_checkpoint_is_one_sentence(seven):
    with pytest.raises(gr.Error, match="ae_d32_l3.safetensors is unreadable"):
        reconstruction.reconstruct(seven, 32, 3)


def test_latent_dims_for_depth_keeps_or_moves_to_the_nearest():
    assert reconstruction.latent_dims_for_depth(2, 10).value == 10
    assert reconstruction.latent_dims_for_depth(1, 100).value == 20
    with pytest.raises(gr.Error, match="Unknown depth 7"):
        reconstruction.latent_dims_for_depth(7, 10)


def test_box_samples_make_two_rows_per_eight_and_the_same_for_the_same_seed():
    grid, summary = latent_space.latent_box_samples("ae_d10_l2", 16, 3)
    again, _ = latent_space.latent_box_samples("ae_d10_l2", 16, 3)
    assert np.array_equal(np.array(grid), np.array(again)) and "Mean classifier confidence" in summary
    with pytest.raises(gr.Error, match="between 8 and 64"):
        latent_space.latent_box_samples("ae_d10_l2", 65, 3)


def test_interpolate_strip_has_the_asked_frames(seven):
    strip, readings = interpolation.interpolate(seven, seven, 10, 5)
    assert strip.shape == (28, 28 * 5) and readings.count("→") == 4
    with pytest.raises(gr.Error, match="Unknown pair"):
        interpolation.interpolation_preset("2 → 7")


def test_sample_asks_the_conditional_generator_for_a_digit():
    grid, _, summary, tally = sampling.sample("3", 12, 0)
    assert grid.shape == (56, 280) and "reads **3**" in summary and sum(row[1] for row in tally) == 12


def test_gan_grid_is_the_stored_snapshot_or_fresh_noise_from_the_seed():
    assert gan_losses.gan_grid("non-saturating", 0, -1).max() == 0
    assert gan_losses.gan_grid("non-saturating", -1, -1).min() == 255
    fresh = gan_losses.gan_grid("non-saturating", -1, 5)
    assert np.array_equal(fresh, gan_losses.gan_grid("non-saturating", -1, 5))
    assert not np.array_equal(fresh, gan_losses.gan_grid("non-saturating", -1, 6))


def test_classical_restoration_fills_the_window_with_the_prior_mean(seven):
    *_, (restored, observed, summary) = restoration.restore(seven, "window-10", "classical", 10, 0)
    digit = load_test_split()[0][0]
    assert observed[9:19, 9:19].max() == 0 and "PSNR" in summary
    assert np.all(restored[9:19, 9:19] == round(0.1 * 255))  # mean 0.1, uncorrelated with the known pixels
    known = np.ones((28, 28), bool)
    known[9:19, 9:19] = False
    assert np.array_equal(restored[known], digit[known])


def test_a_custom_window_that_does_not_fit_is_one_sentence(seven):
    with pytest.raises(gr.Error, match="does not fit"):
        list(restoration.restore_compare(seven, "custom window", ["classical"], 10, 0, 20, 20, 0, None))


@pytest.mark.slow  # a fresh interpreter importing gradio and torch
def test_importing_the_tabs_loads_nothing():
    code = ("from nnimg.ui import gan_losses, interpolation, latent_space, reconstruction, restoration, "
            "sampling, transfer; from nnimg.ui.lab import lab; "
            "assert lab.cache_info().currsize == 0; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


def test_only_the_ui_imports_gradio():
    sources = [*(REPO / "nnimg").rglob("*.py"), *(REPO / "train").glob("*.py")]
    importers = [path.relative_to(REPO).as_posix() for path in sources
                 if any(line.startswith(("import gradio", "from gradio")) for line in path.read_text().splitlines())]
    assert importers and all(path.startswith("nnimg/ui/") for path in importers), importers


def test_sample_takes_any_shipped_latent_gan_by_name():
    grid, _, summary, _ = sampling.sample("any", 10, 0, "wgan")
    assert grid.shape == (28, 280) and "WGAN (clip 0.12)" in summary
    _, _, summary, _ = sampling.sample("any", 10, 0, "cwgan-gp")
    assert "digits 0-9 in turn" in summary
    with pytest.raises(gr.Error, match="draws no chosen digit"):
        sampling.sample("3", 10, 0, "wgan")
    with pytest.raises(gr.Error, match="latent_gan.safetensors is missing"):
        sampling.sample("any", 10, 0, "gan")


def test_gan_grid_of_the_course_recipe_names_its_train_command():
    with pytest.raises(gr.Error, match="dcgan_course_non-saturating_samples.png is missing.*--recipe course"):
        gan_losses.gan_grid("non-saturating", -1, -1, "course")
    with pytest.raises(gr.Error, match="has the losses non-saturating"):
        gan_losses.gan_grid("saturating", -1, -1, "course-large-d")


def test_the_sample_tally_counts_what_the_digit_check_rejects():
    *_, tally = sampling.sample("3", 20, 0)
    assert [row[0] for row in tally] == [str(d) for d in range(10)] + ["no digit"]
    assert sum(row[1] for row in tally) == 20


def test_captions_say_no_digit_where_the_check_fires():
    assert widgets.captions(np.array([1, 7]), np.array([1.0, 0.9]), np.array([False, True])) == ["no digit", "7: 90%"]


def test_clearing_an_input_clears_the_outputs_without_an_error():
    assert reconstruction.reconstruct(None, 10, 2) == (None, None, "", None)
    assert interpolation.interpolate_rows(None, None, ["ae_d10_l2"], 5) is None
    assert restoration.mask_canvas(None) is None


def test_a_dcgan_trained_on_a_folder_is_a_recipe_of_the_gan_losses_tab(tiny_lab):
    assert gan_losses.gan_grid("least-squares", -1, -1, "pets").shape == (8 * 32, 8 * 32, 3)
    assert gan_losses.gan_grid("least-squares", -1, 5, "pets").shape == (8 * 32, 8 * 32, 3)  # fresh noise
    assert gan_losses.gan_training_curves("least-squares", "pets") is not None
    assert gan_losses.gan_quality(100, "pets") == []  # the digit classifier says nothing about pets
    with pytest.raises(gr.Error, match="has the losses least-squares"):
        gan_losses.gan_grid("saturating", -1, -1, "pets")


def test_own_pictures_are_restored_in_colour_with_psnr_and_ssim(tiny_lab, tmp_path):
    picture = tmp_path / "wide.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 90, 3), dtype=np.uint8)).save(picture)
    for degradation in own_pictures.PICTURE_DEGRADATIONS[:-1]:
        *progress, (degraded, restored, summary) = own_pictures.restore_picture(
            "dcgan_pets_least-squares", {"path": str(picture)}, degradation, 10, 0)
        assert degraded.shape == restored.shape == (32, 32, 3) and "PSNR" in summary and "SSIM" in summary
    assert own_pictures.model_picture("dcgan_pets_least-squares", 3).shape == (32, 32, 3)
    assert own_pictures.picture_canvas("dcgan_pets_least-squares", {"path": str(picture)}).shape == (256, 256, 3)
    with pytest.raises(gr.Error, match="Paint over the part of the picture"):
        list(own_pictures.restore_picture("dcgan_pets_least-squares", {"path": str(picture)}, "painted mask", 10, 0))
    with pytest.raises(gr.Error, match="Unknown model"):
        list(own_pictures.restore_picture("dcgan_cats", {"path": str(picture)}, "noise-0.3", 10, 0))


BAD_NUMBERS = [(1e30, "must be between"), (-5, "must be between"), (float("inf"), "must be a whole number"),
               (float("nan"), "must be a whole number"), ("abc", "must be a whole number"),
               (2.5, "must be a whole number"), (None, "must be a whole number")]


@pytest.mark.parametrize("value, message", BAD_NUMBERS)
def test_a_bad_seed_or_count_is_one_sentence(value, message):
    with pytest.raises(gr.Error, match=f"The seed {message}"):
        latent_space.latent_box_samples("ae_d10_l2", 16, value)
    with pytest.raises(gr.Error, match=f"The seed {message}"):
        sampling.sample("any", 5, value)
    with pytest.raises(gr.Error, match=f"The number of samples {message}"):
        sampling.sample("any", value, 0)


def test_a_sample_grid_of_fewer_than_ten_is_as_wide_as_the_count():
    assert sampling.sample("any", 5, 0)[0].shape == (28, 5 * 28)
    assert sampling.sample("any", 10, 0)[0].shape == (28, 10 * 28)
    assert sampling.sample("any", 23, 0)[0].shape == (3 * 28, 10 * 28)


def test_a_drawing_that_is_no_image_or_is_empty_is_one_sentence(tmp_path):
    notes, blank = tmp_path / "notes.png", tmp_path / "blank.png"
    notes.write_text("hello")
    Image.new("RGBA", (280, 280), (255, 255, 255, 255)).save(blank)
    for composite, message in ((notes, "not an image"), (blank, "The drawing is empty"), (None, "No image was given")):
        sketch = {"background": None, "layers": [], "composite": composite and {"path": str(composite)}}
        with pytest.raises(gr.Error, match=message):
            digit_input.use_drawing(sketch)


def test_restore_compare_leaves_out_only_a_broken_method(seven, tmp_path, monkeypatch):
    broken = shutil.copytree(checkpoint_dir(), tmp_path / "checkpoints")  # the tiny models, one file corrupted
    (broken / "dcgan_non-saturating.safetensors").write_bytes(b"not a checkpoint")
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(broken))
    lab.cache_clear()
    try:
        *_, (rows, _, table, status, _) = restoration.restore_compare(seven, "window-10", ["gan", "classical"], 10, 0,
                                                                      10, 9, 9, None)
    finally:
        lab.cache_clear()
    assert [row[0] for row in table] == ["degraded input", "Gaussian (Wiener / conditional mean)"]
    assert "Left out: the DCGAN prior" in status and "dcgan_non-saturating.safetensors is unreadable" in status


def test_a_missing_test_split_is_one_sentence_on_the_page(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "TEST_SPLIT_PATH", tmp_path / "mnist_test.npz")
    lab.cache_clear()
    try:
        demo = runpy.run_path(str(REPO / "app.py"))["demo"]  # app.py as a script: `import app` is left alone
    finally:
        lab.cache_clear()
    shown = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
    assert "mnist_test.npz) is missing; it ships with nnimg" in shown[-1] and len(shown) == 2  # header, sentence


@pytest.mark.parametrize("pool", ["LABELLED_POOL_PATH", "UNLABELLED_POOL_PATH"])
@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_missing_or_broken_pool_is_one_sentence_in_transfer_and_the_app_starts(tmp_path, monkeypatch, pool, damage):
    broken = tmp_path / getattr(data, pool).name
    if damage == "truncated":
        broken.write_bytes(getattr(data, pool).read_bytes()[:5000])
    monkeypatch.setattr(data, pool, broken)
    lab.cache_clear()
    try:
        demo = runpy.run_path(str(REPO / "app.py"))["demo"]
        shown = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
        state = "missing" if damage == "missing" else "unreadable or altered"
        assert sum(f"{broken.name}) is {state}; it ships with nnimg" in (text or "") for text in shown) == 1
        assert "restore_compare" in {fn.api_name for fn in demo.fns.values()}  # the other tabs are there
        with pytest.raises(gr.Error, match=f"{broken.name}\\) is {state}"):
            transfer.transfer_train(10, "frozen", 10, 16, 20)
    finally:
        lab.cache_clear()


def test_user_errors_log_one_line_and_bugs_keep_their_traceback(monkeypatch, caplog):
    from gradio import route_utils

    async def fails(*args, fn, **kwargs):
        raise fn.error

    monkeypatch.setattr(route_utils, "call_process_api", fails)
    error_log.install()
    event = SimpleNamespace(api_name="reconstruct", error=gr.Error("The image looks empty."))
    with caplog.at_level(logging.INFO, logger="nnimg"), pytest.raises(gr.Error) as raised:
        asyncio.run(route_utils.call_process_api(fn=event))
    assert caplog.messages == ["user error in /reconstruct: The image looks empty."]
    assert raised.value.print_exception is False  # Gradio prints no traceback for it
    caplog.clear()
    event.error = ValueError("a bug")
    with caplog.at_level(logging.INFO, logger="nnimg"), pytest.raises(ValueError):
        asyncio.run(route_utils.call_process_api(fn=event))
    assert caplog.messages == []


def test_a_page_load_runs_the_first_tabs_events_and_the_others_wait_for_their_first_opening():
    demo = runpy.run_path(str(REPO / "app.py"))["demo"]
    on_load = [fn.name for fn in demo.fns.values() if any(event == "load" for _, event in fn.targets)]
    tabs = [block._id for block in demo.blocks.values() if isinstance(block, gr.Tab)]
    selected = {block for fn in demo.fns.values() for block, event in fn.targets if event == "select"}
    assert on_load == ["reconstruct"] and selected & set(tabs) == set(tabs[1:])
    first = widgets._on_first(lambda value: value + 1)
    assert first(1, 41) == 42 and first(2, 41) == gr.skip()


def test_ae_live_streams_its_figures_and_ends_with_what_it_measured():
    outputs = list(ae_live.ae_live(10, 2, True, False, 0.1, "adam", 3e-3, 1, 0, 32))
    status, curves, grid, histograms, summary = outputs[-1]
    assert grid.shape == (4 * 28, 8 * 28) and histograms is not None and "test MSE" in status
    assert summary["steps"] > 0 and summary["seconds"] >= 0 and 0 < summary["test_mse"] < 1
    assert summary["config"]["batchnorm"] is False and set(summary["moments"]) == {"mean", "variance", "skewness",
                                                                                    "kurtosis"}
    assert list(ae_live.ae_live(16, 3, False, True, 0, "sgd", 1e-2, 1, 0, 32))[-1][3] is None  # plain: no histograms


def test_ae_live_without_fc_layers_needs_a_latent_size_the_last_map_fills():
    with pytest.raises(gr.Error, match="multiple of 16, not 15"):
        next(ae_live.ae_live(15, 3, False, True, 0, "adam", 3e-3, 1, 0))
    assert ae_live.preset_values("the course's AE with FC, d = 15")[:3] == [15, 3, True]


def test_latent_gan_live_reads_every_sample_as_a_digit_or_none():
    *_, grid, summary = list(latent_gan_live.latent_gan_live("gan-course", 1, 0))[-1]
    assert grid.shape == (224, 224) and summary["steps"] >= 20 and len(summary["digit_shares"]) == 10
    assert sum(summary["digit_shares"]) + summary["no_digit_share"] == pytest.approx(1, abs=1e-3)
    with pytest.raises(gr.Error, match="Unknown model"):
        next(latent_gan_live.latent_gan_live("vae", 1, 0))
    changed = latent_gan_live.recipe_with("wgan", "wgan-gp", "raw", "on", 0, 3, 0, "adam-gp")
    assert changed == LATENT_GAN_PRESETS["wgan"] | {"objective": "wgan-gp", "raw_codes": True, "critic_batchnorm": True,
                                                    "critic_steps": 3, "optimizer": "adam-gp"}
    *_, summary = list(latent_gan_live.latent_gan_live("wgan", 1, 0, "gan", critic_steps=1))[-1]
    assert summary["recipe"]["objective"] == "gan" and summary["recipe"]["critic_steps"] == 1


def test_gan_live_presets_and_its_step_line():
    assert gan_losses.live_preset("course-exact") == [2e-3, 3, 1, 0.5]
    *grids, _, status = list(gan_losses.gan_live(["least-squares"], 10, 2e-3, 1, 2, 0.5))[-1]
    assert grids[2].shape == (224, 224) and status.startswith("Step 10 of 10") and "D(G(z))" in status


def _endless():
    step = 0
    while True:
        step += 1
        yield {"step": step}


def test_a_live_run_beyond_the_limit_hears_the_lab_is_busy_and_a_budget_ends_a_run():
    def run(seconds: float = 60):
        return live.stream(_endless(), lambda event, elapsed: event["step"], seconds=seconds, planned="a test")
    threads = torch.get_num_threads()
    running = [run() for _ in range(live.MAX_LIVE_RUNS)]
    assert [next(each) for each in running] == [1] * live.MAX_LIVE_RUNS and torch.get_num_threads() == 1
    with pytest.raises(gr.Error, match="The lab is busy"):
        next(run())
    running.pop().close()
    assert list(run(seconds=0)) == [1]  # a slot again; a spent budget stops it after its first event
    for each in running:
        each.close()
    assert torch.get_num_threads() == threads  # the last run gives the threads back


def test_a_latent_size_that_does_not_ship_at_a_depth_is_named_without_contradiction():
    from nnimg.checkpoints import CheckpointError
    from nnimg.zoo import ModelZoo

    zoo = ModelZoo.__new__(ModelZoo)  # the registry's view alone: nothing loaded
    zoo.shipped = {entry.name: entry for entry in shipped_autoencoders()}
    zoo.shipped["ae_d16_l3_nofc"] = shipped("ae_d16_l3_nofc")
    with pytest.raises(CheckpointError) as error:
        zoo.autoencoder(16, 3)
    assert "d = 16 at depth 3" in str(error.value) and ", 16" not in str(error.value)


def test_a_broken_checkpoint_is_read_again_once_fixed(tmp_path, monkeypatch):
    from nnimg.checkpoints import CheckpointError, save_model
    from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
    from nnimg.registry import autoencoder_name
    from nnimg.zoo import ModelZoo

    directory = write_tiny_checkpoints(tmp_path)
    monkeypatch.setenv("NNIMG_CHECKPOINTS", str(directory))
    zoo = ModelZoo()
    for _ in range(2):  # the failure is remembered while the file stays as it is
        with pytest.raises(CheckpointError, match="ae_d32_l3.safetensors is unreadable"):
            zoo.autoencoder(32, 3)
    save_model(directory / f"{autoencoder_name(32, 3)}.safetensors",
               Autoencoder(AutoencoderConfig(latent_dim=32, depth=3, hidden=16)))
    assert zoo.autoencoder(32, 3).config.latent_dim == 32
    assert "ae_d32_l3" not in zoo.errors and "ae_d32_l3" in zoo.autoencoders
