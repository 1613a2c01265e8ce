import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnimg.data import load_test_split, to_tensor  # noqa: E402


@pytest.fixture(scope="session")
def digits() -> torch.Tensor:
    """512 real test digits as (N, 1, 28, 28) floats in [0, 1]."""
    return to_tensor(load_test_split()[0][:512])
