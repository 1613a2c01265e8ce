"""What ships, in one place: every checkpoint's name, file, recipe, train command, display name
and roles. The model zoo (`nnimg.zoo`) is its loaded view; adding a model is one entry here plus
its checkpoint."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

AE_LATENT_DIMS = (2, 3, 5, 10, 15, 20, 32, 64, 100)
AE_DEFAULT_DEPTH = 3  # the latent sweep's depth: the lowest test MSE measured (BENCHMARKS.md)
AE_DEPTH_SWEEP = {1: (5, 10, 20), 2: (5, 10, 20)}
# The latent-space studies (uniform latent, transfer, latent GANs, restoration priors) build on the
# depth-2 AEs, which ship in the depth sweep.
AE_STUDY_DEPTH = 2
AE_UNIFORM_LATENT_DIMS = (10, 20)
# The course's first AE had no FC layers (docs/course.md, finding 11): the code is the last conv's 4x4
# feature map of one channel, d = 16, trained with the sweep's recipe beside the d = 15 AE with FC layers.
NO_FC_AUTOENCODER = "ae_d16_l3_nofc"
# train/train_autoencoder.py's defaults made the depth-3 sweep; the depth-1 and depth-2 models and the
# uniform-latent ones were trained before, with these flags.
EARLIER_AE_RECIPE = "--hidden 192 --epochs 20 --weight-decay 1e-4"
# Sweep members with flags of their own: at d = 5 the defaults overfit (BENCHMARKS.md), so that model
# trains with a wider FC, distorted digits and three times the epochs.
AE_SWEEP_RECIPES = {5: "--hidden 512 --augment 0.5 --epochs 90"}

DCGAN_LOSSES = ("saturating", "non-saturating", "least-squares")  # one shipped DCGAN per generator loss and recipe
# The DCGAN recipes (train/train_dcgan.py --recipe NAME): ours, the course's exactly (docs/course.md,
# section 6), and a test of finding 13 (a discriminator larger than the generator): the course's recipe
# with D four times as wide, and the same with the course's D as the control, both for the first 300
# generator steps (a 10-epoch run of the wide D takes hours on two CPU cores).
_COURSE = {"categories": 0, "d_steps": 3, "d_width": 64, "epochs": 10, "ema": 0.0}
# "course-exact" is the write-up's training to the letter: Adam with an L2 term of 0.5 on both networks,
# all 70,000 digits, and an epoch counted in D's batches: 70,000 / (64 x 3) = 364 G steps, 3,640 in 10 epochs.
DCGAN_RECIPE_FLAGS = {"shipped": {}, "course": _COURSE,
                      "course-exact": _COURSE | {"weight_decay": 0.5, "split": "all", "steps": 364},
                      "course-large-d": _COURSE | {"d_width": 256, "epochs": 1, "steps": 300},
                      "course-short": _COURSE | {"epochs": 1, "steps": 300}}
DCGAN_RECIPES = {"shipped": "InfoGAN's 10-way code, D twice as wide as the course's, 1 D step, 16 epochs, EMA of G",
                 "course": "the course's DCGAN: D 32-64-128, 3 D steps per G step, Adam lr 0.002, 10 epochs",
                 "course-exact": "the course's DCGAN to the letter: as 'course', with Adam's L2 term 0.5 on both "
                                 "networks, all 70,000 digits, 364 G steps (3 D batches each) an epoch",
                 "course-large-d": "the course's DCGAN with D 128-256-512 (larger than G), first 300 G steps",
                 "course-short": "the course's DCGAN, first 300 G steps (the control for the larger D)"}
DCGAN_RECIPE_LOSSES = {"shipped": DCGAN_LOSSES, "course": DCGAN_LOSSES, "course-exact": DCGAN_LOSSES,
                       "course-large-d": ("non-saturating",),
                       "course-short": ("non-saturating",)}

# A DCGAN trained on a folder of pictures ships as the example of that path (README, "Your own pictures") and
# for finding 14 of docs/course.md: the course's recipe on the 90 training faces of the LFW subset
# (train/make_face_folder.py writes them), 25x25 grey pictures enlarged to 32x32, 10 x 50 generator steps.
FACE_FOLDER, FACE_RECIPE = "faces", "lfw-faces-course"
FACE_RECIPE_DISPLAY = "the course's DCGAN on the faces of the LFW subset (32x32 grey)"
FACE_DCGAN_COMMAND = ("python train/train_dcgan.py --loss {loss} --recipe course --data faces/train --image-size 32 "
                      "--name lfw-faces --epochs 10 --steps 50")

# The latent GANs' training recipes (train/train_latent_gan.py --model NAME).
LATENT_GAN_PRESETS = {
    "gan": {"objective": "gan", "conditional": False, "batch_size": 256, "lr": 2e-4, "critic_steps": 1,
            "optimizer": "adam"},
    "wgan-paper": {"objective": "wgan-clip", "conditional": False, "batch_size": 64, "lr": 5e-5, "critic_steps": 5,
                   "clip": 0.01, "optimizer": "rmsprop"},
    "wgan": {"objective": "wgan-clip", "conditional": False, "batch_size": 256, "lr": 5e-4, "critic_steps": 5,
             "clip": 0.12, "optimizer": "rmsprop"},
    "cwgan": {"objective": "wgan-clip", "conditional": True, "batch_size": 256, "lr": 5e-4, "critic_steps": 5,
              "clip": 0.12, "optimizer": "rmsprop"},
    "cwgan-gp": {"objective": "wgan-gp", "conditional": True, "batch_size": 256, "lr": 1e-4, "critic_steps": 5,
                 "optimizer": "adam-gp", "classifier_weight": 1.0},
    # The course's plain GAN (docs/course.md, section 5): raw codes, BatchNorm in both networks, its batch
    # and learning rate; the course does not name this GAN's optimiser, so Adam as in "gan".
    "gan-course": {"objective": "gan", "conditional": False, "batch_size": 256, "lr": 5e-4, "critic_steps": 1,
                   "optimizer": "adam", "raw_codes": True, "critic_batchnorm": True},
    # The course's fix on the same raw codes and networks as "gan-course": its WGAN settings that worked.
    "wgan-course": {"objective": "wgan-clip", "conditional": False, "batch_size": 256, "lr": 5e-4, "critic_steps": 5,
                    "clip": 0.12, "optimizer": "rmsprop", "raw_codes": True, "critic_batchnorm": True},
}
LATENT_GAN_DISPLAY = {"gan": "plain GAN", "gan-course": "plain GAN, the course's networks on raw codes",
                      "wgan-course": "WGAN (clip 0.12), the course's networks on raw codes",
                      "wgan-paper": "WGAN, the paper's settings (clip 0.01)", "wgan": "WGAN (clip 0.12)",
                      "cwgan": "conditional WGAN (clip 0.12)",
                      "cwgan-gp": "conditional WGAN-GP with an auxiliary code classifier"}
LATENT_GAN_MODELS = tuple(LATENT_GAN_PRESETS)

# Replicates: models whose findings claim a difference also ship from other seeds (the scripts' --seed N writes
# <name>-seed<N>), so that docs/course.md's verdict rules can weigh the difference against the seed spread.
REPLICATED_LATENT_GANS = {"gan-course": (1, 2), "wgan-course": (1, 2)}


# The live autoencoder's presets (the Reconstruction tab, /ae_live): the course's first AE (no FC layers, the
# code the last conv's 4x4 map of one channel), the d = 15 AE with them, and the uniform-latent AE.
_LIVE_AE = {"depth": 3, "fc": True, "batchnorm": True, "uniform_weight": 0.0, "optimizer": "adam", "lr": 3e-3,
            "batch_size": 128}
AE_LIVE_PRESETS = {"the course's first AE (no FC)": _LIVE_AE | {"latent_dim": 16, "fc": False},
                   "the course's AE with FC, d = 15": _LIVE_AE | {"latent_dim": 15},
                   "uniform latent, d = 10": _LIVE_AE | {"latent_dim": 10, "depth": 2, "uniform_weight": 0.1}}
# The live DCGANs' presets (the GAN losses tab, /gan_live), at the live width (G 16): D's width as a multiple
# of G's, D steps per G step and Adam's L2 term, as in DCGAN_RECIPE_FLAGS (ours without its code and EMA).
DCGAN_LIVE_PRESETS = {"shipped": {"d_width": 2, "d_steps": 1, "weight_decay": 0.0, "lr": 2e-3},
                      "course": {"d_width": 1, "d_steps": 3, "weight_decay": 0.0, "lr": 2e-3},
                      "course-exact": {"d_width": 1, "d_steps": 3, "weight_decay": 0.5, "lr": 2e-3}}


def checkpoint_dir() -> Path:
    """`$NNIMG_CHECKPOINTS`, default the repository's `checkpoints/`: the shipped models."""
    return Path(os.environ.get("NNIMG_CHECKPOINTS", REPO_ROOT / "checkpoints"))


