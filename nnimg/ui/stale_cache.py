"""Files left in Gradio's cache by earlier runs: `delete_cache` ages out only the files of the running
process, so those of a run that was killed stayed forever. At start the app sweeps the cache folder of
every file older than the cache's lifetime (a file that old would have been deleted by its own run: a
file another running app still serves is newer, as reusing one touches it)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from gradio.utils import get_upload_folder

log = logging.getLogger(__name__)


def sweep(age_s: float, folder: Path | None = None) -> int:
    """Delete the files in Gradio's cache folder (or `folder`) last changed over `age_s` seconds ago, and
    the folders they leave empty; return how many files went."""
    folder = Path(folder or get_upload_folder())
    if not folder.is_dir():
        return 0
    oldest = time.time() - age_s
    removed = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):  # files before their folders
        try:
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except OSError:  # gone meanwhile, or not ours to delete
            continue
    if removed:
        log.info("deleted %d cached files of earlier runs from %s", removed, folder)
    return removed
