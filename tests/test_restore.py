import pytest
import torch

from nnimg.metrics import psnr, ssim
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.restore import (DEGRADATIONS, MAP_STARTS, GaussianPrior, apply_mask, degrade, gaussian_starts, map_start,
                           restore_with_autoencoder, restore_with_generator, window_mask)


def test_degradations_are_reproducible_and_keep_known_pixels(digits):
    images = digits[:4]
    for name in DEGRADATIONS:
        first, second = degrade(images, name, seed=3), degrade(images, name, seed=3)
        assert torch.equal(first.observed, second.observed)
    window = degrade(images, "window-10", seed=0)
    assert window.known[0, 0, 9:19, 9:19].sum() == 0 and window.known.sum() == 4 * (784 - 100)
    assert torch.equal(window.observed * window.known, images * window.known)
    quarter = degrade(images, "quarter", seed=0)
    assert quarter.known[0, 0, 14:, 14:].sum() == 0 and quarter.known[0, 0, :14].all()
    assert degrade(images, "noise-0.5", seed=0).noise_sigma == 0.5
    with pytest.raises(ValueError, match="unknown degradation"):
        degrade(images, "blur", seed=0)
    with pytest.raises(ValueError, match="does not fit"):
        window_mask(10, top=25)


def test_psnr_and_ssim():
    clean = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(ssim(clean, clean), torch.ones(2))
    noisy = (clean + 0.1).clamp(0, 1)
    assert psnr(noisy, clean)[0] == pytest.approx(10 * torch.log10(1 / ((noisy[0] - clean[0]) ** 2).mean()).item(),
                                                  rel=1e-5)
    assert (ssim(torch.rand_like(clean), clean) < 0.5).all()


def _gaussian_prior(digits):
    flat = digits.flatten(1).double()
    return GaussianPrior(flat.mean(0), torch.cov(flat.T))


def test_classical_baselines_beat_the_degraded_input(digits):
    prior = _gaussian_prior(digits)
    clean = digits[:16]
    noisy = degrade(clean, "noise-0.3", seed=0)
    assert psnr(prior.restore(noisy), clean).mean() > psnr(noisy.observed.clamp(0, 1), clean).mean() + 3
    holed = degrade(clean, "window-10", seed=0)
    filled = prior.restore(holed)
    assert torch.equal(filled * holed.known, clean * holed.known)  # known pixels are kept
    assert psnr(filled, clean).mean() > psnr(holed.observed, clean).mean() + 2


def test_generator_inversion_finds_a_reachable_image():
    torch.manual_seed(0)
    linear = torch.nn.Linear(4, 784)
    generate = lambda z: torch.sigmoid(linear(z)).view(-1, 1, 28, 28)  # noqa: E731
    with torch.no_grad():
        target = generate(torch.randn(2, 4))
    untouched = apply_mask(target, torch.ones(1, 1, 28, 28))
    events = list(restore_with_generator(generate, gaussian_starts(4), untouched, steps=150, restarts=3, lr=0.1,
                                         report_every=50))
    assert [event["step"] for event in events] == [50, 100, 150]
    assert events[-1]["loss"] < events[0]["loss"] and psnr(events[-1]["restored"], target).min() > 30


def test_generator_restoration_keeps_known_pixels(digits):
    generate = lambda z: torch.sigmoid(z @ torch.ones(2, 784)).view(-1, 1, 28, 28)  # noqa: E731
    holed = degrade(digits[:3], "quarter", seed=0)
    events = restore_with_generator(generate, gaussian_starts(2), holed, steps=5, restarts=2, norm="l1")
    restored = list(events)[-1]["restored"]
    assert torch.equal(restored * holed.known, digits[:3] * holed.known)


def test_averaged_restarts_weigh_the_better_fits():
    """Two restarts, one drawing the target and one far from it: a cold average is the good fit,
    a hot one the plain mean of the two."""
    target = torch.full((1, 1, 28, 28), 0.8)
    fits = torch.cat([target, torch.full_like(target, 0.2)])
    generate = lambda z: fits + 0 * z.sum()  # noqa: E731  (restart 0 draws the target, restart 1 grey 0.2)
    observed = apply_mask(target, window_mask(10))  # the centre pixel (14, 14) is unknown

    def centre(temperature: float) -> float:
        events = restore_with_generator(generate, gaussian_starts(2), observed, steps=1, restarts=2,
                                        temperature=temperature)
        return list(events)[-1]["restored"][0, 0, 14, 14].item()

    assert centre(0.0) == pytest.approx(0.8) and centre(1e-3) == pytest.approx(0.8, abs=1e-4)
    assert centre(1e3) == pytest.approx(0.5, abs=1e-3)


def test_autoencoder_prior_starts_from_the_given_guess(digits):
    autoencoder = Autoencoder(AutoencoderConfig(latent_dim=4, depth=1, hidden=16))
    holed = degrade(digits[:2], "window-8", seed=0)
    first = next(restore_with_autoencoder(autoencoder, holed, steps=1, lr=1e-9, start=digits[:2], report_every=1))
    unknown = holed.known == 0
    assert torch.allclose(first["estimate"][unknown], digits[:2].clamp(0.02, 0.98)[unknown], atol=1e-3)


def test_autoencoder_prior_moves_only_unknown_pixels(digits):
    torch.manual_seed(0)
    autoencoder = Autoencoder(AutoencoderConfig(latent_dim=4, depth=1, hidden=16))
    holed = degrade(digits[:2], "window-8", seed=0)
    events = list(restore_with_autoencoder(autoencoder, holed, steps=20, lr=0.02, report_every=10))
    restored = events[-1]["restored"]
    assert torch.allclose(restored * holed.known, digits[:2] * holed.known, atol=1e-6)
    assert events[-1]["loss"] <= events[0]["loss"]


def test_the_map_starts_from_each_named_point(digits):
    holed = degrade(digits[:2], "quarter", seed=0)
    guess = torch.full_like(holed.observed, 0.3)
    starts = {kind: map_start(kind, holed, gaussian_estimate=guess, seed=1) for kind in MAP_STARTS}
    assert torch.equal(starts["degraded"], holed.observed.clamp(0, 1))  # the course's: hidden pixels black
    assert starts["grey"].unique().tolist() == [0.5] and starts["black"].unique().tolist() == [0.0]
    assert torch.equal(starts["conditional-mean"], guess)
    assert torch.equal(starts["noise"], map_start("noise", holed, seed=1))  # reproducible
    assert not torch.equal(starts["noise"], map_start("noise", holed, seed=2))
    with pytest.raises(ValueError, match="conditional-mean start needs"):
        map_start("conditional-mean", holed)
    with pytest.raises(ValueError, match="Unknown start"):
        map_start("white", holed)
