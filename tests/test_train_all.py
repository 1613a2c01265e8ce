"""train/all.py: its plan covers the registry in dependency order, --quick shortens every long recipe, a failed
job skips its dependents and a finished one is skipped when run again; and (slow) a whole --dry-run rebuilds
every registry entry and reports it."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnimg.data import load_test_split, write_npz
from nnimg.registry import DCGAN_RECIPE_FLAGS, REGISTRY, ShippedAutoencoder, ShippedDCGAN

TRAIN = Path(__file__).resolve().parent.parent / "train"
ALL = runpy.run_path(str(TRAIN / "all.py"))
ONE_PASS = 10**6  # the length of an epoch without --steps: more than any capped one
DATA_JOBS = (ALL["DATA_JOB"], ALL["FACES_JOB"])


def test_the_plan_is_every_registry_entry_after_what_it_needs():
    jobs = ALL["plan"]()
    assert sorted(job.name for job in jobs) == sorted([*DATA_JOBS, *(entry.name for entry in REGISTRY)])
    stage = {job.name: ALL["STAGES"].index(job.stage) for job in jobs}
    assert [stage[job.name] for job in jobs] == sorted(stage.values())
    assert all(stage[need] < stage[job.name] for job in jobs for need in job.needs)
    assert [job.name for job in ALL["plan"](only="ae_*_l1,classifier")] == ["classifier", "ae_d5_l1", "ae_d10_l1",
                                                                          "ae_d20_l1"]


def _length(job) -> int:
    """A training job's length in its script's units, from its flags as the script parses them."""
    parser = runpy.run_path(str(TRAIN / Path(job.recipe[0]).name))["build_parser"]()
    args = parser.parse_args([*job.recipe[1:], "--out", "unused"])
    if isinstance(job.entry, ShippedDCGAN):  # as train_dcgan.py reads its --recipe
        parser.set_defaults(**DCGAN_RECIPE_FLAGS[args.recipe])
        args = parser.parse_args([*job.recipe[1:], "--out", "unused"])
    return getattr(args, "epochs", 1) * (args.steps or ONE_PASS)


def test_quick_shortens_every_recipe_it_has_flags_for():
    full = {job.name: job for job in ALL["plan"]() if "--force" in job.options}
    quick = [job for job in ALL["plan"](profile="quick") if job.name in full]
    shortened = [job.name for job in quick if ALL["quick_flags"](job.name)]
    assert len(shortened) == len(quick) - 2  # all but the two DCGAN recipes of 300 steps
    assert all(_length(job) < _length(full[job.name]) for job in quick if job.name in shortened)
    dry_runs = ALL["plan"](profile="dry-run")  # the script's dry-run length, not the recipe's --epochs
    assert all(job.recipe[-1] == "--dry-run" and "--epochs" not in job.recipe for job in dry_runs)
    assert [job.recipe for job in dry_runs if job.name == "ae_d5_l3"] == [
        ("train/train_autoencoder.py", "--latent-dim", "5", "--depth", "3", "--hidden", "512", "--augment", "0.5",
         "--dry-run")]


def _script(path: Path, code: int) -> str:
    """A stand-in for a train script: writes OUT/<its name>.txt, then exits with `code`."""
    path.write_text("import pathlib, sys\nout = pathlib.Path(sys.argv[sys.argv.index('--out') + 1])\n"
                    f"(out / '{path.stem}.txt').write_text('x')\nsys.exit({code})\n")
    return str(path)


def test_a_failed_job_skips_what_needs_it_and_a_finished_one_is_skipped_next_time(tmp_path, capsys):
    Job, run_jobs = ALL["Job"], ALL["run_jobs"]
    good, bad = _script(tmp_path / "good.py", 0), _script(tmp_path / "bad.py", 3)
    out = tmp_path / "out"
    jobs = [Job("a", "data", (good,)), Job("b", "classifier", (bad,), needs=("a",)),
            Job("c", "autoencoders", (good,), needs=("b",)), Job("d", "autoencoders", (good,), needs=("a",),
                                                                    outputs=("good.txt",))]
    results, stages = run_jobs(jobs, out, jobs_at_once=2)
    status = {name: result["status"] for name, result in results.items()}
    assert status["a"] == status["d"] == "done" and status["b"].startswith("failed (exit 3")
    assert status["c"] == "skipped (needs b)" and list(stages) == ["data", "classifier", "autoencoders"]
    assert (out / "logs" / "b.log").read_text().startswith(sys.executable)
    assert "d: done in" in capsys.readouterr().out
    again = {name: result["status"] for name, result in run_jobs(jobs, out)[0].items()}
    assert again["a"] == again["d"] == "skipped (done before)" and again["b"].startswith("failed")
    (out / "good.txt").unlink()
    assert {name: r["status"] for name, r in run_jobs(jobs, out)[0].items()}["d"] == "done"  # its file was gone
    assert run_jobs(jobs[:1], out, force=True)[0]["a"]["status"] == "done"


@pytest.mark.slow
def test_a_dry_run_rebuilds_and_reports_every_registry_entry(tmp_path):
    images, labels = load_test_split()
    write_npz(tmp_path / "data" / "mnist_train.npz", images[-600:], labels[-600:])
    np.save(tmp_path / "data" / "lfw_faces.npy", images[:100, 1:26, 1:26])  # stand-ins for the cached faces
    env = os.environ | {"NNIMG_DATA": str(tmp_path / "data")}
    env.pop("NNIMG_CHECKPOINTS", None)  # the shipped checkpoints are the reference
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(TRAIN / "all.py"), "--dry-run", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert [entry.name for entry in REGISTRY if not (out / f"{entry.name}.safetensors").is_file()] == []
    report = json.loads((out / "rebuild_report.json").read_text())
    assert {a["name"] for a in report["artefacts"]} == {*DATA_JOBS, *(entry.name for entry in REGISTRY)}
    assert all(a["status"] == "done" for a in report["artefacts"])
    scored = [a for a in report["artefacts"] if not a["figure"].startswith("none")]  # not the faces
    assert [a["name"] for a in scored if a["rebuilt"] is None or a["shipped"] is None] == []
    assert [s["stage"] for s in report["stages"]] == list(ALL["STAGES"])
    assert {len(json.loads((out / f"{entry.name}.json").read_text())["epochs"]) for entry in REGISTRY
            if isinstance(entry, ShippedAutoencoder)} == {2}  # each AE the dry run's 2 epochs, whatever its recipe
    assert "| ae_d10_l2 | autoencoders | done |" in (out / "rebuild_report.md").read_text()
    again = subprocess.run([sys.executable, str(TRAIN / "all.py"), "--dry-run", "--out", str(out), "--only",
                            "classifier"], env=env, capture_output=True, text=True, timeout=600)
    assert "classifier: skipped (done before)" in again.stdout


def test_the_plan_sums_the_wall_time_the_shipped_runs_recorded_per_stage():
    table = ALL["shipped_seconds"](ALL["plan"]()).splitlines()
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1:] for line in table[2:]}
    assert list(rows) == list(ALL["STAGES"])
    assert rows["classifier"][:2] == ["1", "1"] and float(rows["classifier"][2].rstrip(" |")) > 0
