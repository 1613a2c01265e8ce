"""Rebuild everything that ships: every entry of nnimg.registry.REGISTRY, trained by its own train command, in
dependency order, then a report of each rebuilt figure beside the shipped one and the time each stage took.

    python train/all.py                  # the shipped recipes (13 hours of job time, 2 jobs at once) -> rebuilt/full/
    python train/all.py --quick          # short recipes: 44 minutes on two cores (measured) -> rebuilt/quick/
    python train/all.py --dry-run        # every script's --dry-run, seconds each -> rebuilt/dry-run/
    python train/all.py --plan           # the jobs, and the wall time the shipped runs recorded per stage
    python train/all.py --quick --only 'ae_*_l2,classifier'    # a subset: comma-separated name patterns

Stages: data (the MNIST training split fetched once, the Transfer tab's pools rebuilt from it; the face photos
written to OUT/faces/), the classifier, the autoencoders, the latent GANs, the DCGANs, the rest (PCA and the
Gaussian prior, the digit check, the Latent space tab's precomputed codes). In a stage --jobs scripts run at once
(default: 2 on the CPU, 1 on CUDA), each with --threads torch threads (default 1; a stage of one job gets the spare
ones). Each runs in OUT (so a command's relative paths, faces/train, land there) and reads the models it builds on
(the latent GANs and the digit check: the classifier and ae_d10_l2; the precomputed codes: the AEs they cover) from
OUT when they are there, else from the shipped checkpoints: --only rebuilds one model on the shipped inputs.

Everything goes under --out, by default rebuilt/PROFILE/ in the repository (ignored by git), never over the
shipped checkpoints/ ($NNIMG_CHECKPOINTS): they are the report's reference; --out checkpoints overwrites them
only when asked. Job NAME logs to OUT/logs/NAME.log. Resumable: a job finished with the same recipe is skipped
(OUT/logs/NAME.done), an interrupted training script continues from OUT/.resume/, and --force (passed to the
scripts) trains everything again from scratch. A failed job is reported and the jobs that need it are skipped;
the rest goes on, and the exit status is 1. Use a new --out to change profile: the scripts refuse to continue a
run of another recipe.

The report, printed and written to OUT/rebuild_report.md and .json: per artefact its figure, rebuilt and shipped
(AEs: test MSE; classifier: test accuracy; PCA: test MSE at d = 10; digit check: the share of real test digits
called "not a digit"; GANs of digits: the Inception Score of 2,000 samples by the shipped reference classifier;
precomputed codes: the d = 10 AE's mean absolute correlation off the diagonal; pools: equal to the shipped ones
or not), and the wall time of each stage and of all.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


from nnimg import cli
from nnimg.checkpoints import CheckpointError, load_model
from nnimg.data import LABELLED_POOL_PATH, UNLABELLED_POOL_PATH
from nnimg.metrics import inception_score
from nnimg.registry import (AE_STUDY_DEPTH, FACE_FOLDER, FACE_RECIPE, REFERENCE_CLASSIFIER, REGISTRY,
                            REPO_ROOT, Shipped, ShippedAutoencoder, ShippedDCGAN, ShippedLatentGAN, autoencoder_name,
                            checkpoint_dir, studied_autoencoders, with_role)
from nnimg.sampling import fresh_samples, sample_digits
from nnimg.training import predict_logits
from nnimg.zoo import read_metrics

STAGES = ("data", "classifier", "autoencoders", "latent GANs", "DCGANs", "the rest")
# The data stage's jobs are not in the registry: they write data, not checkpoints (the faces to OUT/faces/).
DATA_JOB, DATA_COMMAND = "mnist_pools", "python train/make_labelled_pool.py"
FACES_JOB, FACES_COMMAND = "faces", "python train/make_face_folder.py"
POOLS = (LABELLED_POOL_PATH, UNLABELLED_POOL_PATH)
# What each script takes beyond --out and --dry-run (nnimg.cli.add_common_options): the training scripts resume,
# skip what is finished and take --force; the fits refit every time (here they are skipped when done).
TRAINING_OPTIONS = ("--force", "--threads", "--device")
SCRIPT_OPTIONS = {"train_classifier.py": TRAINING_OPTIONS, "train_autoencoder.py": TRAINING_OPTIONS,
                  "train_latent_gan.py": TRAINING_OPTIONS, "train_dcgan.py": TRAINING_OPTIONS,
                  "fit_pca.py": ("--threads",), "fit_digit_check.py": ("--threads",),
                  "precompute_latents.py": ("--threads",), "make_labelled_pool.py": (), "make_face_folder.py": ()}
# The models a script reads (from OUT, else the shipped ones), beyond the data stage's MNIST (and, for a DCGAN
# trained on a folder, the faces: the only folder a shipped one trains on).
STUDY_AUTOENCODER = autoencoder_name(10, AE_STUDY_DEPTH)  # train_latent_gan.py's --autoencoder default
SCRIPT_INPUTS = {"train_latent_gan.py": ("classifier", STUDY_AUTOENCODER),
                 "fit_digit_check.py": ("classifier", STUDY_AUTOENCODER),
                 "precompute_latents.py": tuple(entry.name for entry in studied_autoencoders())}
# The one artefact whose metrics JSON has another name (fit_pca.py writes both files).
METRICS_FILES = {"gaussian_prior": "pca_metrics.json"}

# --quick: flags appended to the train commands (the last of a repeated flag wins), the first matching pattern's.
# Chosen from the shipped runs' wall_seconds (one thread per job, two jobs on two cores) for a margin inside the
# hour. Measured end to end (BENCHMARKS.md): 44 minutes; per stage data 0.1 min (MNIST cached), classifier 1.5,
# autoencoders 17, latent GANs 5, DCGANs 19, the rest 1, the report 1.
QUICK_FLAGS = (
    ("classifier", "--steps 400"),  # of 2,800 steps: 75 s
    ("ae_*", "--epochs 2"),  # of 20 to 90: 1,470 s for the 18
    ("latent_*", "--epochs 20"),  # of 70: 27 s (wgan) to 210 s (gan-course), 460 s for the 6
    ("dcgan_course-exact*", "--epochs 4 --steps 60"),  # 240 G steps of 3,640
    ("dcgan_course-*", ""),  # the full recipe: it is already the first 300 G steps (560 s for the 2)
    (f"dcgan_{FACE_RECIPE}_*", "--epochs 4"),  # 200 G steps of 500: 55 s each at the course's 28 px rate, more at 32
    ("dcgan_course_*", "--epochs 4 --steps 150"),  # 600 G steps of 9,370: 160 s each
    ("dcgan_*", "--epochs 4 --steps 150 --ema 0.99"),  # 600 of 14,992: 170 s each; the average's horizon 100 steps
)
REPORT_SAMPLES = 2000  # samples per GAN for the report's Inception Score (a dry run's: DRY_RUN_SAMPLES, a smoke test)
DRY_RUN_SAMPLES = 200
# The report's figure of the artefacts that are not AEs or GANs: (its name, the JSON file, the keys to it).
FIGURES = {"classifier": ("test accuracy", "classifier.json", "test_accuracy"),
           "gaussian_prior": ("PCA test MSE, d = 10", "pca_metrics.json", "test_mse", "10"),
           "digit_check": ("real digits called not a digit", "digit_check.json", "real_digits_called_not_a_digit"),
           "precomputed_latents": ("mean abs. correlation off the diagonal, d = 10", "precomputed_latents.json",
                                   "correlation_by_dim", "mean_abs_r_off_diagonal", "10")}
DONE_BEFORE = "skipped (done before)"


@dataclass(frozen=True)
class Job:
    """One script run: `recipe` is the script and its flags (the registry's, --quick's, --dry-run), to which the
    run adds --out (OUT/`folder`) and the options its script takes; `needs` the jobs it reads from, `outputs`
    its files under OUT."""

    name: str
    stage: str
    recipe: tuple[str, ...]
    options: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    entry: Shipped | None = None
    folder: str = ""


def stage_of(entry: Shipped) -> str:
    """The stage that rebuilds `entry`."""
    if isinstance(entry, ShippedAutoencoder):
        return "autoencoders"
    if isinstance(entry, ShippedLatentGAN):
        return "latent GANs"
    if isinstance(entry, ShippedDCGAN):
        return "DCGANs"
    return "classifier" if REFERENCE_CLASSIFIER in entry.roles else "the rest"


def quick_flags(name: str) -> list[str]:
    """The --quick flags of job `name` (none: its full recipe)."""
    return next((flags.split() for pattern, flags in QUICK_FLAGS if fnmatch.fnmatch(name, pattern)), [])


def _without_length(flags: list[str]) -> list[str]:
    """`flags` without a recipe's --epochs N and --steps N, which would win over a dry run's length."""
    dropped = {i + offset for i, flag in enumerate(flags) if flag in ("--epochs", "--steps") for offset in (0, 1)}
    return [flag for i, flag in enumerate(flags) if i not in dropped]


def _job(name: str, stage: str, command: str, *, profile: str, outputs: tuple[str, ...],
         entry: Shipped | None = None, folder: str = "") -> Job:
    script, *flags = shlex.split(command)[1:]  # without "python"
    if profile == "dry-run":
        flags = [*_without_length(flags), "--dry-run"]
    elif profile == "quick":
        flags += quick_flags(name)
    needs = ((DATA_JOB,) * (stage != "data") + (FACES_JOB,) * ("--data" in flags)
             + SCRIPT_INPUTS.get(Path(script).name, ()))
    return Job(name, stage, (script, *flags), SCRIPT_OPTIONS[Path(script).name], needs, outputs, entry, folder)


def plan(*, profile: str = "full", only: str = "") -> list[Job]:
    """Every job in stage order: the data, then each registry entry's train command; `only`: comma-separated
    name patterns (the needs of the chosen jobs are then read from OUT or the shipped checkpoints)."""
    jobs = [_job(DATA_JOB, "data", DATA_COMMAND, profile=profile, outputs=tuple(path.name for path in POOLS)),
            _job(FACES_JOB, "data", FACES_COMMAND, profile=profile, outputs=(f"{FACE_FOLDER}/train",),
                 folder=FACE_FOLDER)]
    jobs += [_job(entry.name, stage_of(entry), entry.train_command, profile=profile, entry=entry,
                  outputs=(f"{entry.name}.safetensors", METRICS_FILES.get(entry.name, f"{entry.name}.json")))
             for entry in REGISTRY]
    jobs.sort(key=lambda job: STAGES.index(job.stage))
    patterns = [pattern for pattern in only.split(",") if pattern]
    if patterns:
        jobs = [job for job in jobs if any(fnmatch.fnmatch(job.name, pattern) for pattern in patterns)]
    return jobs


def _argv(job: Job, out: Path, *, threads: int, force: bool, device: str | None) -> list[str]:
    option_values = {"--force": [] if force else None, "--threads": [str(threads)], "--device": device and [device]}
    options = [word for option in job.options if option_values[option] is not None
               for word in (option, *option_values[option])]
    return [sys.executable, str(REPO_ROOT / job.recipe[0]), *job.recipe[1:], "--out", str(out / job.folder), *options]


def _run(job: Job, argv: list[str], out: Path) -> tuple[str, float]:
    """Run one job, its output to OUT/logs/NAME.log; ("done" or "failed (exit N)", seconds)."""
    print(f"[{job.stage}] {job.name}: started", flush=True)
    (out / "logs" / f"{job.name}.done").unlink(missing_ok=True)  # done again only if this run succeeds
    started = time.perf_counter()
    with open(out / "logs" / f"{job.name}.log", "w") as log:
        log.write(shlex.join(argv) + "\n\n")
        log.flush()
        code = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, cwd=out,
                              env=os.environ | {"PYTHONUNBUFFERED": "1"}).returncode
    seconds = time.perf_counter() - started
    if code == 0:
        (out / "logs" / f"{job.name}.done").write_text(shlex.join(job.recipe) + "\n")
    status = "done" if code == 0 else f"failed (exit {code}, see {out / 'logs' / job.name}.log)"
    print(f"[{job.stage}] {job.name}: {status} in {seconds:.0f} s", flush=True)
    return status, seconds


def _succeeded(status: str) -> bool:
    return status in ("done", DONE_BEFORE)


def _finished(job: Job, out: Path) -> bool:
    """Whether `job` finished before with the same recipe, its files still there."""
    ledger = out / "logs" / f"{job.name}.done"
    return (ledger.exists() and ledger.read_text().strip() == shlex.join(job.recipe)
            and all((out / name).exists() for name in job.outputs))


def run_jobs(jobs: list[Job], out: Path, *, jobs_at_once: int = 2, threads: int = 1, force: bool = False,
             device: str | None = None) -> tuple[dict[str, dict], dict[str, float]]:
    """Run `jobs` stage by stage, `jobs_at_once` at a time; each job's status and seconds, and each stage's."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    stage_seconds: dict[str, float] = {}
    for stage in STAGES:
        started = time.perf_counter()
        todo = []
        for job in (job for job in jobs if job.stage == stage):
            broken = [need for need in job.needs if need in results and not _succeeded(results[need]["status"])]
            if broken:
                results[job.name] = {"status": f"skipped (needs {', '.join(broken)})", "seconds": 0.0}
            elif not force and _finished(job, out):
                results[job.name] = {"status": DONE_BEFORE, "seconds": 0.0}
            else:
                todo.append(job)
                continue
            print(f"[{stage}] {job.name}: {results[job.name]['status']}", flush=True)
        if todo:
            at_once = min(jobs_at_once, len(todo))
            job_threads = threads * jobs_at_once // at_once
            with ThreadPoolExecutor(at_once) as pool:
                runs = {job.name: pool.submit(_run, job, _argv(job, out, threads=job_threads, force=force,
                                                               device=device), out) for job in todo}
            results |= {name: dict(zip(("status", "seconds"), run.result())) for name, run in runs.items()}
        if any(job.stage == stage for job in jobs):
            stage_seconds[stage] = time.perf_counter() - started
    return results, stage_seconds


