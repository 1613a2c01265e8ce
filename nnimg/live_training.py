"""Training in front of the student: small DCGANs, one per generator loss, in turns."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from nnimg.gan_training import build_dcgan, train_dcgan
from nnimg.models.dcgan import DCGANConfig

LIVE_WIDTH, LIVE_NOISE_SEED = 16, 0


def train_dcgans_live(losses: list[str], images: torch.Tensor, *, steps: int, lr: float, d_steps: int,
                      every: int = 10) -> Iterator[dict[str, dict]]:
    """Train one small DCGAN (width 16) per loss from the same seed, in turns, on `images`.

    Every `every` generator steps yields, per loss, the training record since the last event and
    "samples": G's images of the same 64 fixed noise vectors, (64, 28, 28) floats.
    """
    noise = torch.randn(64, DCGANConfig().noise_dim, generator=torch.Generator().manual_seed(LIVE_NOISE_SEED))
    runs = {}
    for loss in losses:
        networks = build_dcgan(width=LIVE_WIDTH, d_width=LIVE_WIDTH, categories=0, lr=lr, seed=0)
        runs[loss] = train_dcgan(*networks, images, loss=loss, steps=steps, d_steps=d_steps, record_every=every,
                                 snapshot_every=every, fixed_noise=noise)
    for _ in range(0, steps, every):
        yield {loss: next(run) for loss, run in runs.items()}
