"""Train the reference MNIST classifier and write classifier.safetensors + .json under --out
($NNIMG_CHECKPOINTS, default checkpoints/).

Training runs in steps; every --report-every steps it records the test accuracy and saves its state
in OUT/.resume/, kept when the run ends: the same command continues an interrupted run, and with
a larger --steps extends a finished one from its weights (the learning-rate schedule then spans the
new length). A finished run is skipped unless --force. --dry-run: 2 reports of 3 steps on 512 digits.

    python train/train_classifier.py               # 2,800 steps (about 6 epochs) with 2-pixel random shifts
    python train/train_classifier.py --dry-run --out /tmp/classifier              # 6 steps
    python train/train_classifier.py --dry-run --steps 9 --out /tmp/classifier    # continues to 9
"""

from __future__ import annotations

import argparse

import torch


from nnimg import cli
from nnimg.checkpoints import load_model, save_model
from nnimg.data import to_tensor
from nnimg.models.classifier import Classifier, ClassifierConfig
from nnimg.training import predict_logits, train_classifier

RECIPE_KEYS = ("steps", "batch_size", "lr", "max_shift", "seed", "device", "threads")
DRY_RUN = {"steps": 6, "report_every": 3}


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """The share of `images` that `model` reads as their label."""
    return float((predict_logits(model, images).argmax(1) == labels).float().mean())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2800)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--max-shift", type=int, default=2)
    parser.add_argument("--report-every", type=int, default=200, help="steps between records and saved states")
    cli.add_common_options(parser)
    return parser


def main() -> None:
    args = cli.parse_args(build_parser(), dry_run=DRY_RUN)
    device = cli.setup(args)
    model = Classifier(ClassifierConfig()).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    modules, optimizers = {"model": model}, {"optimizer": optimizer}
    run = cli.ResumableRun(args.out, "classifier", force=args.force)
    settings = {key: getattr(args, key) for key in ("batch_size", "lr", "max_shift", "seed", "report_every")}
    progress = run.start(modules, optimizers, length=args.steps, settings=settings)
    if progress is None:
        return
    (train_images, train_labels), (test_images, test_labels) = (cli.load_split(split, dry_run=args.dry_run)
                                                                for split in ("train", "test"))
    test_x, test_y = to_tensor(test_images), torch.from_numpy(test_labels)
    for record in train_classifier(model, optimizer, to_tensor(train_images), torch.from_numpy(train_labels),
                                   steps=args.steps, batch_size=args.batch_size, peak_lr=args.lr,
                                   max_shift=args.max_shift, seed=args.seed, start_step=progress["done"],
                                   report_every=args.report_every):
        record["test_accuracy"] = accuracy(model, test_x, test_y)
        progress["records"].append(record)
        progress["done"] = record["step"]
        run.save(modules, optimizers, progress)
        print(f"step {record['step']}/{args.steps}: loss {record['loss']:.4f}, "
              f"train acc {record['accuracy']:.4f}, test acc {record['test_accuracy']:.4f}", flush=True)
    wall = run.seconds
    save_model(args.out / "classifier.safetensors", model)
    shipped = accuracy(load_model(args.out / "classifier.safetensors"), test_x, test_y)  # float16 weights, as shipped
    run.finish({"name": "classifier", "config": model.config.to_dict(), "test_accuracy": shipped,
                "history": progress["records"], "wall_seconds": wall,
                "train_images_per_second": args.steps * args.batch_size / wall,
                "recipe": {key: getattr(args, key) for key in RECIPE_KEYS} | {"out": None}},  # the shipped keys
               indent=1)
    print(f"classifier: test accuracy {shipped:.4f} in {wall:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
