"""Train one autoencoder, or the whole shipped sweep, and write checkpoints/<name>.safetensors + .json.

    python train/train_autoencoder.py --latent-dim 10    # one AE at the default depth (3)
    python train/train_autoencoder.py --sweep            # every shipped AE with its recipe, skipping finished ones
    python train/train_autoencoder.py --latent-dim 10 --depth 2 --uniform    # a uniform-latent AE (SPEC §1)
    python train/train_autoencoder.py --latent-dim 10 --steps 20 --out /tmp/ckpt   # a quick dry run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.checkpoints import load_training_state, save_model, save_training_state  # noqa: E402
from nnimg.registry import AE_DEFAULT_DEPTH, autoencoder_name, shipped_autoencoders  # noqa: E402
from nnimg.data import load_test_split, load_train_split, to_tensor  # noqa: E402
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig  # noqa: E402
from nnimg.losses import uniform_latent_loss  # noqa: E402
from nnimg.training import mse_loss, pick_device, train_autoencoder  # noqa: E402


def train_one(args: argparse.Namespace, out: Path) -> None:
    name = autoencoder_name(args.latent_dim, args.depth, uniform=args.uniform)
    if (out / f"{name}.json").exists() and not args.force:
        print(f"{name}: already trained, skipping (use --force to retrain)")
        return
    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    config = AutoencoderConfig(latent_dim=args.latent_dim, depth=args.depth, hidden=args.hidden,
                               uniform_latent=args.uniform)
    model = Autoencoder(config).to(device)
    loss_fn = partial(uniform_latent_loss, moment_weight=args.moment_weight) if args.uniform else mse_loss
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    resume_path = out / ".resume" / f"{name}.safetensors"
    progress = {"epochs": [], "wall_seconds": 0.0}
    if resume_path.exists() and not args.force:
        progress = load_training_state(resume_path, modules={"model": model}, optimizers={"optimizer": optimizer})
        print(f"{name}: resuming after epoch {len(progress['epochs'])}")
    train_images, _ = load_train_split()
    test_images, _ = load_test_split()
    train_x, test_x = to_tensor(train_images), to_tensor(test_images)
    started = time.perf_counter() - progress["wall_seconds"]
    for record in train_autoencoder(model, optimizer, train_x, epochs=args.epochs,
                                    batch_size=args.batch_size, peak_lr=args.lr, seed=args.seed,
                                    start_epoch=len(progress["epochs"]), max_steps=args.steps,
                                    test_images=test_x, loss_fn=loss_fn, augment=args.augment):
        progress["epochs"].append(record)
        progress["wall_seconds"] = time.perf_counter() - started
        save_training_state(resume_path, modules={"model": model}, optimizers={"optimizer": optimizer},
                            progress=progress)
        print(f"{name} epoch {record['epoch']}/{args.epochs}: train MSE {record['train_mse']:.5f}, "
              f"test MSE {record['test_mse']:.5f}, {record['images_per_second']:.0f} img/s", flush=True)
    save_model(out / f"{name}.safetensors", model.cpu())
    epochs = progress["epochs"]
    metrics = {
        "name": name, "config": model.config.to_dict(), "test_mse": epochs[-1]["test_mse"],
        "epochs": epochs,
        "wall_seconds": progress["wall_seconds"],
        "train_images_per_second": sum(e["images_per_second"] for e in epochs) / len(epochs),
        "recipe": {k: getattr(args, k)
                   for k in ("epochs", "batch_size", "lr", "weight_decay", "hidden", "augment", "seed", "steps")}
        | ({"moment_weight": args.moment_weight} if args.uniform else {}),
        "torch_threads": torch.get_num_threads(), "device": str(device),
    }
    (out / f"{name}.json").write_text(json.dumps(metrics, indent=1) + "\n")
    resume_path.unlink()
    print(f"{name}: test MSE {metrics['test_mse']:.5f} in {metrics['wall_seconds']:.0f} s -> {out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--depth", type=int, default=AE_DEFAULT_DEPTH, choices=(1, 2, 3))
    parser.add_argument("--uniform", action="store_true", help="the uniform-latent AE (moment matching)")
    parser.add_argument("--moment-weight", type=float, default=0.1, help="with --uniform: weight of the moment loss")
    parser.add_argument("--sweep", action="store_true", help="train every shipped autoencoder")
    parser.add_argument("--only", type=str, default="",
                        help="with --sweep: comma-separated names (e.g. ae_d10_l2), in this order")
    parser.add_argument("--hidden", type=int, default=256, help="width of the FC layer before the latent")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--augment", type=float, default=0.0,
                        help="share of each batch randomly rotated, scaled and sheared (0 to 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None, help="cap steps per epoch (dry runs)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--force", action="store_true", help="retrain even if finished")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints")
    return parser


def main() -> None:
    parser = build_parser()
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.sweep:
        shipped = {s.name: s for s in shipped_autoencoders() + shipped_autoencoders(uniform=True)}
        names = [name for name in args.only.split(",") if name] or list(shipped)
        for name in names:  # each with the flags that made it (later flags win)
            command = shipped[name].train_command.split()[2:]
            train_one(parser.parse_args(command + sys.argv[1:]), args.out)
    else:
        train_one(args, args.out)


if __name__ == "__main__":
    main()
