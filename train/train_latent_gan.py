"""Train GANs on the latent space of an autoencoder (the course's section 5, docs/course.md) and write,
under --out ($NNIMG_CHECKPOINTS, default checkpoints/), latent_<model>.safetensors (the code
generator), .json (curves, digit shares) and _samples.png (decoded samples of 64 fixed noise vectors
along training).

Models (nnimg.registry.LATENT_GAN_PRESETS): gan (plain, BCE), wgan-paper (clip 0.01, batch 64,
lr 5e-5), wgan (clip 0.12, batch 256, lr 5e-4), cwgan (conditional, as wgan), cwgan-gp (conditional,
gradient penalty and an auxiliary code classifier in G's loss, as in AC-GAN); gan-course and wgan-course, the
course's plain GAN and its WGAN on the same raw codes with BatchNorm in both networks. A --seed other than 0
writes latent_<model>-seed<N>: a replicate for the spread over seeds.

The autoencoder (--autoencoder, default ae_d10_l2) and the reference classifier are read from --out
when they are there, else from $NNIMG_CHECKPOINTS (default checkpoints/). The training state is saved
at every snapshot (8 along a run, and at its end) in OUT/.resume/ and kept when the run ends: the same
command continues an interrupted run exactly, and with a larger --epochs extends a finished one (the
snapshots then fall where the longer run puts them). A finished run is skipped unless --force.
--dry-run: 2 epochs of 3 steps on 512 training digits, a code classifier of 6 steps.

    python train/train_latent_gan.py --model all
    python train/train_autoencoder.py --latent-dim 10 --depth 2 --dry-run --out /tmp/latent
    python train/train_classifier.py --dry-run --out /tmp/latent
    python train/train_latent_gan.py --model cwgan-gp --dry-run --out /tmp/latent   # on those two
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


from nnimg import cli
from nnimg.checkpoints import load_model, save_model
from nnimg.data import to_tensor
from nnimg.gan_training import build_latent_gan, train_code_classifier, train_latent_gan
from nnimg.latent import encode
from nnimg.metrics import classifier_features, sample_quality
from nnimg.models.latent_gan import LatentGANConfig
from nnimg.registry import LATENT_GAN_MODELS, LATENT_GAN_PRESETS, autoencoder_name
from nnimg.sampling import generate, noise
from nnimg.training import predict_logits

SNAPSHOTS = 8
FIXED_NOISE_SEED = 1234
QUALITY_SAMPLES = 10_000
DRY_RUN = {"epochs": 2, "steps": 3, "classifier_steps": 6}


def train_one(args: argparse.Namespace, model: str, device: torch.device, *, autoencoder: torch.nn.Module,
              classifier: torch.nn.Module, codes: torch.Tensor, labels: torch.Tensor, test_codes: torch.Tensor,
              test_labels: torch.Tensor, test_images: torch.Tensor) -> None:
    name, preset = f"latent_{model}" + (f"-seed{args.seed}" if args.seed else ""), LATENT_GAN_PRESETS[model]
    if preset.get("raw_codes"):  # the course's: G and the critic work on the AE's codes as they are
        mean, std = torch.zeros(codes.shape[1]), torch.ones(codes.shape[1])
    else:
        mean, std = codes.mean(0), codes.std(0)
    config = LatentGANConfig(code_dim=codes.shape[1], conditional=preset["conditional"], autoencoder=args.autoencoder,
                             code_mean=mean.tolist(), code_std=std.tolist(),
                             critic_batchnorm=preset.get("critic_batchnorm", False))
    generator, critic, g_optimizer, c_optimizer = build_latent_gan(config, preset, seed=args.seed, device=device)
    modules = {"generator": generator, "critic": critic}
    optimizers = {"g_optimizer": g_optimizer, "c_optimizer": c_optimizer}
    steps_per_epoch = args.steps or len(codes) // (preset["batch_size"] * preset["critic_steps"])
    total = args.epochs * steps_per_epoch
    snapshot_every = max(10, total // SNAPSHOTS // 10 * 10)  # a multiple of the records' 10 steps
    run = cli.ResumableRun(args.out, name, force=args.force)
    settings = {"preset": preset, "autoencoder": args.autoencoder, "seed": args.seed,
                "steps_per_epoch": steps_per_epoch, "classifier_steps": args.classifier_steps}
    progress = run.start(modules, optimizers, length=total, settings=settings)
    if progress is None:
        return
    standardised = (codes - mean) / std
    code_classifier, code_classifier_accuracy = None, None
    if preset.get("classifier_weight"):  # deterministic for the seed: a resumed run trains the same one again
        code_classifier, code_classifier_accuracy = train_code_classifier(
            standardised, labels, (test_codes - mean) / std, test_labels, steps=args.classifier_steps, seed=args.seed)
        code_classifier.to(device)
        print(f"{name}: auxiliary code classifier, test accuracy {code_classifier_accuracy:.4f}")
    fixed_noise, fixed_labels = noise(64, config.noise_dim, seed=FIXED_NOISE_SEED).to(device), torch.arange(64) % 10

    def decoded_samples() -> np.ndarray:
        return generate(generator, autoencoder, fixed_noise, fixed_labels.to(device)).cpu().numpy()

    samples_path = args.out / f"{name}_samples.png"
    snapshot_steps = progress.setdefault("snapshot_steps", [0])
    snapshots = cli.read_samples(samples_path, len(snapshot_steps)) if progress["done"] else [decoded_samples()]
    for event in train_latent_gan(generator, critic, g_optimizer, c_optimizer, standardised, labels,
                                  objective=preset["objective"], steps=total, batch_size=preset["batch_size"],
                                  critic_steps=preset["critic_steps"], clip=preset.get("clip", 0.01),
                                  code_classifier=code_classifier,
                                  classifier_weight=preset.get("classifier_weight", 0.0), seed=args.seed,
                                  start_step=progress["done"], record_every=10):
        progress["records"].append(event)
        progress["done"] = event["step"]
        if event["step"] % snapshot_every == 0 or event["step"] == total:
            snapshots.append(decoded_samples())
            snapshot_steps.append(event["step"])
            cli.write_samples(samples_path, snapshots)
            run.save(modules, optimizers, progress)
            print(f"{name} step {event['step']}/{total}: critic {event['critic_loss']:.4f}, "
                  f"G {event['g_loss']:.4f}, W {event['wasserstein']:.4f}", flush=True)
    wall = run.seconds
    save_model(args.out / f"{name}.safetensors", generator)
    count = cli.DRY_RUN_IMAGES if args.dry_run else QUALITY_SAMPLES  # a dry run measures on as few as it trains on
    sample_labels = torch.arange(count) % 10
    samples = generate(generator, autoencoder, noise(count, config.noise_dim, seed=0).to(device),
                       sample_labels.to(device)).cpu().unsqueeze(1)
    quality = sample_quality(samples, classifier, classifier_features(classifier, test_images))
    summary = {"samples": count, "inception_score": quality["inception_score"],
               "frechet_distance": quality["frechet_distance"], "digit_shares": quality["digit_shares"].tolist()}
    if config.conditional:
        predicted = predict_logits(classifier, samples).argmax(1)
        agreement = [(predicted[sample_labels == d] == d).float().mean().item() for d in range(10)]
        summary |= {"agreement": (predicted == sample_labels).float().mean().item(), "agreement_per_digit": agreement}
    run.finish({"name": name, "config": config.to_dict(), "preset": preset, "epochs": args.epochs,
                "steps_per_epoch": steps_per_epoch, "records": progress["records"], "snapshot_steps": snapshot_steps,
                "wall_seconds": wall, "quality_10000_samples": summary,  # the name kept; a dry run's: 512
                "code_classifier_test_accuracy": code_classifier_accuracy})
    print(f"{name}: {wall:.0f} s, IS {summary['inception_score']:.2f}, Fréchet "
          f"{summary['frechet_distance']:.2f}, shares {[round(s, 2) for s in summary['digit_shares']]}"
          + (f", agreement {summary['agreement']:.4f}" if config.conditional else ""))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=LATENT_GAN_MODELS + ("all",), required=True)
    parser.add_argument("--autoencoder", default=autoencoder_name(10, 2), help="whose latent space (a checkpoint name)")
    parser.add_argument("--epochs", type=int, default=70)
    parser.add_argument("--steps", type=int, default=None, help="generator steps per epoch (default: one pass)")
    parser.add_argument("--classifier-steps", type=int, default=3000,
                        help="training steps of cwgan-gp's auxiliary code classifier")
    cli.add_common_options(parser)
    return parser


def main() -> None:
    args = cli.parse_args(build_parser(), dry_run=DRY_RUN)
    device = cli.setup(args)
    autoencoder = load_model(cli.find_checkpoint(args.out, args.autoencoder)).to(device)
    classifier = load_model(cli.find_checkpoint(args.out, "classifier"))
    (images, labels), (test_images, test_labels) = (cli.load_split(split, dry_run=args.dry_run)
                                                    for split in ("train", "test"))
    test_images = to_tensor(test_images)
    with torch.no_grad():
        codes = encode(autoencoder, to_tensor(images).to(device)).cpu()
        test_codes = encode(autoencoder, test_images.to(device)).cpu()
    for model in LATENT_GAN_MODELS if args.model == "all" else (args.model,):
        train_one(args, model, device, autoencoder=autoencoder, classifier=classifier, codes=codes,
                  labels=torch.from_numpy(labels), test_codes=test_codes, test_labels=torch.from_numpy(test_labels),
                  test_images=test_images)


if __name__ == "__main__":
    main()
