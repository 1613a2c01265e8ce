"""Checkpoint I/O without pickle: safetensors weights with the model's config in the metadata,
and resumable training state. What ships is listed in `nnimg.registry`."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file
from torch import nn

from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.classifier import Classifier, ClassifierConfig
from nnimg.models.dcgan import DCGANConfig, Generator
from nnimg.models.latent_gan import CodeGenerator, LatentGANConfig
from nnimg.registry import REPO_ROOT

MODEL_FAMILIES = {"autoencoder": (AutoencoderConfig, Autoencoder), "classifier": (ClassifierConfig, Classifier),
                  "dcgan_generator": (DCGANConfig, Generator), "latent_generator": (LatentGANConfig, CodeGenerator)}


class CheckpointError(RuntimeError):
    """A checkpoint is missing or unreadable; the message says how to train it."""


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
