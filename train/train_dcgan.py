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

--data DIR trains on a folder of your own pictures instead of MNIST (PNG/JPEG, nested folders, any
size, grey or colour): each is centre-cropped and resized to --image-size (28, 32 or 64; default 64)
with --channels 1 or 3 (default: 3 if the pictures are in colour). The networks grow with the size
and the saved config records it. Files are named after --name (default: the folder's name):
dcgan_<name>_<loss>, or dcgan_<name>-<recipe>_<loss> with another recipe. Without --out, a name that
ships (the LFW faces) is rebuilt in checkpoints/, and any other is written to your own models
($NNIMG_USER_MODELS, default ~/.nnimg/models), which the app lists beside the shipped ones (GAN losses
and Restoration tabs) without a restart.

Several processes: `torchrun --nproc_per_node N train/train_dcgan.py ...` trains with
DistributedDataParallel (NCCL with one GPU each, gloo on the CPU). Every step each process takes its
share of one global batch of N x --batch-size; the first process alone writes. --amp (default on a
GPU) runs the forward passes in bfloat16.

    python train/train_dcgan.py --loss all
    python train/train_dcgan.py --loss all --recipe course --data ~/faces --image-size 64
    torchrun --standalone --nproc_per_node 4 train/train_dcgan.py --loss all --data ~/faces
    python train/train_dcgan.py --loss non-saturating --recipe course
    python train/train_dcgan.py --loss non-saturating --dry-run --out /tmp/dcgan              # 2 epochs
    python train/train_dcgan.py --loss non-saturating --dry-run --epochs 3 --out /tmp/dcgan   # continues to 3
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel


from nnimg import cli
from nnimg.checkpoints import save_model
from nnimg.data import IMAGE_SUFFIXES, ImageFolderError, channels_first, load_image_folder
from nnimg.gan_training import build_dcgan, generator_average, train_dcgan
from nnimg.sampling import sample_images
from nnimg.losses import GENERATOR_LOSSES
from nnimg.models.dcgan import IMAGE_SIZES, DCGANConfig, sample_latent
from nnimg.registry import DCGAN_RECIPE_FLAGS, DCGAN_RECIPES, dcgan_name

FIXED_NOISE_SEED = 1234
RECIPE_KEYS = ("epochs", "batch_size", "lr", "weight_decay", "d_steps", "width", "d_width", "categories", "info_weight",
               "ema", "split", "seed")
DRY_RUN = {"epochs": 2, "steps": 3}


def fixed_noise(config: DCGANConfig) -> torch.Tensor:
    """The 64 latent vectors every grid along training is drawn from (for an InfoGAN, the codes in turn)."""
    codes = torch.arange(64) % config.categories if config.categories else None
    return sample_latent(config, 64, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED), codes=codes)


def run_name(args: argparse.Namespace, loss: str) -> str:
    """dcgan_<recipe>_<loss> on MNIST; dcgan_<name>[-<recipe>]_<loss> on a folder; a --seed other than the
    recipe's adds -seed<N> to the recipe (dcgan_course-exact-seed1_saturating: a replicate for the spread)."""
    recipe = args.recipe if args.seed == 0 else f"{args.recipe}-seed{args.seed}"
    if args.data is None:
        return dcgan_name(loss, recipe)
    return dcgan_name(loss, args.name if recipe == "shipped" else f"{args.name}-{recipe}")


def settle_folder_options(args: argparse.Namespace) -> None:
    """With --data: --image-size defaults to 64 and --name to the folder's, lower case, dashes for the rest."""
    if args.data is not None:
        args.image_size = args.image_size or 64
        args.name = re.sub(r"[^a-z0-9]+", "-", (args.name or args.data.resolve().name).lower()).strip("-") or "images"


def run_names(args: argparse.Namespace) -> list[str]:
    """The stems the run writes: a name that ships is rebuilt in checkpoints/, any other goes to your own
    models (nnimg.cli.parse_args)."""
    settle_folder_options(args)
    return [run_name(args, loss) for loss in (GENERATOR_LOSSES if args.loss == "all" else (args.loss,))]


