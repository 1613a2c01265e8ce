"""Train one autoencoder, or the whole shipped sweep, and write <name>.safetensors + .json under --out
($NNIMG_CHECKPOINTS, default checkpoints/).

The training state is saved after every epoch in OUT/.resume/ and kept when the run ends: the same
command continues an interrupted run exactly; with a larger --epochs it extends a finished one from
its weights (the learning-rate schedule then spans the new length, so it is not the longer run from
scratch). A finished model is skipped unless --force. --dry-run: 2 epochs of 3 steps on 512 digits
(with --sweep, every shipped AE so, each recipe's other flags kept).

    python train/train_autoencoder.py --latent-dim 10    # one AE at the default depth (3)
    python train/train_autoencoder.py --sweep            # every shipped AE with its recipe, skipping finished ones
    python train/train_autoencoder.py --sweep --only ae_d5_l3,ae_d10_l2    # two of them, in this order
    python train/train_autoencoder.py --latent-dim 10 --depth 2 --uniform    # a uniform-latent AE (moment matching)
    python train/train_autoencoder.py --latent-dim 10 --dry-run --out /tmp/ae    # a run of seconds
"""

from __future__ import annotations

import argparse
from functools import partial

import torch


from nnimg import cli
from nnimg.checkpoints import save_model
from nnimg.data import to_tensor
from nnimg.losses import uniform_latent_loss
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.registry import AE_DEFAULT_DEPTH, REGISTRY, ShippedAutoencoder, autoencoder_name
from nnimg.training import mse_loss, train_autoencoder

RECIPE_KEYS = ("epochs", "batch_size", "lr", "weight_decay", "hidden", "channels", "augment", "seed", "steps")
DRY_RUN = {"epochs": 2, "steps": 3}


def train_one(args: argparse.Namespace) -> None:
    name = autoencoder_name(args.latent_dim, args.depth, uniform=args.uniform, fully_connected=args.hidden > 0)
    name += f"-seed{args.seed}" if args.seed else ""  # a replicate, for the spread over seeds
    device = cli.setup(args)
    config = AutoencoderConfig(latent_dim=args.latent_dim, depth=args.depth, hidden=args.hidden, channels=args.channels,
                               uniform_latent=args.uniform)
    model = Autoencoder(config).to(device)
    loss_fn = partial(uniform_latent_loss, moment_weight=args.moment_weight) if args.uniform else mse_loss
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    recipe = {key: getattr(args, key) for key in RECIPE_KEYS} | ({"moment_weight": args.moment_weight}
                                                                 if args.uniform else {})
    run = cli.ResumableRun(args.out, name, force=args.force)
    modules, optimizers = {"model": model}, {"optimizer": optimizer}
    progress = run.start(modules, optimizers, length=args.epochs,
                         settings={k: v for k, v in recipe.items() if k != "epochs"})
    if progress is None:
        return
    train_x, test_x = (to_tensor(cli.load_split(split, dry_run=args.dry_run)[0]) for split in ("train", "test"))
    for record in train_autoencoder(model, optimizer, train_x, epochs=args.epochs, batch_size=args.batch_size,
                                    peak_lr=args.lr, seed=args.seed, start_epoch=progress["done"],
                                    max_steps=args.steps, test_images=test_x, loss_fn=loss_fn, augment=args.augment):
        progress["records"].append(record)
        progress["done"] = record["epoch"]
        run.save(modules, optimizers, progress)
        print(f"{name} epoch {record['epoch']}/{args.epochs}: train MSE {record['train_mse']:.5f}, "
              f"test MSE {record['test_mse']:.5f}, {record['images_per_second']:.0f} img/s", flush=True)
    save_model(args.out / f"{name}.safetensors", model)
    epochs = progress["records"]
    metrics = {"name": name, "config": model.config.to_dict(), "test_mse": epochs[-1]["test_mse"], "epochs": epochs,
               "wall_seconds": run.seconds,
               "train_images_per_second": sum(e["images_per_second"] for e in epochs) / len(epochs),
               "recipe": recipe, "torch_threads": torch.get_num_threads(), "device": str(device)}
    run.finish(metrics, indent=1)
    print(f"{name}: test MSE {metrics['test_mse']:.5f} in {metrics['wall_seconds']:.0f} s -> {args.out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--depth", type=int, default=AE_DEFAULT_DEPTH, choices=(1, 2, 3))
    parser.add_argument("--uniform", action="store_true", help="the uniform-latent AE (moment matching)")
    parser.add_argument("--moment-weight", type=float, default=0.1, help="with --uniform: weight of the moment loss")
    parser.add_argument("--sweep", action="store_true", help="train every shipped autoencoder")
    parser.add_argument("--only", type=str, default="",
                        help="with --sweep: comma-separated names (e.g. ae_d10_l2), in this order")
    parser.add_argument("--hidden", type=int, default=256,
                        help="width of the FC layer before the latent (0: no FC layers, the course's first AE)")
    parser.add_argument("--channels", type=lambda text: [int(c) for c in text.split(",")], default=[],
                        help="channels per conv layer, e.g. 32,64,1 (default: the depth's)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--augment", type=float, default=0.0,
                        help="share of each batch randomly rotated, scaled and sheared (0 to 1)")
    parser.add_argument("--steps", type=int, default=None, help="cap steps per epoch (default: one pass)")
    cli.add_common_options(parser)
    return parser


def main() -> None:
    args = cli.parse_args(build_parser(), dry_run=DRY_RUN)
    if not args.sweep:
        train_one(args)
        return
    shipped = {entry.name: entry for entry in REGISTRY if isinstance(entry, ShippedAutoencoder)}
    for name in [name for name in args.only.split(",") if name] or list(shipped):
        recipe = vars(build_parser().parse_args(shipped[name].train_command.split()[2:]))  # the flags that made it
        train_one(cli.parse_args(build_parser(), dry_run=DRY_RUN, defaults=recipe))


if __name__ == "__main__":
    main()