def user_models_dir() -> Path:
    """`$NNIMG_USER_MODELS`, default `~/.nnimg/models`: your own models, read beside the shipped ones."""
    return Path(os.environ.get("NNIMG_USER_MODELS") or "~/.nnimg/models").expanduser()


@dataclass(frozen=True)
class Shipped:
    """One shipped artefact: `<name>.safetensors`, its `<name>.json` record and, for GANs, the
    `<name>_samples.png` grids along training, all in the checkpoint directory."""

    name: str
    display: str
    train_command: str
    roles: tuple[str, ...] = field(default=(), kw_only=True)
    folder: Path | None = field(default=None, kw_only=True)  # None: checkpoint_dir(); a user model's own folder

    @property
    def path(self) -> Path:
        return (self.folder or checkpoint_dir()) / f"{self.name}.safetensors"

    @property
    def metrics_path(self) -> Path:
        return (self.folder or checkpoint_dir()) / f"{self.name}.json"

    @property
    def samples_path(self) -> Path:
        return (self.folder or checkpoint_dir()) / f"{self.name}_samples.png"


def autoencoder_name(latent_dim: int, depth: int, *, uniform: bool = False, fully_connected: bool = True) -> str:
    """The file stem of an autoencoder: ae_d10_l2, ae_uniform_d10_l2, ae_d16_l3_nofc."""
    return f"ae_{'uniform_' * uniform}d{latent_dim}_l{depth}" + "_nofc" * (not fully_connected)


