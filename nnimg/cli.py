"""What the `train/` scripts share: their common options, the data a run reads, and resumable runs.

A run of model NAME writes under `--out`: `.resume/NAME.safetensors`, the training state after every
epoch (or report, or snapshot), kept when the run ends so that the same command with a larger
`--epochs` (`--steps`) continues it; then the model and, last, `NAME.json`, its metrics. A finished
run is skipped unless `--force` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnimg.checkpoints import load_training_state, save_training_state
from nnimg.data import load_test_split, load_train_split
from nnimg.grids import grid_tiles, read_snapshots, write_snapshots
from nnimg.registry import BY_NAME, checkpoint_dir, user_models_dir
from nnimg.training import pick_device

DRY_RUN_IMAGES = 512  # the slice of each split a --dry-run reads


def add_output_options(parser: argparse.ArgumentParser, *, default_out: Path | None = None) -> None:
    """--out (default: `default_out`, else `checkpoint_dir()` for a shipped model and `user_models_dir()`
    for your own, see `parse_args`) and --dry-run."""
    own = "checkpoints/ for a model that ships, else $NNIMG_USER_MODELS (~/.nnimg/models)"
    parser.add_argument("--out", type=Path, default=default_out,
                        help=f"output directory (default: {default_out or own})")
    parser.add_argument("--dry-run", action="store_true",
                        help=f"a run of seconds on the first {DRY_RUN_IMAGES} images of each split "
                             "(needs --out unless it writes your own model)")


def add_common_options(parser: argparse.ArgumentParser, *, training: bool = True) -> None:
    """--threads, --out and --dry-run; for a training script also --seed, --device and --force."""
    if training:
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--device", default="auto", help="auto: CUDA when present, else the CPU")
        parser.add_argument("--force", action="store_true", help="train again from scratch even if finished")
    parser.add_argument("--threads", type=int, default=None, help="torch's CPU threads (default: torch's choice)")
    add_output_options(parser)


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None = None, *, dry_run: dict | None = None,
               defaults: dict | None = None,
               names: Callable[[argparse.Namespace], list[str]] | None = None) -> argparse.Namespace:
    """Parse `argv` (default: the command line) over `defaults` (a recipe's values).

    Under --dry-run the `dry_run` values replace the defaults; flags given in `argv` always win. Without
    --out, a run writes to `checkpoint_dir()` when it rebuilds shipped models, else (`names(args)`, the
    stems it writes, names none that ships) to `user_models_dir()`. A dry run never writes over what ships:
    it must name its --out unless it writes your own model.
    """
    if defaults:
        parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    if args.dry_run:
        parser.set_defaults(**(dry_run or {}))
        args = parser.parse_args(argv)
    if args.out is None:
        own = names is not None and not any(name in BY_NAME for name in names(args))
        if args.dry_run and not own:
            parser.error("--dry-run writes only where --out says: give --out DIR")
        args.out = user_models_dir() if own else checkpoint_dir()
    elif args.dry_run and parser.parse_args(argv, argparse.Namespace(out=None)).out is None:
        # argparse fills in only what the namespace lacks: `out` stays None unless --out is given
        parser.error("--dry-run writes only where --out says: give --out DIR")
    return args


def setup(args: argparse.Namespace) -> torch.device:
    """Apply --threads and a training script's --seed; return the device --device names (else the CPU)."""
    if args.threads:
        torch.set_num_threads(args.threads)
    if "seed" in args:
        torch.manual_seed(args.seed)
    return pick_device(getattr(args, "device", "cpu"))


@dataclass(frozen=True)
class Processes:
    """This process's place in a run: `rank` of `world_size` (1: not distributed)."""

    rank: int = 0
    world_size: int = 1

    @property
    def writes(self) -> bool:
        """Only the first process writes checkpoints, records and resume state, and prints."""
        return self.rank == 0


def setup_processes(args: argparse.Namespace) -> tuple[torch.device, Processes]:
    """`setup`, and under torchrun (WORLD_SIZE > 1) join the process group: NCCL with one GPU per
    process (LOCAL_RANK) when --device picks CUDA, else gloo on the CPU."""
    device = setup(args)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return device, Processes()
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device, Processes(torch.distributed.get_rank(), world_size)


def load_split(split: str, *, dry_run: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's "train" or "test" split as uint8 images (N, 28, 28) and labels; a dry run's first 512."""
    images, labels = load_train_split() if split == "train" else load_test_split()
    count = DRY_RUN_IMAGES if dry_run else len(images)
    return images[:count], labels[:count]


def find_checkpoint(out: Path, name: str) -> Path:
    """`NAME.safetensors` in `out` if it is there, else in `checkpoint_dir()`: the input models of a run."""
    path = out / f"{name}.safetensors"
    return path if path.exists() else checkpoint_dir() / path.name


def write_samples(path: Path, snapshots: list[np.ndarray]) -> None:
    """`write_snapshots`, atomically: an interrupted run never leaves half a strip."""
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    write_snapshots(partial, snapshots)
    partial.replace(path)


def read_samples(path: Path, count: int) -> list[np.ndarray]:
    """The first `count` snapshots of a strip written by `write_samples`, as (64, 28, 28) uint8 samples."""
    return [grid_tiles(grid) for grid in read_snapshots(path)[:count]]


class ResumableRun:
    """One model's training under `out`: its saved state, its metrics JSON and its wall-clock time.

    The progress record holds "done" (the steps or epochs completed, in the script's unit),
    "records", "wall_seconds" and "settings" (what must not change for the run to continue).
    """

    def __init__(self, out: Path, name: str, *, force: bool = False, writes: bool = True):
        self.name = name
        self.force = force
        self.writes = writes  # False in all but the first of several processes: they read, never write
        self.metrics_path = out / f"{name}.json"
        self.state_path = out / ".resume" / f"{name}.safetensors"
        self.started = time.perf_counter()

    def start(self, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer], *, length: int,
              settings: dict) -> dict | None:
        """The progress to train from: a fresh one, or the saved state loaded into `modules` and
        `optimizers`. None, after saying so, when a run of `length` or more is already finished."""
        settings = json.loads(json.dumps(settings))  # as it reads back from the state
        progress = {"done": 0, "records": [], "wall_seconds": 0.0, "settings": settings}
        if not self.force and self.state_path.exists():
            progress = load_training_state(self.state_path, modules=modules, optimizers=optimizers)
            if progress["settings"] != settings:
                changed = sorted(k for k in settings.keys() | progress["settings"].keys()
                                 if settings.get(k) != progress["settings"].get(k))
                raise SystemExit(f"{self.name}: {self.state_path} was trained with other {', '.join(changed)}; "
                                 "use --force to start again")
            if progress["done"] >= length and self.metrics_path.exists():
                self._say(f"already trained ({progress['done']} done), skipping (use --force to retrain)")
                return None
            self._say(f"resuming from {self.state_path} ({progress['done']} of {length} done)")
        elif not self.force and self.metrics_path.exists():
            self._say("already trained, skipping (use --force to retrain)")
            return None
        self.started = time.perf_counter() - progress["wall_seconds"]
        return progress

    def _say(self, message: str) -> None:
        if self.writes:
            print(f"{self.name}: {message}", flush=True)

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of training, earlier sessions of a resumed run included."""
        return time.perf_counter() - self.started

    def save(self, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
             progress: dict) -> None:
        """Write the training state (atomically), with the time spent so far."""
        progress["wall_seconds"] = self.seconds
        if not self.writes:
            return
        save_training_state(self.state_path, modules=modules, optimizers=optimizers, progress=progress)

    def finish(self, metrics: dict, *, indent: int | None = None) -> None:
        """Write the metrics JSON (atomically): the mark of a finished run. The state stays for a longer run."""
        if not self.writes:
            return
        partial = self.metrics_path.with_suffix(".partial")
        partial.write_text(json.dumps(metrics, indent=indent) + "\n")
        partial.replace(self.metrics_path)
