import math

import numpy as np
import pytest
import torch

from nnimg.checkpoints import load_model, save_model
from nnimg.gan_training import gradient_norm, sample_images, train_dcgan
from nnimg.grids import grid_tiles, read_snapshots, write_snapshots
from nnimg.losses import GENERATOR_LOSSES, discriminator_loss, generator_loss
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator


def test_shapes_follow_the_spec():
    config = DCGANConfig()
    generator, discriminator = Generator(config), Discriminator(config)
    images = generator(torch.randn(3, 100))
    assert images.shape == (3, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert discriminator(images).shape == (3,)
    assert discriminator.net[-1].in_features == 1152  # flatten (128 x 3 x 3) -> 1 logit


def test_generator_losses_at_known_points():
    logit = torch.tensor([0.0])  # D(G(z)) = 0.5
    assert generator_loss(logit, "saturating").item() == pytest.approx(math.log(0.5))
    assert generator_loss(logit, "non-saturating").item() == pytest.approx(-math.log(0.5))
    assert generator_loss(logit, "least-squares").item() == pytest.approx(0.25)
    assert discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0])).item() == pytest.approx(2 * math.log(2))
    with pytest.raises(ValueError, match="unknown generator loss"):
        generator_loss(logit, "wasserstein")


def test_losses_stay_finite_where_d_is_sure():
    logits = torch.tensor([-80.0, 80.0], requires_grad=True)
    for kind in GENERATOR_LOSSES:
        loss = generator_loss(logits, kind)
        (gradient,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss) and torch.isfinite(gradient).all()


def test_saturating_gradient_vanishes_when_d_rejects_fakes():
    """d/dD log(1 - D) = -1/(1 - D) stays near -1 as D -> 0, while d/dD -log D = -1/D blows up;
    on the logit scale the saturating gradient itself goes to zero."""
    logit = torch.tensor([-6.0], requires_grad=True)  # D(G(z)) about 0.0025
    saturating = torch.autograd.grad(generator_loss(logit, "saturating"), logit)[0].abs().item()
    non_saturating = torch.autograd.grad(generator_loss(logit, "non-saturating"), logit)[0].abs().item()
    assert saturating < 0.003 and non_saturating > 0.99


@pytest.mark.parametrize("loss", GENERATOR_LOSSES)
def test_a_few_training_steps_of_each_loss(digits, loss):
    torch.manual_seed(0)
    config = DCGANConfig(width=8)
    generator, discriminator = Generator(config), Discriminator(config)
    optimizers = [torch.optim.Adam(m.parameters(), lr=2e-3, betas=(0.5, 0.999)) for m in (generator, discriminator)]
    noise = torch.randn(64, 100)
    events = list(train_dcgan(generator, discriminator, *optimizers, digits, loss=loss, steps=6, batch_size=16,
                              d_steps=2, record_every=3, snapshot_every=3, fixed_noise=noise))
    assert [event["step"] for event in events] == [3, 6]
    assert all(event["samples"].shape == (64, 28, 28) for event in events)
    assert all(0 <= event["d_real"] <= 1 and event["g_grad_norm"] > 0 for event in events)


def test_gradient_norm_and_generator_round_trip(tmp_path):
    generator = Generator(DCGANConfig(width=8))
    assert gradient_norm(generator) == 0.0
    generator(torch.randn(2, 100)).sum().backward()
    assert gradient_norm(generator) > 0
    save_model(tmp_path / "g.safetensors", generator.eval())
    noise = torch.randn(4, 100)
    assert torch.allclose(sample_images(load_model(tmp_path / "g.safetensors"), noise), sample_images(generator, noise), atol=5e-3)


def test_snapshot_strip_round_trip(tmp_path):
    snapshots = [np.random.default_rng(i).random((64, 28, 28)) for i in range(3)]
    write_snapshots(tmp_path / "s.png", snapshots)
    grids = read_snapshots(tmp_path / "s.png")
    assert len(grids) == 3 and grids[0].shape == (224, 224)
    assert np.array_equal(grid_tiles(grids[2]), np.rint(snapshots[2] * 255).astype(np.uint8))