@dataclass(frozen=True)
class ShippedAutoencoder(Shipped):
    latent_dim: int = 0
    depth: int = AE_DEFAULT_DEPTH
    uniform: bool = False
    fully_connected: bool = True

def autoencoder_recipe_flags(latent_dim: int, depth: int, *, uniform: bool = False) -> str:
    """train/train_autoencoder.py's flags beyond its defaults for this autoencoder."""
    if uniform or depth != AE_DEFAULT_DEPTH:
        return EARLIER_AE_RECIPE
    return AE_SWEEP_RECIPES.get(latent_dim, "")


def _autoencoder(latent_dim: int, depth: int, *, uniform: bool = False,
                 roles: tuple[str, ...] = ()) -> ShippedAutoencoder:
    name = autoencoder_name(latent_dim, depth, uniform=uniform)
    if uniform:
        display = f"uniform-latent, d = {latent_dim}, {depth} conv layers"
    elif depth == AE_DEFAULT_DEPTH:
        display = f"d = {latent_dim}"
    else:
        display = f"d = {latent_dim}, {depth} conv layer{'s' * (depth > 1)}"
    command = f"python train/train_autoencoder.py --latent-dim {latent_dim} --depth {depth}" + " --uniform" * uniform
    flags = autoencoder_recipe_flags(latent_dim, depth, uniform=uniform)
    return ShippedAutoencoder(name, display, f"{command} {flags}".rstrip(), latent_dim=latent_dim, depth=depth,
                              uniform=uniform, roles=roles)


