"""Measured figures: `python -m nnimg.bench {ae,classifier,transfer,gan,gan-speed,wgan,restore,restore-speed,
findings,load,load-abuse,photos}`."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

from nnimg.data import load_test_split, load_train_split, to_tensor
from nnimg.findings import (FINDINGS_PATH, Measurements, autoencoders, findings_table, gans, restoration, save_findings,
                            transfer)
from nnimg.gan_training import build_dcgan, train_dcgan
from nnimg.metrics import classifier_features, frechet_distance, inception_score, psnr, sample_quality, ssim
from nnimg.paper_photos import share_read_right
from nnimg.registry import (AE_STUDY_DEPTH, LATENT_GAN_MODELS, REPO_ROOT, checkpoint_dir, shipped_autoencoders,
                            shipped_dcgans)
from nnimg.restore import DEGRADATIONS, degrade
from nnimg.sampling import fresh_samples, generate, noise, sample_digits
from nnimg.training import predict_logits, reconstruction_mse
from nnimg.ui.load import bench_load
from nnimg.ui.load_abuse import main as bench_load_abuse
from nnimg.transfer import balanced_indices, evaluate, train_few_labels, transfer_net
from nnimg.zoo import RESTORATION_METHODS, ModelZoo


def _median_seconds(function, *, repeats: int) -> float:
    function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _cold_start_seconds() -> tuple[float, float]:
    """Seconds for a fresh process to import the app (all checkpoints loaded), and the zoo alone."""
    def run(code: str) -> float:
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        return float(result.stdout.strip().splitlines()[-1])
    app = run("import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)")
    zoo = run("import time; t = time.perf_counter(); from nnimg.zoo import RESTORATION_METHODS, ModelZoo; ModelZoo(); "
              "print(time.perf_counter() - t)")
    return app, zoo


def bench_autoencoders() -> None:
    """Test MSE of every shipped AE beside PCA, training speed, latency and cold start."""
    torch.set_grad_enabled(False)
    test = to_tensor(load_test_split()[0])
    zoo = ModelZoo()
    pca = json.loads((checkpoint_dir() / "pca_metrics.json").read_text())["test_mse"]
    print(f"torch threads: {torch.get_num_threads()}; test split: {len(test)} images")
    print(f"{'d':>4} {'depth':>5} {'AE MSE':>9} {'PCA MSE':>9} {'PCA/AE':>7} {'train img/s':>11} "
          f"{'1 image ms':>10} {'1000 img ms':>11}")
    for shipped in shipped_autoencoders():
        if shipped.name in zoo.errors:
            print(f"{shipped.latent_dim:>4} {shipped.depth:>5}  {zoo.errors[shipped.name]}")
            continue
        model = zoo.autoencoders[shipped.name]
        mse = reconstruction_mse(model, test)
        metrics = json.loads(shipped.metrics_path.read_text())
        one = _median_seconds(lambda: model(test[:1]), repeats=50) * 1000
        batch = _median_seconds(lambda: model(test[:1000]), repeats=5) * 1000
        pca_mse = pca[str(shipped.latent_dim)]
        print(f"{shipped.latent_dim:>4} {shipped.depth:>5} {mse:>9.5f} {pca_mse:>9.5f} {pca_mse / mse:>7.2f} "
              f"{metrics['train_images_per_second']:>11.0f} {one:>10.2f} {batch:>11.1f}")
    app, zoo_only = _cold_start_seconds()
    print(f"cold start: import app (gradio, UI, all checkpoints) {app:.2f} s; load every checkpoint {zoo_only:.2f} s")


def bench_classifier() -> None:
    """The reference classifier's accuracy, its Inception Score on real digits, and the Fréchet
    distance between real test and real training digits (the floor for generated ones)."""
    zoo = ModelZoo()
    test_images, test_labels = load_test_split()
    train_images, _ = load_train_split()
    test_x = to_tensor(test_images)
    logits = predict_logits(zoo.classifier, test_x)
    accuracy = float((logits.argmax(1).numpy() == test_labels).mean())
    started = time.perf_counter()
    test_features = classifier_features(zoo.classifier, test_x)
    seconds = time.perf_counter() - started
    train_features = classifier_features(zoo.classifier, to_tensor(train_images[:10_000]))
    errors = int(round((1 - accuracy) * len(test_labels)))
    print(f"test accuracy: {accuracy:.4f} ({errors} errors in {len(test_labels)})")
    print(f"classifier-IS, real test digits: {inception_score(logits.softmax(1)):.3f} (ideal 10)")
    print(f"Fréchet distance, real test vs first 10,000 real training digits: "
          f"{frechet_distance(test_features, train_features):.3f} (the floor)")
    print(f"features for 10,000 images: {seconds:.2f} s")


def bench_transfer(latent_dims: tuple[int, ...] = (10, 20), draws: int = 5, label_count: int = 100,
                   steps: int = 300, pseudo_steps: int = 600, unlabelled_count: int = 20_000) -> None:
    """Test accuracy with 100 labels: pretrained encoder frozen / fine-tuned and the same network
    from scratch, per d; plain (no augmentation), with random 2-pixel shifts, and each of those
    followed by label spreading over the encoder's codes of unlabelled training digits."""
    train_images, train_labels = load_train_split()
    test_images, test_labels = load_test_split()
    test_x, test_y = to_tensor(test_images), torch.from_numpy(test_labels)
    unlabelled = to_tensor(train_images[np.random.default_rng(0).permutation(len(train_images))[:unlabelled_count]])
    zoo = ModelZoo()
    print(f"{label_count} labels from the training split, {draws} balanced draws (seeds 0..{draws - 1}), "
          f"MLP head 128, {steps} steps, batch 64; accuracy on all {len(test_y)} test digits")
    print(f"+ spread: labels spread over the encoder's codes of {unlabelled_count} unlabelled training digits, "
          f"then {pseudo_steps} more steps on them")
    print(f"{'recipe':<16} {'d':>3} {'frozen':>15} {'fine-tuned':>15} {'from scratch':>15}")
    recipes = (("plain", 0, False), ("shift-2", 2, False), ("plain + spread", 0, True), ("shift-2 + spread", 2, True))
    for recipe, max_shift, spread in recipes:
        for latent_dim in latent_dims:
            autoencoder = zoo.autoencoder(latent_dim, AE_STUDY_DEPTH)
            results: dict[str, list[float]] = {"frozen": [], "fine-tuned": [], "from scratch": []}
            for seed in range(draws):
                chosen = balanced_indices(train_labels, label_count, seed=seed)
                x, y = to_tensor(train_images[chosen]), torch.from_numpy(train_labels[chosen])
                for regime, pretrained, fine_tune in (("frozen", True, False), ("fine-tuned", True, True),
                                                      ("from scratch", False, True)):
                    net = transfer_net(autoencoder, pretrained=pretrained, fine_tune=fine_tune, hidden=128, seed=seed)
                    list(train_few_labels(net, x, y, unlabelled if spread else None, steps=steps,
                                          pseudo_steps=pseudo_steps, max_shift=max_shift, seed=seed,
                                          report_every=steps))
                    results[regime].append(evaluate(net, test_x, test_y)[0])
            cells = " ".join(f"{100 * np.mean(v):>8.1f} ± {100 * np.std(v):4.1f}" for v in results.values())
            print(f"{recipe:<16} {latent_dim:>3} {cells}", flush=True)


