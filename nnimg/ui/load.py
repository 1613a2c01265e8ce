"""`python -m nnimg.bench load`: the running app under a class's load, through gradio_client."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from nnimg.data import load_test_split
from nnimg.registry import REPO_ROOT


def _serve_app(port: int) -> subprocess.Popen:
    """The app in a subprocess on `port`, once it answers."""
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    app = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            Client(f"http://127.0.0.1:{port}/", verbose=False)
            return app
        except Exception:  # not listening yet
            time.sleep(0.5)
    app.kill()
    raise RuntimeError("the app did not start within 3 minutes")


def bench_load(clients: int = 20, requests: int = 20, port: int = 7870) -> None:
    """Start the app and fire `clients` x `requests` /reconstruct calls at once, all on the same test
    digit, then each client on its own digit; print p50 / p95 / max seconds and the errors."""
    images = load_test_split()[0]
    folder = Path(tempfile.mkdtemp())
    for index in range(clients):
        Image.fromarray(images[index]).save(folder / f"digit{index}.png")
    app = _serve_app(port)
    try:
        for case in ("same digit", "a digit per client"):
            def work(client_index: int) -> tuple[list[float], list[str]]:
                client, times, errors = Client(f"http://127.0.0.1:{port}/", verbose=False), [], []
                digit = folder / f"digit{0 if case == 'same digit' else client_index}.png"
                for _ in range(requests):
                    started = time.perf_counter()
                    try:
                        client.predict(handle_file(str(digit)), 10, 3, api_name="/reconstruct")
                    except Exception as error:  # counted and reported: the point of a load test
                        errors.append(type(error).__name__)
                    times.append(time.perf_counter() - started)
                return times, errors
            with ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(work, range(clients)))
            times = np.array([t for result in results for t in result[0]])
            errors = [e for result in results for e in result[1]]
            print(f"/reconstruct, {clients} clients x {requests} requests, {case}: p50 {np.median(times):.2f} s, "
                  f"p95 {np.percentile(times, 95):.2f} s, max {times.max():.2f} s, errors {len(errors)} of "
                  f"{len(times)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else ""), flush=True)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        idle = [_timed(lambda: client.predict(handle_file(str(folder / "digit0.png")), 10, 3,
                                              api_name="/reconstruct")) for _ in range(20)]
        print(f"/reconstruct, one client, idle server: p50 {np.median(idle) * 1000:.0f} ms over 20 round trips")
    finally:
        app.terminate()
        app.wait(timeout=30)


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started
