"""Fit the check "is it a digit" (nnimg/digit_check.py) and write, under --out ($NNIMG_CHECKPOINTS,
default checkpoints/), digit_check.safetensors and digit_check.json: how often it calls real test
digits "not a digit", and how often it catches blank pages, noise, decoded uniform draws from the
codes' box and decoded midpoints between two digits' codes (of the d = 10 AE with 2 conv layers).

The digit means and covariance come from the 11,000 training digits that ship with nnimg (the Transfer
tab's pools); the thresholds from the 10,000 test digits. --dry-run uses 512 of each.

    python train/fit_digit_check.py
    python train/fit_digit_check.py --dry-run --out /tmp/check
"""

from __future__ import annotations

import argparse
import json


import numpy as np
import torch

from nnimg import cli
from nnimg.checkpoints import load_model
from nnimg.data import load_labelled_pool, load_unlabelled_pool, to_tensor
from nnimg.digit_check import FALSE_ALARM, fit_digit_check, not_digits
from nnimg.registry import autoencoder_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_options(parser, training=False)
    args = cli.parse_args(parser)
    cli.setup(args)
    classifier = load_model(cli.find_checkpoint(args.out, "classifier"))
    autoencoder = load_model(cli.find_checkpoint(args.out, autoencoder_name(10, 2)))
    pools = [load_labelled_pool(), load_unlabelled_pool()]
    images, labels = np.concatenate([p[0] for p in pools]), np.concatenate([p[1] for p in pools])
    count = cli.DRY_RUN_IMAGES if args.dry_run else len(images)
    test_images, test_labels = cli.load_split("test", dry_run=args.dry_run)
    test_x = to_tensor(test_images)
    check = fit_digit_check(classifier, to_tensor(images[:count]), torch.from_numpy(labels[:count]), test_x,
                            false_alarm=FALSE_ALARM)
    args.out.mkdir(parents=True, exist_ok=True)
    check.save(args.out / "digit_check.safetensors")
    negatives = not_digits(autoencoder, test_x, torch.from_numpy(test_labels), count=500, seed=0)
    caught = {name: float(1 - check.is_digit(classifier, images).mean()) for name, images in negatives.items()}
    metrics = {"name": "digit_check", "fitted_on": f"{count:,} shipped training digits",
               "calibrated_on": f"{len(test_x):,} test digits",
               "real_digits_called_not_a_digit": float(1 - check.is_digit(classifier, test_x).mean()),
               "caught": caught, "distance_threshold": check.distance_threshold,
               "energy_threshold": check.energy_threshold}
    (args.out / "digit_check.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"real test digits called 'not a digit': {metrics['real_digits_called_not_a_digit']:.1%}")
    for name, share in caught.items():
        print(f"caught, {name}: {share:.1%}")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
