"""Transfer with few labels: an AE's encoder with a small MLP head, frozen or fine-tuned,
beside the same network from a random start and a pixel baseline."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from nnimg.label_spreading import spread_labels
from nnimg.latent import encode
from nnimg.models.autoencoder import Autoencoder, Encoder
from nnimg.seeding import SeededDropout, initialise
from nnimg.training import predict_logits, train_classifier


def balanced_indices(labels: np.ndarray, count: int, *, seed: int) -> np.ndarray:
    """`count` indices, count // 10 of each digit, drawn at random with `seed`."""
    if count % 10 or count < 10:
        raise ValueError(f"the number of labels must be a multiple of 10 (one share per digit), not {count}")
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == digit), count // 10, replace=False) for digit in range(10)]
    return np.sort(np.concatenate(chosen))


class TransferNet(nn.Module):
    """An encoder and an MLP head; a frozen encoder stays in eval mode and gets no gradients. The head's
    dropout masks come from `generator` (needed to train with dropout)."""

    def __init__(self, encoder: Encoder, latent_dim: int, *, hidden: int | tuple[int, ...] = 128,
                 fine_tune: bool = True, pretrained: bool = True, dropout: float = 0.2,
                 generator: torch.Generator | None = None):
        super().__init__()
        self.encoder = encoder
        self.fine_tune = fine_tune
        self.pretrained = pretrained
        layers, width = [], latent_dim
        for next_width in (hidden,) if isinstance(hidden, int) else hidden:
            layers += [nn.Linear(width, next_width), nn.ReLU(), SeededDropout(dropout, generator)]
            width = next_width
        self.head = nn.Sequential(*layers, nn.Linear(width, 10))
        self.encoder.requires_grad_(fine_tune)

    def train(self, mode: bool = True) -> TransferNet:
        super().train(mode)
        if not self.fine_tune:
            self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))  # (B, 10) logits


def transfer_net(autoencoder: Autoencoder, *, pretrained: bool, fine_tune: bool, hidden: int | tuple[int, ...],
                 seed: int, dropout: float = 0.2) -> TransferNet:
    """The AE's encoder (copied, so the shipped model is untouched) or, with pretrained=False, a
    randomly initialised encoder of the same shape, under a fresh head of the `hidden` widths. The random
    weights and the dropout masks come from a generator of its own seeded with `seed` (the global RNG is
    neither read nor seeded, so runs in other threads change nothing)."""
    generator = torch.Generator().manual_seed(seed)
    encoder = copy.deepcopy(autoencoder.encoder) if pretrained else initialise(Encoder(autoencoder.config), generator)
    net = TransferNet(encoder, autoencoder.config.latent_dim, hidden=hidden, fine_tune=fine_tune,
                      pretrained=pretrained, dropout=dropout, generator=generator)
    initialise(net.head, generator)
    return net


def train_transfer(net: TransferNet, images: torch.Tensor, labels: torch.Tensor, *, steps: int, lr: float = 3e-3,
                   max_shift: int = 2, seed: int = 0, report_every: int = 20, batch_size: int = 64,
                   pretrained_lr_scale: float = 0.1) -> Iterator[dict]:
    """Train the head and a fine-tuned encoder on the labelled images; a pretrained encoder learns
    at `pretrained_lr_scale` of the rate (a tenth: it keeps what the autoencoder taught it)."""
    groups = [{"params": net.head.parameters(), "lr": lr}]
    if net.fine_tune:
        groups.append({"params": net.encoder.parameters(), "lr": lr * pretrained_lr_scale if net.pretrained else lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=1e-4)
    scales = [group["lr"] / lr for group in optimizer.param_groups]
    yield from train_classifier(net, optimizer, images, labels, steps=steps, batch_size=batch_size, peak_lr=lr,
                                max_shift=max_shift, seed=seed, report_every=report_every, lr_scales=scales)


def pseudo_labels(net: TransferNet, images: torch.Tensor, labels: torch.Tensor,
                  unlabelled: torch.Tensor) -> torch.Tensor:
    """Labels for `unlabelled`, spread from the labelled `images` over the net's encoder codes."""
    codes = encode(net, torch.cat([unlabelled, images]))
    net.train()
    scores = spread_labels(codes, torch.arange(len(unlabelled), len(codes)), labels)
    return scores[:len(unlabelled)].argmax(1)


def train_with_label_spreading(net: TransferNet, images: torch.Tensor, labels: torch.Tensor, unlabelled: torch.Tensor,
                               *, steps: int, pseudo_steps: int, max_shift: int = 2, seed: int = 0,
                               report_every: int = 20) -> Iterator[dict]:
    """Self-training in two stages: train on the labelled images; spread their labels over the
    encoder's codes of the unlabelled images; train on both. Records carry their "stage"."""
    for record in train_transfer(net, images, labels, steps=steps, max_shift=max_shift, seed=seed,
                                 report_every=report_every):
        yield {"stage": "labelled", **record}
    pseudo = pseudo_labels(net, images, labels, unlabelled)
    yield {"stage": "spread", "step": steps, "pseudo_labels": pseudo}
    for record in train_transfer(net, torch.cat([unlabelled, images]), torch.cat([pseudo, labels]),
                                 steps=pseudo_steps, max_shift=max_shift, seed=seed + 1, report_every=report_every):
        yield {"stage": "pseudo-labelled", **record, "step": steps + record["step"]}


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, np.ndarray]:
    """Accuracy and the 10x10 confusion matrix (rows: true digit, columns: predicted)."""
    predicted = predict_logits(model, images).argmax(1).numpy()
    truth = labels.numpy()
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return float((predicted == truth).mean()), confusion