def _read_figure(path: Path, *keys: str) -> float | None:
    value = read_metrics(path)
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _same_pools(folder: Path) -> str | None:
    try:
        return "yes" if all(_pool(folder / path.name) == _pool(path) for path in POOLS) else "no"
    except OSError:
        return None


def _pool(path: Path) -> tuple[bytes, bytes]:
    with np.load(path) as archive:
        return archive["images"].tobytes(), archive["labels"].tobytes()


def _inception_score(entry: Shipped, folder: Path, classifier: torch.nn.Module | None, count: int) -> float | None:
    """The Inception Score of `count` samples (seed 0) of the GAN `entry` in `folder`, by `classifier`."""
    if classifier is None:
        return None
    try:
        generator = load_model(folder / f"{entry.name}.safetensors")
        if isinstance(entry, ShippedLatentGAN):  # its autoencoder, found as the training found it
            autoencoder = load_model(cli.find_checkpoint(folder, generator.config.autoencoder))
            samples = sample_digits(generator, autoencoder, count, seed=0)
        else:
            samples = fresh_samples(generator, count, seed=0)
    except CheckpointError:
        return None
    return inception_score(predict_logits(classifier, samples.unsqueeze(1)).softmax(1))


def figure(job: Job, folder: Path, classifier: torch.nn.Module | None,
           samples: int = REPORT_SAMPLES) -> tuple[str, float | str | None]:
    """The figure that sums up `job`'s artefact in `folder` (the rebuilt OUT, or the shipped files): its name
    and value (None when missing); a GAN's from `samples` samples."""
    entry = job.entry
    if job.name == DATA_JOB:
        return "pools equal to the shipped ones", _same_pools(folder)
    if entry is None or "--data" in job.recipe:  # the face photos, and the DCGANs trained on them
        return "none (not digits)", None
    if isinstance(entry, ShippedAutoencoder):
        return "test MSE", _read_figure(folder / f"{entry.name}.json", "test_mse")
    if isinstance(entry, (ShippedLatentGAN, ShippedDCGAN)):
        return f"Inception Score, {samples:,} samples", _inception_score(entry, folder, classifier, samples)
    name, file, *keys = FIGURES[entry.name]
    return name, _read_figure(folder / file, *keys)