def _shares(quality: dict) -> str:
    return " ".join(f"{share:.0%}" for share in quality["digit_shares"])


def bench_gan(samples: int = 1000, early_steps: int = 100) -> None:
    """Per generator loss: classifier-IS, Fréchet distance, unsure share and digit shares of fresh
    samples, the generator-gradient norm early in training, and training throughput; real test
    digits by the same measure for reference."""
    zoo = ModelZoo()
    test_digits = to_tensor(load_test_split()[0])
    real = classifier_features(zoo.classifier, test_digits)
    early = {}
    print(f"{samples} samples per loss (seed 0); Fréchet distance to the 10,000 real test digits")
    print(f"(real digits): the first {samples} test digits, by the same measure; "
          "unsure: the share the classifier puts under 90% on any digit")
    gradient_header = f"|grad G|, first {early_steps} steps"
    print(f"{'loss':<15} {'IS':>5} {'Fréchet':>8} {'unsure':>6} {gradient_header:>26} {'train img/s':>11}  "
          "digit shares 0-9")
    reference = sample_quality(test_digits[:samples], zoo.classifier, real)
    print(f"{'(real digits)':<15} {reference['inception_score']:>5.2f} {reference['frechet_distance']:>8.2f} "
          f"{reference['unsure_share']:>6.1%} {'':>26} {'':>11}  {_shares(reference)}")
    for shipped in shipped_dcgans():
        loss = shipped.loss
        records = json.loads(shipped.metrics_path.read_text())
        generator = zoo.dcgan(loss)
        quality = sample_quality(fresh_samples(generator, samples, seed=0).unsqueeze(1), zoo.classifier, real)
        early[loss] = float(np.mean([r["g_grad_norm"] for r in records["records"] if r["step"] <= early_steps]))
        print(f"{loss:<15} {quality['inception_score']:>5.2f} {quality['frechet_distance']:>8.2f} "
              f"{quality['unsure_share']:>6.1%} {early[loss]:>26.4g} {records['train_images_per_second']:>11.0f}  "
              f"{_shares(quality)}")
    print(f"early gradient norm, saturating / non-saturating: {early['saturating'] / early['non-saturating']:.2e}")


