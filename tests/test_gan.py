import math

import numpy as np
import pytest
import torch

from nnimg.bench import GAN_SPEED_RECIPES, bench_gan_speed
from nnimg.checkpoints import load_model, save_model
from nnimg.gan_training import dcgan_optimizers, gradient_norm, train_dcgan
from nnimg.sampling import sample_images
from nnimg.grids import grid_tiles, read_snapshots, write_snapshots
from nnimg.losses import GENERATOR_LOSSES, code_loss, discriminator_loss, generator_loss
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator, latent_codes, sample_latent


def test_shapes_follow_the_spec():
    config = DCGANConfig()
    generator, discriminator = Generator(config), Discriminator(config)
    images = generator(torch.randn(3, 100))
    assert images.shape == (3, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert discriminator(images).shape == (3,)
    assert discriminator.logit.in_features == 1152  # flatten (128 x 3 x 3) -> 1 logit
    assert discriminator.code_head is None and discriminator(images, with_codes=True)[1] is None


def test_generator_losses_at_known_points():
    logit = torch.tensor([0.0])  # D(G(z)) = 0.5
    assert generator_loss(logit, "saturating").item() == pytest.approx(math.log(0.5))
    assert generator_loss(logit, "non-saturating").item() == pytest.approx(-math.log(0.5))
    assert generator_loss(logit, "least-squares").item() == pytest.approx(0.25)
    assert discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0])).item() == pytest.approx(2 * math.log(2))
    with pytest.raises(ValueError, match="unknown generator loss"):
        generator_loss(logit, "wasserstein")


def test_infogan_latent_carries_a_one_hot_code_that_d_predicts():
    config = DCGANConfig(width=8, categories=10)
    latent = sample_latent(config, 20, generator=torch.Generator().manual_seed(0), codes=torch.arange(20) % 10)
    assert latent.shape == (20, 110) and config.latent_dim == 110
    assert torch.equal(latent[:, 100:].sum(1), torch.ones(20))
    assert torch.equal(latent_codes(config, latent), torch.arange(20) % 10)
    plain = DCGANConfig(width=8)  # no code: the same Gaussian noise as before InfoGAN existed
    assert torch.equal(sample_latent(plain, 5, generator=torch.Generator().manual_seed(3)),
                       torch.randn(5, 100, generator=torch.Generator().manual_seed(3)))
    logits, code_logits = Discriminator(config)(Generator(config)(latent), with_codes=True)
    assert logits.shape == (20,) and code_logits.shape == (20, 10)
    sure = torch.full((2, 10), -20.0)
    sure[[0, 1], [3, 7]] = 20.0
    assert code_loss(sure, torch.tensor([3, 7])).item() == pytest.approx(0.0, abs=1e-6)
    assert code_loss(torch.zeros(2, 10), torch.tensor([3, 7])).item() == pytest.approx(math.log(10))


def test_infogan_training_records_the_code_loss_and_the_adversarial_gradient_alone(digits):
    """The code loss moves G, while |grad G| stays the gradient of the adversarial loss (the lesson's)."""
    config = DCGANConfig(width=8, categories=10)

    def one_step(info_weight: float) -> tuple[dict, torch.Tensor]:
        torch.manual_seed(0)
        generator, discriminator = Generator(config), Discriminator(config)
        g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
        d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=0.0)  # D stays put: the same G step follows
        (event,) = train_dcgan(generator, discriminator, g_optimizer, d_optimizer, digits, loss="saturating", steps=1,
                               batch_size=16, record_every=1, info_weight=info_weight)
        return event, torch.cat([p.detach().flatten() for p in generator.parameters()])

    (plain, plain_weights), (info, info_weights) = one_step(0.0), one_step(1.0)
    assert 0 < info["code_loss"] == pytest.approx(plain["code_loss"])
    assert info["g_grad_norm"] == pytest.approx(plain["g_grad_norm"], rel=1e-6)
    assert not torch.allclose(info_weights, plain_weights)


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
    optimizers = dcgan_optimizers(generator, discriminator, lr=2e-3)
    noise = torch.randn(64, 100)
    events = list(train_dcgan(generator, discriminator, *optimizers, digits, loss=loss, steps=6, batch_size=16,
                              d_steps=2, record_every=3, snapshot_every=3, fixed_noise=noise))
    assert [event["step"] for event in events] == [3, 6]
    assert all(event["samples"].shape == (64, 28, 28) for event in events)
    assert all(0 <= event["d_real"] <= 1 and event["g_grad_norm"] > 0 for event in events)
    assert all(p.requires_grad for p in discriminator.parameters())  # frozen for G's steps only


def test_gradient_norm_and_generator_round_trip(tmp_path):
    generator = Generator(DCGANConfig(width=8))
    assert gradient_norm(generator) == 0.0
    generator(torch.randn(2, 100)).sum().backward()
    assert gradient_norm(generator) > 0
    save_model(tmp_path / "g.safetensors", generator.eval())
    noise = torch.randn(4, 100)
    loaded = load_model(tmp_path / "g.safetensors")
    assert torch.allclose(sample_images(loaded, noise), sample_images(generator, noise), atol=5e-3)


def test_snapshot_strip_round_trip(tmp_path):
    snapshots = [np.random.default_rng(i).random((64, 28, 28)) for i in range(3)]
    write_snapshots(tmp_path / "s.png", snapshots)
    grids = read_snapshots(tmp_path / "s.png")
    assert len(grids) == 3 and grids[0].shape == (224, 224)
    assert np.array_equal(grid_tiles(grids[2]), np.rint(snapshots[2] * 255).astype(np.uint8))


def test_colour_snapshots_round_trip_at_64x64(tmp_path):
    snapshots = [np.random.default_rng(i).random((64, 64, 64, 3)) for i in range(2)]
    write_snapshots(tmp_path / "s.png", snapshots)
    grids = read_snapshots(tmp_path / "s.png")
    assert len(grids) == 2 and grids[1].shape == (512, 512, 3)
    assert np.array_equal(grid_tiles(grids[1]), np.rint(snapshots[1] * 255).astype(np.uint8))


@pytest.mark.parametrize("size, channels", [(32, 3), (64, 1)])
def test_a_few_steps_at_other_sizes_with_bfloat16_autocast_and_uint8_pictures(size, channels):
    """The folder path: uint8 batches, G and D grown for the size, forward passes in bfloat16 (on the CPU
    here; on a GPU with --amp)."""
    config = DCGANConfig(width=8, image_size=size, channels=channels)
    torch.manual_seed(0)
    generator, discriminator = Generator(config), Discriminator(config)
    pictures = torch.randint(0, 256, (32, channels, size, size), dtype=torch.uint8)
    events = list(train_dcgan(generator, discriminator, *dcgan_optimizers(generator, discriminator, 2e-3), pictures,
                              loss="non-saturating", steps=2, batch_size=8, record_every=1, snapshot_every=2,
                              fixed_noise=sample_latent(config, 4), amp=True))
    assert all(math.isfinite(event["g_loss"]) and math.isfinite(event["d_loss"]) for event in events)
    assert events[-1]["samples"].shape == ((4, size, size, 3) if channels == 3 else (4, size, size))


def test_gan_speed_bench_times_both_recipes(capsys):
    bench_gan_speed(steps=1, batch_size=4)
    lines = [line for line in capsys.readouterr().out.splitlines() if "img/s" in line]
    assert [line.split("  ")[0].strip() for line in lines] == [name for name, *_ in GAN_SPEED_RECIPES]
