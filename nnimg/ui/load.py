"""`python -m nnimg.bench load`: the running app as a class meets it, through gradio_client: its cold
start and first answers, round trips under load (alone, and beside heavy work) and on an idle server,
and the server's memory (its resident set, from /proc, so Linux only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from nnimg.data import load_test_split
from nnimg.registry import AE_UNIFORM_LATENT_DIMS, LATENT_VIEW_DEFAULT, REPO_ROOT

# The Latent space tab's events, as it opens: each first call must answer in under 3 s.
FIRST_CALLS = {"/latent_correlation": (LATENT_VIEW_DEFAULT,),
               "/latent_scatter": (LATENT_VIEW_DEFAULT, "two coordinates", 0, 1),
               "/latent_box_samples": (LATENT_VIEW_DEFAULT, 16, 0),
               "/uniform_report": (AE_UNIFORM_LATENT_DIMS[0],)}
HEAVY_CLIENTS = 2  # clients restoring digits (the heavy events' pool) beside the ones reconstructing
LIVE_CLIENTS = 4  # clients training an autoencoder live beside the ones reconstructing
# /ae_live's arguments: the course's AE with FC layers, d = 15, for up to 4 minutes (cancelled when the load ends)
LIVE_AE = (15, 3, True, True, 0.0, "adam", 3e-3, 240, 0)
UPLOADS, UPLOAD_SIDE = 4, 5000  # concurrent uploads of the largest picture the app takes, RGBA PNG


def _serve_app(port: int) -> tuple[subprocess.Popen, Client, float]:
    """The app in a subprocess on `port`, a client of it, and the seconds from launch until it answered."""
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < 180:
        try:
            client = _client(f"http://127.0.0.1:{port}/")
            return app, client, time.perf_counter() - started
        except Exception:  # not listening yet
            time.sleep(0.1)
    app.kill()
    raise RuntimeError("the app did not start within 3 minutes")


def _client(url: str) -> Client:
    """A gradio_client as a class's scripts should make it for this plain-http server: no certificate
    store (gradio_client loads one for every request unless told not to: about 150 ms each, more than the
    server's work) and no usage statistics (they would try to reach Gradio's servers)."""
    return Client(url, verbose=False, ssl_verify=url.startswith("https"), analytics_enabled=False)


def _memory(pid: int) -> tuple[float, float]:
    """The process's resident set now and its peak since it started or the last `_reset_peak`, in MiB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    resident, peak = (int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))
    return resident, peak


def _shown(memory: tuple[float, float]) -> str:
    return f"RSS {memory[0]:.0f} MiB (peak {memory[1]:.0f} MiB)"


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the kernel's peak resident set restarts from now


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _idle_p50(client: Client, digit) -> float:
    """The median milliseconds of 20 /reconstruct round trips, after 5 to warm up."""
    return float(np.median([_timed(lambda: client.predict(digit, 10, 3, api_name="/reconstruct"))
                            for _ in range(25)][5:])) * 1000


def _spread(times: list[float]) -> str:
    return f"p50 {np.median(times):.2f} s, p95 {np.percentile(times, 95):.2f} s, max {max(times):.2f} s"


def _reconstructing(url: str, clients: int, requests: int, digit_of) -> tuple[list[float], list[str]]:
    """`clients` clients at once, each sending `requests` /reconstruct calls of `digit_of(client)`."""
    def work(client_index: int) -> tuple[list[float], list[str]]:
        client, times, errors = _client(url), [], []
        digit = handle_file(str(digit_of(client_index)))
        for _ in range(requests):
            started = time.perf_counter()
            try:
                client.predict(digit, 10, 3, api_name="/reconstruct")
            except Exception as error:  # counted and reported: the point of a load test
                errors.append(type(error).__name__)
            times.append(time.perf_counter() - started)
        return times, errors
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(work, range(clients)))
    return [t for times, _ in results for t in times], [e for _, errors in results for e in errors]


def _report(case: str, times: list[float], errors: list[str]) -> None:
    print(f"/reconstruct, {case}: {_spread(times)}, errors {len(errors)} of {len(times)}"
          + (f" ({', '.join(sorted(set(errors)))})" if errors else ""), flush=True)


def _restoring(url: str, digit: Path, stop: threading.Event) -> list[float]:
    """/restore calls (latent GAN prior, 300 steps) one after another until `stop`; their seconds."""
    client, times = _client(url), []
    while not stop.is_set():
        times.append(_timed(lambda: client.predict(handle_file(str(digit)), "window-10", "latent-gan", 300, 0,
                                                   api_name="/restore")))
    return times


