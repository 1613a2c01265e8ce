"""Write the two training pools the app's live transfer experiment draws from:
mnist_train_labelled_1000.npz, 100 training images per digit (seed 0), and
mnist_train_unlabelled_10000.npz, 10,000 other training images (seed 1) for label spreading,
in --out (default nnimg/assets/, where the app reads them).

--dry-run writes the same two files, from the first 512 training images (--labelled 100 and
--unlabelled 300 unless given), under --out, which it needs: the shipped pools stay untouched.

    python train/make_labelled_pool.py
    python train/make_labelled_pool.py --dry-run --out /tmp/pools
"""

from __future__ import annotations

import argparse


import numpy as np

from nnimg import cli
from nnimg.data import LABELLED_POOL_PATH, UNLABELLED_POOL_PATH, write_npz
from nnimg.transfer import balanced_indices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelled", type=int, default=1000, help="labelled images, a tenth of them per digit")
    parser.add_argument("--unlabelled", type=int, default=10_000, help="other images, for label spreading")
    cli.add_output_options(parser, default_out=LABELLED_POOL_PATH.parent)
    args = cli.parse_args(parser, dry_run={"labelled": 100, "unlabelled": 300})
    images, labels = cli.load_split("train", dry_run=args.dry_run)
    chosen = balanced_indices(labels, args.labelled, seed=0)
    labelled_path = args.out / LABELLED_POOL_PATH.name
    write_npz(labelled_path, images[chosen], labels[chosen])
    print(f"wrote {labelled_path} ({labelled_path.stat().st_size} bytes): training indices {chosen[:5]}...")
    others = np.setdiff1d(np.arange(len(labels)), chosen)
    unlabelled = np.sort(np.random.default_rng(1).choice(others, args.unlabelled, replace=False))
    unlabelled_path = args.out / UNLABELLED_POOL_PATH.name
    write_npz(unlabelled_path, images[unlabelled], labels[unlabelled])
    print(f"wrote {unlabelled_path} ({unlabelled_path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
