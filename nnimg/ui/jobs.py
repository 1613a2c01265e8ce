"""Heavy jobs that end: each is capped in time and stops soon after its client leaves or presses Stop.

    for event in jobs.watched(study, what="Transfer training"):
        ...                                      # an event at least every few seconds

    @jobs.capped("Restoration")                 # the same for a whole streaming handler
    def restore(...): yield ...

`watched` passes the events of a job on while its client still waits for them; once the client is
gone (its page closed, its connection dropped, Stop pressed) it ends quietly with one log line, and
after `limit_s` seconds it ends with a gr.Warning saying so. The caller sees the events stop: a
streaming handler keeps what it last showed, one that needs the final event raises its gr.Error.

Gradio marks a running event not alive when its client's stream drops and forgets it when the client
cancels, but a handler running in a worker thread learns neither: `client_waiting` asks the queue. A job
that nobody listens to (posted to /gradio_api/call/<api> and never read) piles up its unread messages
(queue estimates, progress, results) in its session's message queue, which a listening client empties
as they come: past UNREAD_MESSAGES the client counts as gone too.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import gradio as gr
from gradio.context import LocalContext

T = TypeVar("T")
HEAVY_JOB_LIMIT_S = 240  # a heavy job (training, optimisation) stops here, as live training does
UNREAD_MESSAGES = 8  # messages of a session left unread: nobody listens
log = logging.getLogger(__name__)


def client_waiting() -> bool:
    """Whether the client of the event this thread runs still waits for its result (True outside an
    event, in tests and scripts)."""
    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    if queue is None or event_id is None:
        return True
    event = queue.event_ids_to_events.get(event_id)
    if event is None or not event.alive:
        return False
    unread = getattr(queue, "pending_messages_per_session", {}).get(event.session_hash)
    return unread is None or unread.qsize() <= UNREAD_MESSAGES


def watched(events: Iterable[T], *, what: str, limit_s: float = HEAVY_JOB_LIMIT_S) -> Iterator[T]:
    """`events` passed on until its client leaves (then ends, logged) or `limit_s` seconds have passed
    (then ends with a gr.Warning naming `what` and the cap); `events` is closed either way."""
    started = time.monotonic()
    try:
        for event in events:
            if not client_waiting():
                log.info("%s stopped after %.0f s: its client cancelled or left", what, time.monotonic() - started)
                return
            if time.monotonic() - started > limit_s:
                gr.Warning(f"{what} stops after {time_cap(limit_s)}, so that one student cannot hold a worker: "
                           "ask for fewer steps.")
                return
            yield event
    finally:
        if hasattr(events, "close"):
            events.close()


def capped(what: str, limit_s: float = HEAVY_JOB_LIMIT_S) -> Callable[[Callable[..., Iterator[T]]],
                                                                    Callable[..., Iterator[T]]]:
    """A streaming handler's outputs `watched`: the decorated handler keeps its name and signature."""
    def decorate(handler: Callable[..., Iterator[T]]) -> Callable[..., Iterator[T]]:
        @functools.wraps(handler)
        def run(*args, **kwargs) -> Iterator[T]:
            yield from watched(handler(*args, **kwargs), what=what, limit_s=limit_s)
        return run
    return decorate


def time_cap(seconds: float) -> str:
    """'4 minutes', '90 seconds': a cap as a sentence says it."""
    return f"{seconds / 60:g} minutes" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} seconds"
