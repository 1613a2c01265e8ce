"""The GAN training loops and their set-ups: the DCGAN (three generator losses, offline and live) and
the GANs on an autoencoder's latent space."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from nnimg.losses import code_loss, discriminator_loss, generator_loss
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator, latent_codes, sample_latent
from nnimg.sampling import sample_images
from nnimg.seeding import initialise
from nnimg.models.latent_gan import CodeClassifier, CodeCritic, CodeGenerator, LatentGANConfig
from nnimg.training import predict_logits, train_classifier


def gradient_norm(module: nn.Module) -> float:
    """L2 norm of all parameter gradients of `module`."""
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def unwrapped(module: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel wrapper (or the module itself)."""
    return getattr(module, "module", module)


def as_floats(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch on `device` as floats in [0, 1] (uint8 batches are divided by 255 there)."""
    images = images.to(device)
    return images.float().div_(255.0) if images.dtype == torch.uint8 else images


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
    ema: AveragedModel | None = None,
    info_weight: float = 1.0,
    rank: int = 0,
    world_size: int = 1,
    amp: bool = False,
) -> Iterator[dict]:
    """Alternate `d_steps` discriminator steps (BCE) and one generator step (`loss`).

    `images` are (N, C, H, W) floats in [0, 1] or uint8. If `ema` (an exponential moving average of
    the generator) is given, it is updated after every generator step and the snapshots are drawn from
    it. For an InfoGAN (a generator with categories), `info_weight` times the code head's cross-entropy
    joins both D's and G's losses. `amp`: the forward passes in bfloat16 (autocast) on a GPU.

    Distributed (G and D wrapped in DistributedDataParallel, `world_size` processes): every step
    draws the same global batch of `world_size * batch_size` images and latents in every process,
    and process `rank` trains on its share, so the run depends on (seed, step) alone, as with one
    process, and the gradients are averaged by DDP.

    Yields, every `record_every` generator steps (and at every snapshot), the means since the
    last event of D's and G's losses, of D(x) and D(G(z)), of the norm of G's gradient from `loss`
    alone and, for an InfoGAN, of the code loss; every `snapshot_every` steps (if set) also
    "samples": G(fixed_noise) as images (`sample_images`). Batches depend only on (seed, step).
    """
    device = next(generator.parameters()).device
    config = unwrapped(generator).config
    share = slice(rank * batch_size, (rank + 1) * batch_size)
    sums: dict[str, float] = {}
    count = 0

    def draw_latents(rng: torch.Generator) -> torch.Tensor:
        return sample_latent(config, world_size * batch_size, generator=rng)[share].to(device)

    for step in range(start_step, steps):
        generator.train()
        discriminator.train()
        rng = torch.Generator().manual_seed(seed * 1_000_003 + step)
        for _ in range(d_steps):
            index = torch.randint(0, len(images), (world_size * batch_size,), generator=rng)[share]
            real = as_floats(images[index], device)
            latent = draw_latents(rng)
            with torch.autocast(device.type, torch.bfloat16, enabled=amp):
                with torch.no_grad():
                    fake = generator(latent)
                real_logits = discriminator(real).float()
                fake_logits, code_logits = discriminator(fake, with_codes=True)
            d_loss = discriminator_loss(real_logits, fake_logits.float())
            if code_logits is not None:
                d_loss = d_loss + info_weight * code_loss(code_logits.float(), latent_codes(config, latent))
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
        latent = draw_latents(rng)
        # G's step needs gradients through D, not D's own: the module inside DDP, frozen, keeps them out
        critic = unwrapped(discriminator).requires_grad_(False)
        with torch.autocast(device.type, torch.bfloat16, enabled=amp):
            fake_logits, code_logits = critic(generator(latent), with_codes=True)
        fake_logits = fake_logits.float()
        g_loss = generator_loss(fake_logits, loss)
        record = {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "d_real": torch.sigmoid(real_logits).mean().item(),
                  "d_fake": torch.sigmoid(fake_logits).mean().item()}
        g_optimizer.zero_grad(set_to_none=True)
        if code_logits is None:
            g_loss.backward()
            record["g_grad_norm"] = gradient_norm(generator)
        else:  # one backward of both terms (as DDP wants); the norm stays the lesson's: `loss` alone
            info = code_loss(code_logits.float(), latent_codes(config, latent))
            alone = torch.autograd.grad(g_loss, list(generator.parameters()), retain_graph=True)
            record["g_grad_norm"] = float(torch.stack([g.norm() for g in alone]).norm())
            (g_loss + info_weight * info).backward()
            record["code_loss"] = info.item()
        g_optimizer.step()
        critic.requires_grad_(True)
        if ema is not None:
            ema.update_parameters(unwrapped(generator))
        for key, value in record.items():
            sums[key] = sums.get(key, 0.0) + value
        count += 1
        done = step + 1
        snapshot_due = fixed_noise is not None and snapshot_every and (done % snapshot_every == 0 or done == steps)
        if done % record_every == 0 or done == steps or snapshot_due:
            event = {"step": done, **{key: value / count for key, value in sums.items()}}
            sums, count = {}, 0
            if snapshot_due:
                event["samples"] = sample_images(unwrapped(generator) if ema is None else ema.module, fixed_noise)
            yield event


def dcgan_optimizers(generator: nn.Module, discriminator: nn.Module, lr: float, *,
                     weight_decay: float = 0.0) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for G and for D with DCGAN's betas (0.5, 0.999) and an L2 term of `weight_decay` (Adam's
    coupled weight decay: `weight_decay * w` joins each gradient, as the course's L2 regularisation)."""
    return tuple(torch.optim.Adam(module.parameters(), lr=lr, betas=(0.5, 0.999), weight_decay=weight_decay)
                 for module in (generator, discriminator))


def build_dcgan(*, width: int, d_width: int, categories: int, lr: float, seed: int, device: torch.device | str = "cpu",
                image_size: int = 28, channels: int = 1, weight_decay: float = 0.0
                ) -> tuple[Generator, Discriminator, torch.optim.Adam, torch.optim.Adam]:
    """A DCGAN initialised from `seed`: G of `width` (4w -> 2w -> w channels), D of `d_width` (w/2 -> w -> 2w),
    both with InfoGAN's code of `categories` (0: none), for `image_size` pictures of `channels`, and their
    optimizers (`dcgan_optimizers`)."""
    rng = torch.Generator().manual_seed(seed)
    shape = {"categories": categories, "image_size": image_size, "channels": channels}
    generator = initialise(Generator(DCGANConfig(width=width, **shape)), rng).to(device)
    discriminator = initialise(Discriminator(DCGANConfig(width=d_width, **shape)), rng).to(device)
    return generator, discriminator, *dcgan_optimizers(generator, discriminator, lr, weight_decay=weight_decay)


def generator_average(generator: nn.Module, decay: float) -> AveragedModel:
    """An exponential moving average of `generator`'s weights and BatchNorm statistics."""
    return AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


LATENT_OBJECTIVES = ("gan", "wgan-clip", "wgan-gp")


def latent_gan_optimizer(kind: str, parameters, lr: float) -> torch.optim.Optimizer:
    """A latent-GAN preset's optimizer: "rmsprop", "adam" (betas 0.5, 0.999) or "adam-gp" (0.5, 0.9)."""
    if kind == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr)
    return torch.optim.Adam(parameters, lr=lr, betas=(0.5, 0.9) if kind == "adam-gp" else (0.5, 0.999))