def train_one(args: argparse.Namespace, loss: str, images: torch.Tensor, data: dict, device: torch.device,
              processes: cli.Processes) -> None:
    name = run_name(args, loss)
    steps_per_epoch = args.steps or len(images) // (args.batch_size * processes.world_size)
    total_steps = args.epochs * steps_per_epoch
    recipe = {key: getattr(args, key) for key in RECIPE_KEYS}
    generator, discriminator, g_optimizer, d_optimizer = build_dcgan(
        width=args.width, d_width=args.d_width, categories=args.categories, lr=args.lr, seed=args.seed, device=device,
        image_size=data["image_size"], channels=data["channels"], weight_decay=args.weight_decay)
    ema = generator_average(generator, args.ema) if args.ema else None
    shipped = generator if ema is None else ema.module  # the generator that is sampled and saved
    modules = {"generator": generator, "discriminator": discriminator, **({"ema": ema} if ema else {})}
    optimizers = {"g_optimizer": g_optimizer, "d_optimizer": d_optimizer}
    run = cli.ResumableRun(args.out, name, force=args.force, writes=processes.writes)
    settings = {"loss": loss, "steps_per_epoch": steps_per_epoch, "processes": processes.world_size,
                **{k: v for k, v in recipe.items() if k != "epochs"}, **({"data": data} if args.data else {})}
    progress = run.start(modules, optimizers, length=total_steps, settings=settings)
    if progress is None:
        return
    samples_path = args.out / f"{name}_samples.png"
    noise = fixed_noise(shipped.config)
    if progress["done"]:
        snapshots = cli.read_samples(samples_path, progress["done"] // steps_per_epoch + 1)
    else:
        snapshots = [sample_images(shipped, noise).numpy()]
    if processes.world_size > 1:  # after the resume state is loaded: DDP starts every process from the first's
        generator, discriminator = (DistributedDataParallel(module) for module in (generator, discriminator))
    for event in train_dcgan(generator, discriminator, g_optimizer, d_optimizer, images, loss=loss, steps=total_steps,
                             batch_size=args.batch_size, d_steps=args.d_steps, seed=args.seed,
                             start_step=progress["done"], record_every=10, snapshot_every=steps_per_epoch,
                             fixed_noise=noise, ema=ema, info_weight=args.info_weight, rank=processes.rank,
                             world_size=processes.world_size, amp=args.amp):
        samples = event.pop("samples", None)
        progress["records"].append(event)
        progress["done"] = event["step"]
        if samples is not None:
            snapshots.append(samples.numpy())
            if processes.writes:
                cli.write_samples(samples_path, snapshots)
                print(f"{name} epoch {event['step'] // steps_per_epoch}/{args.epochs}: D loss {event['d_loss']:.3f}, "
                      f"G loss {event['g_loss']:.3f}, D(x) {event['d_real']:.2f}, D(G(z)) {event['d_fake']:.2f}, "
                      f"|grad G| {event['g_grad_norm']:.3g}"
                      + (f", code loss {event['code_loss']:.3f}" if "code_loss" in event else ""), flush=True)
            run.save(modules, optimizers, progress)
    wall = run.seconds
    if processes.writes:
        save_model(args.out / f"{name}.safetensors", shipped)
    run.finish({"name": name, "loss": loss, "config": shipped.config.to_dict(), "steps_per_epoch": steps_per_epoch,
                "records": progress["records"], "wall_seconds": wall,
                "train_images_per_second": total_steps * args.batch_size * processes.world_size / wall,
                "recipe": recipe, "fixed_noise_seed": FIXED_NOISE_SEED, "device": str(device),
                "processes": processes.world_size, "amp": args.amp, "torch_threads": torch.get_num_threads(),
                **({"data": data} if args.data else {})})
    if processes.writes:
        print(f"{name}: done in {wall:.0f} s of training (a resumed run: all its sessions) -> {args.out}")


def load_data(args: argparse.Namespace) -> tuple[torch.Tensor, dict]:
    """The training pictures as uint8 (N, C, H, W), and what they are: MNIST's training digits (--split
    all: and its test digits, 70,000), or the folder --data read at --image-size (with the count of
    unreadable files skipped)."""
    if args.data is None:
        splits = ("train", "test") if args.split == "all" else ("train",)
        digits = np.concatenate([cli.load_split(split, dry_run=args.dry_run)[0] for split in splits])
        return channels_first(torch.from_numpy(digits)), {"image_size": 28, "channels": 1}
    try:
        pictures, skipped = load_image_folder(args.data, size=args.image_size, channels=args.channels)
    except ImageFolderError as error:
        raise SystemExit(f"--data: {error}") from None
    pictures = pictures[:cli.DRY_RUN_IMAGES] if args.dry_run else pictures
    images = channels_first(torch.from_numpy(pictures))
    return images, {"folder": args.data.as_posix(), "pictures": len(images), "skipped": skipped,
                    "image_size": args.image_size, "channels": images.shape[1]}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=GENERATOR_LOSSES + ("all",), required=True)
    parser.add_argument("--recipe", choices=tuple(DCGAN_RECIPES), default="shipped",
                        help="a recipe's defaults: " + "; ".join(f"{k}: {v}" for k, v in DCGAN_RECIPES.items()))
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="L2 regularisation of both networks (Adam's weight_decay)")
    parser.add_argument("--split", choices=("train", "all"), default="train",
                        help="MNIST digits: the training split (60,000) or all (with the test split, 70,000)")
    parser.add_argument("--d-steps", type=int, default=1, help="discriminator steps per generator step")
    parser.add_argument("--width", type=int, default=64, help="G's channels: 4w -> 2w -> w")
    parser.add_argument("--d-width", type=int, default=128, help="D's channels: w/2 -> w -> 2w")
    parser.add_argument("--categories", type=int, default=10,
                        help="InfoGAN: a one-hot code of this many categories joins G's noise (0: plain DCGAN)")
    parser.add_argument("--info-weight", type=float, default=1.0, help="weight of InfoGAN's code loss")
    parser.add_argument("--ema", type=float, default=0.999,
                        help="decay of the moving average of G's weights that ships (0: ship G itself)")
    parser.add_argument("--steps", type=int, default=None, help="generator steps per epoch (default: one pass)")
    parser.add_argument("--data", type=Path, default=None,
                        help=f"a folder of your own pictures ({', '.join(IMAGE_SUFFIXES)}, nested folders too) "
                             "instead of MNIST")
    parser.add_argument("--image-size", type=int, choices=IMAGE_SIZES, default=None,
                        help="with --data: the pictures' side after a centre crop (default 64)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=None,
                        help="with --data: 1 (grey) or 3 (colour); default: 3 if the pictures are in colour")
    parser.add_argument("--name", default=None, help="with --data: the name in the files (default: the folder's)")
    parser.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                        help="forward passes in bfloat16 (default: on a GPU)")
    cli.add_common_options(parser)
    return parser


def main() -> None:
    parser = build_parser()
    recipe = parser.parse_known_args()[0].recipe
    args = cli.parse_args(parser, dry_run=DRY_RUN, defaults=DCGAN_RECIPE_FLAGS[recipe], names=run_names)
    settle_folder_options(args)  # also when --out was given and the names were not asked for
    if args.data is None and (args.image_size not in (None, 28) or args.channels not in (None, 1) or args.name):
        parser.error("--image-size, --channels and --name apply to --data (MNIST is 28x28 grey)")
    device, processes = cli.setup_processes(args)
    args.amp = device.type == "cuda" if args.amp is None else args.amp
    images, data = load_data(args)
    if data.get("skipped") and processes.writes:
        print(f"{args.data}: {data['skipped']} unreadable file{'s' * (data['skipped'] > 1)} skipped", flush=True)
    for loss in GENERATOR_LOSSES if args.loss == "all" else (args.loss,):
        train_one(args, loss, images, data, device, processes)
    if processes.world_size > 1:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
