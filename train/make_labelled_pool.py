"""Write the two training pools the app's live transfer experiment draws from:
nnimg/assets/mnist_train_labelled_1000.npz, 100 training images per digit (seed 0), and
nnimg/assets/mnist_train_unlabelled_10000.npz, 10,000 other training images (seed 1) for label spreading.

    python train/make_labelled_pool.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from nnimg.data import LABELLED_POOL_PATH, UNLABELLED_POOL_PATH, load_train_split, write_npz  # noqa: E402
from nnimg.transfer import balanced_indices  # noqa: E402


def main() -> None:
    images, labels = load_train_split()
    chosen = balanced_indices(labels, 1000, seed=0)
    write_npz(LABELLED_POOL_PATH, images[chosen], labels[chosen])
    print(f"wrote {LABELLED_POOL_PATH} ({LABELLED_POOL_PATH.stat().st_size} bytes): training indices {chosen[:5]}...")
    others = np.setdiff1d(np.arange(len(labels)), chosen)
    unlabelled = np.sort(np.random.default_rng(1).choice(others, 10_000, replace=False))
    write_npz(UNLABELLED_POOL_PATH, images[unlabelled], labels[unlabelled])
    print(f"wrote {UNLABELLED_POOL_PATH} ({UNLABELLED_POOL_PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