def build_latent_gan(config: LatentGANConfig, preset: dict, *, seed: int, device: torch.device | str = "cpu"
                     ) -> tuple[CodeGenerator, CodeCritic, torch.optim.Optimizer, torch.optim.Optimizer]:
    """A code generator and a critic initialised from `seed`, with the optimizer and learning rate of
    `preset` (an entry of `nnimg.registry.LATENT_GAN_PRESETS`)."""
    rng = torch.Generator().manual_seed(seed)
    generator = initialise(CodeGenerator(config), rng).to(device)
    critic = initialise(CodeCritic(config), rng).to(device)
    return (generator, critic, latent_gan_optimizer(preset["optimizer"], generator.parameters(), preset["lr"]),
            latent_gan_optimizer(preset["optimizer"], critic.parameters(), preset["lr"]))


def train_code_classifier(codes: torch.Tensor, labels: torch.Tensor, test_codes: torch.Tensor,
                          test_labels: torch.Tensor, *, steps: int = 3000,
                          seed: int = 0) -> tuple[CodeClassifier, float]:
    """The auxiliary digit classifier of a conditional latent GAN, trained on standardised codes, frozen;
    and its accuracy on the test codes."""
    classifier = initialise(CodeClassifier(codes.shape[1]), torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW(classifier.parameters(), weight_decay=1e-4)
    list(train_classifier(classifier, optimizer, codes, labels, steps=steps, batch_size=256, peak_lr=3e-3, seed=seed,
                          report_every=steps))
    accuracy = (predict_logits(classifier, test_codes).argmax(1) == test_labels).float().mean().item()
    return classifier.eval().requires_grad_(False), accuracy


def _gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None,
                      rng: torch.Generator) -> torch.Tensor:
    """(|grad critic| - 1)^2 at random points between real and fake codes (WGAN-GP)."""
    mix = torch.rand(len(real), 1, generator=rng).to(real.device)
    points = (mix * real + (1 - mix) * fake).requires_grad_(True)
    (gradient,) = torch.autograd.grad(critic(points, labels).sum(), points, create_graph=True)
    return ((gradient.norm(dim=1) - 1) ** 2).mean()


