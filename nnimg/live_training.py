"""Training in front of the student: each experiment's own training loop, run for as long as the
student lets it, yielding what to show every few steps. Nothing here is saved."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import numpy as np
import torch

from nnimg.digit_check import DigitCheck
from nnimg.gan_training import build_dcgan, build_latent_gan, train_code_classifier, train_dcgan, train_latent_gan
from nnimg.latent import encode
from nnimg.losses import uniform_latent_loss
from nnimg.metrics import classify
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.dcgan import DCGANConfig
from nnimg.models.latent_gan import LatentGANConfig
from nnimg.sampling import generate, noise
from nnimg.training import autoencoder_steps, mse_loss, reconstruction_mse

LIVE_WIDTH, LIVE_NOISE_SEED = 16, 0
ENDLESS = 10**9  # a live run's length in steps or epochs: the student's clock ends it
AE_OPTIMIZERS = ("adam", "sgd")
SHOWN_DIGITS = 16
FIXED_NOISE_SEED, SHARE_SAMPLES, CODE_CLASSIFIER_STEPS = 1234, 1000, 500


def train_dcgans_live(losses: list[str], images: torch.Tensor, *, steps: int, lr: float, d_steps: int,
                      d_width: int = LIVE_WIDTH, weight_decay: float = 0.0,
                      every: int = 10) -> Iterator[dict[str, dict]]:
    """Train one small DCGAN (G of width 16, D of `d_width`) per loss from the same seed, in turns, on
    `images`, with Adam's L2 term `weight_decay`.

    Every `every` generator steps yields {"step", "runs"}: per loss, the training record since the last
    event (with D(x) as "d_real" and D(G(z)) as "d_fake") and "samples": G's images of the same 64 fixed
    noise vectors, (64, 28, 28) floats.
    """
    fixed = noise(64, DCGANConfig().noise_dim, seed=LIVE_NOISE_SEED)
    runs = {}
    for loss in losses:
        networks = build_dcgan(width=LIVE_WIDTH, d_width=d_width, categories=0, lr=lr, seed=0,
                               weight_decay=weight_decay)
        runs[loss] = train_dcgan(*networks, images, loss=loss, steps=steps, d_steps=d_steps, record_every=every,
                                 snapshot_every=every, fixed_noise=fixed)
    for step in range(every, steps + every, every):
        yield {"step": min(step, steps), "runs": {loss: next(run) for loss, run in runs.items()}}


def live_autoencoder_config(latent_dim: int, depth: int, *, fully_connected: bool, batchnorm: bool,
                            uniform: bool, hidden: int = 256) -> AutoencoderConfig:
    """The autoencoder a live run trains: the sweep's channels and FC width (256), or without FC layers
    the last conv's map as the code, with as many channels as `latent_dim` fills (ValueError if it
    cannot: d a multiple of 16 at depth 3, of 49 at depth 2)."""
    if fully_connected:
        return AutoencoderConfig(latent_dim=latent_dim, depth=depth, hidden=hidden, batchnorm=batchnorm,
                                 uniform_latent=uniform)
    side = (28 + 2**depth - 1) // 2**depth  # the last feature map's side: 14, 7, 4
    if latent_dim % side**2:
        raise ValueError(f"Without fully connected layers the code is the last conv's {side}x{side} map, so with "
                         f"{depth} conv layers d must be a multiple of {side**2}, not {latent_dim}")
    channels = AutoencoderConfig(depth=depth).channels[:-1] + (latent_dim // side**2,)
    return AutoencoderConfig(latent_dim=latent_dim, depth=depth, hidden=0, channels=channels, batchnorm=batchnorm,
                             uniform_latent=uniform)


def train_autoencoder_live(config: AutoencoderConfig, train_images: torch.Tensor, test_images: torch.Tensor, *,
                           optimizer: str, lr: float, batch_size: int, moment_weight: float, seed: int,
                           every: int = 20, every_seconds: float = 2.0) -> Iterator[dict]:
    """Train an autoencoder of `config` from `seed` with the package's loop (`autoencoder_steps`) at a
    constant `lr`, until the caller stops asking. "adam" is AdamW with the sweep's weight decay 0.05,
    "sgd" SGD with momentum 0.9; a `moment_weight` above 0 adds moment matching toward Uniform[0, 1].

    Every `every` steps, or sooner when `every_seconds` have passed since the last event (a loaded machine
    still answers, and hears a client that left, within seconds), yields {"step", "epoch", "records":
    [{"step", "loss", "mse"}] since the last event, "test_mse" on `test_images`, "digits" and
    "reconstructions": the first 16 test images and their reconstructions (16, 28, 28), and "codes": the
    test codes (N, d)}.
    """
    torch.manual_seed(seed)
    model = Autoencoder(config)
    if optimizer == "adam":
        optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    elif optimizer == "sgd":
        optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(AE_OPTIMIZERS)}")
    loss_fn = partial(uniform_latent_loss, moment_weight=moment_weight) if moment_weight > 0 else mse_loss
    records, last_event = [], time.monotonic()
    for step in autoencoder_steps(model, optimiser, train_images, epochs=ENDLESS, batch_size=batch_size, seed=seed,
                                  loss_fn=loss_fn, one_cycle=False):
        records.append({key: step[key] for key in ("step", "loss", "mse")})
        if step["step"] % every and time.monotonic() - last_event < every_seconds:
            continue
        shown = test_images[:SHOWN_DIGITS]
        with torch.inference_mode():
            model.eval()
            reconstructions = model(shown)[:, 0]
        yield {"step": step["step"], "epoch": step["epoch"], "records": records,
               "test_mse": reconstruction_mse(model, test_images), "digits": shown[:, 0],
               "reconstructions": reconstructions, "codes": encode(model, test_images)}
        records, last_event = [], time.monotonic()


def digit_reading(classifier: torch.nn.Module, digit_check: DigitCheck,
                  images: torch.Tensor) -> tuple[list[float], float]:
    """The share of (N, 28, 28) images the classifier reads as each digit 0-9 among those the digit
    check passes, over all N (so the ten and the "no digit" share add up to 1), and the "no digit" share."""
    batch = images.reshape(-1, 1, 28, 28)
    labels, _ = classify(classifier, batch)
    is_digit = digit_check.is_digit(classifier, batch)
    shares = np.bincount(labels[is_digit], minlength=10) / len(labels)
    return shares.tolist(), float(1 - is_digit.mean())


def train_latent_gan_live(preset: dict, codes: torch.Tensor, labels: torch.Tensor, autoencoder: Autoencoder, *,
                          autoencoder_name: str, classifier: torch.nn.Module, digit_check: DigitCheck, seed: int,
                          every: int = 20, share_every: int = 100) -> Iterator[dict]:
    """Train a GAN of `preset` (an entry of `nnimg.registry.LATENT_GAN_PRESETS`) on an autoencoder's
    codes with labels, as train/train_latent_gan.py does (`train_latent_gan`), until the caller stops
    asking; a conditional preset with a code classifier trains that classifier first (500 steps).

    Every `every` generator steps yields the loop's record since the last event (the critic's and
    G's losses, the Wasserstein estimate, "step") with "samples": Decoder(G(z)) of 64 fixed noise
    vectors (64, 28, 28), and "digit_shares" and "no_digit_share" of 1,000 samples (`digit_reading`),
    measured at the first event and every `share_every` steps ("shares_step": when; reading costs
    more than training).
    """
    if preset.get("raw_codes"):
        mean, std = torch.zeros(codes.shape[1]), torch.ones(codes.shape[1])
    else:
        mean, std = codes.mean(0), codes.std(0)
    config = LatentGANConfig(code_dim=codes.shape[1], conditional=preset["conditional"], autoencoder=autoencoder_name,
                             code_mean=mean.tolist(), code_std=std.tolist(),
                             critic_batchnorm=preset.get("critic_batchnorm", False))
    generator, critic, g_optimizer, c_optimizer = build_latent_gan(config, preset, seed=seed)
    standardised = (codes - mean) / std
    code_classifier = None
    if preset.get("classifier_weight"):
        code_classifier, _ = train_code_classifier(standardised, labels, standardised[:1000], labels[:1000],
                                                   steps=CODE_CLASSIFIER_STEPS, seed=seed)
    fixed, fixed_labels = noise(64, config.noise_dim, seed=FIXED_NOISE_SEED), torch.arange(64) % 10
    measured, measured_labels = noise(SHARE_SAMPLES, config.noise_dim, seed=0), torch.arange(SHARE_SAMPLES) % 10
    reading = None
    for event in train_latent_gan(generator, critic, g_optimizer, c_optimizer, standardised, labels,
                                  objective=preset["objective"], steps=ENDLESS, batch_size=preset["batch_size"],
                                  critic_steps=preset["critic_steps"], clip=preset.get("clip", 0.01),
                                  code_classifier=code_classifier,
                                  classifier_weight=preset.get("classifier_weight", 0.0), seed=seed,
                                  record_every=every):
        if reading is None or event["step"] % share_every == 0:
            samples = generate(generator, autoencoder, measured, measured_labels)
            reading = dict(zip(("digit_shares", "no_digit_share"), digit_reading(classifier, digit_check, samples)))
            reading["shares_step"] = event["step"]
        yield event | reading | {"samples": generate(generator, autoencoder, fixed, fixed_labels)}
