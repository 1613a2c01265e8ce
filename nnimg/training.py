"""Plain training loops, shared by the `train/` scripts and the app's live modes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import torch
from torch import nn

from nnimg.augment import random_affine, random_shift


def pick_device(name: str = "auto") -> torch.device:
    """`auto` picks CUDA when present, else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def one_cycle_lr(step: int, total_steps: int, peak_lr: float, *, warmup: float = 0.15) -> float:
    """Linear warm-up to `peak_lr`, then cosine decay to peak_lr / 1000."""
    warmup_steps = max(1, int(warmup * total_steps))
    if step < warmup_steps:
        return peak_lr * (0.04 + 0.96 * step / warmup_steps)
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return peak_lr * (1e-3 + (1 - 1e-3) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def mse_loss(model: nn.Module, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The plain autoencoder objective, mean squared error per pixel; returns (loss, reconstruction)."""
    reconstruction = model(batch)
    return ((reconstruction - batch) ** 2).mean(), reconstruction


@torch.inference_mode()
def reconstruction_mse(model: nn.Module, images: torch.Tensor, *, batch_size: int = 1000) -> float:
    """Mean squared error per pixel of `model(images)` against `images` (values in [0, 1])."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    for batch in images.split(batch_size):
        batch = batch.to(device)
        total += float(((model(batch) - batch) ** 2).sum())
    model.train(was_training)
    return total / images.numel()


def autoencoder_steps(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train_images: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 128,
    peak_lr: float = 3e-3,
    seed: int = 0,
    start_epoch: int = 0,
    max_steps: int | None = None,
    loss_fn: Callable[[nn.Module, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] = mse_loss,
    augment: float = 0.0,
    one_cycle: bool = True,
) -> Iterator[dict]:
    """The autoencoder's training loop, one step at a time: after each step yields {"epoch", "step"
    (counted over the run), "loss", "mse", "images" (the batch's size), "last_of_epoch"}.

    The learning rate follows a one-cycle schedule to `peak_lr` over the run, or stays at the
    optimizer's own (`one_cycle` False: a live run, whose length is set by the clock). `augment` is
    the share of each batch given a random rotation, scale and shear (`random_affine`); the model
    learns to reconstruct the distorted digits. Each epoch's shuffle and distortions depend only on
    (seed, epoch), so a run resumed at `start_epoch` with the restored optimizer continues exactly.
    `max_steps` cuts every epoch short (for quick tests).
    """
    device = next(model.parameters()).device
    steps_per_epoch = math.ceil(len(train_images) / batch_size)
    if max_steps is not None:
        steps_per_epoch = min(steps_per_epoch, max_steps)
    total_steps = epochs * steps_per_epoch
    for epoch in range(start_epoch, epochs):
        generator = torch.Generator().manual_seed(seed * 1000 + epoch)
        order = torch.randperm(len(train_images), generator=generator)
        for step in range(steps_per_epoch):
            model.train()  # the caller may have evaluated it since the last step
            batch = train_images[order[step * batch_size:(step + 1) * batch_size]]
            batch = random_affine(batch, augment, generator).to(device)
            if one_cycle:
                for group in optimizer.param_groups:
                    group["lr"] = one_cycle_lr(epoch * steps_per_epoch + step, total_steps, peak_lr)
            optimizer.zero_grad(set_to_none=True)
            loss, reconstruction = loss_fn(model, batch)
            loss.backward()
            optimizer.step()
            yield {"epoch": epoch + 1, "step": epoch * steps_per_epoch + step + 1, "loss": loss.item(),
                   "mse": ((reconstruction.detach() - batch) ** 2).mean().item(), "images": len(batch),
                   "last_of_epoch": step == steps_per_epoch - 1}


def train_autoencoder(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train_images: torch.Tensor,
    *,
    epochs: int,
    test_images: torch.Tensor | None = None,
    **options,
) -> Iterator[dict]:
    """Train on `loss_fn` (returning (loss, reconstruction); default per-pixel MSE) with a one-cycle
    schedule (`autoencoder_steps`, whose options it takes); yield a record per epoch with the training
    loss and MSE (and test MSE if given)."""
    started, loss_sum, mse_sum, seen = time.perf_counter(), 0.0, 0.0, 0
    for step in autoencoder_steps(model, optimizer, train_images, epochs=epochs, **options):
        loss_sum += step["loss"] * step["images"]
        mse_sum += step["mse"] * step["images"]
        seen += step["images"]
        if not step["last_of_epoch"]:
            continue
        seconds = time.perf_counter() - started
        record = {"epoch": step["epoch"], "train_loss": loss_sum / seen, "train_mse": mse_sum / seen,
                  "seconds": seconds, "images_per_second": seen / seconds}
        if test_images is not None:
            record["test_mse"] = reconstruction_mse(model, test_images)
        yield record
        started, loss_sum, mse_sum, seen = time.perf_counter(), 0.0, 0.0, 0


def train_classifier(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    steps: int,
    batch_size: int = 128,
    peak_lr: float = 3e-3,
    max_shift: int = 0,
    seed: int = 0,
    start_step: int = 0,
    report_every: int = 100,
    lr_scales: list[float] | None = None,
) -> Iterator[dict]:
    """Cross-entropy training for `steps` steps with a one-cycle schedule and optional random shifts.

    `lr_scales` gives each parameter group's rate as a multiple of the schedule (default 1 each).

    Yields {"step", "loss", "accuracy"} (running means over the last `report_every` steps).
    Batches depend only on (seed, step), so a run resumed at `start_step` continues exactly.
    """
    device = next(model.parameters()).device
    model.train()
    loss_sum = correct = seen = 0.0
    for step in range(start_step, steps):
        generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
        index = torch.randint(0, len(images), (min(batch_size, len(images)),), generator=generator)
        batch = random_shift(images[index], max_shift, generator).to(device)
        target = labels[index].to(device)
        for group, scale in zip(optimizer.param_groups, lr_scales or [1.0] * len(optimizer.param_groups)):
            group["lr"] = scale * one_cycle_lr(step, steps, peak_lr)
        optimizer.zero_grad(set_to_none=True)
        logits = model(batch)
        loss = nn.functional.cross_entropy(logits, target)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(batch)
        correct += (logits.argmax(1) == target).sum().item()
        seen += len(batch)
        if (step + 1) % report_every == 0 or step + 1 == steps:
            yield {"step": step + 1, "loss": loss_sum / seen, "accuracy": correct / seen}
            loss_sum = correct = seen = 0.0


@torch.inference_mode()
def predict_logits(model: nn.Module, images: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
    """Eval-mode logits for (N, 1, 28, 28) images, in batches."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits = torch.cat([model(batch.to(device)).cpu() for batch in images.split(batch_size)])
    model.train(was_training)
    return logits
