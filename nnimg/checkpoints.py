"""Checkpoint I/O without pickle: safetensors weights with the model's config in the metadata,
resumable training state, and the registry of the checkpoints that ship in `checkpoints/`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file
from torch import nn

from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.classifier import Classifier, ClassifierConfig
from nnimg.models.dcgan import DCGANConfig, Generator
from nnimg.models.latent_gan import CodeGenerator, LatentGANConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_FAMILIES = {"autoencoder": (AutoencoderConfig, Autoencoder), "classifier": (ClassifierConfig, Classifier),
                  "dcgan_generator": (DCGANConfig, Generator), "latent_generator": (LatentGANConfig, CodeGenerator)}

AE_LATENT_DIMS = (2, 3, 5, 10, 15, 20, 32, 64, 100)
AE_DEFAULT_DEPTH = 3  # the latent sweep's depth: the lowest test MSE measured (BENCHMARKS.md)
AE_DEPTH_SWEEP = {1: (5, 10, 20), 2: (5, 10, 20)}
# The latent-space studies (uniform latent, transfer, latent GANs, restoration priors) build on the
# depth-2 AEs, which ship in the depth sweep.
AE_STUDY_DEPTH = 2
# train/train_autoencoder.py's defaults made the depth-3 sweep; the depth-1 and depth-2 models and the
# uniform-latent ones were trained before, with these flags.
EARLIER_AE_RECIPE = "--hidden 192 --epochs 20 --weight-decay 1e-4"
# Sweep members with flags of their own: at d = 5 the defaults overfit (BENCHMARKS.md), so that model
# trains with a wider FC, distorted digits and three times the epochs.
AE_SWEEP_RECIPES = {5: "--hidden 512 --augment 0.5 --epochs 90"}
AE_UNIFORM_LATENT_DIMS = (10, 20)


class CheckpointError(RuntimeError):
    """A checkpoint is missing or unreadable; the message says how to train it."""


def checkpoint_dir() -> Path:
    """`$NNIMG_CHECKPOINTS`, default the repository's `checkpoints/`."""
    return Path(os.environ.get("NNIMG_CHECKPOINTS", REPO_ROOT / "checkpoints"))


def _family_of(model: nn.Module) -> str:
    for family, (_, model_class) in MODEL_FAMILIES.items():
        if isinstance(model, model_class):
            return family
    raise TypeError(f"no checkpoint family for {type(model).__name__}")


def save_model(path: Path, model: nn.Module, *, dtype: torch.dtype = torch.float16) -> None:
    """Write the weights (floats stored as `dtype`) and the config to one safetensors file."""
    tensors = {name: (t.to(dtype) if t.is_floating_point() else t).contiguous().cpu()
               for name, t in model.state_dict().items()}
    metadata = {"family": _family_of(model), "config": json.dumps(model.config.to_dict())}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)


def load_model(path: Path) -> nn.Module:
    """Rebuild a model from a file written by `save_model`, in eval mode, float32."""
    try:
        with safe_open(str(path), framework="pt") as file:
            metadata = file.metadata() or {}
        config_class, model_class = MODEL_FAMILIES[metadata["family"]]
        model = model_class(config_class(**json.loads(metadata["config"])))
        state = {name: t.float() if t.is_floating_point() else t
                 for name, t in load_file(str(path)).items()}
        model.load_state_dict(state)
    except FileNotFoundError as error:
        raise CheckpointError(f"{_shown(path)} is missing") from error
    except (SafetensorError, OSError, KeyError, ValueError, TypeError, RuntimeError) as error:
        raise CheckpointError(f"{_shown(path)} is unreadable ({type(error).__name__}: {error})") from error
    return model.eval()