@dataclass(frozen=True)
class ShippedDCGAN(Shipped):
    loss: str = "non-saturating"
    recipe: str = "shipped"


def dcgan_name(loss: str, recipe: str = "shipped") -> str:
    """The file stem of a DCGAN: dcgan_non-saturating, dcgan_course_saturating, ..."""
    return f"dcgan_{loss}" if recipe == "shipped" else f"dcgan_{recipe}_{loss}"


@dataclass(frozen=True)
class ShippedLatentGAN(Shipped):
    model: str = "wgan"

    @property
    def preset(self) -> dict:
        return LATENT_GAN_PRESETS[self.model]


# The Latent space tab opens on the d = 2 AE. Its test codes ship precomputed (train/precompute_latents.py), with
# those of the uniform-latent AEs and their plain twins, so that the tab's first answers encode nothing.
LATENT_VIEW_DEFAULT = autoencoder_name(2, AE_DEFAULT_DEPTH)
PRECOMPUTED_CODES = (LATENT_VIEW_DEFAULT, *(autoencoder_name(latent_dim, AE_STUDY_DEPTH, uniform=uniform)
                                            for latent_dim in AE_UNIFORM_LATENT_DIMS for uniform in (False, True)))

# Roles: which shipped model serves which purpose in the app and the bench.
RESTORATION_DCGAN = "restoration prior: DCGAN"
RESTORATION_LATENT_GAN = "restoration prior: latent GAN"
# The AE priors' latent size, the same for the plain and the uniform-latent AE so they compare fairly.
# Denoising wants a richer model (d = 20 keeps strokes the noise does not hide); filling a hole wants a
# tighter one (d = 10 pulls harder toward a digit): `python -m nnimg.bench restore` measured both.
RESTORATION_AE = {("noise", False): "restoration prior: AE for noise",
                  ("mask", False): "restoration prior: AE for masks",
                  ("noise", True): "restoration prior: uniform-latent AE for noise",
                  ("mask", True): "restoration prior: uniform-latent AE for masks"}
UNCONDITIONAL_SAMPLER, CONDITIONAL_SAMPLER = "sampler: any digit", "sampler: chosen digit"
REFERENCE_CLASSIFIER = "reference classifier"
GAUSSIAN_PRIOR = "classical restoration prior"
REPLICATE = "a replicate from another seed (the findings' spread)"
DIGIT_CHECK = "is it a digit"
PRECOMPUTED_LATENTS = "precomputed test codes and correlations"
# roles of files that are not models (loaded by the zoo, or the lab, on use)
NOT_NETWORKS = (GAUSSIAN_PRIOR, DIGIT_CHECK, PRECOMPUTED_LATENTS)


def _autoencoder_roles(latent_dim: int, depth: int, uniform: bool) -> tuple[str, ...]:
    if depth != AE_STUDY_DEPTH:
        return ()
    return tuple(RESTORATION_AE[(kind, uniform)] for kind, dim in (("noise", 20), ("mask", 10)) if dim == latent_dim)


def _dcgan(loss: str, recipe: str) -> ShippedDCGAN:
    ours = recipe == "shipped"
    command = f"python train/train_dcgan.py --loss {loss}" + ("" if ours else f" --recipe {recipe}")
    roles = (RESTORATION_DCGAN,) if ours and loss == "non-saturating" else ()
    return ShippedDCGAN(dcgan_name(loss, recipe), loss if ours else f"{loss} ({recipe})", command, loss=loss,
                        recipe=recipe, roles=roles)


def _latent_gan(model: str, seed: int = 0) -> ShippedLatentGAN:
    roles = {"wgan": (UNCONDITIONAL_SAMPLER, RESTORATION_LATENT_GAN), "cwgan-gp": (CONDITIONAL_SAMPLER,)}
    command = f"python train/train_latent_gan.py --model {model}"
    if seed:
        return ShippedLatentGAN(f"latent_{model}-seed{seed}", f"{LATENT_GAN_DISPLAY[model]}, seed {seed}",
                                f"{command} --seed {seed}", model=model, roles=(REPLICATE,))
    return ShippedLatentGAN(f"latent_{model}", LATENT_GAN_DISPLAY[model], command, model=model,
                            roles=roles.get(model, ()))


