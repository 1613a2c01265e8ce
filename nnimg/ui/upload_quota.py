"""An upload quota per client: Gradio limits the size of each uploaded file (`max_file_size`) but not how
many a client sends; 301 uploads of 20 MB in 30 s put 5.7 GB in the cache, kept an hour. Here each client
address may send at most UPLOADS uploads and BYTES bytes in any WINDOW_S seconds; beyond, the upload is
refused with HTTP 429 and a sentence. The counts are generous for a class behind one address (a picture
or a drawing is a few kB to a few MB) and bound the cache a single address can fill."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from gradio.routes import App

WINDOW_S = 600
UPLOADS, BYTES = 3000, 2**30  # per client address in any WINDOW_S seconds (a load test's class sends ~1,500)
_ASSUMED_BYTES = 20 * 2**20  # an upload that does not say its length counts as the largest the app takes


class UploadQuota:
    """Uploads (time, bytes) per client address over the last WINDOW_S seconds."""

    def __init__(self, uploads: int = UPLOADS, total_bytes: int = BYTES, window_s: float = WINDOW_S):
        self.uploads, self.total_bytes, self.window_s = uploads, total_bytes, window_s
        self.recent: dict[str, deque[tuple[float, int]]] = defaultdict(deque)

    def refusal(self, client: str, size: int, now: float | None = None) -> str | None:
        """Why `client` may not upload `size` more bytes now (None: it may, and it is counted)."""
        now = time.monotonic() if now is None else now
        recent = self.recent[client]
        while recent and recent[0][0] < now - self.window_s:
            recent.popleft()
        if len(recent) >= self.uploads or sum(sent for _, sent in recent) + size > self.total_bytes:
            return (f"Too many uploads from your address: at most {self.uploads} files and "
                    f"{self.total_bytes // 2**20} MB in {self.window_s / 60:g} minutes; try again later.")
        recent.append((now, size))
        return None


async def _refuse(send, message: str) -> None:
    body = message.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install(quota: UploadQuota | None = None) -> UploadQuota:
    """Count every upload to Gradio's app against `quota` (a fresh UploadQuota by default, or the one
    installed before); return it."""
    if hasattr(App.__call__, "quota"):
        return App.__call__.quota
    quota = quota or UploadQuota()
    call = App.__call__

    async def counted(self: App, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/upload"):
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            client = (scope.get("client") or ("?",))[0]
            refusal = quota.refusal(client, int(length) if length and length.isdigit() else _ASSUMED_BYTES)
            if refusal is not None:
                await _refuse(send, refusal)
                return
        await call(self, scope, receive, send)

    counted.quota = quota
    App.__call__ = counted
    return quota