def summarise(jobs: list[Job], results: dict[str, dict], stage_seconds: dict[str, float], out: Path, *,
              profile: str) -> dict:
    """The report: each job's status, seconds and figure, rebuilt and shipped; each stage's counts and seconds."""
    try:
        classifier = load_model(with_role(REFERENCE_CLASSIFIER).path)
    except CheckpointError as error:
        print(f"no Inception Scores: {error}")
        classifier = None
    artefacts, samples = [], DRY_RUN_SAMPLES if profile == "dry-run" else REPORT_SAMPLES
    for job in jobs:
        name, rebuilt = figure(job, out, classifier, samples)
        shipped_folder = LABELLED_POOL_PATH.parent if job.entry is None else checkpoint_dir()
        artefacts.append({"name": job.name, "stage": job.stage, **results[job.name], "figure": name,
                          "rebuilt": rebuilt, "shipped": figure(job, shipped_folder, classifier, samples)[1]})
    stages = [{"stage": stage, "seconds": seconds,
               **{status: sum(results[job.name]["status"].startswith(status) for job in jobs if job.stage == stage)
                  for status in ("done", "skipped", "failed")}}
              for stage, seconds in stage_seconds.items()]
    return {"profile": profile, "out": str(out), "artefacts": artefacts, "stages": stages}


