"""Gradio's cache, one folder per run: `delete_cache` ages out only the files of the running process, so
the files of a run that was killed stayed forever in the shared cache folder. The app (run as a script)
keeps its files in a folder named after its process id, and at start deletes the folders of runs whose
process is gone; a folder of an app still running is left alone."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
CACHE_ROOT = Path(tempfile.gettempdir()) / "nnimg-gradio-cache"


def run_folder(root: Path = CACHE_ROOT) -> Path:
    """This process's cache folder (for GRADIO_TEMP_DIR, set before Gradio is imported)."""
    return root / str(os.getpid())


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep_earlier_runs(root: Path = CACHE_ROOT) -> int:
    """Delete the cache folders under `root` of runs whose process has ended; return how many."""
    ended = [folder for folder in (root.iterdir() if root.is_dir() else [])
             if folder.is_dir() and folder.name.isdigit() and not _running(int(folder.name))]
    for folder in ended:
        shutil.rmtree(folder, ignore_errors=True)
    if ended:
        log.info("deleted the cache folders of %d earlier runs under %s", len(ended), root)
    return len(ended)
