"""Sample grids along training, kept as one PNG strip: row k is the 8x8 grid after snapshot k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from nnimg.plots import as_uint8, image_grid



def write_snapshots(path: Path, snapshots: list[np.ndarray]) -> None:
    """Stack the 8x8 grids of 64-sample snapshots ((64, H, W) grey or (64, H, W, 3) colour) vertically
    into one PNG."""
    grids = [image_grid(as_uint8(samples), columns=8) for samples in snapshots]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(grids)).save(path, optimize=True)


def read_snapshots(path: Path) -> list[np.ndarray]:
    """The square 8x8 grids (uint8, grey or RGB) stored by `write_snapshots`, oldest first."""
    with Image.open(path) as image:
        strip = np.array(image.convert("L" if image.mode in ("L", "I", "I;16", "1", "P") else "RGB"))
    side = strip.shape[1]  # the grids are square: 8 samples of the model's size a side
    return [strip[top:top + side] for top in range(0, len(strip), side)]


def grid_tiles(grid: np.ndarray) -> np.ndarray:
    """An 8x8 grid image back to its 64 samples, (64, H, W) or (64, H, W, 3)."""
    tile, channels = grid.shape[0] // 8, grid.shape[2:]
    return grid.reshape(8, tile, 8, tile, *channels).swapaxes(1, 2).reshape(64, tile, tile, *channels)
