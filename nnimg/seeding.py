"""Randomness that belongs to one run: parameters initialised and dropout masks drawn from a
`torch.Generator` the caller owns, never from torch's global one, so that runs in other threads of the
same process (the app's handlers) cannot change each other's results.

Drawn in the same order and with the same kernels as PyTorch's defaults, a module initialised from
`torch.Generator().manual_seed(s)` equals one built after `torch.manual_seed(s)`: the shipped models'
recipes keep their figures."""

from __future__ import annotations

import math

import torch
from torch import nn

_DEFAULT_INITIALISED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)
_NOT_RANDOM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)  # ones and zeros at the start


def initialise(module: nn.Module, generator: torch.Generator) -> nn.Module:
    """Redraw `module`'s parameters as PyTorch's default `reset_parameters` does (Kaiming-uniform
    weights, uniform biases, in the order the layers were registered), from `generator`; the layers
    without randomness (normalisation, activations) keep their values. Returns `module`."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, _DEFAULT_INITIALISED):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                if layer.bias is not None:
                    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
            elif next(layer.parameters(recurse=False), None) is not None and not isinstance(layer, _NOT_RANDOM):
                raise TypeError(f"no generator-driven initialisation for {type(layer).__name__}")
    return module


class SeededDropout(nn.Module):
    """Dropout whose masks come from `generator` (PyTorch's CPU dropout, same kernel and draws)."""

    def __init__(self, p: float, generator: torch.Generator | None = None):
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.generator is None:
            raise RuntimeError("SeededDropout trains only with a generator: set its `generator`")
        keep = torch.empty_like(x, memory_format=torch.contiguous_format)
        keep.bernoulli_(1 - self.p, generator=self.generator)
        return x * keep.div_(1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
