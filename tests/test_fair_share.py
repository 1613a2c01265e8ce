"""A fair share: heavy jobs capped in time and stopped when their client leaves, a fair queue for the heavy
pool, and the cache of earlier runs swept at start."""

from types import SimpleNamespace

import pytest
from gradio.context import LocalContext

from nnimg.ui import fair_queue, jobs


def _events(closed: list):
    try:
        for step in range(100):
            yield step
    finally:
        closed.append(True)


def test_a_job_over_its_time_stops_with_a_warning_and_closes_its_work():
    closed = []
    with pytest.warns(UserWarning, match="Restoration stops after -1 seconds"):
        assert list(jobs.watched(_events(closed), what="Restoration", limit_s=-1)) == []
    assert closed
    assert jobs.time_cap(0.5) == "0.5 seconds" and jobs.time_cap(240) == "4 minutes"


def test_a_job_stops_when_its_client_is_gone(monkeypatch):
    event = SimpleNamespace(alive=True, session_hash="s1")
    queue = SimpleNamespace(event_ids_to_events={"e1": event})
    blocks_token = LocalContext.blocks.set(SimpleNamespace(_queue=queue))
    event_token = LocalContext.event_id.set("e1")
    try:
        closed, seen = [], []
        for step in jobs.watched(_events(closed), what="Transfer training"):
            seen.append(step)
            if step == 2:
                event.alive = False  # the client's stream dropped
        assert seen == [0, 1, 2] and closed
        event.alive = True
        assert jobs.client_waiting()
        queue.pending_messages_per_session = {event.session_hash: SimpleNamespace(qsize=lambda: 9)}
        assert not jobs.client_waiting()  # nobody reads its messages
        queue.pending_messages_per_session = {}
        del queue.event_ids_to_events["e1"]  # cancelled: the queue forgot it
        assert not jobs.client_waiting()
    finally:
        LocalContext.event_id.reset(event_token)
        LocalContext.blocks.reset(blocks_token)
    assert jobs.client_waiting()  # outside an event (scripts, tests) a job runs to its end


def test_capped_handlers_keep_their_signature():
    import inspect

    @jobs.capped("Inversion")
    def invert(image, steps: float = 3):
        yield from range(int(steps))

    assert list(invert(None, 2)) == [0, 1]
    assert list(inspect.signature(invert).parameters) == ["image", "steps"]
    assert inspect.isgeneratorfunction(invert)


def _queue(waiting: list[str], running: list[str]) -> SimpleNamespace:
    event = lambda session: SimpleNamespace(session_hash=session, concurrency_id="heavy")  # noqa: E731
    return SimpleNamespace(blocks=None, active_jobs=[[event(s)] for s in running] + [None],
                           event_queue_per_concurrency_id={"heavy": SimpleNamespace(queue=[event(s) for s in waiting])})


@pytest.mark.parametrize("pool", ["heavy", "default"])
def test_the_heavy_pool_refuses_past_its_caps_and_the_others_never(monkeypatch, pool):
    monkeypatch.setattr(fair_queue.route_utils, "get_fn", lambda *_: SimpleNamespace(concurrency_id=pool))
    body = lambda session: SimpleNamespace(session_hash=session)  # noqa: E731
    heavy = pool == "heavy"
    one_running = _queue([], ["a"])
    assert fair_queue._refusal(one_running, body("a")) is None
    mine = fair_queue._refusal(_queue(["a"], ["a"]), body("a"))
    assert (mine is not None and "You already have 2 heavy jobs" in mine) == heavy
    assert fair_queue._refusal(_queue(["a"], ["a"]), body("b")) is None
    full = _queue([f"s{i}" for i in range(fair_queue.POOL_WAITING["heavy"])], [])
    refusal = fair_queue._refusal(full, body("b"))
    assert (refusal is not None and "busy (16 jobs waiting)" in refusal) == heavy


def test_the_start_deletes_the_cache_folders_of_ended_runs_only(tmp_path):
    import subprocess
    import sys

    from nnimg.ui import stale_cache

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    old, mine = tmp_path / ended.stdout.strip(), stale_cache.run_folder(tmp_path)
    for folder in (old, mine):
        (folder / "hash").mkdir(parents=True)
        (folder / "hash" / "image.png").write_bytes(b"png")
    assert stale_cache.sweep_earlier_runs(tmp_path) == 1
    assert not old.exists() and (mine / "hash" / "image.png").exists()


def test_the_upload_quota_counts_files_and_bytes_per_address_over_a_window():
    from nnimg.ui.upload_quota import UploadQuota

    quota = UploadQuota(uploads=3, total_bytes=100, window_s=60)
    assert [quota.refusal("a", 10, now=t) for t in (0, 1, 2)] == [None] * 3
    assert "at most 3 files" in quota.refusal("a", 10, now=3)
    assert quota.refusal("b", 10, now=3) is None  # another address has its own quota
    assert quota.refusal("a", 10, now=61) is None  # the first upload has left the window
    assert quota.refusal("c", 101, now=0) is not None
