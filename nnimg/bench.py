"""Measured figures: `python -m nnimg.bench ae` (more benchmarks join as the lab grows)."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import torch

from nnimg.checkpoints import REPO_ROOT, checkpoint_dir, shipped_autoencoders
from nnimg.data import load_test_split, to_tensor
from nnimg.training import reconstruction_mse
from nnimg.zoo import ModelZoo


def _median_seconds(function, *, repeats: int) -> float:
    function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _cold_start_seconds() -> tuple[float, float]:
    """Seconds for a fresh process to import the app (all checkpoints loaded), and the zoo alone."""
    def run(code: str) -> float:
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        return float(result.stdout.strip().splitlines()[-1])
    app = run("import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)")
    zoo = run("import time; t = time.perf_counter(); from nnimg.zoo import ModelZoo; ModelZoo(); "
              "print(time.perf_counter() - t)")
    return app, zoo


def bench_autoencoders() -> None:
    """Test MSE of every shipped AE beside PCA, training speed, latency and cold start."""
    torch.set_grad_enabled(False)
    test = to_tensor(load_test_split()[0])
    zoo = ModelZoo()
    pca = json.loads((checkpoint_dir() / "pca_metrics.json").read_text())["test_mse"]
    print(f"torch threads: {torch.get_num_threads()}; test split: {len(test)} images")
    print(f"{'d':>4} {'depth':>5} {'AE MSE':>9} {'PCA MSE':>9} {'PCA/AE':>7} {'train img/s':>11} "
          f"{'1 image ms':>10} {'1000 img ms':>11}")
    for shipped in shipped_autoencoders():
        if shipped.name in zoo.errors:
            print(f"{shipped.latent_dim:>4} {shipped.depth:>5}  {zoo.errors[shipped.name]}")
            continue
        model = zoo.autoencoders[shipped.name]
        mse = reconstruction_mse(model, test)
        metrics = json.loads(shipped.metrics_path.read_text())
        one = _median_seconds(lambda: model(test[:1]), repeats=50) * 1000
        batch = _median_seconds(lambda: model(test[:1000]), repeats=5) * 1000
        pca_mse = pca[str(shipped.latent_dim)]
        print(f"{shipped.latent_dim:>4} {shipped.depth:>5} {mse:>9.5f} {pca_mse:>9.5f} {pca_mse / mse:>7.2f} "
              f"{metrics['train_images_per_second']:>11.0f} {one:>10.2f} {batch:>11.1f}")
    app, zoo_only = _cold_start_seconds()
    print(f"cold start: import app (gradio, UI, all checkpoints) {app:.2f} s; load every checkpoint {zoo_only:.2f} s")


BENCHMARKS = {"ae": bench_autoencoders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS))
    BENCHMARKS[parser.parse_args().benchmark]()


if __name__ == "__main__":
    main()