def _beside_live_training(url: str, clients: int, requests: int, folder: Path, pid: int) -> None:
    """/reconstruct under load while LIVE_CLIENTS clients train autoencoders live; then a live run beyond the
    limit (live.MAX_LIVE_RUNS) asked for while the limit runs, and how soon it is refused; the memory growth."""
    from nnimg.ui.live import MAX_LIVE_RUNS

    before, _ = _memory(pid)
    _reset_peak(pid)
    live = [_client(url).submit(*LIVE_AE, api_name="/ae_live") for _ in range(LIVE_CLIENTS)]
    while not all(job.outputs() for job in live):  # every run has streamed its first figures
        time.sleep(0.2)
    _report(f"{clients} clients x {requests} requests beside {LIVE_CLIENTS} live AE trainings",
            *_reconstructing(url, clients, requests, lambda index: folder / f"digit{index}.png"))
    live += [_client(url).submit(*LIVE_AE, api_name="/ae_live") for _ in range(MAX_LIVE_RUNS - LIVE_CLIENTS)]
    while not all(job.outputs() for job in live):
        time.sleep(0.2)
    started = time.perf_counter()
    try:
        _client(url).predict(*LIVE_AE, api_name="/ae_live")
        refusal = "none: it ran"
    except Exception as error:  # the refusal this measures
        refusal = f"after {time.perf_counter() - started:.2f} s: {str(error).splitlines()[-1]}"
    steps = [job.outputs()[-1][-1]["steps"] for job in live]
    after = _memory(pid)
    print(f"a live run beyond {MAX_LIVE_RUNS} refused {refusal}; the {len(live)} live runs had made {steps} steps; "
          f"peak memory growth {after[1] - before:.0f} MiB over the RSS of {before:.0f} MiB", flush=True)
    for job in live:
        try:
            job.cancel()
        except httpx.HTTPError as error:  # reported: a server too busy to hear a cancellation
            print(f"cancelling a live run failed: {type(error).__name__}", flush=True)
    while not all(job.done() for job in live):  # the next measures start on a server without them
        time.sleep(0.5)


def _kept_alive(url: str, digit: Path, rounds: int) -> list[float]:
    """/reconstruct round trips over one kept-alive connection, as a browser makes them (gradio_client opens
    a new connection, and loads the certificate store, for each upload, call and download): upload the digit,
    join the queue, read the answer from the session's event stream, fetch the three images."""
    times = []
    with httpx.Client(base_url=f"{url}gradio_api/", timeout=60) as http:
        config = http.get(f"{url}config").json()
        fn_index = next(event["id"] for event in config["dependencies"] if event.get("api_name") == "reconstruct")
        for _ in range(rounds):
            started = time.perf_counter()
            with digit.open("rb") as file:
                path = http.post("upload", files={"files": file}).json()[0]
            http.post("queue/join", json={"data": [{"path": path, "meta": {"_type": "gradio.FileData"}}, 10, 3],
                                          "fn_index": fn_index, "session_hash": "bench", "event_data": None,
                                          "trigger_id": None}).raise_for_status()
            with http.stream("GET", "queue/data", params={"session_hash": "bench"}) as stream:
                done = next(json.loads(line[5:]) for line in stream.iter_lines()
                            if line.startswith("data:") and '"process_completed"' in line)
            for output in done["output"]["data"]:
                if isinstance(output, dict) and output.get("url"):
                    http.get(output["url"]).raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def _tour(client: Client, digit: Path) -> None:
    """One call of each tab's main events, as a student touring the tabs would make."""
    image = handle_file(str(digit))
    client.predict(image, 10, 3, api_name="/reconstruct")
    client.predict(image, image, ["ae_d10_l2", "ae_d20_l2", "ae_uniform_d10_l2"], 9, api_name="/interpolate_rows")
    client.predict("any", 64, 0, api_name="/sample")
    client.predict("wgan", -1, api_name="/latent_gan_training")
    client.predict("non-saturating", -1, 0, api_name="/gan_grid")
    client.predict(image, "window-10", "latent-gan", 300, 0, api_name="/restore")