def _build() -> tuple[Shipped, ...]:
    entries: list[Shipped] = [_autoencoder(d, AE_DEFAULT_DEPTH) for d in AE_LATENT_DIMS]
    entries += [_autoencoder(d, depth, roles=_autoencoder_roles(d, depth, False))
                for depth, dims in AE_DEPTH_SWEEP.items() for d in dims]
    entries += [_autoencoder(d, AE_STUDY_DEPTH, uniform=True, roles=_autoencoder_roles(d, AE_STUDY_DEPTH, True))
                for d in AE_UNIFORM_LATENT_DIMS]
    entries.append(ShippedAutoencoder(NO_FC_AUTOENCODER, "d = 16, no FC layers (the course's first AE)",
                                      "python train/train_autoencoder.py --latent-dim 16 --depth 3 --hidden 0 "
                                      "--channels 32,64,1", latent_dim=16, depth=3, fully_connected=False))
    entries.append(Shipped("classifier", "reference classifier", "python train/train_classifier.py",
                           roles=(REFERENCE_CLASSIFIER,)))
    entries.append(Shipped("gaussian_prior", "Gaussian (Wiener / conditional mean)", "python train/fit_pca.py",
                           roles=(GAUSSIAN_PRIOR,)))
    entries.append(Shipped("digit_check", "the check 'is it a digit'", "python train/fit_digit_check.py",
                           roles=(DIGIT_CHECK,)))
    entries.append(Shipped("precomputed_latents", "the Latent space tab's test codes and correlations",
                           "python train/precompute_latents.py", roles=(PRECOMPUTED_LATENTS,)))
    entries += [_dcgan(loss, recipe) for recipe, losses in DCGAN_RECIPE_LOSSES.items() for loss in losses]
    entries += [ShippedDCGAN(dcgan_name(loss, FACE_RECIPE), f"{loss} (LFW faces)", FACE_DCGAN_COMMAND.format(loss=loss),
                             loss=loss, recipe=FACE_RECIPE) for loss in DCGAN_LOSSES]
    entries += [_latent_gan(model) for model in LATENT_GAN_MODELS]
    entries += [_latent_gan(model, seed) for model, seeds in REPLICATED_LATENT_GANS.items() for seed in seeds]
    return tuple(entries)


REGISTRY: tuple[Shipped, ...] = _build()
BY_NAME: dict[str, Shipped] = {entry.name: entry for entry in REGISTRY}


def shipped(name: str) -> Shipped:
    """The registry entry of `name`; KeyError if nothing of that name ships."""
    return BY_NAME[name]


def with_role(role: str) -> Shipped:
    """The one shipped artefact that plays `role`."""
    (entry,) = [entry for entry in REGISTRY if role in entry.roles]
    return entry


def shipped_autoencoders(*, uniform: bool = False) -> list[ShippedAutoencoder]:
    """The plain autoencoders (the latent sweep, then the depth sweep), or the uniform-latent ones;
    all with FC layers (the one without is NO_FC_AUTOENCODER)."""
    return [e for e in REGISTRY if isinstance(e, ShippedAutoencoder) and e.uniform == uniform and e.fully_connected
            and REPLICATE not in e.roles]


def studied_autoencoders() -> list[ShippedAutoencoder]:
    """The autoencoders the latent-space views offer: the latent sweep, the studies' depth and the
    uniform-latent ones."""
    return [s for s in shipped_autoencoders() + shipped_autoencoders(uniform=True)
            if s.depth in (AE_DEFAULT_DEPTH, AE_STUDY_DEPTH)]


def shipped_dcgans(recipe: str = "shipped") -> list[ShippedDCGAN]:
    """The DCGANs of one recipe, one per generator loss."""
    return [e for e in REGISTRY if isinstance(e, ShippedDCGAN) and e.recipe == recipe]


