import numpy as np
import pytest
import torch

from nnimg.checkpoints import load_model
from nnimg.data import load_test_split
from nnimg.latent import (correlation_by_dim, decode_and_classify, encode, interpolate_codes,
                          moments_table, project_2d, sample_box)
from nnimg.metrics import correlation_matrix
from nnimg.registry import AE_DEFAULT_DEPTH, autoencoder_name, checkpoint_dir


def test_interpolation_starts_and_ends_at_the_codes():
    a, b = torch.zeros(3), torch.ones(3)
    path = interpolate_codes(a, b, 5)
    assert path.shape == (5, 3) and torch.equal(path[0], a) and torch.equal(path[-1], b)
    assert torch.allclose(path[2], torch.full((3,), 0.5))


def test_box_samples_stay_in_the_box_and_repeat_with_the_seed():
    low, high = torch.tensor([-1.0, 2.0]), torch.tensor([1.0, 3.0])
    samples = sample_box(low, high, 500, seed=3)
    assert (samples >= low).all() and (samples <= high).all()
    assert torch.equal(samples, sample_box(low, high, 500, seed=3))


def test_projections():
    codes = torch.randn(100, 5, generator=torch.Generator().manual_seed(0))
    points, x_title, _ = project_2d(codes, coordinates=(3, 1))
    assert np.array_equal(points, codes[:, [3, 1]].numpy()) and x_title == "z[3]"
    points, x_title, _ = project_2d(codes)
    assert points.shape == (100, 2) and "principal" in x_title
    assert points[:, 0].var() >= points[:, 1].var()


def test_moments_of_uniform_codes():
    moments = moments_table(torch.rand(200_000, 2, generator=torch.Generator().manual_seed(0)))
    assert moments["mean"] == pytest.approx(0.5, abs=0.01) and moments["kurtosis"] == pytest.approx(1.8, abs=0.02)


def test_decode_and_classify(digits):
    """The shipped d = 10 AE and classifier on ten real test digits: the confidence is the softmax's
    largest probability, computed here independently, and the reconstructions read right and surely."""
    autoencoder = load_model(checkpoint_dir() / f"{autoencoder_name(10, AE_DEFAULT_DEPTH)}.safetensors")
    classifier = load_model(checkpoint_dir() / "classifier.safetensors")
    codes = encode(autoencoder, digits[:10])
    images, labels, confidence = decode_and_classify(autoencoder, classifier, codes)
    with torch.no_grad():
        decoded = autoencoder.decoder(codes)
        logits = classifier(decoded).double().numpy()
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    probabilities /= probabilities.sum(1, keepdims=True)
    assert images.shape == (10, 28, 28) and np.allclose(images, decoded[:, 0].numpy(), atol=1e-6)
    assert np.array_equal(labels, probabilities.argmax(1)) and np.allclose(confidence, probabilities.max(1), atol=1e-5)
    assert np.array_equal(labels, load_test_split()[1][:10]) and confidence.min() > 0.95  # 0.98 measured


def test_correlation_curve_has_every_dim():
    generator = torch.Generator().manual_seed(0)
    curves = correlation_by_dim({dim: correlation_matrix(torch.randn(500, dim, generator=generator).numpy())
                                 for dim in (2, 8)})
    assert set(curves) == {"mean_abs_r_with_diagonal", "mean_abs_r_off_diagonal", "max_abs_r_off_diagonal"}
    assert curves["mean_abs_r_with_diagonal"][2] > curves["mean_abs_r_with_diagonal"][8]  # the diagonal's 1/d