def _big_picture(path: Path, digit: np.ndarray) -> Path:
    """A digit enlarged to UPLOAD_SIDE x UPLOAD_SIDE, RGBA: white ink on transparency."""
    ink = Image.fromarray(digit).resize((UPLOAD_SIDE, UPLOAD_SIDE), Image.Resampling.BILINEAR)
    white = Image.new("L", ink.size, 255)
    Image.merge("RGBA", (white, white, white, ink)).save(path, compress_level=1)
    return path


def bench_load(clients: int = 20, requests: int = 20, port: int = 7870) -> None:
    """Start the app; print its cold start, the first call of each Latent space event, its memory after a
    tour of the tabs; then `clients` x `requests` /reconstruct calls at once (all on one test digit, a digit
    per client, beside HEAVY_CLIENTS clients restoring, and beside LIVE_CLIENTS training live), the idle round
    trip, and the peak memory growth while UPLOADS clients upload a UPLOAD_SIDE x UPLOAD_SIDE RGBA PNG at once."""
    images = load_test_split()[0]
    folder = Path(tempfile.mkdtemp())
    for index in range(clients):
        Image.fromarray(images[index]).save(folder / f"digit{index}.png")
    big = _big_picture(folder / "big.png", images[0])
    app, client, cold_start = _serve_app(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        print(f"cold start, launch to first answer: {cold_start:.1f} s; {_shown(_memory(app.pid))}", flush=True)
        for endpoint, arguments in FIRST_CALLS.items():
            print(f"first call of {endpoint}: {_timed(lambda: client.predict(*arguments, api_name=endpoint)):.2f} s",
                  flush=True)
        _tour(client, folder / "digit0.png")
        print(f"after a tour of the tabs: {_shown(_memory(app.pid))}", flush=True)
        _report(f"{clients} clients x {requests} requests, same digit",
                *_reconstructing(url, clients, requests, lambda _: folder / "digit0.png"))
        _report(f"{clients} clients x {requests} requests, a digit per client",
                *_reconstructing(url, clients, requests, lambda index: folder / f"digit{index}.png"))
        stop = threading.Event()
        with ThreadPoolExecutor(HEAVY_CLIENTS) as pool:
            restoring = [pool.submit(_restoring, url, folder / "digit0.png", stop) for _ in range(HEAVY_CLIENTS)]
            cheap = _reconstructing(url, clients, requests, lambda index: folder / f"digit{index}.png")
            stop.set()
            restores = [t for future in restoring for t in future.result()]
        _report(f"{clients} clients x {requests} requests beside {HEAVY_CLIENTS} clients restoring", *cheap)
        print(f"/restore (latent GAN prior, 300 steps) meanwhile: {len(restores)} calls, {_spread(restores)}")
        _beside_live_training(url, clients, requests, folder, app.pid)
        digit = handle_file(str(folder / "digit0.png"))
        print(f"/reconstruct, one client, idle server: p50 {_idle_p50(client, digit):.0f} ms over 20 round trips "
              f"(after 5 warm-up calls)", flush=True)
        default = Client(url, verbose=False, analytics_enabled=False)  # gradio_client's default certificate checks
        print(f"/reconstruct, one client with gradio_client's default ssl_verify=True: p50 "
              f"{_idle_p50(default, digit):.0f} ms", flush=True)
        kept_alive = _kept_alive(url, folder / "digit0.png", 25)[5:]
        print(f"/reconstruct over one kept-alive connection, as a browser: p50 {np.median(kept_alive) * 1000:.0f} ms "
              f"over {len(kept_alive)} round trips", flush=True)
        before, _ = _memory(app.pid)
        _reset_peak(app.pid)
        with ThreadPoolExecutor(UPLOADS) as pool:
            answers = list(pool.map(lambda _: _client(url).predict(handle_file(str(big)), 10, 3,
                                                                                 api_name="/reconstruct"),
                                    range(UPLOADS)))
        after = _memory(app.pid)
        print(f"{UPLOADS} concurrent {UPLOAD_SIDE}x{UPLOAD_SIDE} RGBA PNG uploads ({big.stat().st_size / 2**20:.1f} "
              f"MiB each) to /reconstruct: {sum(answer[0] is not None for answer in answers)} answered; peak "
              f"growth {after[1] - before:.0f} MiB over the RSS of {before:.0f} MiB before; now {_shown(after)}",
              flush=True)
        from nnimg.ui.load_abuse import bench_abuse  # the abuse cases use this module's helpers

        bench_abuse(url, folder / "digit0.png", app.pid)
    finally:
        app.terminate()
        app.wait(timeout=30)
