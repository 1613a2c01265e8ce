"""What every live training run shares: at most MAX_LIVE_RUNS at once (one more is told so at once), a
time budget, and a log line when its client stops it or goes away."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import gradio as gr
import torch

from nnimg.ui import checks

log = logging.getLogger(__name__)
MAX_LIVE_RUNS = 5
DEFAULT_SECONDS, MAX_SECONDS = 60, 240  # a live run stops here, so that one student cannot hold the machine
# Live runs have their own pool, one wider than the runs allowed, so that a run beyond them reaches its
# handler and hears that the lab is busy instead of waiting silently in the queue.
LIVE = {"concurrency_id": "live", "concurrency_limit": MAX_LIVE_RUNS + 1}

_lock = threading.Lock()
_running = 0
_threads_before = 0


@contextmanager
def _slot() -> Iterator[None]:
    """One of the MAX_LIVE_RUNS live-training slots while the block runs, or a gr.Error when all are taken.

    While any live run goes, torch computes each operation on one thread: a run keeps a core busy, and
    operations split over busy cores wait for each other (on two loaded cores, 10 steps of the course's
    AE took 5.9 s on two threads and 0.7 s on one). The thread count comes back when the last run ends.
    """
    global _running, _threads_before
    with _lock:
        if _running >= MAX_LIVE_RUNS:
            log.info("live training refused: %d runs are going", _running)
            raise gr.Error(f"The lab is busy: {MAX_LIVE_RUNS} live trainings are running on this machine; "
                           "try again in a minute, when one has finished.")
        if _running == 0:
            _threads_before = torch.get_num_threads()
            torch.set_num_threads(1)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                torch.set_num_threads(_threads_before)


def stream(events: Iterator[dict], show: Callable[[dict, float], list], *, seconds: float, planned: str,
           at_budget: str = "") -> Iterator[list]:
    """`show(event, seconds_so_far)` for each event (a dict with "step") of a live run until `seconds`
    have passed, holding a live slot meanwhile. `at_budget`, if given, is said (formatted with the
    step) when the budget ends the run; `planned` names the run's length in the log line written when
    its client cancels it or goes away."""
    step = 0
    with _slot():
        started = time.monotonic()
        try:
            for event in events:
                step = event["step"]
                elapsed = time.monotonic() - started
                yield show(event, elapsed)
                if elapsed >= seconds:
                    if at_budget:
                        gr.Warning(at_budget.format(step=step))
                    return
        except GeneratorExit:  # Gradio closes the run when its client cancels it or goes away
            log.info("live training stopped at step %d of %s: its client cancelled or left", step, planned)
            raise


def budget(seconds) -> int:
    """A live run's time budget in whole seconds, from 1 to MAX_SECONDS, or a gr.Error."""
    return checks.bounded(seconds, "time budget in seconds", 1, MAX_SECONDS)


def controls(label: str = "Train") -> tuple[gr.Button, gr.Button]:
    """A live run's start and Stop buttons, side by side."""
    with gr.Row():
        return gr.Button(label, variant="primary"), gr.Button("Stop")
