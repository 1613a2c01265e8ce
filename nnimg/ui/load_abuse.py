"""The load bench's abuse cases (`python -m nnimg.bench load`, or `load-abuse` for these alone): what one
careless or hostile client can do to the others. Each prints a measured figure."""

from __future__ import annotations

import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from gradio_client.utils import QueueError
from PIL import Image

from nnimg.ui import load

UNREAD_CALLS = 66  # more than the whole queue (64) used to hold
SESSIONS = 2000
UPLOAD_FLOOD, UPLOAD_BYTES = 80, 20 * 2**20  # uploads of 20 MiB (the largest file taken) from one client


def _uploaded(http: httpx.Client, digit: Path) -> dict:
    with digit.open("rb") as file:
        path = http.post("upload", files={"files": file}).json()[0]
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def unread_heavy_calls(url: str, digit: Path) -> None:
    """UNREAD_CALLS /restore calls posted by one client that never reads a result, then one /reconstruct
    from another client: how many were let in, and how soon the other client is answered."""
    with httpx.Client(base_url=f"{url}gradio_api/", timeout=60) as http:
        image = _uploaded(http, digit)
        codes = [http.post("call/restore", json={"data": [image, "window-10", "latent-gan", 300, 0]}).status_code
                 for _ in range(UNREAD_CALLS)]
    other = load._client(url)
    started = time.perf_counter()
    other.predict(load.handle_file(str(digit)), 10, 3, api_name="/reconstruct")
    answered = time.perf_counter() - started
    started = time.perf_counter()
    while True:  # the heavy pool is full until the unread jobs are gone: try again every half second
        try:
            other.predict(load.handle_file(str(digit)), "window-10", "latent-gan", 300, 0, api_name="/restore")
            break
        except QueueError:
            time.sleep(0.5)
    restored = time.perf_counter() - started
    print(f"{UNREAD_CALLS} unread /restore calls from one client: {codes.count(200)} accepted, "
          f"{codes.count(503)} refused (503); then /reconstruct from another client answered in {answered:.2f} s, "
          f"and its /restore, retried while the heavy pool is full, in {restored:.1f} s", flush=True)


def _one_call_session(http: httpx.Client, fn_index: int, image: dict) -> None:
    """A new session (a page opened once): one /reconstruct through the queue, its answer read, gone."""
    session = uuid.uuid4().hex
    http.post("queue/join", json={"data": [image, 10, 3], "fn_index": fn_index, "session_hash": session,
                                  "event_data": None, "trigger_id": None}).raise_for_status()
    with http.stream("GET", "queue/data", params={"session_hash": session}) as stream:
        next(line for line in stream.iter_lines() if line.startswith("data:") and '"process_completed"' in line)


def session_memory(url: str, digit: Path, pid: int, sessions: int = SESSIONS) -> None:
    """The server's resident set before and after `sessions` one-call sessions (4 at a time)."""
    with httpx.Client(base_url=f"{url}gradio_api/", timeout=60) as http:
        config = http.get(f"{url}config").json()
        fn_index = next(event["id"] for event in config["dependencies"] if event.get("api_name") == "reconstruct")
        image = _uploaded(http, digit)
        for _ in range(20):  # warm up: the first calls grow caches that do not grow after
            _one_call_session(http, fn_index, image)
        before, _ = load._memory(pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: _one_call_session(http, fn_index, image), range(sessions)))
        after, _ = load._memory(pid)
    print(f"{sessions} one-call sessions ({time.perf_counter() - started:.0f} s): RSS {before:.0f} -> {after:.0f} MiB, "
          f"growth {after - before:.0f} MiB", flush=True)


def repeated_methods(url: str, digit: Path) -> None:
    """/restore_compare asked for the latent GAN prior 60 times: the seconds it takes (run once)."""
    client = load._client(url)
    image = load.handle_file(str(digit))
    started = time.perf_counter()
    client.predict(image, "window-10", ["latent-gan"] * 60, 100, 0, 10, 9, 9, None, "l2", api_name="/restore_compare")
    print(f"/restore_compare with the latent GAN prior listed 60 times, 100 steps: "
          f"{time.perf_counter() - started:.1f} s", flush=True)


def upload_flood(url: str) -> None:
    """UPLOAD_FLOOD uploads of UPLOAD_BYTES from one client: how many the server took."""
    started = time.perf_counter()
    with httpx.Client(base_url=f"{url}gradio_api/", timeout=60) as http:
        codes = [http.post("upload", files={"files": ("flood.bin", bytes(UPLOAD_BYTES))}).status_code
                 for _ in range(UPLOAD_FLOOD)]
    print(f"{UPLOAD_FLOOD} uploads of {UPLOAD_BYTES / 2**20:g} MiB from one client "
          f"({time.perf_counter() - started:.0f} s): {codes.count(200)} stored, {codes.count(429)} refused (429)",
          flush=True)


def bench_abuse(url: str, digit: Path, pid: int) -> None:
    """Every abuse case against the app at `url` (process `pid`)."""
    repeated_methods(url, digit)
    unread_heavy_calls(url, digit)
    session_memory(url, digit, pid)
    upload_flood(url)  # last: it spends this address's upload quota


def main(port: int = 7871) -> None:
    """Start the app and run the abuse cases alone."""
    folder = Path(tempfile.mkdtemp())
    digit = folder / "digit.png"
    Image.fromarray(load.load_test_split()[0][0]).save(digit)
    app, _, _ = load._serve_app(port)
    try:
        bench_abuse(f"http://127.0.0.1:{port}/", digit, app.pid)
    finally:
        app.terminate()
        app.wait(timeout=30)
