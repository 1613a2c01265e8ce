"""Train the DCGAN of SPEC §6 with one generator loss (or all three) and write
checkpoints/dcgan_<loss>.safetensors (the generator), .json (curves) and _samples.png
(the 8x8 grid of the same 64 noise vectors after every epoch).

The defaults are the shipped recipe: InfoGAN's 10-way code, 1 D step per G step, D twice as wide
as SPEC §6's. The write-up's plain DCGAN: --categories 0 --d-steps 3 --d-width 64 --epochs 10.

    python train/train_dcgan.py --loss all
    python train/train_dcgan.py --loss saturating --epochs 1 --steps 20 --out /tmp/ckpt   # a dry run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.checkpoints import load_training_state, save_model, save_training_state  # noqa: E402
from nnimg.data import load_train_split, to_tensor  # noqa: E402
from nnimg.gan_training import dcgan_optimizers, generator_average, sample_images, train_dcgan  # noqa: E402
from nnimg.grids import read_snapshots, write_snapshots  # noqa: E402
from nnimg.losses import GENERATOR_LOSSES  # noqa: E402
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator, sample_latent  # noqa: E402
from nnimg.training import pick_device  # noqa: E402

FIXED_NOISE_SEED = 1234


def fixed_noise(config: DCGANConfig) -> torch.Tensor:
    """The 64 latent vectors every grid along training is drawn from (for an InfoGAN, the codes in turn)."""
    codes = torch.arange(64) % config.categories if config.categories else None
    return sample_latent(config, 64, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED), codes=codes)


def train_one(args: argparse.Namespace, loss: str, images: torch.Tensor) -> None:
    name = f"dcgan_{loss}"
    out = args.out
    if (out / f"{name}.json").exists() and not args.force:
        print(f"{name}: already trained, skipping (use --force to retrain)")
        return
    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    config = DCGANConfig(width=args.width, categories=args.categories)
    generator = Generator(config).to(device)
    discriminator = Discriminator(DCGANConfig(width=args.d_width, categories=args.categories)).to(device)
    g_optimizer, d_optimizer = dcgan_optimizers(generator, discriminator, args.lr)
    ema = generator_average(generator, args.ema) if args.ema else None
    shipped = generator if ema is None else ema.module  # the generator that is sampled and saved
    modules = {"generator": generator, "discriminator": discriminator, **({"ema": ema} if ema else {})}
    optimizers = {"g_optimizer": g_optimizer, "d_optimizer": d_optimizer}
    steps_per_epoch = args.steps or len(images) // args.batch_size
    total_steps = args.epochs * steps_per_epoch
    resume_path = out / ".resume" / f"{name}.safetensors"
    samples_path = out / f"{name}_samples.png"
    noise = fixed_noise(config)
    progress = {"records": [], "wall_seconds": 0.0, "step": 0}
    snapshots = [sample_images(shipped, noise).numpy()]
    if resume_path.exists() and not args.force:
        progress = load_training_state(resume_path, modules=modules, optimizers=optimizers)
        snapshots = [grid for grid in read_snapshots(samples_path)]
        print(f"{name}: resuming at step {progress['step']}")
    started = time.perf_counter() - progress["wall_seconds"]
    for event in train_dcgan(generator, discriminator, g_optimizer, d_optimizer, images, loss=loss, steps=total_steps,
                             batch_size=args.batch_size, d_steps=args.d_steps, seed=args.seed,
                             start_step=progress["step"], record_every=10, snapshot_every=steps_per_epoch,
                             fixed_noise=noise, ema=ema, info_weight=args.info_weight):
        samples = event.pop("samples", None)
        progress["records"].append(event)
        progress["step"] = event["step"]
        if samples is not None:
            snapshots.append(samples.numpy())
            progress["wall_seconds"] = time.perf_counter() - started
            write_snapshots(samples_path, snapshots)
            save_training_state(resume_path, modules=modules, optimizers=optimizers, progress=progress)
            print(f"{name} epoch {event['step'] // steps_per_epoch}/{args.epochs}: D loss {event['d_loss']:.3f}, "
                  f"G loss {event['g_loss']:.3f}, D(x) {event['d_real']:.2f}, D(G(z)) {event['d_fake']:.2f}, "
                  f"|grad G| {event['g_grad_norm']:.3g}"
                  + (f", code loss {event['code_loss']:.3f}" if "code_loss" in event else ""), flush=True)
    save_model(out / f"{name}.safetensors", shipped.cpu())
    wall = time.perf_counter() - started
    records = {"name": name, "loss": loss, "config": config.to_dict(), "steps_per_epoch": steps_per_epoch,
               "records": progress["records"], "wall_seconds": wall,
               "train_images_per_second": total_steps * args.batch_size / wall,
               "recipe": {k: getattr(args, k)
                          for k in ("epochs", "batch_size", "lr", "d_steps", "width", "d_width", "categories",
                                    "info_weight", "ema", "seed")},
               "fixed_noise_seed": FIXED_NOISE_SEED, "device": str(device), "torch_threads": torch.get_num_threads()}
    (out / f"{name}.json").write_text(json.dumps(records) + "\n")
    resume_path.unlink()
    print(f"{name}: done in {wall:.0f} s")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=GENERATOR_LOSSES + ("all",), required=True)
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--d-steps", type=int, default=1, help="discriminator steps per generator step")
    parser.add_argument("--width", type=int, default=64, help="G's channels: 4w -> 2w -> w")
    parser.add_argument("--d-width", type=int, default=128, help="D's channels: w/2 -> w -> 2w")
    parser.add_argument("--categories", type=int, default=10,
                        help="InfoGAN: a one-hot code of this many categories joins G's noise (0: plain DCGAN)")
    parser.add_argument("--info-weight", type=float, default=1.0, help="weight of InfoGAN's code loss")
    parser.add_argument("--ema", type=float, default=0.999,
                        help="decay of the moving average of G's weights that ships (0: ship G itself)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None, help="generator steps per epoch (dry runs)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints")
    return parser


def main() -> None:
    args = build_parser().parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    images = to_tensor(load_train_split()[0])
    for loss in GENERATOR_LOSSES if args.loss == "all" else (args.loss,):
        train_one(args, loss, images)


if __name__ == "__main__":
    main()
