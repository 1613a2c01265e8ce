"""A fair queue: heavy work cannot fill the queue that the views answering in milliseconds need, and one
client cannot keep every heavy worker busy.

Gradio's queue has one size limit for all events together (`max_size`), so 64 heavy jobs waiting made it
refuse a cheap `/reconstruct` with "Queue is full". This caps each named worker pool's waiting line
(`POOL_WAITING`: the heavy pool's) and, within it, the jobs of one client (its session: a browser tab,
or one gradio_client), waiting or running; beyond either, the call is refused at once with a sentence
(HTTP 503), while the other pools keep the rest of the queue.
"""

from __future__ import annotations

from gradio import route_utils
from gradio.queueing import Queue

POOL_WAITING = {"heavy": 16}  # jobs waiting at most in a worker pool (the global queue size stays for the rest)
CLIENT_JOBS = 2  # heavy jobs of one client waiting or running at most


def _refusal(queue: Queue, body) -> str | None:
    """Why the event of `body` cannot join its pool now, or None if it can."""
    try:
        fn = route_utils.get_fn(queue.blocks, None, body)
    except Exception:  # an unknown event: Gradio's own push answers it
        return None
    limit = POOL_WAITING.get(fn.concurrency_id)
    pool = queue.event_queue_per_concurrency_id.get(fn.concurrency_id)
    if limit is None or pool is None:
        return None
    running = [event for job in queue.active_jobs if job for event in job if event.concurrency_id == fn.concurrency_id]
    mine = sum(event.session_hash == body.session_hash for event in [*pool.queue, *running])
    if body.session_hash is not None and mine >= CLIENT_JOBS:
        return (f"You already have {mine} heavy jobs waiting or running; wait for them to finish (or stop one) "
                "before starting another.")
    if len(pool.queue) >= limit:
        return (f"The training and restoration workers are busy ({len(pool.queue)} jobs waiting); try again in a "
                "minute. The other views still answer.")
    return None


def install() -> None:
    """Check every event joining Gradio's queue against the pools' caps above."""
    if getattr(Queue.push, "is_fair", False):
        return
    push = Queue.push

    async def fair_push(self: Queue, body, request, username):
        refusal = None if body.fn_index is None else _refusal(self, body)
        if refusal is not None:
            return False, refusal, "queue_full"
        return await push(self, body, request, username)

    fair_push.is_fair = True
    Queue.push = fair_push
