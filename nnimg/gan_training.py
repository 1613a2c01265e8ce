"""The GAN training loop: one loop for the three generator losses, offline and live."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from nnimg.losses import discriminator_loss, generator_loss


def gradient_norm(module: nn.Module) -> float:
    """L2 norm of all parameter gradients of `module`."""
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def train_dcgan(
    generator: nn.Module,
    discriminator: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    *,
    loss: str,
    steps: int,
    batch_size: int = 64,
    d_steps: int = 1,
    seed: int = 0,
    start_step: int = 0,
    record_every: int = 10,
    snapshot_every: int = 0,
    fixed_noise: torch.Tensor | None = None,
) -> Iterator[dict]:
    """Alternate `d_steps` discriminator steps (BCE) and one generator step (`loss`).

    Yields, every `record_every` generator steps, the means of D's and G's losses, of D(x) and
    D(G(z)), and of the norm of G's gradient; every `snapshot_every` steps (if set) also
    "samples": G(fixed_noise) as (N, 28, 28) floats. Batches depend only on (seed, step).
    """
    device = next(generator.parameters()).device
    noise_dim = generator.config.noise_dim
    sums: dict[str, float] = {}
    for step in range(start_step, steps):
        generator.train()
        discriminator.train()
        rng = torch.Generator().manual_seed(seed * 1_000_003 + step)
        for _ in range(d_steps):
            real = images[torch.randint(0, len(images), (batch_size,), generator=rng)].to(device)
            with torch.no_grad():
                fake = generator(torch.randn(batch_size, noise_dim, generator=rng).to(device))
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            d_loss = discriminator_loss(real_logits, fake_logits)
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
        fake_logits = discriminator(generator(torch.randn(batch_size, noise_dim, generator=rng).to(device)))
        g_loss = generator_loss(fake_logits, loss)
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        record = {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "g_grad_norm": gradient_norm(generator),
                  "d_real": torch.sigmoid(real_logits).mean().item(),
                  "d_fake": torch.sigmoid(fake_logits).mean().item()}
        g_optimizer.step()
        for key, value in record.items():
            sums[key] = sums.get(key, 0.0) + value
        done = step + 1
        if done % record_every == 0 or done == steps:
            count = record_every if done % record_every == 0 else done % record_every
            event = {"step": done, **{key: value / count for key, value in sums.items()}}
            sums = {}
            if fixed_noise is not None and snapshot_every and (done % snapshot_every == 0 or done == steps):
                event["samples"] = sample(generator, fixed_noise)
            yield event


@torch.inference_mode()
def sample(generator: nn.Module, noise: torch.Tensor) -> torch.Tensor:
    """G(noise) in eval mode as (N, 28, 28) floats in [0, 1]."""
    was_training = generator.training
    generator.eval()
    images = generator(noise.to(next(generator.parameters()).device))[:, 0].cpu()
    generator.train(was_training)
    return images
