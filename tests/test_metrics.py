import numpy as np
import pytest
import torch

from nnimg.metrics import (correlation_matrix, correlation_summaries, digit_shares, frechet_distance, inception_score,
                           unsure_share)


def test_inception_score_bounds():
    confident_and_diverse = torch.eye(10).repeat(5, 1)
    assert inception_score(confident_and_diverse) == pytest.approx(10.0, rel=1e-6)
    one_class = torch.zeros(50, 10)
    one_class[:, 3] = 1
    assert inception_score(one_class) == pytest.approx(1.0, rel=1e-6)
    assert inception_score(torch.full((50, 10), 0.1)) == pytest.approx(1.0, rel=1e-6)


def test_unsure_share_counts_images_below_the_threshold():
    sure, torn = torch.eye(10)[:3], torch.full((1, 10), 0.1)
    borderline = torch.tensor([[0.9] + [0.1 / 9] * 9])
    assert unsure_share(torch.cat([sure, torn])) == pytest.approx(0.25)
    assert unsure_share(borderline) == 0.0  # at the threshold counts as sure
    assert unsure_share(borderline, threshold=0.95) == 1.0


def test_frechet_distance_of_shifted_gaussians():
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(20_000, 4, generator=generator)
    b = torch.randn(20_000, 4, generator=generator) * 2 + 1
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # |mu|^2 = 4, trace terms: 4 + 16 - 2 * 8 = 4
    assert frechet_distance(a, b) == pytest.approx(8.0, rel=0.05)


def test_correlation_summaries_with_and_without_the_diagonal():
    rng = np.random.default_rng(0)
    independent = rng.normal(size=(8000, 10))
    summary = correlation_summaries(correlation_matrix(independent))
    assert summary["mean_abs_r_with_diagonal"] == pytest.approx(0.1, abs=0.02)  # the diagonal's 1/d
    assert summary["mean_abs_r_off_diagonal"] < 0.03
    copies = np.repeat(rng.normal(size=(1000, 1)), 3, axis=1)
    assert correlation_summaries(correlation_matrix(copies))["max_abs_r_off_diagonal"] == pytest.approx(1.0)


def test_digit_shares_sum_to_one():
    shares = digit_shares(np.array([0, 0, 9, 3]))
    assert shares.sum() == pytest.approx(1.0) and shares[0] == 0.5 and len(shares) == 10


def test_moment_matching_is_near_zero_for_uniform_codes_only():
    from nnimg.losses import batch_moments, moment_matching_loss

    generator = torch.Generator().manual_seed(0)
    uniform = torch.rand(100_000, 3, generator=generator)
    assert moment_matching_loss(uniform) < 1e-3
    moments = batch_moments(uniform)
    assert moments["kurtosis"].mean() == pytest.approx(1.8, abs=0.02)
    assert moment_matching_loss(torch.randn(100_000, 3, generator=generator)) > 1.0  # Gaussian kurtosis 3


def test_moment_matching_gradient_pushes_codes_toward_uniform():
    from nnimg.losses import moment_matching_loss

    codes = (torch.randn(4096, 2, generator=torch.Generator().manual_seed(1)) * 0.1 + 0.5).requires_grad_()
    optimizer = torch.optim.Adam([codes], lr=1e-2)
    before = moment_matching_loss(codes).item()
    for _ in range(200):
        optimizer.zero_grad()
        moment_matching_loss(codes).backward()
        optimizer.step()
    assert moment_matching_loss(codes).item() < 0.05 * before