def nearest_neighbour_accuracy(train_images: torch.Tensor, train_labels: torch.Tensor,
                               test_images: torch.Tensor, test_labels: torch.Tensor) -> float:
    """The pixel baseline: 1-nearest-neighbour on raw pixels (Euclidean)."""
    train, test = train_images.flatten(1), test_images.flatten(1)
    predicted = torch.cat([train_labels[torch.cdist(batch, train).argmin(1)] for batch in test.split(2000)])
    return float((predicted == test_labels).float().mean())


def train_few_labels(net: TransferNet, images: torch.Tensor, labels: torch.Tensor,
                     unlabelled: torch.Tensor | None = None, *, steps: int, pseudo_steps: int = 0, max_shift: int = 0,
                     seed: int = 0, report_every: int = 20) -> Iterator[dict]:
    """Train on the labelled images; with unlabelled images, then self-train on labels spread
    over their codes (`train_with_label_spreading`). Yields the training records."""
    if unlabelled is not None and len(unlabelled):
        yield from train_with_label_spreading(net, images, labels, unlabelled, steps=steps, pseudo_steps=pseudo_steps,
                                              max_shift=max_shift, seed=seed, report_every=report_every)
    else:
        yield from train_transfer(net, images, labels, steps=steps, max_shift=max_shift, seed=seed,
                                  report_every=report_every)


def few_label_study(autoencoder: Autoencoder, images: torch.Tensor, labels: torch.Tensor, test_images: torch.Tensor,
                    test_labels: torch.Tensor, *, fine_tune: bool, hidden: int, steps: int,
                    unlabelled: torch.Tensor | None = None, unlabelled_labels: torch.Tensor | None = None,
                    max_shift: int = 0) -> Iterator[dict]:
    """The transfer experiment with few labels: an MLP head on the AE's encoder and on a random
    encoder of the same shape (self-trained on spread labels for twice the steps when unlabelled
    digits are given), and 1-nearest-neighbour on pixels, all scored on the test digits.

    Yields progress events {"run", "stage", "step", "total", "fraction"}; the last event has
    "encoders" ((name, test accuracy, share of spread labels that are right or None) per encoder),
    "pixels" (the 1-nearest-neighbour accuracy) and "confusion" (the pretrained encoder's).
    """
    pseudo_steps = 2 * steps if unlabelled is not None and len(unlabelled) else 0
    runs = (("pretrained encoder", True), ("random encoder", False))
    results, confusion = [], None
    for run, (name, pretrained) in enumerate(runs):
        net = transfer_net(autoencoder, pretrained=pretrained, fine_tune=fine_tune, hidden=hidden, seed=0)
        spread_right = None
        for record in train_few_labels(net, images, labels, unlabelled, steps=steps, pseudo_steps=pseudo_steps,
                                       max_shift=max_shift, report_every=min(10, max(1, steps // 20))):
            if "pseudo_labels" in record and unlabelled_labels is not None:
                spread_right = float((record["pseudo_labels"] == unlabelled_labels).float().mean())
            yield {"run": name, "stage": record.get("stage", "labelled"), "step": record["step"],
                   "total": steps + pseudo_steps,
                   "fraction": (run + record["step"] / (steps + pseudo_steps)) / (len(runs) + 1)}
        accuracy, counts = evaluate(net, test_images, test_labels)
        results.append((name, accuracy, spread_right))
        confusion = counts if confusion is None else confusion
    yield {"run": "pixels, 1-nearest neighbour", "stage": "labelled", "step": 0, "total": 0,
           "fraction": len(runs) / (len(runs) + 1)}
    pixels = nearest_neighbour_accuracy(images, labels, test_images, test_labels)
    yield {"encoders": results, "pixels": pixels, "confusion": confusion}
