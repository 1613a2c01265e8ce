"""Drive the running app through gradio_client, as a lecturer's script would."""

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import serving_app, write_tiny_checkpoints
from nnimg.data import load_test_split

gradio_client = pytest.importorskip("gradio_client")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> Path:
    """The tiny untrained models of `write_tiny_checkpoints` and nothing else; the app logs to app.log there."""
    return write_tiny_checkpoints(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture(scope="module")
def client(checkpoints):
    """The app, serving `checkpoints`."""
    with serving_app(checkpoints) as url:
        yield gradio_client.Client(url, verbose=False, ssl_verify=False)  # plain http: no certificate store per request


@pytest.fixture(scope="module")
def test_digit_png(tmp_path_factory):
    path = tmp_path_factory.mktemp("digits") / "seven.png"
    Image.fromarray(load_test_split()[0][0]).save(path)
    return path


def test_reconstruct_answers_with_a_28x28_grey_png(client, test_digit_png):
    reconstruction, model_input, summary, grid = client.predict(
        gradio_client.handle_file(str(test_digit_png)), 10, 2, api_name="/reconstruct")
    image = Image.open(reconstruction)
    assert image.format == "PNG" and image.size == (28, 28)
    assert np.array_equal(np.array(Image.open(model_input).convert("L")), load_test_split()[0][0])
    assert "MSE per pixel" in summary and Image.open(grid).width > 28 * 10


def test_test_digit_endpoint_gives_exact_pixels(client):
    path = client.predict(42, api_name="/test_digit")
    assert np.array_equal(np.array(Image.open(path).convert("L")), load_test_split()[0][42])


@pytest.mark.parametrize("latent_dim, depth, message", [
    (32, 3, "ae_d32_l3.safetensors is unreadable.*--latent-dim 32 --depth 3$"),
    (5, 2, "ae_d5_l2.safetensors is missing.*--latent-dim 5 --depth 2 --hidden 192"),
])
def test_broken_checkpoints_name_the_file_and_the_command(client, test_digit_png, latent_dim, depth, message):
    with pytest.raises(gradio_client.exceptions.AppError, match=message):
        client.predict(gradio_client.handle_file(str(test_digit_png)), latent_dim, depth, api_name="/reconstruct")


def test_bad_input_gets_a_plain_error_and_the_app_stays_up(client, test_digit_png, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (64, 64), "white").save(blank)
    for path, message in ((not_an_image, "not an image"), (blank, "empty")):
        with pytest.raises(gradio_client.exceptions.AppError, match=message):
            client.predict(gradio_client.handle_file(str(path)), 10, 2, api_name="/reconstruct")
    with pytest.raises(gradio_client.exceptions.AppError, match="d = 32 at depth 1"):
        client.predict(gradio_client.handle_file(str(test_digit_png)), 32, 1, api_name="/reconstruct")
    assert client.predict(gradio_client.handle_file(str(test_digit_png)), 10, 2, api_name="/reconstruct")


def test_interpolate_returns_the_strip_and_readings(client, test_digit_png):
    strip, readings = client.predict(gradio_client.handle_file(str(test_digit_png)),
                                     gradio_client.handle_file(str(test_digit_png)), 10, 7, api_name="/interpolate")
    image = Image.open(strip)
    assert image.format == "PNG" and image.size == (28 * 7, 28) and image.mode == "L"
    assert readings.count("→") == 6


def test_interpolate_bounds_the_steps(client, test_digit_png):
    with pytest.raises(gradio_client.exceptions.AppError, match="between 2 and 16"):
        client.predict(gradio_client.handle_file(str(test_digit_png)), gradio_client.handle_file(str(test_digit_png)),
                       10, 500, api_name="/interpolate")


def test_latent_space_endpoints(client):
    figure = client.predict("ae_d10_l2", "principal components", 0, 1, api_name="/latent_scatter")
    assert "principal component 1" in str(figure)
    with pytest.raises(gradio_client.exceptions.AppError, match="x coordinate must be between 0 and 9"):
        client.predict("ae_d10_l2", "two coordinates", 12, 1, api_name="/latent_scatter")
    grid, summary = client.predict("ae_d10_l2", 8, 0, api_name="/latent_box_samples")
    assert "Mean classifier confidence" in summary and Image.open(grid).format == "PNG"
    with pytest.raises(gradio_client.exceptions.AppError, match="ae_uniform_d10_l2.safetensors is missing"):
        client.predict(10, api_name="/uniform_report")


def _pixel_nearest_neighbour_accuracy(label_count: int) -> float:
    """1-nearest neighbour on pixels from the app's balanced labels (seed 0) over the 10,000 test digits."""
    from nnimg.data import load_labelled_pool
    from nnimg.transfer import balanced_indices

    pool_images, pool_labels = load_labelled_pool()
    chosen = balanced_indices(pool_labels, label_count, seed=0)
    train = torch.from_numpy(pool_images[chosen]).flatten(1).float() / 255
    test_images, test_labels = load_test_split()
    nearest = torch.cdist(torch.from_numpy(test_images).flatten(1).float() / 255, train).argmin(1).numpy()
    return float((pool_labels[chosen][nearest] == test_labels).mean())


def test_transfer_train_reports_accuracy(client):
    rows, _ = client.predict(10, "frozen", 20, 16, 20, 0, False, api_name="/transfer_train")
    names = [row[0] for row in rows["data"]]
    assert names == ["pretrained encoder, frozen", "random encoder, frozen", "pixels, 1-nearest neighbour"]
    pixels = _pixel_nearest_neighbour_accuracy(20)  # 0.4693
    assert all(row[2] == "" for row in rows["data"]) and rows["data"][2][1] == pytest.approx(pixels, abs=1e-6)
    rows, _ = client.predict(10, "fine-tuned", 20, 16, 20, 1000, True, api_name="/transfer_train")
    assert rows["data"][2][1] == pytest.approx(pixels, abs=1e-6)  # the same labels: the regime does not matter
    # the spread labels are scored on the 1,000 unlabelled digits: shares in thousandths, not blanks
    assert all(row[2] * 1000 == pytest.approx(round(row[2] * 1000), abs=1e-6) for row in rows["data"][:2])
    with pytest.raises(gradio_client.exceptions.AppError, match="multiple of 10"):
        client.predict(10, "frozen", 25, 16, 20, api_name="/transfer_train")
    with pytest.raises(gradio_client.exceptions.AppError, match=r"Unknown latent size 32; choose one of 5, 10, 20\."):
        client.predict(32, "frozen", 20, 16, 20, api_name="/transfer_train")


def test_gan_grid_is_an_8x8_grid_of_the_shipped_snapshots(client):
    first = np.array(Image.open(client.predict("non-saturating", 0, -1, api_name="/gan_grid")))
    last = np.array(Image.open(client.predict("non-saturating", -1, -1, api_name="/gan_grid")))
    assert first.shape == last.shape == (224, 224) and first.max() == 0 and last.min() == 255
    fresh = np.array(Image.open(client.predict("non-saturating", -1, 3, api_name="/gan_grid")))
    assert fresh.shape == (224, 224)
    again = np.array(Image.open(client.predict("non-saturating", -1, 3, api_name="/gan_grid")))
    other = np.array(Image.open(client.predict("non-saturating", -1, 4, api_name="/gan_grid")))
    assert np.array_equal(fresh, again) and not np.array_equal(fresh, other)  # the seed alone fixes the noise
    with pytest.raises(gradio_client.exceptions.AppError, match="epochs 0 to 1"):
        client.predict("non-saturating", 7, -1, api_name="/gan_grid")
    with pytest.raises(gradio_client.exceptions.AppError, match="dcgan_saturating_samples.png is missing"):
        client.predict("saturating", -1, -1, api_name="/gan_grid")
    # the Recipe switch does not offer "course-large-d" (it has its own section), yet the endpoint takes it
    with pytest.raises(gradio_client.exceptions.AppError, match="course-large-d recipe has the losses non-saturating"):
        client.predict("saturating", -1, -1, "course-large-d", api_name="/gan_grid")


def test_sample_returns_count_digits_ten_per_row(client):
    grid, _, summary, _ = client.predict("3", 23, 0, api_name="/sample")
    assert Image.open(grid).size == (280, 28 * 3) and "reads **3**" in summary
    grid, *_ = client.predict("any", 5, 0, api_name="/sample")
    assert Image.open(grid).size == (5 * 28, 28)  # fewer than 10: as wide as the count, no black tiles
    with pytest.raises(gradio_client.exceptions.AppError, match="0 to 9 or 'any'"):
        client.predict("12", 5, 0, api_name="/sample")


def test_interpolate_noise_and_live_gan(client):
    assert Image.open(client.predict(0, 1, "6", "7", 5, api_name="/interpolate_noise")).format == "PNG"
    *grids, _, status = client.predict(["saturating"], 10, 0.002, 1, api_name="/gan_live")
    assert Image.open(grids[0]).size == (224, 224) and grids[1] is None and status.startswith("Step 10 of 10")
    with pytest.raises(gradio_client.exceptions.AppError, match="between 10 and 1000, not 100000"):
        client.predict(["saturating"], 100000, 0.002, 1, api_name="/gan_live")


def test_restore_applies_the_degradation_server_side(client, test_digit_png):
    restored, observed, summary = client.predict(gradio_client.handle_file(str(test_digit_png)), "window-10",
                                                 "classical", 10, 0, api_name="/restore")
    degraded = np.array(Image.open(observed))
    assert degraded.shape == (28, 28) and degraded[9:19, 9:19].max() == 0 and "PSNR" in summary
    # The prior's covariance 0.05 I makes the hidden pixels independent of the known ones, so their
    # conditional mean is the prior's mean, 0.1 (255 * 0.1 = 25.5 rounds to 26); known pixels stay.
    restored_pixels = np.array(Image.open(restored).convert("L")).astype(int)
    window = np.zeros((28, 28), dtype=bool)
    window[9:19, 9:19] = True
    assert restored_pixels.shape == (28, 28) and np.abs(restored_pixels[window] - 26).max() <= 1
    assert np.array_equal(restored_pixels[~window], load_test_split()[0][0][~window])
    restored, _, _ = client.predict(gradio_client.handle_file(str(test_digit_png)), "noise-0.3", "gan", 10, 0,
                                    api_name="/restore")  # the DCGAN prior, an InfoGAN here: starts carry codes
    assert Image.open(restored).size == (28, 28)
    with pytest.raises(gradio_client.exceptions.AppError, match="Unknown degradation"):
        client.predict(gradio_client.handle_file(str(test_digit_png)), "blur", "classical", 10, 0, api_name="/restore")


def test_restore_compare_with_a_painted_mask(client, test_digit_png, tmp_path):
    layer = np.zeros((280, 280, 4), dtype=np.uint8)
    layer[100:180, 100:180] = [255, 0, 0, 255]
    Image.fromarray(layer).save(tmp_path / "layer.png")
    editor = {"background": None, "layers": [gradio_client.handle_file(str(tmp_path / "layer.png"))],
              "composite": None, "id": None}
    *_, table, status, best = client.predict(gradio_client.handle_file(str(test_digit_png)), "painted mask",
                                             ["classical"], 10, 0, 10, 9, 9, editor, api_name="/restore_compare")
    assert [row[0] for row in table["data"]] == ["degraded input", "Gaussian (Wiener / conditional mean)"]
    with pytest.raises(gradio_client.exceptions.AppError, match="Paint over"):
        client.predict(gradio_client.handle_file(str(test_digit_png)), "painted mask", ["classical"], 10, 0, 10, 9, 9,
                       None, api_name="/restore_compare")


def test_a_drawn_digit_feeds_the_restoration_tab(client, tmp_path):
    drawing = np.full((280, 280, 4), 255, dtype=np.uint8)
    drawing[60:220, 130:150, :3] = 0  # a black vertical stroke on white: a "1"
    Image.fromarray(drawing).save(tmp_path / "drawing.png")
    sketch = {"background": None, "layers": [], "composite": gradio_client.handle_file(str(tmp_path / "drawing.png")),
              "id": None}
    digit = np.array(Image.open(client.predict(sketch, api_name="/restoration_use_drawing")))
    assert digit.shape == (28, 28) and digit[14, 14] > 128 and digit[2, 2] == 0
    empty = {"background": None, "layers": [], "composite": None, "id": None}
    with pytest.raises(gradio_client.exceptions.AppError, match="No image was given"):
        client.predict(empty, api_name="/restoration_use_drawing")


def test_concurrent_identical_requests_all_succeed(client, test_digit_png):
    """A class on the same preset digit: the same output PNG is made by many requests at once, and
    every download must be whole (Gradio wrote content-addressed files in place, not atomically)."""
    url = client.src

    def ask(_: int) -> str | None:
        worker = gradio_client.Client(url, verbose=False, ssl_verify=False)
        try:
            for _ in range(5):
                reconstruction, *_ = worker.predict(gradio_client.handle_file(str(test_digit_png)), 10, 2,
                                                    api_name="/reconstruct")
                Image.open(reconstruction).load()
        except Exception as error:  # the failure is the result this test counts
            return repr(error)
        return None

    with ThreadPoolExecutor(8) as pool:
        errors = [error for error in pool.map(ask, range(8)) if error]
    assert errors == []


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


# A client that starts live training, says so once the first grids arrive, and then goes away without a
# word when killed, like a closed browser tab.
LEAVING_CLIENT = """
import sys, time
from gradio_client import Client
job = Client(sys.argv[1], verbose=False).submit(["non-saturating"], 1000, 0.002, 1, api_name="/gan_live")
while not job.outputs():
    time.sleep(0.1)
print("training", flush=True)
time.sleep(600)
"""


def test_live_training_stops_when_its_client_cancels_or_leaves(client, checkpoints):
    log = checkpoints / "app.log"

    def stopped() -> list[int]:
        return [int(step) for step in re.findall(r"live training stopped at step (\d+) of 1000", log.read_text())]
    job = client.submit(["non-saturating"], 1000, 0.002, 1, api_name="/gan_live")
    _wait_for(lambda: job.outputs())
    job.cancel()
    _wait_for(lambda: len(stopped()) == 1)
    leaving = subprocess.Popen([sys.executable, "-c", LEAVING_CLIENT, client.src], stdout=subprocess.PIPE, text=True)
    assert leaving.stdout.readline().strip() == "training"
    leaving.kill()
    leaving.wait()
    _wait_for(lambda: len(stopped()) == 2)
    assert all(step < 1000 for step in stopped())


def test_live_autoencoder_and_latent_gan_answer_with_what_they_measured(client, checkpoints):
    *_, grid, _, summary = client.predict(2, 1, True, True, 0, "adam", 0.003, 1, 0, 32, api_name="/ae_live")
    assert Image.open(grid).size == (224, 112) and summary["steps"] > 0 and 0 < summary["test_mse"] < 1
    *_, grid, summary = client.predict("wgan", 1, 0, api_name="/latent_gan_live")
    assert Image.open(grid).size == (224, 224) and len(summary["digit_shares"]) == 10 and summary["steps"] >= 20
    job = client.submit(2, 1, True, True, 0, "adam", 0.003, 240, 0, 32, api_name="/ae_live")
    _wait_for(lambda: job.outputs())
    job.cancel()
    _wait_for(lambda: "of a 240 s budget: its client cancelled" in (checkpoints / "app.log").read_text(), seconds=10)


def test_latent_dims_for_depth_twice_in_one_session(client):
    """The first call narrows the dropdown's choices in the session; the second must still be judged
    by the handler, not refused by Gradio against the narrowed choices."""
    assert client.predict(2, 10, api_name="/latent_dims_for_depth")["value"] == 10
    assert client.predict(1, 100, api_name="/latent_dims_for_depth")["value"] == 20


def test_mask_canvas_is_a_png(client, test_digit_png):
    editor = client.predict(gradio_client.handle_file(str(test_digit_png)), api_name="/mask_canvas")
    assert Image.open(editor["background"]).format == "PNG" and editor["background"].endswith(".png")


def test_user_errors_are_one_sentence_and_one_log_line(client, checkpoints, tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("hello")
    drawing = {"background": None, "layers": [], "composite": gradio_client.handle_file(str(notes)), "id": None}
    calls = [(("abc",), "/test_digit", "The test index must be a whole number, not 'abc'."),
             (("ae_d10_l2", 16, -5), "/latent_box_samples", "The seed must be between 0 and 4294967295, not -5."),
             (("any", 5, 1e30, "cwgan-gp"), "/sample", "The seed must be between 0 and 4294967295, not 1e+30."),
             (("any", "many", 0), "/sample", "The number of samples must be a whole number, not 'many'."),
             ((drawing,), "/use_drawing", "This file is not an image that can be read; upload a PNG or JPEG."),
             (("not an editor value",), "/restoration_use_drawing", "An input of /restoration_use_drawing is not of "
                                                                    "the kind it takes"),
             (("x" * 100_000,), "/test_digit", f"The test index must be a whole number, not '{'x' * 76}....")]
    for args, endpoint, sentence in calls:
        with pytest.raises(gradio_client.exceptions.AppError, match=re.escape(sentence)):
            client.predict(*args, api_name=endpoint)
    log = (checkpoints / "app.log").read_text()
    for _, endpoint, sentence in calls:
        assert log.count(f"user error in {endpoint}: {sentence}") == 1
    assert "gradio.exceptions.Error" not in log  # no traceback for any user error of this module


@pytest.mark.parametrize("path", [str(Path(__file__).parent.parent / "docs" / "screenshot.png"), "/etc/passwd",
                                  "http://127.0.0.1:9/seven.png"])
def test_a_path_on_the_server_or_a_web_address_is_refused_with_a_sentence(client, path):
    import httpx

    payload = {"path": path, "url": path if path.startswith("http") else None, "meta": {"_type": "gradio.FileData"}}
    with httpx.Client(base_url=f"{client.src.rstrip('/')}/gradio_api/", timeout=60) as http:
        event = http.post("call/reconstruct", json={"data": [payload, 10, 3]}).json()["event_id"]
        answer = http.get(f"call/reconstruct/{event}").text
    assert "event: error" in answer and "names a file on the server or a web address" in answer


@pytest.mark.slow  # two transfer runs of 900 steps each: a minute or two on a loaded machine
def test_transfer_gives_the_same_accuracy_alone_and_beside_live_training(client):
    arguments = (10, "fine-tuned", 20, 16, 300, 500, True)  # dropout, shifts, label spreading: every draw
    alone, _ = client.predict(*arguments, api_name="/transfer_train")
    training = client.submit(*arguments, api_name="/transfer_train")
    while training.status().code.name != "PROCESSING":
        time.sleep(0.05)
    time.sleep(0.5)  # the live training starts (and builds its networks) while the transfer trains
    neighbour = gradio_client.Client(client.src, verbose=False, ssl_verify=False)
    live = neighbour.submit(["saturating", "least-squares"], 200, 0.002, 1, api_name="/gan_live")
    beside, _ = training.result()
    assert live.outputs()  # the live training streamed while the transfer trained
    live.cancel()
    assert beside["data"] == alone["data"]


def test_a_cancelled_transfer_stops_within_seconds(client, checkpoints):
    training = client.submit(10, "fine-tuned", 1000, 512, 1000, 10_000, True, api_name="/transfer_train")
    while training.status().code.name != "PROCESSING":
        time.sleep(0.05)
    time.sleep(1)
    training.cancel()  # the Stop button: /cancel
    cancelled = time.monotonic()
    while "Transfer training stopped after" not in (checkpoints / "app.log").read_text():
        assert time.monotonic() - cancelled < 5, "the transfer went on after its client cancelled it"
        time.sleep(0.1)
