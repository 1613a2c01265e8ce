"""Fit the PCA baseline on the MNIST training split and write, under --out ($NNIMG_CHECKPOINTS,
default checkpoints/), pca_metrics.json (test MSE per pixel at every latent size of the autoencoder
sweep) and gaussian_prior.safetensors (the training digits' mean and covariance, the classical
restoration baselines' model). --dry-run fits on 512 training digits and measures on 512 test digits.

    python train/fit_pca.py
    python train/fit_pca.py --dry-run --out /tmp/pca
"""

from __future__ import annotations

import argparse
import json
import time


import torch
from safetensors.torch import save_file

from nnimg import cli
from nnimg.data import to_tensor
from nnimg.pca import fit_pca, pca_mse
from nnimg.registry import AE_LATENT_DIMS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_options(parser, training=False)
    args = cli.parse_args(parser)
    cli.setup(args)
    started = time.perf_counter()
    train = to_tensor(cli.load_split("train", dry_run=args.dry_run)[0])
    pca = fit_pca(train)
    test = to_tensor(cli.load_split("test", dry_run=args.dry_run)[0])
    test_mse = {str(d): pca_mse(pca, test, d) for d in AE_LATENT_DIMS}
    metrics = {"name": "pca", "fitted_on": f"MNIST train ({len(train):,})", "test_mse": test_mse,
               "wall_seconds": time.perf_counter() - started}
    args.out.mkdir(parents=True, exist_ok=True)
    covariance = pca.components @ torch.diag(pca.variances) @ pca.components.T
    prior = {"mean": pca.mean.float(), "covariance": covariance.float()}
    save_file(prior, str(args.out / "gaussian_prior.safetensors"))
    (args.out / "pca_metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    for d, mse in test_mse.items():
        print(f"PCA d={d:>3}: test MSE {mse:.5f}")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