def shipped_latent_gans() -> list[ShippedLatentGAN]:
    """The GANs on the autoencoder's latent space (one per recipe: no replicates)."""
    return [e for e in REGISTRY if isinstance(e, ShippedLatentGAN) and REPLICATE not in e.roles]


def seed_runs(entry: Shipped) -> list[Shipped]:
    """`entry` and the replicates of it that ship from other seeds (REPLICATED_*), named as the scripts' --seed
    names them."""
    if isinstance(entry, ShippedDCGAN):
        names = [dcgan_name(entry.loss, f"{entry.recipe}-seed{seed}") for seed in range(1, 10)]
    else:
        names = [f"{entry.name}-seed{seed}" for seed in range(1, 10)]
    return [entry] + [BY_NAME[name] for name in names if name in BY_NAME]


def dcgan(loss: str, recipe: str = "shipped") -> ShippedDCGAN:
    """The DCGAN trained with generator loss `loss` and `recipe`."""
    return BY_NAME[dcgan_name(loss, recipe)]


def folder_dcgans() -> list[ShippedDCGAN]:
    """DCGANs trained on a folder of pictures (train/train_dcgan.py --data DIR): the shipped ones (the faces) in
    `checkpoint_dir()`, then your own in `user_models_dir()`, read afresh on every call. Their metrics JSON
    names the folder; their recipe is the run's --name (with the recipe's, if not ours)."""
    found: dict[str, ShippedDCGAN] = {}
    for folder in dict.fromkeys((checkpoint_dir(), user_models_dir())):
        for metrics in sorted(folder.glob("dcgan_*.json")):
            entry = _folder_dcgan(metrics)
            if entry is not None and entry.name not in found:
                found[entry.name] = entry
    return list(found.values())


def _folder_dcgan(metrics: Path) -> ShippedDCGAN | None:
    """The DCGAN whose metrics JSON is `metrics`, if it was trained on a folder and its weights are there."""
    try:
        record = json.loads(metrics.read_text())
        data, loss = record["data"], record["loss"]
        size, channels = int(data["image_size"]), int(data["channels"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if loss not in DCGAN_LOSSES or not metrics.with_suffix(".safetensors").exists():
        return None
    if metrics.stem in BY_NAME:  # a folder's DCGAN that ships (the faces)
        return BY_NAME[metrics.stem] if metrics.parent == checkpoint_dir() else None
    label = metrics.stem.removeprefix("dcgan_").removesuffix(f"_{loss}")
    command = (f"python train/train_dcgan.py --loss {loss} --data {data.get('folder', 'DIR')} "
               f"--image-size {size} --channels {channels}")
    return ShippedDCGAN(metrics.stem, f"{loss} ({label}: {size}x{size}, {data.get('pictures', '?')} "
                        f"{'colour' if channels == 3 else 'grey'} pictures)", command, loss=loss, recipe=label,
                        folder=metrics.parent)


def dcgan_recipes() -> dict[str, tuple[str, ...]]:
    """Every DCGAN recipe there is, shipped and trained on a folder, with its losses."""
    recipes = dict(DCGAN_RECIPE_LOSSES)
    for entry in folder_dcgans():
        recipes[entry.recipe] = (*recipes.get(entry.recipe, ()), entry.loss)
    return recipes


def find_dcgan(loss: str, recipe: str = "shipped") -> ShippedDCGAN:
    """The DCGAN of `loss` and `recipe`, shipped or trained on a folder; KeyError if there is none."""
    if recipe in DCGAN_RECIPE_LOSSES:
        return dcgan(loss, recipe)
    for entry in folder_dcgans():
        if (entry.loss, entry.recipe) == (loss, recipe):
            return entry
    raise KeyError(f"no DCGAN of loss {loss!r} and recipe {recipe!r}")


def latent_gan(model: str) -> ShippedLatentGAN:
    """The shipped latent GAN `model` (one of LATENT_GAN_MODELS)."""
    return BY_NAME[f"latent_{model}"]
