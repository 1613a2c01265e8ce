"""Train the reference MNIST classifier and write checkpoints/classifier.safetensors + .json.

    python train/train_classifier.py               # about 6 epochs with 2-pixel random shifts
    python train/train_classifier.py --steps 20 --out /tmp/ckpt    # a quick dry run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.checkpoints import load_model, load_training_state, save_model, save_training_state  # noqa: E402
from nnimg.data import load_test_split, load_train_split, to_tensor  # noqa: E402
from nnimg.models.classifier import Classifier, ClassifierConfig  # noqa: E402
from nnimg.training import pick_device, predict_logits, train_classifier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2800)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--max-shift", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    model = Classifier(ClassifierConfig()).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    resume_path = args.out / ".resume" / "classifier.safetensors"
    progress = {"history": [], "wall_seconds": 0.0}
    if resume_path.exists():
        progress = load_training_state(resume_path, modules={"model": model}, optimizers={"optimizer": optimizer})
        print(f"resuming at step {progress['history'][-1]['step']}")
    train_images, train_labels = load_train_split()
    test_images, test_labels = load_test_split()
    train_x, train_y = to_tensor(train_images), torch.from_numpy(train_labels)
    test_x, test_y = to_tensor(test_images), torch.from_numpy(test_labels)
    started = time.perf_counter() - progress["wall_seconds"]
    start_step = progress["history"][-1]["step"] if progress["history"] else 0
    for record in train_classifier(model, optimizer, train_x, train_y, steps=args.steps, batch_size=args.batch_size,
                                   peak_lr=args.lr, max_shift=args.max_shift, seed=args.seed,
                                   start_step=start_step, report_every=200):
        record["test_accuracy"] = float((predict_logits(model, test_x).argmax(1) == test_y).float().mean())
        progress["history"].append(record)
        progress["wall_seconds"] = time.perf_counter() - started
        save_training_state(resume_path, modules={"model": model}, optimizers={"optimizer": optimizer},
                            progress=progress)
        print(f"step {record['step']}/{args.steps}: loss {record['loss']:.4f}, "
              f"train acc {record['accuracy']:.4f}, test acc {record['test_accuracy']:.4f}", flush=True)
    save_model(args.out / "classifier.safetensors", model.cpu())
    shipped = load_model(args.out / "classifier.safetensors")  # measure what ships: float16 weights
    accuracy = float((predict_logits(shipped, test_x).argmax(1) == test_y).float().mean())
    metrics = {"name": "classifier", "config": model.config.to_dict(), "test_accuracy": accuracy,
               "history": progress["history"], "wall_seconds": progress["wall_seconds"],
               "train_images_per_second": args.steps * args.batch_size / progress["wall_seconds"],
               "recipe": vars(args) | {"out": None}}
    (args.out / "classifier.json").write_text(json.dumps(metrics, indent=1) + "\n")
    resume_path.unlink()
    print(f"classifier: test accuracy {accuracy:.4f} in {progress['wall_seconds']:.0f} s")


if __name__ == "__main__":
    main()