# (name, G's width, D's width, InfoGAN categories, D steps per G step): ours and the course's DCGAN
GAN_SPEED_RECIPES = (("InfoGAN, D width 128, 1 D step (shipped)", 64, 128, 10, 1),
                     ("plain, D width 64, 3 D steps (write-up)", 64, 64, 0, 3))


def bench_gan_speed(steps: int = 40, batch_size: int = 64) -> None:
    """Training throughput of the DCGAN recipes: generator images per second of `train_dcgan`
    (median of 3 runs of `steps` steps, after one warm-up run), on this machine as it is."""
    images = to_tensor(load_test_split()[0])
    print(f"torch threads: {torch.get_num_threads()}; {steps} generator steps of batch {batch_size}, median of 3 runs")
    for name, width, d_width, categories, d_steps in GAN_SPEED_RECIPES:
        networks = build_dcgan(width=width, d_width=d_width, categories=categories, lr=2e-3, seed=0)
        seconds = _median_seconds(lambda: list(train_dcgan(*networks, images, loss="non-saturating", steps=steps,
                                                           batch_size=batch_size, d_steps=d_steps)), repeats=3)
        print(f"{name:<42} {steps * batch_size / seconds:>5.0f} img/s  ({seconds / steps * 1000:.0f} ms per G step)")


def bench_wgan(samples: int = 10_000) -> None:
    """Per latent GAN: classifier-IS, Fréchet distance, digit shares; for the conditional ones how
    often the classifier agrees with the asked digit; and the time to sample 64 images."""
    zoo = ModelZoo()
    real = classifier_features(zoo.classifier, to_tensor(load_test_split()[0]))
    print(f"{samples} samples per model (seed 0; conditional: {samples // 10} per digit); Fréchet to real test digits")
    print(f"{'model':<11} {'IS':>5} {'Fréchet':>8} {'agrees':>7} {'worst digit':>11} {'64 samples ms':>13}  shares 0-9")
    for model in LATENT_GAN_MODELS:
        generator, autoencoder = zoo.latent_gan(model)
        conditional = generator.config.conditional
        labels = torch.arange(samples) % 10 if conditional else None
        images = generate(generator, autoencoder, noise(samples, generator.config.noise_dim, seed=0), labels)
        quality = sample_quality(images.unsqueeze(1), zoo.classifier, real)
        agreement = worst = ""
        if conditional:
            predicted = predict_logits(zoo.classifier, images.unsqueeze(1)).argmax(1)
            per_digit = [(predicted[labels == d] == d).float().mean().item() for d in range(10)]
            agreement = f"{(predicted == labels).float().mean().item():.2%}"
            worst = f"{min(per_digit):.1%} ({int(np.argmin(per_digit))})"
        latency = _median_seconds(lambda: sample_digits(generator, autoencoder, 64, seed=1,
                                                        digit=3 if conditional else None), repeats=50) * 1000
        print(f"{model:<11} {quality['inception_score']:>5.2f} {quality['frechet_distance']:>8.2f} {agreement:>7} "
              f"{worst:>11} {latency:>13.1f}  {_shares(quality)}")


