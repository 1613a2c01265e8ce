"""Write nnimg/assets/mnist_train_labelled_1000.npz: 100 training images per digit (seed 0),
the labelled pool the app's live transfer experiment draws from.

    python train/make_labelled_pool.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.data import LABELLED_POOL_PATH, write_npz, load_train_split  # noqa: E402
from nnimg.transfer import balanced_indices  # noqa: E402


def main() -> None:
    images, labels = load_train_split()
    chosen = balanced_indices(labels, 1000, seed=0)
    write_npz(LABELLED_POOL_PATH, images[chosen], labels[chosen])
    print(f"wrote {LABELLED_POOL_PATH} ({LABELLED_POOL_PATH.stat().st_size} bytes): training indices {chosen[:5]}...")


if __name__ == "__main__":
    main()