def _shown(value: float | str | None) -> str:
    return "—" if value is None else value if isinstance(value, str) else f"{value:.4g}"


def markdown(summary: dict) -> str:
    """The report as two Markdown tables: the artefacts, then the stages."""
    lines = [f"Rebuilt ({summary['profile']}) in {summary['out']}", "",
             "| artefact | stage | status | seconds | figure | rebuilt | shipped |", "|---|---|---|---:|---|---:|---:|"]
    lines += [f"| {a['name']} | {a['stage']} | {a['status']} | {a['seconds']:.0f} | {a['figure']} | "
              f"{_shown(a['rebuilt'])} | {_shown(a['shipped'])} |" for a in summary["artefacts"]]
    lines += ["", "| stage | done | skipped | failed | seconds |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {s['stage']} | {s['done']} | {s['skipped']} | {s['failed']} | {s['seconds']:.0f} |"
              for s in summary["stages"]]
    lines.append(f"| the report | | | | {summary['report_seconds']:.0f} |")
    lines.append(f"| all | | | | {summary['total_seconds']:.0f} |")
    return "\n".join(lines) + "\n"


def shipped_seconds(jobs: list[Job]) -> str:
    """The plan as a Markdown table: per stage its jobs and the wall seconds the shipped runs recorded (their
    metrics JSON's wall_seconds: one job each, several jobs at once on two cores; none where not recorded)."""
    lines = ["| stage | jobs | recorded | shipped runs' wall seconds, summed |", "|---|---:|---:|---:|"]
    for stage in STAGES:
        staged = [job for job in jobs if job.stage == stage]
        seconds = [(read_metrics(checkpoint_dir() / job.outputs[-1]) or {}).get("wall_seconds")
                   for job in staged if job.entry is not None]  # a registry entry's outputs end with its metrics
        recorded = [value for value in seconds if value is not None]
        lines.append(f"| {stage} | {len(staged)} | {len(recorded)} | {sum(recorded):.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    profile = parser.add_mutually_exclusive_group()
    profile.add_argument("--quick", action="store_true", help="short recipes: 44 minutes on two cores (measured)")
    profile.add_argument("--dry-run", action="store_true", help="every script's --dry-run (seconds each)")
    parser.add_argument("--plan", action="store_true",
                        help="print the jobs per stage and the wall time the shipped runs recorded; run nothing")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: rebuilt/PROFILE/)")
    parser.add_argument("--only", default="", help="comma-separated name patterns, e.g. 'ae_*_l2,classifier'")
    parser.add_argument("--force", action="store_true", help="train everything again from scratch")
    parser.add_argument("--jobs", type=int, default=None, help="scripts at once in a stage (default: 2, CUDA: 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per script (default: %(default)s)")
    parser.add_argument("--device", default=None, help="the training scripts' --device (default: theirs, auto)")
    args = parser.parse_args()
    name = "quick" if args.quick else "dry-run" if args.dry_run else "full"
    out = (args.out or REPO_ROOT / "rebuilt" / name).resolve()
    jobs_at_once = args.jobs or (1 if args.device != "cpu" and torch.cuda.is_available() else 2)
    jobs = plan(profile=name, only=args.only)
    if not jobs:
        parser.error(f"--only {args.only!r} names no job; the jobs: {', '.join(job.name for job in plan())}")
    if args.plan:
        print("\n".join(f"[{job.stage}] {job.name}: {shlex.join(job.recipe)}" for job in jobs))
        print("\n" + shipped_seconds(jobs))
        return
    print(f"rebuilding {len(jobs)} artefacts ({name}) in {out}", flush=True)
    started = time.perf_counter()
    results, stage_seconds = run_jobs(jobs, out, jobs_at_once=jobs_at_once, threads=args.threads, force=args.force,
                                      device=args.device)
    torch.set_num_threads(args.threads * jobs_at_once)
    report_started = time.perf_counter()
    summary = summarise(jobs, results, stage_seconds, out, profile=name)
    summary |= {"report_seconds": time.perf_counter() - report_started, "total_seconds": time.perf_counter() - started}
    (out / "rebuild_report.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "rebuild_report.md").write_text(markdown(summary))
    print("\n" + markdown(summary), flush=True)
    sys.exit(0 if all(_succeeded(result["status"]) for result in results.values()) else 1)


if __name__ == "__main__":
    main()
