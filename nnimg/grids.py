"""Sample grids along training, kept as one PNG strip: row k is the 8x8 grid after snapshot k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from nnimg.plots import as_uint8, image_grid

GRID_SIDE = 8 * 28  # an 8x8 grid of 28x28 samples


def write_snapshots(path: Path, snapshots: list[np.ndarray]) -> None:
    """Stack the 8x8 grids of (64, 28, 28) snapshots vertically into one grey PNG."""
    grids = [image_grid(as_uint8(samples), columns=8) for samples in snapshots]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(grids)).save(path, optimize=True)


def read_snapshots(path: Path) -> list[np.ndarray]:
    """The 8x8 grids (224x224 uint8) stored by `write_snapshots`, oldest first."""
    with Image.open(path) as image:
        strip = np.array(image.convert("L"))
    return [strip[top:top + GRID_SIDE] for top in range(0, len(strip), GRID_SIDE)]


def grid_tiles(grid: np.ndarray) -> np.ndarray:
    """An 8x8 grid image back to its (64, 28, 28) samples."""
    return grid.reshape(8, 28, 8, 28).transpose(0, 2, 1, 3).reshape(64, 28, 28)
