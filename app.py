"""nnimg: an interactive lab for generative models of MNIST digits (the Gradio app).

    pip install -r requirements.txt && python app.py      # http://127.0.0.1:7860
"""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import plotly.graph_objects as go
import torch

from nnimg.checkpoints import CheckpointError
from nnimg.registry import (AE_DEFAULT_DEPTH, AE_DEPTH_SWEEP, AE_LATENT_DIMS, AE_STUDY_DEPTH, AE_UNIFORM_LATENT_DIMS,
                            LATENT_GAN_MODELS, dcgan, latent_gan)
from nnimg.data import load_labelled_pool, load_test_split, load_unlabelled_pool, to_tensor
from nnimg.gan_training import dcgan_optimizers, fresh_samples, train_dcgan
from nnimg.grids import read_snapshots
from nnimg.latent import (CodeCache, correlation_by_dim, decode_and_classify, encode, interpolate_codes,
                          moments_table, project_2d, sample_box)
from nnimg.losses import GENERATOR_LOSSES
from nnimg.metrics import classifier_features, classify, psnr, sample_quality, ssim
from nnimg.models.autoencoder import Autoencoder
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator
from nnimg.plots import (confusion_matrix, coordinate_histograms, correlation_heatmap, critic_curves, digit_share_bars,
                         gan_curves, image_grid, image_rows, live_gan_curves, mse_curve, scatter_codes, summary_curves)
from nnimg.preprocess import InvalidImageError, read_image_file, to_mnist_digit
from nnimg.restore import DEGRADATIONS, Degraded, apply_mask, degrade, window_mask
from nnimg.sampling import generate, label_path, noise, noise_path, sample_digits
from nnimg.transfer import (balanced_indices, evaluate, nearest_neighbour_accuracy, train_transfer,
                            train_with_label_spreading, transfer_net)
from nnimg.zoo import RESTORATION_METHODS, ModelZoo, read_metrics

CSS = """
.pixelated img { image-rendering: pixelated; width: 100% !important; height: 100% !important; object-fit: contain; }
.pixelated .image-container { padding-top: 2.2em; box-sizing: border-box; }  /* room for the floating label */
"""
TEST_IMAGES, TEST_LABELS = load_test_split()
ZOO = ModelZoo()
TEST_X = to_tensor(TEST_IMAGES)
GRID_INDICES = [int(np.flatnonzero(TEST_LABELS == digit)[0]) for digit in range(10)]
CORRELATION_INDICES = np.random.default_rng(0).choice(len(TEST_IMAGES), 8000, replace=False)
TEST_CODES = CodeCache(TEST_X)
CORRELATION_CODES = CodeCache(TEST_X[CORRELATION_INDICES])
AE_CHOICES = [(f"d = {d}", f"ae_d{d}_l{AE_DEFAULT_DEPTH}") for d in AE_LATENT_DIMS]
AE_CHOICES += [(f"d = {d}, {AE_STUDY_DEPTH} conv layers", f"ae_d{d}_l{AE_STUDY_DEPTH}")
               for d in AE_DEPTH_SWEEP[AE_STUDY_DEPTH]]
AE_CHOICES += [(f"uniform-latent, d = {d}, {AE_STUDY_DEPTH} conv layers", f"ae_uniform_d{d}_l{AE_STUDY_DEPTH}")
               for d in AE_UNIFORM_LATENT_DIMS]
POOL_IMAGES, POOL_LABELS = load_labelled_pool()
UNLABELLED_IMAGES, UNLABELLED_LABELS = load_unlabelled_pool()
TEST_Y = torch.from_numpy(TEST_LABELS)
MAX_STEPS, MAX_SAMPLES, MAX_TRANSFER_STEPS, MAX_LIVE_GAN_STEPS, MAX_GAN_SAMPLES = 16, 64, 1000, 1000, 100
LATENT_GAN_NAMES = {"gan": "plain GAN", "wgan-paper": "WGAN, the paper's settings (clip 0.01)",
                    "wgan": "WGAN (clip 0.12)", "cwgan": "conditional WGAN (clip 0.12)",
                    "cwgan-gp": "conditional WGAN-GP with an auxiliary code classifier"}
UNCONDITIONAL_GAN, CONDITIONAL_GAN = "wgan", "cwgan-gp"
DIGIT_CHOICES = ["any"] + [str(digit) for digit in range(10)]
MAX_RESTORE_STEPS = 1000
METHOD_NAMES = {"gan": "DCGAN prior", "latent-gan": "latent WGAN prior", "ae": "AE prior (MAP)",
                "uniform-ae": "uniform-latent AE prior", "classical": "Gaussian (Wiener / conditional mean)"}
CUSTOM_DEGRADATIONS = ("custom window", "painted mask")
PRESET_PAIRS = {"1 → 5": (1, 5), "3 → 6": (3, 6), "0 → 4": (0, 4)}


# ---- shared helpers ---------------------------------------------------------------------------


def _digit(image: dict | str | None) -> np.ndarray:
    """The 28x28 digit a model sees, or a gr.Error a student understands.

    `image` is the raw payload of an image input (events run with preprocess=False, so that a file
    that is not an image reaches us and gets a plain answer instead of Gradio's internal error).
    """
    path = image.get("path") if isinstance(image, dict) else image
    try:
        return to_mnist_digit(read_image_file(path))
    except InvalidImageError as error:
        raise gr.Error(str(error)) from None


