"""Train GANs on the latent space of the shipped d = 10 autoencoder (SPEC §5) and write
checkpoints/latent_<model>.safetensors (the code generator), .json (curves, digit shares) and
_samples.png (decoded samples of 64 fixed noise vectors along training).

Models: gan (plain, BCE), wgan-paper (clip 0.01, batch 64, lr 5e-5), wgan (clip 0.12, batch 256,
lr 5e-4), cwgan (conditional, as wgan), cwgan-gp (conditional, gradient penalty and an
auxiliary code classifier in G's loss, as in AC-GAN).

    python train/train_latent_gan.py --model all
    python train/train_latent_gan.py --model cwgan --epochs 1 --steps 5 --out /tmp/ckpt   # a dry run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.checkpoints import load_model, save_model  # noqa: E402
from nnimg.registry import LATENT_GAN_MODELS, LATENT_GAN_PRESETS, autoencoder_name  # noqa: E402
from nnimg.data import load_test_split, load_train_split, to_tensor  # noqa: E402
from nnimg.gan_training import train_latent_gan  # noqa: E402
from nnimg.grids import write_snapshots  # noqa: E402
from nnimg.latent import decode, encode  # noqa: E402
from nnimg.metrics import classifier_features, sample_quality  # noqa: E402
from nnimg.models.latent_gan import CodeClassifier, CodeCritic, CodeGenerator, LatentGANConfig  # noqa: E402
from nnimg.training import pick_device, predict_logits, train_classifier  # noqa: E402

SNAPSHOTS = 8
FIXED_NOISE_SEED = 1234


def _optimizer(kind: str, parameters, lr: float) -> torch.optim.Optimizer:
    if kind == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr)
    return torch.optim.Adam(parameters, lr=lr, betas=(0.5, 0.9) if kind == "adam-gp" else (0.5, 0.999))


def train_code_classifier(codes: torch.Tensor, labels: torch.Tensor, test_codes: torch.Tensor,
                          test_labels: torch.Tensor, *, seed: int) -> tuple[CodeClassifier, float]:
    """The auxiliary digit classifier on standardised training codes, and its test accuracy."""
    torch.manual_seed(seed)
    classifier = CodeClassifier(codes.shape[1])
    optimizer = torch.optim.AdamW(classifier.parameters(), weight_decay=1e-4)
    list(train_classifier(classifier, optimizer, codes, labels, steps=3000, batch_size=256, peak_lr=3e-3, seed=seed,
                          report_every=3000))
    accuracy = (predict_logits(classifier, test_codes).argmax(1) == test_labels).float().mean().item()
    return classifier.eval().requires_grad_(False), accuracy


def train_one(args: argparse.Namespace, model: str, codes: torch.Tensor, labels: torch.Tensor, autoencoder,
              classifier) -> None:
    preset = LATENT_GAN_PRESETS[model]
    torch.manual_seed(args.seed)
    device = pick_device(args.device)
    mean, std = codes.mean(0), codes.std(0)
    config = LatentGANConfig(code_dim=codes.shape[1], conditional=preset["conditional"], autoencoder=args.autoencoder,
                             code_mean=mean.tolist(), code_std=std.tolist())
    generator, critic = CodeGenerator(config).to(device), CodeCritic(config).to(device)
    g_optimizer = _optimizer(preset["optimizer"], generator.parameters(), preset["lr"])
    c_optimizer = _optimizer(preset["optimizer"], critic.parameters(), preset["lr"])
    standardised = (codes - mean) / std
    code_classifier, code_classifier_accuracy = None, None
    if preset.get("classifier_weight"):
        test_images, test_labels = load_test_split()
        test_codes = (encode(autoencoder, to_tensor(test_images)) - mean) / std
        code_classifier, code_classifier_accuracy = train_code_classifier(
            standardised, labels, test_codes, torch.from_numpy(test_labels), seed=args.seed)
        print(f"latent_{model}: auxiliary code classifier, test accuracy {code_classifier_accuracy:.4f}")
    steps_per_epoch = args.steps or len(codes) // (preset["batch_size"] * preset["critic_steps"])
    total = args.epochs * steps_per_epoch
    snapshot_every = max(10, total // SNAPSHOTS // 10 * 10)  # a multiple of the records' 10 steps
    noise = torch.randn(64, config.noise_dim, generator=torch.Generator().manual_seed(FIXED_NOISE_SEED))
    noise_labels = torch.arange(64) % 10

    def decoded_samples() -> torch.Tensor:
        generator.eval()
        with torch.no_grad():
            images = decode(autoencoder, generator(noise, noise_labels if config.conditional else None).cpu())
        return images[:, 0]

    snapshots, records, started = [decoded_samples().numpy()], [], time.perf_counter()
    for event in train_latent_gan(generator, critic, g_optimizer, c_optimizer, standardised, labels,
                                  objective=preset["objective"], steps=total, batch_size=preset["batch_size"],
                                  critic_steps=preset["critic_steps"], clip=preset.get("clip", 0.01),
                                  code_classifier=code_classifier,
                                  classifier_weight=preset.get("classifier_weight", 0.0), seed=args.seed,
                                  record_every=10):
        records.append(event)
        if event["step"] % snapshot_every == 0 or event["step"] == total:
            snapshots.append(decoded_samples().numpy())
            print(f"latent_{model} step {event['step']}/{total}: critic {event['critic_loss']:.4f}, "
                  f"G {event['g_loss']:.4f}, W {event['wasserstein']:.4f}", flush=True)
    wall = time.perf_counter() - started
    generator = generator.cpu().eval()
    save_model(args.out / f"latent_{model}.safetensors", generator)
    write_snapshots(args.out / f"latent_{model}_samples.png", snapshots)
    sample_labels = torch.arange(10_000) % 10
    with torch.no_grad():
        samples = decode(autoencoder, generator(torch.randn(10_000, config.noise_dim, generator=torch.Generator()
                                                            .manual_seed(0)), sample_labels if config.conditional
                                                else None))
    quality = sample_quality(samples, classifier, classifier_features(classifier, to_tensor(load_test_split()[0])))
    summary = {"inception_score": quality["inception_score"], "frechet_distance": quality["frechet_distance"],
               "digit_shares": quality["digit_shares"].tolist()}
    if config.conditional:
        predicted = predict_logits(classifier, samples).argmax(1)
        agreement = [(predicted[sample_labels == d] == d).float().mean().item() for d in range(10)]
        summary |= {"agreement": (predicted == sample_labels).float().mean().item(), "agreement_per_digit": agreement}
    metrics = {"name": f"latent_{model}", "config": config.to_dict(), "preset": preset, "epochs": args.epochs,
               "steps_per_epoch": steps_per_epoch, "records": records, "snapshot_steps":
               [0] + [r["step"] for r in records if r["step"] % snapshot_every == 0 or r["step"] == total],
               "wall_seconds": wall, "quality_10000_samples": summary,
               "code_classifier_test_accuracy": code_classifier_accuracy}
    (args.out / f"latent_{model}.json").write_text(json.dumps(metrics) + "\n")
    print(f"latent_{model}: {wall:.0f} s, IS {summary['inception_score']:.2f}, Fréchet "
          f"{summary['frechet_distance']:.2f}, shares {[round(s, 2) for s in summary['digit_shares']]}"
          + (f", agreement {summary['agreement']:.4f}" if config.conditional else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=LATENT_GAN_MODELS + ("all",), required=True)
    parser.add_argument("--autoencoder", default=autoencoder_name(10, 2))
    parser.add_argument("--epochs", type=int, default=70)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None, help="generator steps per epoch (dry runs)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "checkpoints")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    checkpoints = Path(__file__).resolve().parent.parent / "checkpoints"
    autoencoder = load_model(checkpoints / f"{args.autoencoder}.safetensors")
    classifier = load_model(checkpoints / "classifier.safetensors")
    images, labels = load_train_split()
    codes = encode(autoencoder, to_tensor(images))
    for model in LATENT_GAN_MODELS if args.model == "all" else (args.model,):
        train_one(args, model, codes, torch.from_numpy(labels), autoencoder, classifier)


if __name__ == "__main__":
    main()
