"""Train the DCGAN of the course (docs/course.md, section 6) with one generator loss (or all three) and
write, under --out ($NNIMG_CHECKPOINTS, default checkpoints/), dcgan_<loss>.safetensors (the
generator), .json (curves) and _samples.png (the 8x8 grid of the same 64 noise vectors before
training and after every epoch).

The defaults are the shipped recipe: InfoGAN's 10-way code, 1 D step per G step, D twice as wide
as the course's, a moving average of G. --recipe course is the course's DCGAN exactly (no code,
3 D steps, D 32-64-128, 10 epochs, G itself ships); --recipe course-large-d the same with
D 128-256-512 for the first 300 G steps, and --recipe course-short the course's for as long (finding 13
of docs/course.md). They write dcgan_<recipe>_<loss>.*. Flags given on the command line override a recipe.

The training state is saved after every epoch in OUT/.resume/ and kept when the run ends: the same
command continues an interrupted run, and with a larger --epochs extends a finished one (exactly as
a longer run from scratch: batches depend only on seed and step). A finished run is skipped unless
--force. --dry-run: 2 epochs of 3 steps on 512 training digits.

    python train/train_dcgan.py --loss all
    python train/train_dcgan.py --loss non-saturating --recipe course
    python train/train_dcgan.py --loss non-saturating --dry-run --out /tmp/dcgan              # 2 epochs
    python train/train_dcgan.py --loss non-saturating --dry-run --epochs 3 --out /tmp/dcgan   # continues to 3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg import cli  # noqa: E402
from nnimg.checkpoints import save_model  # noqa: E402
from nnimg.data import to_tensor  # noqa: E402
from nnimg.gan_training import build_dcgan, generator_average, train_dcgan  # noqa: E402
from nnimg.sampling import sample_images  # noqa: E402
from nnimg.losses import GENERATOR_LOSSES  # noqa: E402
from nnimg.models.dcgan import DCGANConfig, sample_latent  # noqa: E402
from nnimg.registry import DCGAN_RECIPE_FLAGS, DCGAN_RECIPES, dcgan_name  # noqa: E402

FIXED_NOISE_SEED = 1234
RECIPE_KEYS = ("epochs", "batch_size", "lr", "d_steps", "width", "d_width", "categories", "info_weight", "ema", "seed")
DRY_RUN = {"epochs": 2, "steps": 3}


def fixed_noise(config: DCGANConfig) -> torch.Tensor:
    """The 64 latent vectors every grid along training is drawn from (for an InfoGAN, the codes in turn)."""
    codes = torch.arange(64) % config.categories if config.categories else None
    return sample_latent(config, 64, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED), codes=codes)


def train_one(args: argparse.Namespace, loss: str, images: torch.Tensor, device: torch.device) -> None:
    name = dcgan_name(loss, args.recipe)
    steps_per_epoch = args.steps or len(images) // args.batch_size
    total_steps = args.epochs * steps_per_epoch
    recipe = {key: getattr(args, key) for key in RECIPE_KEYS}
    generator, discriminator, g_optimizer, d_optimizer = build_dcgan(
        width=args.width, d_width=args.d_width, categories=args.categories, lr=args.lr, seed=args.seed, device=device)
    ema = generator_average(generator, args.ema) if args.ema else None
    shipped = generator if ema is None else ema.module  # the generator that is sampled and saved
    modules = {"generator": generator, "discriminator": discriminator, **({"ema": ema} if ema else {})}
    optimizers = {"g_optimizer": g_optimizer, "d_optimizer": d_optimizer}
    run = cli.ResumableRun(args.out, name, force=args.force)
    settings = {"loss": loss, "steps_per_epoch": steps_per_epoch, **{k: v for k, v in recipe.items() if k != "epochs"}}
    progress = run.start(modules, optimizers, length=total_steps, settings=settings)
    if progress is None:
        return
    samples_path = args.out / f"{name}_samples.png"
    noise = fixed_noise(shipped.config)
    if progress["done"]:
        snapshots = cli.read_samples(samples_path, progress["done"] // steps_per_epoch + 1)
    else:
        snapshots = [sample_images(shipped, noise).numpy()]
    for event in train_dcgan(generator, discriminator, g_optimizer, d_optimizer, images, loss=loss, steps=total_steps,
                             batch_size=args.batch_size, d_steps=args.d_steps, seed=args.seed,
                             start_step=progress["done"], record_every=10, snapshot_every=steps_per_epoch,
                             fixed_noise=noise, ema=ema, info_weight=args.info_weight):
        samples = event.pop("samples", None)
        progress["records"].append(event)
        progress["done"] = event["step"]
        if samples is not None:
            snapshots.append(samples.numpy())
            cli.write_samples(samples_path, snapshots)
            run.save(modules, optimizers, progress)
            print(f"{name} epoch {event['step'] // steps_per_epoch}/{args.epochs}: D loss {event['d_loss']:.3f}, "
                  f"G loss {event['g_loss']:.3f}, D(x) {event['d_real']:.2f}, D(G(z)) {event['d_fake']:.2f}, "
                  f"|grad G| {event['g_grad_norm']:.3g}"
                  + (f", code loss {event['code_loss']:.3f}" if "code_loss" in event else ""), flush=True)
    save_model(args.out / f"{name}.safetensors", shipped)
    wall = run.seconds
    run.finish({"name": name, "loss": loss, "config": shipped.config.to_dict(), "steps_per_epoch": steps_per_epoch,
                "records": progress["records"], "wall_seconds": wall,
                "train_images_per_second": total_steps * args.batch_size / wall, "recipe": recipe,
                "fixed_noise_seed": FIXED_NOISE_SEED, "device": str(device),
                "torch_threads": torch.get_num_threads()})
    print(f"{name}: done in {wall:.0f} s -> {args.out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=GENERATOR_LOSSES + ("all",), required=True)
    parser.add_argument("--recipe", choices=tuple(DCGAN_RECIPES), default="shipped",
                        help="a recipe's defaults: " + "; ".join(f"{k}: {v}" for k, v in DCGAN_RECIPES.items()))
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
    parser.add_argument("--steps", type=int, default=None, help="generator steps per epoch (default: one pass)")
    cli.add_common_options(parser)
    return parser


def main() -> None:
    recipe = build_parser().parse_known_args()[0].recipe
    args = cli.parse_args(build_parser(), dry_run=DRY_RUN, defaults=DCGAN_RECIPE_FLAGS[recipe])
    device = cli.setup(args)
    images = to_tensor(cli.load_split("train", dry_run=args.dry_run)[0])
    for loss in GENERATOR_LOSSES if args.loss == "all" else (args.loss,):
        train_one(args, loss, images, device)


if __name__ == "__main__":
    main()