def _whole_number(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise gr.Error(f"The {name} must be a whole number, not {value!r}.") from None


def _autoencoder(name: str) -> Autoencoder:
    shipped = ZOO.shipped.get(name)
    if shipped is None:
        raise gr.Error(f"Unknown autoencoder {name!r}; choose one of {', '.join(n for _, n in AE_CHOICES)}.")
    try:
        return ZOO.autoencoder(shipped.latent_dim, shipped.depth, uniform=shipped.uniform)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None


def _classifier() -> torch.nn.Module:
    try:
        return ZOO.classifier
    except CheckpointError as error:
        raise gr.Error(str(error)) from None


def _bounded(value, name: str, low: int, high: int) -> int:
    number = _whole_number(value, name)
    if not low <= number <= high:
        raise gr.Error(f"The {name} must be between {low} and {high}, not {number}.")
    return number


def _captions(labels: np.ndarray, confidence: np.ndarray) -> list[str]:
    return [f"{label} {p:.0%}" for label, p in zip(labels, confidence)]


# ---- Reconstruction tab -----------------------------------------------------------------------


def test_digit(index: float) -> np.ndarray:
    """One digit of the MNIST test split, by index."""
    if index is None or not float(index).is_integer() or not 0 <= index < len(TEST_IMAGES):
        raise gr.Error(f"The test split has images 0 to {len(TEST_IMAGES) - 1}; {index} is not one of them.")
    return TEST_IMAGES[int(index)]


def random_index() -> int:
    """A random index into the test split."""
    return int(np.random.default_rng().integers(len(TEST_IMAGES)))


def use_drawing(sketch: dict | None) -> np.ndarray:
    """The drawn digit, brought to MNIST's convention."""
    composite = (sketch or {}).get("composite")
    try:
        return to_mnist_digit(composite)
    except InvalidImageError as error:
        raise gr.Error("The drawing is empty: draw a digit first." if composite is not None else str(error)) from None


def latent_dims_for_depth(depth: int, latent_dim: int) -> gr.Dropdown:
    """Offer only the latent sizes that ship at this depth, keeping the current one if it does."""
    dims = ZOO.latent_dims(int(depth))
    value = int(latent_dim) if int(latent_dim) in dims else min(dims, key=lambda d: abs(d - int(latent_dim)))
    return gr.Dropdown(choices=dims, value=value)


def reconstruct(image: dict | str | None, latent_dim: int, depth: int):
    """Reconstruct a digit with the chosen AE; also show it at every shipped d of that depth."""
    digit = _digit(image)
    latent_dim, depth = _whole_number(latent_dim, "latent size"), _whole_number(depth, "depth")
    try:
        reconstruction, mse = ZOO.reconstruct(digit[None], latent_dim, depth)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None
    digits = np.concatenate([digit[None], TEST_IMAGES[GRID_INDICES]])
    rows = [("input", digits, None)]
    for d in ZOO.latent_dims(depth):
        try:
            rows.append((f"d = {d}", ZOO.reconstruct(digits, d, depth)[0], None))
        except CheckpointError:
            gr.Warning(f"The d = {d}, depth {depth} checkpoint is missing; its row is left out.")
    summary = f"**MSE per pixel: {mse[0]:.5f}** (d = {latent_dim}, {depth} conv layer{'s' * (depth > 1)})"
    return (reconstruction[0] * 255).round().astype(np.uint8), digit, summary, image_rows(rows)


# ---- Latent space tab -------------------------------------------------------------------------


def latent_scatter(model_name: str, projection: str, x_coordinate: float, y_coordinate: float) -> go.Figure:
    """The test codes of an AE on two coordinates or their first two principal components."""
    codes = TEST_CODES.codes(model_name, _autoencoder(model_name))
    latent_dim = codes.shape[1]
    coordinates = None
    if projection == "two coordinates" or latent_dim == 2:
        coordinates = (_bounded(x_coordinate, "x coordinate", 0, latent_dim - 1),
                       _bounded(y_coordinate, "y coordinate", 0, latent_dim - 1))
    points, x_title, y_title = project_2d(codes, coordinates=coordinates)
    return scatter_codes(points, TEST_LABELS, x_title=x_title, y_title=y_title,
                         title=f"10,000 test codes, {dict((v, k) for k, v in AE_CHOICES)[model_name]}")


def latent_box_samples(model_name: str, count: float, seed: float):
    """Decode real codes and codes drawn uniformly from the box the codes span, with the
    classifier's label and confidence under each."""
    model, classifier = _autoencoder(model_name), _classifier()
    count, seed = _bounded(count, "number of samples", 1, MAX_SAMPLES), _whole_number(seed, "seed")
    codes = TEST_CODES.codes(model_name, model)
    chosen = torch.from_numpy(np.random.default_rng(seed).choice(len(codes), count, replace=False))
    box = sample_box(codes.min(0).values, codes.max(0).values, count, seed=seed)
    real_images, real_labels, real_confidence = decode_and_classify(model, classifier, codes[chosen])
    box_images, box_labels, box_confidence = decode_and_classify(model, classifier, box)
    columns = 8
    rows = []
    for name, images, labels, confidence in (("real", real_images, real_labels, real_confidence),
                                             ("box", box_images, box_labels, box_confidence)):
        for start in range(0, count, columns):
            part = slice(start, start + columns)
            rows.append((name if start == 0 else "", images[part], _captions(labels[part], confidence[part])))
    summary = (f"Mean classifier confidence: **{real_confidence.mean():.1%}** on decoded real codes, "
               f"**{box_confidence.mean():.1%}** on codes drawn uniformly from their box; confident (> 90%) on "
               f"{(real_confidence > 0.9).mean():.0%} and {(box_confidence > 0.9).mean():.0%} of them.")
    return image_rows(rows), summary


def latent_correlation(model_name: str):
    """Pearson correlation of the chosen AE's coordinates, and the summaries against d."""
    codes = CORRELATION_CODES.codes(model_name, _autoencoder(model_name)).numpy()
    matrix = np.corrcoef(codes, rowvar=False)
    heatmap = correlation_heatmap(matrix, title=f"Pearson r between coordinates, d = {codes.shape[1]}")
    return heatmap, _correlation_curve()


@functools.cache
def _correlation_curve() -> go.Figure:
    """The three correlation summaries against d for the latent sweep's AEs (fixed, so built once)."""
    sweep = {d: f"ae_d{d}_l{AE_DEFAULT_DEPTH}" for d in AE_LATENT_DIMS}
    curves = correlation_by_dim({d: CORRELATION_CODES.codes(name, ZOO.autoencoders[name])
                                 for d, name in sweep.items() if name in ZOO.autoencoders})
    names = {"mean_abs_r_with_diagonal": "mean |r|, diagonal included",
             "mean_abs_r_off_diagonal": "mean |r|, off the diagonal",
             "max_abs_r_off_diagonal": "max |r| off the diagonal"}
    return summary_curves({names[key]: values for key, values in curves.items()},
                          title="Correlation of latent coordinates against d (8,000 test images)", y_title="|r|")


def uniform_report(latent_dim: float):
    """The uniform-latent AE beside the plain AE of the same d: histograms, moments, errors, samples."""
    latent_dim = _whole_number(latent_dim, "latent size")
    if latent_dim not in AE_UNIFORM_LATENT_DIMS:
        raise gr.Error(f"The uniform-latent AE ships at d = {', '.join(map(str, AE_UNIFORM_LATENT_DIMS))}.")
    names = {"plain": f"ae_d{latent_dim}_l{AE_STUDY_DEPTH}",
             "uniform-latent": f"ae_uniform_d{latent_dim}_l{AE_STUDY_DEPTH}"}
    models = {kind: _autoencoder(name) for kind, name in names.items()}
    classifier = _classifier()
    codes = {kind: TEST_CODES.codes(names[kind], model) for kind, model in models.items()}
    plain = codes["plain"]
    rescaled = (plain - plain.min(0).values) / (plain.max(0).values - plain.min(0).values)  # to compare shapes
    histograms = coordinate_histograms(
        {"plain (min-max rescaled to [0, 1])": rescaled.numpy(), "uniform-latent": codes["uniform-latent"].numpy()},
        coordinates=min(latent_dim, 10), title=f"Test codes per coordinate, d = {latent_dim}, against Uniform[0, 1]")
    table, rows = [], []
    uniform_codes = torch.rand(32, latent_dim, generator=torch.Generator().manual_seed(0))
    for kind, model in models.items():
        moments = moments_table(codes[kind])
        mse = (read_metrics(ZOO.shipped[names[kind]].metrics_path) or {}).get("test_mse")
        images, labels, confidence = decode_and_classify(model, classifier, uniform_codes)
        table.append([kind] + [round(moments[name], 4) for name in ("mean", "variance", "skewness", "kurtosis")]
                     + [None if mse is None else round(mse, 5), f"{confidence.mean():.1%}"])
        rows += [(kind, images[:16], _captions(labels[:16], confidence[:16])),
                 ("", images[16:], _captions(labels[16:], confidence[16:]))]
    table.append(["Uniform[0, 1]", 0.5, round(1 / 12, 4), 0.0, 1.8, None, None])
    return histograms, table, image_rows(rows)


# ---- Interpolation tab ------------------------------------------------------------------------


def interpolation_preset(pair: str):
    """The write-ups' pairs (1 -> 5, 3 -> 6, 0 -> 4) as two test digits."""
    if pair not in PRESET_PAIRS:
        raise gr.Error(f"Unknown pair {pair!r}; choose one of {', '.join(PRESET_PAIRS)}.")
    first, second = PRESET_PAIRS[pair]
    return TEST_IMAGES[GRID_INDICES[first]], TEST_IMAGES[GRID_INDICES[second]]


def _interpolation_frames(model_name: str, digit_a: np.ndarray, digit_b: np.ndarray, steps: int):
    model = _autoencoder(model_name)
    ends = encode(model, to_tensor(np.stack([digit_a, digit_b])))
    return decode_and_classify(model, _classifier(), interpolate_codes(ends[0], ends[1], steps))


def interpolate(image_a, image_b, latent_dim: float, steps: float):
    """Decode (1 - a) E(x1) + a E(x2) with the plain AE of size d: the strip (steps frames of
    28x28 side by side) and the classifier's reading of each frame."""
    digit_a, digit_b = _digit(image_a), _digit(image_b)
    latent_dim, steps = _whole_number(latent_dim, "latent size"), _bounded(steps, "number of steps", 2, MAX_STEPS)
    images, labels, confidence = _interpolation_frames(f"ae_d{latent_dim}_l{AE_DEFAULT_DEPTH}", digit_a, digit_b, steps)
    return image_grid(images, columns=steps), " → ".join(_captions(labels, confidence))


def interpolate_rows(image_a, image_b, model_names: list[str], steps: float):
    """One strip per chosen AE, with the classifier's label and confidence under each frame."""
    digit_a, digit_b = _digit(image_a), _digit(image_b)
    steps = _bounded(steps, "number of steps", 2, MAX_STEPS)
    if not model_names:
        raise gr.Error("Choose at least one autoencoder to interpolate with.")
    labels_by_name = dict((name, label) for label, name in AE_CHOICES)
    rows, missing = [], []
    for name in model_names:
        try:
            images, labels, confidence = _interpolation_frames(name, digit_a, digit_b, steps)
        except gr.Error as error:
            missing.append(str(error))
            continue
        rows.append((labels_by_name.get(name, name), images, _captions(labels, confidence)))
    if not rows:
        raise gr.Error(" ".join(missing))
    for message in missing:
        gr.Warning(message)
    return image_rows(rows)



# ---- Transfer tab -----------------------------------------------------------------------------


def transfer_train(latent_dim: float, regime: str, label_count: float, hidden: float, steps: float,
                   unlabelled_count: float = 10_000, shifts: bool = False, progress=gr.Progress()):
    """Train a small MLP head on the AE's encoder (and on a random encoder) with a few labels, then
    optionally self-train on labels spread over unlabelled digits; stream progress, then report
    test accuracy on all 10,000 test digits and a confusion matrix."""
    latent_dim = _whole_number(latent_dim, "latent size")
    label_count = _bounded(label_count, "number of labels", 10, len(POOL_LABELS))
    hidden = _bounded(hidden, "hidden width", 8, 1024)
    steps = _bounded(steps, "number of steps", 20, MAX_TRANSFER_STEPS)
    unlabelled_count = _bounded(unlabelled_count, "number of unlabelled digits", 0, len(UNLABELLED_IMAGES))
    if regime not in ("frozen", "fine-tuned"):
        raise gr.Error(f"The encoder is either 'frozen' or 'fine-tuned', not {regime!r}.")
    if label_count % 10:
        raise gr.Error(f"The number of labels must be a multiple of 10 (the same number per digit), not {label_count}.")
    autoencoder = _autoencoder(f"ae_d{latent_dim}_l{AE_STUDY_DEPTH}")
    chosen = balanced_indices(POOL_LABELS, label_count, seed=0)
    images, labels = to_tensor(POOL_IMAGES[chosen]), torch.from_numpy(POOL_LABELS[chosen])
    unlabelled = to_tensor(UNLABELLED_IMAGES[:unlabelled_count])
    max_shift, pseudo_steps = 2 if shifts else 0, 2 * steps if unlabelled_count else 0
    rows, confusion = [], None
    runs = (("pretrained encoder", True), ("random encoder", False))
    for run, (name, pretrained) in enumerate(runs):
        net = transfer_net(autoencoder, pretrained=pretrained, fine_tune=regime == "fine-tuned", hidden=hidden, seed=0)
        spread_right = None
        if unlabelled_count:
            records = train_with_label_spreading(net, images, labels, unlabelled, steps=steps,
                                                 pseudo_steps=pseudo_steps, max_shift=max_shift,
                                                 report_every=max(1, steps // 20))
        else:
            records = train_transfer(net, images, labels, steps=steps, max_shift=max_shift,
                                     report_every=max(1, steps // 20))
        for record in records:
            if "pseudo_labels" in record:
                truth = torch.from_numpy(UNLABELLED_LABELS[:unlabelled_count])
                spread_right = float((record["pseudo_labels"] == truth).float().mean())
            stage = {"spread": f"labels spread over {unlabelled_count} codes",
                     "pseudo-labelled": "self-training on spread labels"}.get(record.get("stage"), "labelled digits")
            progress((run + record["step"] / (steps + pseudo_steps)) / (len(runs) + 1),
                     desc=f"{name}, {stage}: step {record['step']}/{steps + pseudo_steps}")
        accuracy, counts = evaluate(net, TEST_X, TEST_Y)
        rows.append([f"{name}, {regime}", round(accuracy, 4), "" if spread_right is None else round(spread_right, 4)])
        confusion = confusion if confusion is not None else counts
    progress(len(runs) / (len(runs) + 1), desc="1-nearest neighbour on pixels")
    pixels = nearest_neighbour_accuracy(images, labels, TEST_X, TEST_Y)
    rows.append(["pixels, 1-nearest neighbour", round(pixels, 4), ""])
    figure = confusion_matrix(confusion, title=f"Pretrained encoder (d = {latent_dim}, {regime}), {label_count} labels")
    return rows, figure


# ---- GAN losses tab ---------------------------------------------------------------------------


def _loss(loss: str) -> str:
    if loss not in GENERATOR_LOSSES:
        raise gr.Error(f"Unknown generator loss {loss!r}; choose one of {', '.join(GENERATOR_LOSSES)}.")
    return loss


@functools.cache
def _dcgan_snapshots(loss: str) -> list[np.ndarray]:
    path = dcgan(loss).samples_path
    try:
        return read_snapshots(path)
    except OSError:
        raise gr.Error(f"{path.name} is missing. Train it with: python train/train_dcgan.py --loss {loss}") from None


def _dcgan_records(loss: str) -> dict:
    records = read_metrics(dcgan(loss).metrics_path)
    if records is None:
        raise gr.Error(f"dcgan_{loss}.json is missing. Train it with: python train/train_dcgan.py --loss {loss}")
    return records


def gan_grid(loss: str, epoch: float = -1, seed: float = -1) -> np.ndarray:
    """An 8x8 grid (224x224) of samples from the shipped DCGAN of `loss`: after `epoch` epochs
    (-1: the end) from the fixed training noise (seed -1), or fresh noise from the final generator."""
    loss, epoch, seed = _loss(loss), _whole_number(epoch, "epoch"), _whole_number(seed, "seed")
    snapshots = _dcgan_snapshots(loss)
    last = len(snapshots) - 1
    if not -1 <= epoch <= last:
        raise gr.Error(f"The {loss} DCGAN has grids for epochs 0 to {last} (or -1 for the end), not {epoch}.")
    if seed == -1:
        return snapshots[epoch]
    if epoch not in (-1, last):
        raise gr.Error("Fresh noise needs the generator, and only the final one ships: use epoch -1 or seed -1.")
    try:
        generator = ZOO.dcgan(loss)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None
    return image_grid(fresh_samples(generator, 64, seed).numpy(), columns=8)


def gan_training_curves(loss: str) -> go.Figure:
    """D and G losses, D(x) and D(G(z)), and G's gradient norm along the shipped run of `loss`."""
    records = _dcgan_records(_loss(loss))
    return gan_curves(records["records"], title=loss, steps_per_epoch=records["steps_per_epoch"])


@functools.cache
def _real_features() -> torch.Tensor:
    return classifier_features(_classifier(), TEST_X)


def _quality_row(name: str, images: torch.Tensor) -> tuple:
    quality = sample_quality(images, _classifier(), _real_features())
    return (name, round(quality["inception_score"], 2), round(quality["frechet_distance"], 2),
            f"{quality['unsure_share']:.1%}", *[f"{share:.0%}" for share in quality["digit_shares"]])


@functools.cache
def _dcgan_quality(loss: str, count: int) -> tuple:
    """One table row for the shipped DCGAN of `loss`: fixed noise (seed 0), so computed once."""
    generator = ZOO.dcgan(loss)
    return _quality_row(loss, fresh_samples(generator, count, seed=0).unsqueeze(1))


@functools.cache
def _real_quality(count: int) -> tuple:
    """The reference row: the first `count` real test digits by the same measure."""
    return _quality_row("real test digits", TEST_X[:count])


def gan_quality(samples_per_loss: float = 1000):
    """Classifier-IS, Fréchet distance, unsure share and digit shares of fresh samples from each
    shipped DCGAN, under a row of as many real test digits."""
    count = _bounded(samples_per_loss, "number of samples", 100, 5000)
    rows = [list(_real_quality(count))]
    for loss in GENERATOR_LOSSES:
        if dcgan(loss).name in ZOO.errors:
            gr.Warning(ZOO.errors[dcgan(loss).name])
            continue
        rows.append(list(_dcgan_quality(loss, count)))
    return rows


def gan_live(losses: list[str], steps: float, lr: float, d_steps: float):
    """Train small DCGANs from scratch on the test digits, one per chosen loss, in turns; stream
    their grids (from the same noise) and curves every 10 steps."""
    losses = [_loss(loss) for loss in losses or []]
    if not losses:
        raise gr.Error("Choose at least one generator loss to train.")
    steps = _bounded(steps, "number of steps", 10, MAX_LIVE_GAN_STEPS)
    d_steps = _bounded(d_steps, "D steps per G step", 1, 5)
    lr = float(lr)
    if not 1e-5 <= lr <= 1e-2:
        raise gr.Error(f"The learning rate must be between 0.00001 and 0.01, not {lr}.")
    config, noise = DCGANConfig(width=16), torch.randn(64, 100, generator=torch.Generator().manual_seed(0))
    runs, records = {}, {loss: [] for loss in losses}
    for loss in losses:
        torch.manual_seed(0)
        generator, discriminator = Generator(config), Discriminator(config)
        optimizers = dcgan_optimizers(generator, discriminator, lr)
        runs[loss] = train_dcgan(generator, discriminator, *optimizers, TEST_X, loss=loss, steps=steps, d_steps=d_steps,
                                 record_every=10, snapshot_every=10, fixed_noise=noise)
    grids = {loss: None for loss in GENERATOR_LOSSES}
    for _ in range(0, steps, 10):
        for loss, run in runs.items():
            event = next(run)
            grids[loss] = image_grid(event.pop("samples").numpy(), columns=8)
            records[loss].append(event)
        yield [grids[loss] for loss in GENERATOR_LOSSES] + [live_gan_curves(records)]


# ---- Sampling tab -----------------------------------------------------------------------------


def _latent_gan(model: str):
    try:
        return ZOO.latent_gan(model)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None


def _asked_digit(digit) -> int | None:
    if str(digit).strip().lower() == "any":
        return None
    try:
        value = int(str(digit).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 9:
        raise gr.Error(f"The digit must be 0 to 9 or 'any', not {digit!r}.")
    return value


def sample(digit, count: float, seed: float):
    """Decoder(G(z)) samples: of the asked digit from the conditional WGAN, or 'any' from the
    unconditional one; the grid (10 per row, no borders), a captioned copy, and the classifier's tally."""
    digit = _asked_digit(digit)
    count, seed = _bounded(count, "number of samples", 1, MAX_GAN_SAMPLES), _whole_number(seed, "seed")
    generator, autoencoder = _latent_gan(CONDITIONAL_GAN if digit is not None else UNCONDITIONAL_GAN)
    images = sample_digits(generator, autoencoder, count, seed=seed, digit=digit)
    labels, confidence = classify(_classifier(), images.unsqueeze(1))
    images = images.numpy()
    rows = [("", images[start:start + 10], _captions(labels[start:start + 10], confidence[start:start + 10]))
            for start in range(0, count, 10)]
    tally = [[d, int((labels == d).sum()), f"{(labels == d).mean():.0%}"] for d in range(10)]
    if digit is None:
        summary = f"{count} samples from the {LATENT_GAN_NAMES[UNCONDITIONAL_GAN]}; the classifier's reading below."
    else:
        summary = (f"The classifier reads **{digit}** in **{(labels == digit).mean():.0%}** of {count} samples "
                   f"asked of the {LATENT_GAN_NAMES[CONDITIONAL_GAN]}.")
    return image_grid(images, columns=10), image_rows(rows), summary, tally


def _latent_gan_records(model: str) -> dict:
    if model not in LATENT_GAN_MODELS:
        raise gr.Error(f"Unknown model {model!r}; choose one of {', '.join(LATENT_GAN_MODELS)}.")
    records = read_metrics(latent_gan(model).metrics_path)
    if records is None:
        raise gr.Error(f"latent_{model}.json is missing. "
                       f"Train it with: python train/train_latent_gan.py --model {model}")
    return records


def latent_gan_training(model: str, snapshot: float):
    """Curves of one latent GAN's training and its decoded fixed-noise samples at a snapshot."""
    records = _latent_gan_records(model)
    grids = read_snapshots(latent_gan(model).samples_path)
    snapshot = min(_bounded(snapshot, "snapshot", -1, 100), len(grids) - 1)  # -1 or past the last: the last
    step = records["snapshot_steps"][snapshot]
    caption = f"Generator step {step} of {records['snapshot_steps'][-1]} ({records['steps_per_epoch']} per epoch)"
    return critic_curves(records["records"], title=LATENT_GAN_NAMES[model]), grids[snapshot], caption


def latent_gan_shares():
    """The share of each digit among 10,000 samples of every latent GAN (recorded after training)."""
    shares = {LATENT_GAN_NAMES[model]: records["quality_10000_samples"]["digit_shares"]
              for model in LATENT_GAN_MODELS if (records := read_metrics(latent_gan(model).metrics_path))}
    if not shares:
        raise gr.Error("No latent GAN is trained yet. Train them with: python train/train_latent_gan.py --model all")
    return digit_share_bars(shares, title="Digits among 10,000 samples (a collapsed GAN favours a few)")


def interpolate_noise(seed_a: float, seed_b: float, digit_a, digit_b, steps: float):
    """Paths in the latent WGANs' noise space: the unconditional WGAN from the noise of seed A to
    that of seed B; the conditional one from digit A to digit B (noise of seed A), with the
    classifier's reading under each frame."""
    seed_a, seed_b = _whole_number(seed_a, "seed A"), _whole_number(seed_b, "seed B")
    steps = _bounded(steps, "number of steps", 2, MAX_STEPS)
    first, second = _asked_digit(digit_a), _asked_digit(digit_b)
    classifier, rows = _classifier(), []
    generator, autoencoder = _latent_gan(UNCONDITIONAL_GAN)
    frames = generate(generator, autoencoder, noise_path(generator.config.noise_dim, seed_a, seed_b, steps))
    rows.append((f"WGAN noise, seed {seed_a} -> {seed_b}", frames))
    if first is not None and second is not None:
        generator, autoencoder = _latent_gan(CONDITIONAL_GAN)
        z = noise(1, generator.config.noise_dim, seed=seed_a).repeat(steps, 1)
        images = generate(generator, autoencoder, z, label_path(first, second, steps))
        rows.append((f"cWGAN label, {first} -> {second}", images))
    captioned = []
    for label, frames in rows:
        labels, confidence = classify(classifier, frames.unsqueeze(1))
        captioned.append((label, frames.numpy(), _captions(labels, confidence)))
    return image_rows(captioned)


# ---- Restoration tab --------------------------------------------------------------------------


def _painted_known(editor: dict | None) -> torch.Tensor:
    """The known-pixel mask from strokes painted on the enlarged digit: a 28x28 cell is erased
    where any of its pixels is painted."""
    layers = (editor or {}).get("layers") or []
    if not layers or layers[0] is None:
        raise gr.Error("Paint over the part of the digit to erase first.")
    layer = layers[0]
    try:
        layer = read_image_file(layer.get("path")) if isinstance(layer, dict) else np.asarray(layer)
    except InvalidImageError as error:
        raise gr.Error(f"The painted layer cannot be read: {error}") from None
    alpha = layer[..., -1] if layer.ndim == 3 else layer
    height, width = alpha.shape
    cells = alpha[: height // 28 * 28, : width // 28 * 28].reshape(28, height // 28, 28, width // 28)
    painted = torch.from_numpy(cells.max(axis=(1, 3)) > 0)
    if not painted.any():
        raise gr.Error("Paint over the part of the digit to erase first.")
    return (~painted).float().view(1, 1, 28, 28)


def _degraded(clean: torch.Tensor, degradation: str, seed: int, window: tuple = (10, 9, 9),
              editor: dict | None = None) -> Degraded:
    if degradation in DEGRADATIONS:
        return degrade(clean, degradation, seed=seed)
    if degradation == "custom window":
        size, top, left = (_whole_number(value, "window setting") for value in window)
        try:
            return apply_mask(clean, window_mask(size, top=top, left=left))
        except ValueError as error:
            raise gr.Error(f"The window does not fit: {error}.") from None
    if degradation == "painted mask":
        return apply_mask(clean, _painted_known(editor))
    choices = ", ".join(DEGRADATIONS + CUSTOM_DEGRADATIONS)
    raise gr.Error(f"Unknown degradation {degradation!r}; choose one of {choices}.")


def _method_events(method: str, degraded: Degraded, steps: int, seed: int):
    if method not in RESTORATION_METHODS:
        raise gr.Error(f"Unknown method {method!r}; choose one of {', '.join(RESTORATION_METHODS)}.")
    try:
        yield from ZOO.restore(method, degraded, steps=steps, seed=seed)
    except CheckpointError as error:
        raise gr.Error(str(error)) from None


def _as_uint8(image: torch.Tensor) -> np.ndarray:
    return (image[0, 0].clamp(0, 1).numpy() * 255).round().astype(np.uint8)


def _judge(restored: torch.Tensor, clean: torch.Tensor) -> tuple[float, float, int, float]:
    labels, confidence = classify(_classifier(), restored)
    return float(psnr(restored, clean)[0]), float(ssim(restored, clean)[0]), int(labels[0]), float(confidence[0])


def restore(image, degradation: str, method: str, steps: float, seed: float):
    """Degrade the digit (server-side, with the seed) and restore it with one method; streams the
    current estimate every 25 steps. Outputs: the restored 28x28, the degraded input, a summary."""
    clean = to_tensor(_digit(image)[None])
    steps, seed = _bounded(steps, "number of steps", 10, MAX_RESTORE_STEPS), _whole_number(seed, "seed")
    if degradation not in DEGRADATIONS:
        raise gr.Error(f"Unknown degradation {degradation!r}; choose one of {', '.join(DEGRADATIONS)}.")
    degraded = degrade(clean, degradation, seed=seed)
    observed = _as_uint8(degraded.observed)
    for event in _method_events(method, degraded, steps, seed):
        if "restored" in event:
            value, similarity, label, confidence = _judge(event["restored"], clean)
            yield (_as_uint8(event["restored"]), observed, f"**PSNR {value:.2f} dB, SSIM {similarity:.3f}**; the "
                   f"classifier reads {label} ({confidence:.0%}).")
        else:
            yield _as_uint8(event["estimate"]), observed, f"step {event['step']}/{steps}, loss {event['loss']:.4f}"


def restore_compare(image, degradation: str, methods: list[str], steps: float, seed: float, window_size: float,
                    window_top: float, window_left: float, editor: dict | None):
    """Every chosen method on the same degraded digit: live estimates, then one row per method with
    PSNR, SSIM and the classifier's label, and a before/after slider for the best."""
    clean = to_tensor(_digit(image)[None])
    steps, seed = _bounded(steps, "number of steps", 10, MAX_RESTORE_STEPS), _whole_number(seed, "seed")
    if not methods:
        raise gr.Error("Choose at least one method.")
    degraded = _degraded(clean, degradation, seed, (window_size, window_top, window_left), editor)
    observed = degraded.observed.clamp(0, 1)
    results, table = [], []
    for method in methods:
        for event in _method_events(method, degraded, steps, seed):
            if "restored" not in event:
                yield (None, None, table, f"{METHOD_NAMES[method]}: step {event['step']}/{steps}, "
                       f"loss {event['loss']:.4f}", _as_uint8(event["estimate"]))
        value, similarity, label, confidence = _judge(event["restored"], clean)
        results.append((method, event["restored"], value))
        table.append([METHOD_NAMES[method], round(value, 2), round(similarity, 3), label, f"{confidence:.0%}"])
    before = _judge(observed, clean)
    table.insert(0, ["degraded input", round(before[0], 2), round(before[1], 3), before[2], f"{before[3]:.0%}"])
    frames = torch.cat([clean, observed] + [restored for _, restored, _ in results])[:, 0].numpy()
    captions = ["clean", f"input {before[0]:.1f} dB"] + [f"{method} {value:.1f} dB" for method, _, value in results]
    rows = image_rows([("", frames, captions)], scale=4)
    best = max(results, key=lambda result: result[2])
    slider = (_as_uint8(observed), _as_uint8(best[1]))
    yield rows, slider, table, f"Done: the best here is the {METHOD_NAMES[best[0]]}.", _as_uint8(best[1])


def invert(image, prior: str, steps: float, seed: float):
    """Model inversion: the closest image a generator can make, and the loss along the way."""
    clean = to_tensor(_digit(image)[None])
    steps, seed = _bounded(steps, "number of steps", 10, MAX_RESTORE_STEPS), _whole_number(seed, "seed")
    if prior not in ("gan", "latent-gan"):
        raise gr.Error("Invert the DCGAN ('gan') or the latent WGAN ('latent-gan').")
    history = []
    for event in _method_events(prior, apply_mask(clean, torch.ones(1, 1, 28, 28)), steps, seed):
        history.append({"step": event["step"], "mse": event["loss"]})
        figure = summary_curves({"MSE of the best restart": {h["step"]: h["mse"] for h in history}},
                                title="Inversion loss", y_title="MSE")
        figure.update_xaxes(title="step", type="linear", tickvals=None)
        yield _as_uint8(event["estimate"]), figure, f"step {event['step']}/{steps}: MSE {event['loss']:.4f}"


def mask_canvas(image) -> dict:
    """The digit enlarged 10x, as the background to paint a mask on."""
    enlarged = np.kron(_digit(image), np.ones((10, 10), dtype=np.uint8))
    return {"background": np.stack([enlarged] * 3, axis=-1), "layers": [], "composite": None}


# ---- layout: one function per tab ---------------------------------------------------------------


def _digit_image(label: str, **kwargs) -> gr.Image:
    return gr.Image(label=label, format="png", image_mode=None, elem_classes="pixelated", height=200, **kwargs)


def _image_output(label: str, **kwargs) -> gr.Image:
    return gr.Image(label=label, format="png", interactive=False, elem_classes="pixelated", **kwargs)


def _drawing_input(title: str) -> tuple[gr.Sketchpad, gr.Button]:
    """A folded canvas to draw a digit on, and the button that sends the drawing on."""
    with gr.Accordion(title, open=False):
        sketch = gr.Sketchpad(label="Draw", type="numpy", canvas_size=(280, 280),
                              brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"))
        return sketch, gr.Button("Use drawing")


OnLoad = list[tuple]  # (handler, inputs, outputs) to run when the page opens


def reconstruction_tab() -> OnLoad:
    with gr.Row():
        with gr.Column(scale=1):
            digit_input = _digit_image("Digit (upload, paste, or pick below)", type="filepath", value=TEST_IMAGES[0],
                                       sources=["upload", "clipboard"])
            with gr.Accordion("Pick from the MNIST test split", open=True):
                with gr.Row():
                    index = gr.Number(label="Test index (0-9999)", value=0, precision=0, minimum=0, maximum=9999)
                    random_button = gr.Button("Random digit")
                gr.Examples([[i] for i in GRID_INDICES], inputs=index, label="One of each digit",
                            example_labels=[f"a {digit}" for digit in range(10)])
            sketch, use_drawing_button = _drawing_input("Draw a digit")
        with gr.Column(scale=1):
            with gr.Row():
                depth = gr.Radio([1, 2, 3], value=AE_DEFAULT_DEPTH, label="Conv layers (depth)")
                latent_dim = gr.Dropdown(list(AE_LATENT_DIMS), value=10, label="Latent size d")
            with gr.Row():
                model_input = _digit_image("What the model sees (28x28)", interactive=False)
                reconstruction = _digit_image("Reconstruction", interactive=False)
            summary = gr.Markdown()
    comparison = gr.Image(label="The same digits at every shipped d (first column: yours)", format="png",
                          interactive=False, elem_classes="pixelated")
    gr.Plot(mse_curve(ZOO.mse_curves(), title="Test reconstruction error against latent size"))

    index.change(test_digit, index, digit_input, api_name="test_digit")
    random_button.click(random_index, None, index, api_name="random_index")
    use_drawing_button.click(use_drawing, sketch, digit_input, api_name="use_drawing")
    inputs, outputs = [digit_input, latent_dim, depth], [reconstruction, model_input, summary, comparison]
    gr.on([digit_input.change, latent_dim.change], reconstruct, inputs, outputs, api_name="reconstruct",
          preprocess=False)
    depth.change(latent_dims_for_depth, [depth, latent_dim], latent_dim, api_name="latent_dims_for_depth").then(
        reconstruct, inputs, outputs, api_visibility="private", preprocess=False)
    return [(reconstruct, inputs, outputs)]


def latent_space_tab() -> OnLoad:
    gr.Markdown("Where do an autoencoder's codes live? Pick a model; everything below uses the 10,000 test digits.")
    model_name = gr.Dropdown(AE_CHOICES, value=f"ae_d2_l{AE_DEFAULT_DEPTH}", label="Autoencoder")
    with gr.Row():
        projection = gr.Radio(["two coordinates", "principal components"], value="two coordinates",
                              label="Projection (d > 2)")
        x_coordinate = gr.Number(value=0, precision=0, minimum=0, label="x coordinate")
        y_coordinate = gr.Number(value=1, precision=0, minimum=0, label="y coordinate")
    scatter = gr.Plot()
    gr.Markdown("### The codes sit on a thin subset\nDecoded real codes beside codes drawn uniformly from the box "
                "the codes span, with the reference classifier's label and confidence under each.")
    with gr.Row():
        count = gr.Slider(8, MAX_SAMPLES, value=16, step=8, label="Samples")
        seed = gr.Number(value=0, precision=0, label="Seed")
        box_button = gr.Button("Draw again")
    box_summary = gr.Markdown()
    box_grid = _image_output("Decoded real codes (top) and uniform box samples (bottom)")
    gr.Markdown("### Correlation of the coordinates\nPearson r on 8,000 random test images (fixed seed). "
                "The write-ups disagree because they summarise differently: the mean of |r| over the whole "
                "matrix includes the d ones on its diagonal, worth 1/d alone, so it falls as d grows, while "
                "the largest |r| off the diagonal rises: larger codes are more redundant.")
    with gr.Row():
        heatmap = gr.Plot()
        correlation_curve = gr.Plot()
    gr.Markdown("### The uniform-latent autoencoder\nTrained with an extra loss that matches each coordinate's "
                "mean, variance, skewness and kurtosis over a batch to Uniform[0, 1]'s (0.5, 1/12, 0, 1.8).")
    uniform_dim = gr.Radio(list(AE_UNIFORM_LATENT_DIMS), value=AE_UNIFORM_LATENT_DIMS[0], label="d")
    histograms = gr.Plot()
    moments = gr.Dataframe(headers=["model", "mean", "variance", "skewness", "kurtosis", "test MSE",
                                    "confidence on uniform codes"], label="Moments of the test codes "
                           "(averaged over coordinates), reconstruction error, and the classifier's mean "
                           "confidence on decoded Uniform[0, 1]^d codes", interactive=False)
    uniform_samples = _image_output("Decoded Uniform[0, 1]^d codes: plain AE (top), uniform-latent AE (bottom)")

    scatter_inputs = [model_name, projection, x_coordinate, y_coordinate]
    gr.on([model_name.change, projection.change, x_coordinate.submit, y_coordinate.submit], latent_scatter,
          scatter_inputs, scatter, api_name="latent_scatter")
    gr.on([model_name.change, box_button.click, count.release], latent_box_samples, [model_name, count, seed],
          [box_grid, box_summary], api_name="latent_box_samples")
    model_name.change(latent_correlation, model_name, [heatmap, correlation_curve], api_name="latent_correlation")
    uniform_dim.change(uniform_report, uniform_dim, [histograms, moments, uniform_samples], api_name="uniform_report")
    return [(latent_scatter, scatter_inputs, scatter), (latent_box_samples, [model_name, count, seed],
            [box_grid, box_summary]), (latent_correlation, [model_name], [heatmap, correlation_curve]),
            (uniform_report, [uniform_dim], [histograms, moments, uniform_samples])]


def interpolation_tab() -> OnLoad:
    gr.Markdown("Decode (1 - a) E(x1) + a E(x2) from a = 0 to 1. Under each frame: the reference classifier's "
                "label and confidence, so you can see where the path leaves the digits.")
    with gr.Row():
        image_a = _digit_image("First digit", type="filepath", sources=["upload", "clipboard"],
                               value=TEST_IMAGES[GRID_INDICES[1]])
        image_b = _digit_image("Second digit", type="filepath", sources=["upload", "clipboard"],
                               value=TEST_IMAGES[GRID_INDICES[5]])
        with gr.Column():
            pair = gr.Radio(list(PRESET_PAIRS), value="1 → 5", label="The write-ups' pairs")
            steps = gr.Slider(2, MAX_STEPS, value=9, step=1, label="Steps")
            model_names = gr.CheckboxGroup(AE_CHOICES, value=["ae_d10_l2", "ae_d20_l2", "ae_uniform_d10_l2"],
                                           label="Autoencoders to compare")
            button = gr.Button("Interpolate", variant="primary")
    rows = _image_output("One row per autoencoder")
    gr.Markdown("### In a GAN's noise space\nThe latent WGAN's generator maps noise to AE codes. Walking in its "
                "noise (or, for the conditional WGAN, between two digit labels) tends to stay on digits, where the "
                "AE's straight lines above leave them.")
    with gr.Row():
        seed_a = gr.Number(0, precision=0, label="Seed A")
        seed_b = gr.Number(1, precision=0, label="Seed B")
        digit_a = gr.Dropdown(DIGIT_CHOICES, value="6", label="Digit A (conditional row)")
        digit_b = gr.Dropdown(DIGIT_CHOICES, value="7", label="Digit B (conditional row)")
        noise_button = gr.Button("Interpolate in noise space")
    noise_rows = _image_output("Noise-space paths")
    with gr.Accordion("One strip as an exact PNG (the /interpolate endpoint)", open=False):
        latent_dim = gr.Dropdown(list(AE_LATENT_DIMS), value=10, label="Latent size d")
        strip = _image_output("Strip: steps frames of 28x28, side by side")
        readings = gr.Textbox(label="Classifier's reading of each frame")

    pair.change(interpolation_preset, pair, [image_a, image_b], api_name="interpolation_preset")
    gr.on([button.click, image_a.change, image_b.change, steps.release], interpolate_rows,
          [image_a, image_b, model_names, steps], rows, api_name="interpolate_rows", preprocess=False)
    gr.on([button.click, latent_dim.change], interpolate, [image_a, image_b, latent_dim, steps], [strip, readings],
          api_name="interpolate", preprocess=False)
    noise_inputs = [seed_a, seed_b, digit_a, digit_b, steps]
    noise_button.click(interpolate_noise, noise_inputs, noise_rows, api_name="interpolate_noise")
    return [(interpolate_rows, [image_a, image_b, model_names, steps], rows),
            (interpolate_noise, noise_inputs, noise_rows)]


def transfer_tab() -> OnLoad:
    gr.Markdown(f"Classify all 10,000 test digits from a handful of labels. The labels come from a shipped pool "
                f"of {len(POOL_LABELS)} training digits, balanced over the digits (fixed seed). The MLP head "
                "trains on the autoencoder's encoder, frozen or fine-tuned, beside the same network on a randomly "
                "initialised encoder and a nearest-neighbour classifier on pixels.\n\n"
                "**Label spreading** (self-training): after the labelled steps, the few labels spread over a "
                "nearest-neighbour graph of the encoder's codes of unlabelled training digits, and the network "
                "trains twice as many steps more on them. On the autoencoder's codes neighbours mostly share "
                "their digit, so the spread labels are mostly right; on a random encoder's codes they are not.")
    with gr.Row():
        latent_dim = gr.Dropdown(list(AE_DEPTH_SWEEP[AE_STUDY_DEPTH]), value=10,
                                 label=f"Latent size d ({AE_STUDY_DEPTH} conv layers)")
        regime = gr.Radio(["frozen", "fine-tuned"], value="fine-tuned", label="Encoder")
        label_count = gr.Slider(10, len(POOL_LABELS), value=100, step=10, label="Labels")
        hidden = gr.Slider(16, 512, value=128, step=16, label="Hidden units of the MLP head")
        steps = gr.Slider(20, MAX_TRANSFER_STEPS, value=300, step=20, label="Training steps on the labels")
    with gr.Row():
        unlabelled_count = gr.Slider(0, len(UNLABELLED_IMAGES), value=len(UNLABELLED_IMAGES), step=1000,
                                     label="Unlabelled digits for label spreading (0: off)")
        shifts = gr.Checkbox(False, label="Random 2-pixel shifts (augmentation)")
    button = gr.Button("Train", variant="primary")
    with gr.Row():
        accuracies = gr.Dataframe(headers=["model", "test accuracy", "spread labels right"],
                                  label="Accuracy on the 10,000 test digits", interactive=False)
        confusion = gr.Plot()
    button.click(transfer_train, [latent_dim, regime, label_count, hidden, steps, unlabelled_count, shifts],
                 [accuracies, confusion], api_name="transfer_train")
    return []


def _last_epoch(loss: str) -> int:
    try:
        return len(_dcgan_snapshots(loss)) - 1
    except gr.Error:
        return 0


def gan_losses_tab() -> OnLoad:
    gr.Markdown("The DCGAN of SPEC §6 trained three times, changing only the generator's loss (D keeps its "
                "binary cross-entropy). Early on D rejects fakes confidently; the saturating loss log(1 - D) then "
                "has almost no gradient, the non-saturating -log D has a large one, and least squares sits between. "
                "The shipped models add InfoGAN's 10-way code: a one-hot code joins G's noise and a head on D learns "
                "to read it back, so each code comes to draw one kind of digit (no labels are used). The gradient "
                "curve shows the gradient of the adversarial loss alone.")
    epochs, grids, curves, on_open = {}, {}, {}, []
    with gr.Row():
        for loss in GENERATOR_LOSSES:
            with gr.Column():
                gr.Markdown(f"### {loss}")
                epochs[loss] = gr.Slider(-1, _last_epoch(loss), value=-1, step=1, label="Epoch (-1: end of training)")
                grids[loss] = _image_output("64 samples from fixed noise (codes 0-9 in turn)")
                curves[loss] = gr.Plot()
                loss_box = gr.Textbox(loss, visible=False)
                seed = gr.Number(-1, visible=False)
                first = loss == GENERATOR_LOSSES[0]  # the others are the same endpoint with another loss
                epochs[loss].release(gan_grid, [loss_box, epochs[loss], seed], grids[loss],
                                     api_name="gan_grid" if first else None,
                                     api_visibility="public" if first else "private",
                                     preprocess=False)
                on_open += [(gan_grid, [loss_box, epochs[loss], seed], grids[loss]),
                            (gan_training_curves, [loss_box], curves[loss])]
    gr.Markdown("### Sample quality\nFrom 1,000 fresh samples per loss, read by the reference classifier: "
                "Inception Score (10 is ideal), Fréchet distance on the classifier's features, the share of "
                "samples the classifier is unsure of (under 90% on any digit: these lower the score), and the "
                "share of each digit (a collapsed model favours a few). The first row is 1,000 real test "
                "digits by the same measure.")
    count = gr.Number(1000, visible=False)
    quality = gr.Dataframe(headers=["samples", "IS", "Fréchet", "unsure"] + [str(d) for d in range(10)],
                           interactive=False)
    on_open.append((gan_quality, [count], quality))
    gr.Markdown("### Train live\nSmall DCGANs (width 16) from scratch on the 10,000 test digits, on this machine's "
                "CPU, the chosen losses in turns from the same noise.")
    with gr.Row():
        live_losses = gr.CheckboxGroup(list(GENERATOR_LOSSES), value=list(GENERATOR_LOSSES), label="Losses")
        live_steps = gr.Slider(10, MAX_LIVE_GAN_STEPS, value=200, step=10, label="Generator steps")
        live_lr = gr.Number(2e-3, label="Learning rate")
        live_d_steps = gr.Slider(1, 5, value=1, step=1, label="D steps per G step")
    with gr.Row():
        train_button = gr.Button("Train", variant="primary")
        stop_button = gr.Button("Stop")
    with gr.Row():
        live_grids = [_image_output(loss) for loss in GENERATOR_LOSSES]
    live_curves = gr.Plot()
    event = train_button.click(gan_live, [live_losses, live_steps, live_lr, live_d_steps], live_grids + [live_curves],
                               api_name="gan_live")
    stop_button.click(None, cancels=[event], api_visibility="private")
    return on_open


def sampling_tab() -> OnLoad:
    gr.Markdown("A generator maps noise (and, for the conditional WGAN, a one-hot digit) to the codes of the "
                "d = 10 autoencoder; its decoder draws them. Ask for a digit and count how often the reference "
                "classifier agrees.")
    with gr.Row():
        digit = gr.Dropdown(DIGIT_CHOICES, value="3", label="Digit ('any': the unconditional WGAN)")
        count = gr.Slider(1, MAX_GAN_SAMPLES, value=30, step=1, label="Samples")
        seed = gr.Number(0, precision=0, label="Seed")
        button = gr.Button("Sample", variant="primary")
    summary = gr.Markdown()
    with gr.Row():
        captioned = _image_output("Samples with the classifier's label and confidence")
        tally = gr.Dataframe(headers=["digit", "samples", "share"], label="What the classifier reads",
                             interactive=False)
    with gr.Accordion("The grid alone (the /sample endpoint's first output)", open=False):
        grid = _image_output("10 per row, no borders")
    gr.Markdown("### Training")
    shares = gr.Plot()
    with gr.Row():
        model = gr.Dropdown([(name, key) for key, name in LATENT_GAN_NAMES.items()], value=UNCONDITIONAL_GAN,
                            label="Model")
        snapshot = gr.Slider(-1, 9, value=-1, step=1, label="Snapshot along training (-1: the end)")
    with gr.Row():
        curves = gr.Plot()
        with gr.Column():
            snapshot_grid = _image_output("64 fixed noise vectors, decoded")
            snapshot_caption = gr.Markdown()
    sample_inputs, sample_outputs = [digit, count, seed], [grid, captioned, summary, tally]
    gr.on([button.click, digit.change], sample, sample_inputs, sample_outputs, api_name="sample", preprocess=False)
    training_outputs = [curves, snapshot_grid, snapshot_caption]
    gr.on([model.change, snapshot.release], latent_gan_training, [model, snapshot], training_outputs,
          api_name="latent_gan_training")
    return [(sample, sample_inputs, sample_outputs), (latent_gan_shares, [], shares),
            (latent_gan_training, [model, snapshot], training_outputs)]


def restoration_tab() -> OnLoad:
    gr.Markdown("Restore a damaged digit with a generative prior: search a GAN's noise for an image that "
                "matches what is left (16 random starts, averaged by how well each fits; known pixels are kept), "
                "or move the image itself toward what an autoencoder reproduces (MAP from the Gaussian fill; the "
                "AEs with d = 20 for noise, d = 10 for masks); beside a Gaussian model of digits (Wiener filter, "
                "conditional mean).")
    with gr.Row():
        with gr.Column(scale=1):
            image = _digit_image("Digit (upload, paste, or pick / draw below)", type="filepath",
                                 sources=["upload", "clipboard"], value=TEST_IMAGES[GRID_INDICES[9]])
            index = gr.Number(label="Or a test index (0-9999)", value=GRID_INDICES[9], precision=0)
            sketch, use_drawing_button = _drawing_input("Or draw a digit")
        with gr.Column(scale=2):
            degradation = gr.Radio(list(DEGRADATIONS + CUSTOM_DEGRADATIONS), value="window-10", label="Degradation")
            with gr.Row():
                window_size = gr.Slider(2, 20, value=10, step=1, label="Custom window: size")
                window_top = gr.Slider(0, 26, value=9, step=1, label="top")
                window_left = gr.Slider(0, 26, value=9, step=1, label="left")
            methods = gr.CheckboxGroup([(name, key) for key, name in METHOD_NAMES.items()],
                                       value=list(RESTORATION_METHODS), label="Methods to compare")
            with gr.Row():
                steps = gr.Slider(10, MAX_RESTORE_STEPS, value=300, step=10, label="Optimisation steps")
                seed = gr.Number(0, precision=0, label="Seed")
            button = gr.Button("Restore", variant="primary")
    with gr.Accordion("Paint a mask (choose 'painted mask' above)", open=False):
        editor = gr.ImageEditor(type="numpy", image_mode="RGBA", canvas_size=(280, 280), layers=False,
                                brush=gr.Brush(colors=["#ff0000"], default_size=20, color_mode="fixed"),
                                label="Paint over what to erase")
    status = gr.Markdown()
    with gr.Row():
        live = _image_output("Current estimate", height=280)
        slider = gr.ImageSlider(label="Before / after (best method)", type="numpy", format="png", height=280,
                                elem_classes="pixelated")
    rows = _image_output("Clean, degraded, and each method")
    table = gr.Dataframe(headers=["method", "PSNR (dB)", "SSIM", "label", "confidence"], interactive=False)
    with gr.Accordion("Inversion on its own", open=False):
        with gr.Row():
            prior = gr.Radio(["gan", "latent-gan"], value="gan", label="Generator")
            invert_button = gr.Button("Invert")
        with gr.Row():
            best_match = _image_output("G's best match")
            inversion_curve = gr.Plot()
        inversion_status = gr.Markdown()
    with gr.Accordion("One method, for scripts (the /restore endpoint)", open=False):
        method = gr.Radio(list(RESTORATION_METHODS), value="latent-gan", label="Method")
        single_button = gr.Button("Restore with this method")
        with gr.Row():
            single_restored = _image_output("Restored 28x28")
            single_observed = _image_output("Degraded input")
        single_summary = gr.Markdown()

    index.change(test_digit, index, image, api_name="restoration_test_digit")
    use_drawing_button.click(use_drawing, sketch, image, api_name="restoration_use_drawing")
    image.change(mask_canvas, image, editor, api_name="mask_canvas", preprocess=False)
    compare_inputs = [image, degradation, methods, steps, seed, window_size, window_top, window_left, editor]
    button.click(restore_compare, compare_inputs, [rows, slider, table, status, live], api_name="restore_compare",
                 preprocess=False)
    invert_button.click(invert, [image, prior, steps, seed], [best_match, inversion_curve, inversion_status],
                        api_name="invert", preprocess=False)
    single_button.click(restore, [image, degradation, method, steps, seed],
                        [single_restored, single_observed, single_summary], api_name="restore", preprocess=False)
    return [(mask_canvas, [image], editor)]


with gr.Blocks(title="nnimg") as demo:
    gr.Markdown("# nnimg: generative models of MNIST digits\n"
                "An interactive lab for autoencoders and GANs, on a CPU. Pick, upload or draw a digit.")
    on_open: OnLoad = []
    with gr.Tab("Reconstruction"):
        on_open += reconstruction_tab()
    with gr.Tab("Latent space"):
        on_open += latent_space_tab()
    with gr.Tab("Transfer with few labels"):
        on_open += transfer_tab()
    with gr.Tab("Interpolation"):
        on_open += interpolation_tab()
    with gr.Tab("Sampling"):
        on_open += sampling_tab()
    with gr.Tab("GAN losses"):
        on_open += gan_losses_tab()
    with gr.Tab("Restoration"):
        on_open += restoration_tab()
    for handler, inputs, outputs in on_open:
        demo.load(handler, inputs, outputs, api_visibility="private", preprocess=False)


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=4).launch(max_file_size="20mb", css=CSS)