def train_latent_gan(
    generator: nn.Module,
    critic: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    c_optimizer: torch.optim.Optimizer,
    codes: torch.Tensor,
    labels: torch.Tensor,
    *,
    objective: str,
    steps: int,
    batch_size: int = 256,
    critic_steps: int = 5,
    clip: float = 0.01,
    penalty_weight: float = 10.0,
    code_classifier: nn.Module | None = None,
    classifier_weight: float = 0.0,
    seed: int = 0,
    start_step: int = 0,
    record_every: int = 10,
) -> Iterator[dict]:
    """Train a code generator against a critic on standardised AE codes.

    objective: "gan" (BCE critic, non-saturating G), "wgan-clip" (weight clipping at `clip`) or
    "wgan-gp" (gradient penalty). For a conditional G, a frozen `code_classifier` (standardised
    codes -> digit logits) adds `classifier_weight` times its cross-entropy on G's codes against the
    asked digits to G's loss (the auxiliary classifier of AC-GAN). Yields every `record_every`
    generator steps the means of the critic's and G's losses (G's with the auxiliary term) and of
    the Wasserstein estimate E[c(real)] - E[c(fake)].
    """
    if objective not in LATENT_OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(LATENT_OBJECTIVES)}")
    device = next(generator.parameters()).device
    conditional, noise_dim = generator.config.conditional, generator.config.noise_dim
    sums: dict[str, float] = {}
    for step in range(start_step, steps):
        generator.train()
        rng = torch.Generator().manual_seed(seed * 1_000_003 + step)
        for _ in range(critic_steps):
            index = torch.randint(0, len(codes), (batch_size,), generator=rng)
            real, real_labels = codes[index].to(device), labels[index].to(device)
            batch_labels = real_labels if conditional else None
            with torch.no_grad():
                z = torch.randn(batch_size, noise_dim, generator=rng).to(device)
                fake = generator.standardised(z, batch_labels)
            real_scores, fake_scores = critic(real, batch_labels), critic(fake, batch_labels)
            estimate = (real_scores.mean() - fake_scores.mean()).item()
            if objective == "gan":
                c_loss = discriminator_loss(real_scores, fake_scores)
            else:
                c_loss = fake_scores.mean() - real_scores.mean()
                if objective == "wgan-gp":
                    c_loss = c_loss + penalty_weight * _gradient_penalty(critic, real, fake, batch_labels, rng)
            c_optimizer.zero_grad(set_to_none=True)
            c_loss.backward()
            c_optimizer.step()
            if objective == "wgan-clip":
                with torch.no_grad():
                    for parameter in critic.parameters():
                        parameter.clamp_(-clip, clip)
        g_labels = torch.randint(0, 10, (batch_size,), generator=rng).to(device) if conditional else None
        fake = generator.standardised(torch.randn(batch_size, noise_dim, generator=rng).to(device), g_labels)
        fake_scores = critic(fake, g_labels)
        g_loss = generator_loss(fake_scores, "non-saturating") if objective == "gan" else -fake_scores.mean()
        if code_classifier is not None and conditional:
            g_loss = g_loss + classifier_weight * nn.functional.cross_entropy(code_classifier(fake), g_labels)
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        g_optimizer.step()
        record = {"critic_loss": c_loss.item(), "g_loss": g_loss.item(), "wasserstein": estimate}
        for key, value in record.items():
            sums[key] = sums.get(key, 0.0) + value
        done = step + 1
        if done % record_every == 0 or done == steps:
            count = record_every if done % record_every == 0 else done % record_every
            yield {"step": done, **{key: value / count for key, value in sums.items()}}
            sums = {}