def bench_restore(count: int = 200, steps: int = 300) -> None:
    """Every restoration method against every degradation on the first `count` test digits:
    PSNR and SSIM over the whole image, and how often the reference classifier reads them right."""
    zoo = ModelZoo()
    images, labels = load_test_split()
    clean, truth = to_tensor(images[:count]), torch.from_numpy(labels[:count])

    def accuracy(batch: torch.Tensor) -> float:
        return float((predict_logits(zoo.classifier, batch).argmax(1) == truth).float().mean())

    print(f"{count} test digits, {steps} steps, seed 0; clean accuracy {accuracy(clean):.1%}")
    print(f"{'degradation':<11} {'method':<11} {'PSNR dB':>8} {'SSIM':>6} {'read right':>10} {'seconds':>8}")
    for degradation in DEGRADATIONS:
        degraded = degrade(clean, degradation, seed=0)
        observed = degraded.observed.clamp(0, 1)
        print(f"{degradation:<11} {'(input)':<11} {psnr(observed, clean).mean():>8.2f} "
              f"{ssim(observed, clean).mean():>6.3f} "
              f"{accuracy(observed):>10.1%}")
        for method in RESTORATION_METHODS:
            started = time.perf_counter()
            restored = list(zoo.restore(method, degraded, steps=steps, seed=0))[-1]["restored"]
            seconds = time.perf_counter() - started
            print(f"{'':<11} {method:<11} {psnr(restored, clean).mean():>8.2f} {ssim(restored, clean).mean():>6.3f} "
                  f"{accuracy(restored):>10.1%} {seconds:>8.1f}", flush=True)
    bench_restore_speed(steps=steps, zoo=zoo)


def bench_restore_speed(steps: int = 300, zoo: ModelZoo | None = None) -> None:
    """Seconds to restore one digit (10x10 window) with each method: the app's interactive case."""
    zoo = zoo or ModelZoo()
    one = degrade(to_tensor(load_test_split()[0][:1]), "window-10", seed=0)
    print(f"torch threads: {torch.get_num_threads()}")
    for method in RESTORATION_METHODS:
        seconds = _median_seconds(lambda: list(zoo.restore(method, one, steps=steps, seed=0)), repeats=3)
        print(f"one image, {steps} steps, {method}: {seconds:.2f} s")


def bench_photos(count: int = 1000) -> None:
    """Test digits photographed on paper (nnimg/paper_photos.py) through the app's upload path: the share
    the reference classifier reads right, per light and file format."""
    classifier = ModelZoo().classifier
    images, labels = load_test_split()
    images, labels = images[:count], labels[:count]
    print(f"{count} test digits photographed on paper (240x240, tinted, noisy, blurred), read by the reference "
          "classifier after the upload path")
    for shaded, light in ((False, "even light"), (True, "uneven light + vignette")):
        for file_format in ("png", "jpeg", "png16"):
            started = time.perf_counter()
            share = share_read_right(classifier, images, labels, file_format=file_format, shaded=shaded)
            per_photo = (time.perf_counter() - started) / count * 1000
            print(f"{light:24s} {file_format:6s} read right {share:6.1%}  ({per_photo:.0f} ms per photo)")


def bench_findings() -> None:
    """The course's findings measured on the shipped checkpoints (nnimg/findings), printed as a Markdown
    table and written to docs/findings.json (the app's panels) and the README's table."""
    measures = (autoencoders.autoencoder_error, autoencoders.thin_subset, autoencoders.uniform_latent,
                autoencoders.correlation_mean, autoencoders.correlation_max, transfer.transfer_one_layer,
                transfer.transfer_heads_and_size, gans.noise_space_paths, gans.plain_latent_gan,
                gans.paper_wgan_settings, gans.saturating_loss, restoration.inversion, restoration.restoration,
                restoration.uniform_prior_by_start, autoencoders.fully_connected_layers, gans.conditional_wgan,
                gans.larger_discriminator, restoration.faces, restoration.faces_l1_against_l2,
                autoencoders.adam_against_sgd, autoencoders.train_and_test_curves, autoencoders.outside_the_data,
                gans.interpolation_by_size)
    m, findings = Measurements(), []
    for measure in measures:
        started = time.perf_counter()
        findings.append(measure(m))
        print(f"finding {findings[-1].number}: {findings[-1].verdict} ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr, flush=True)
    table = findings_table(findings)
    print(table)
    save_findings(findings)
    readme = REPO_ROOT / "README.md"
    start, end = "<!-- findings: python -m nnimg.bench findings -->", "<!-- /findings -->"
    text = readme.read_text()
    if start in text and end in text:
        readme.write_text(text[:text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):])
    print(f"-> {FINDINGS_PATH.relative_to(REPO_ROOT)} and the README's table", file=sys.stderr)


BENCHMARKS = {"ae": bench_autoencoders, "classifier": bench_classifier, "transfer": bench_transfer,
              "gan": bench_gan, "gan-speed": bench_gan_speed, "wgan": bench_wgan, "restore": bench_restore,
              "restore-speed": bench_restore_speed, "findings": bench_findings, "load": bench_load,
              "load-abuse": bench_load_abuse, "photos": bench_photos}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS))
    BENCHMARKS[parser.parse_args().benchmark]()


if __name__ == "__main__":
    main()
