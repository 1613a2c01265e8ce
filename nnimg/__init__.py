"""nnimg: generative models of MNIST digits, for an interactive lab (the package; the UI is app.py)."""

from nnimg.checkpoints import CheckpointError, load_model, save_model
from nnimg.data import load_test_split, load_train_split, to_tensor
from nnimg.preprocess import InvalidImageError, to_mnist_digit
from nnimg.zoo import ModelZoo

__all__ = ["CheckpointError", "InvalidImageError", "ModelZoo", "load_model", "load_test_split", "load_train_split",
           "save_model", "to_mnist_digit", "to_tensor"]