def _shown(path: Path) -> str:
    """The path as a user would type it: relative to the repository when it lies inside."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def save_training_state(path: Path, *, modules: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer],
                        progress: dict) -> None:
    """Write what a run needs to resume: named weights, optimizer states and a JSON progress record."""
    tensors = {f"{name}.{key}": value.contiguous().cpu()
               for name, module in modules.items() for key, value in module.state_dict().items()}
    metadata = {"progress": json.dumps(progress)}
    for name, optimizer in optimizers.items():
        state = optimizer.state_dict()
        for index, values in state["state"].items():
            for key, value in values.items():
                tensors[f"{name}.{index}.{key}"] = torch.as_tensor(value).contiguous().cpu()
        metadata[f"{name}.param_groups"] = json.dumps(state["param_groups"])
    partial = path.with_suffix(".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(partial), metadata=metadata)
    partial.replace(path)


def load_training_state(path: Path, *, modules: dict[str, nn.Module],
                        optimizers: dict[str, torch.optim.Optimizer]) -> dict:
    """Restore what `save_training_state` wrote into the same named objects; return the progress."""
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as file:
        metadata = file.metadata()
    for name, module in modules.items():
        prefix = f"{name}."
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    for name, optimizer in optimizers.items():
        state: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith(f"{name}."):
                _, index, field = key.split(".", 2)
                state.setdefault(int(index), {})[field] = value
        optimizer.load_state_dict({"state": state, "param_groups": json.loads(metadata[f"{name}.param_groups"])})
    return json.loads(metadata["progress"])


@dataclass(frozen=True)
class ShippedAutoencoder:
    latent_dim: int
    depth: int
    uniform: bool = False

    @property
    def name(self) -> str:
        return f"ae_{'uniform_' * self.uniform}d{self.latent_dim}_l{self.depth}"

    @property
    def path(self) -> Path:
        return checkpoint_dir() / f"{self.name}.safetensors"

    @property
    def metrics_path(self) -> Path:
        return checkpoint_dir() / f"{self.name}.json"

    @property
    def recipe_flags(self) -> str:
        """The training script's flags beyond its defaults that made this model."""
        if self.uniform or self.depth != AE_DEFAULT_DEPTH:
            return EARLIER_AE_RECIPE
        return AE_SWEEP_RECIPES.get(self.latent_dim, "")

    @property
    def train_command(self) -> str:
        uniform = " --uniform" if self.uniform else ""
        command = f"python train/train_autoencoder.py --latent-dim {self.latent_dim} --depth {self.depth}{uniform}"
        return f"{command} {self.recipe_flags}".rstrip()


def shipped_autoencoders(*, uniform: bool = False) -> list[ShippedAutoencoder]:
    """The plain autoencoders the app ships (the latent sweep, then the depth sweep), or the
    uniform-latent ones."""
    if uniform:
        return [ShippedAutoencoder(d, AE_STUDY_DEPTH, uniform=True) for d in AE_UNIFORM_LATENT_DIMS]
    models = [ShippedAutoencoder(d, AE_DEFAULT_DEPTH) for d in AE_LATENT_DIMS]
    models += [ShippedAutoencoder(d, depth) for depth, dims in AE_DEPTH_SWEEP.items() for d in dims]
    return models


def dcgan_paths(loss: str) -> dict[str, Path]:
    """The shipped DCGAN of one generator loss: generator weights, records, and sample grids."""
    base = checkpoint_dir() / f"dcgan_{loss}"
    return {"generator": base.with_suffix(".safetensors"), "records": base.with_suffix(".json"),
            "samples": base.with_name(base.name + "_samples.png")}


LATENT_GAN_MODELS = ("gan", "wgan-paper", "wgan", "cwgan", "cwgan-gp")


def latent_gan_paths(model: str) -> dict[str, Path]:
    """A shipped GAN on the AE's latent space: generator weights, records, and sample grids."""
    base = checkpoint_dir() / f"latent_{model}"
    return {"generator": base.with_suffix(".safetensors"), "records": base.with_suffix(".json"),
            "samples": base.with_name(base.name + "_samples.png")}
