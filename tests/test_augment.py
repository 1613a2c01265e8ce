import pytest
import torch

from nnimg.augment import random_affine, random_shift


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_no_share_leaves_the_batch_alone(digits):
    assert random_affine(digits, 0.0, _generator()) is digits


def test_a_distorted_digit_keeps_its_ink_and_its_centre(digits):
    distorted = random_affine(digits, 1.0, _generator())
    assert distorted.shape == digits.shape and distorted.min() >= 0 and distorted.max() <= 1
    assert not torch.equal(distorted, digits)
    ink, ink_after = digits.sum((1, 2, 3)), distorted.sum((1, 2, 3))
    assert ((ink_after / ink - 1).abs() < 0.25).all()  # a scale within 8% changes the ink by at most ~17%
    rows = torch.arange(28.0).view(1, 1, 28, 1)
    centre, centre_after = (digits * rows).sum((1, 2, 3)) / ink, (distorted * rows).sum((1, 2, 3)) / ink_after
    assert ((centre_after - centre).abs() < 2.5).all()


def test_the_share_of_distorted_digits_follows_the_argument(digits):
    distorted = random_affine(digits, 0.5, _generator())
    changed = (distorted != digits).flatten(1).any(1).float().mean()
    assert changed == pytest.approx(0.5, abs=0.08)


def test_distortions_repeat_with_the_seed(digits):
    assert torch.equal(random_affine(digits, 0.5, _generator(3)), random_affine(digits, 0.5, _generator(3)))
    assert not torch.equal(random_affine(digits, 0.5, _generator(3)), random_affine(digits, 0.5, _generator(4)))


def test_a_shift_moves_the_digit_by_whole_pixels(digits):
    shifted = random_shift(digits[:64], 2, _generator())
    assert shifted.shape == (64, 1, 28, 28)
    assert torch.equal(random_shift(digits[:64], 0, _generator()), digits[:64])
    # every shifted digit equals its original under one of the 25 offsets
    padded = torch.nn.functional.pad(digits[:64], [2] * 4)
    for image, original in zip(shifted, padded):
        assert any(torch.equal(image, original[:, dy:dy + 28, dx:dx + 28]) for dy in range(5) for dx in range(5))
