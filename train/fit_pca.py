"""Fit the PCA baseline on the MNIST training split and write checkpoints/pca_metrics.json
(test MSE per pixel at every latent size of the autoencoder sweep) and
checkpoints/gaussian_prior.safetensors (the training digits' mean and covariance, the classical
restoration baselines' model).

    python train/fit_pca.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from nnimg.registry import AE_LATENT_DIMS  # noqa: E402
from nnimg.data import load_test_split, load_train_split, to_tensor  # noqa: E402
from nnimg.pca import fit_pca, pca_mse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints")
    args = parser.parse_args()
    started = time.perf_counter()
    pca = fit_pca(to_tensor(load_train_split()[0]))
    test = to_tensor(load_test_split()[0])
    test_mse = {str(d): pca_mse(pca, test, d) for d in AE_LATENT_DIMS}
    metrics = {"name": "pca", "fitted_on": "MNIST train (60,000)", "test_mse": test_mse,
               "wall_seconds": time.perf_counter() - started}
    args.out.mkdir(parents=True, exist_ok=True)
    covariance = pca.components @ torch.diag(pca.variances) @ pca.components.T
    prior = {"mean": pca.mean.float(), "covariance": covariance.float()}
    save_file(prior, str(args.out / "gaussian_prior.safetensors"))
    (args.out / "pca_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    for d, mse in test_mse.items():
        print(f"PCA d={d:>3}: test MSE {mse:.5f}")


if __name__ == "__main__":
    main()
