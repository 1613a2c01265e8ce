"""Runs draw their randomness from their own generator: the same result as the global-seed recipes,
and the same result whatever other threads do meanwhile."""

import threading
import time

import pytest
import torch

from nnimg.gan_training import build_dcgan, build_latent_gan
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig, Encoder
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator
from nnimg.models.latent_gan import CodeClassifier, CodeCritic, CodeGenerator, LatentGANConfig
from nnimg.registry import LATENT_GAN_PRESETS
from nnimg.seeding import SeededDropout, initialise
from nnimg.transfer import train_transfer, transfer_net


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


@pytest.mark.parametrize("build", [lambda: Encoder(AutoencoderConfig(latent_dim=6, depth=2, hidden=16)),
                                   lambda: Generator(DCGANConfig(width=8, categories=10)),
                                   lambda: Discriminator(DCGANConfig(width=8, categories=10)),
                                   lambda: CodeGenerator(LatentGANConfig(code_dim=10)),
                                   lambda: CodeCritic(LatentGANConfig(code_dim=10, critic_batchnorm=True)),
                                   lambda: CodeGenerator(LatentGANConfig(code_dim=10, conditional=True)),
                                   lambda: CodeClassifier(10)])
def test_initialise_equals_pytorchs_default_after_a_global_seed(build):
    torch.manual_seed(7)
    default = build()
    assert _same(default, initialise(build(), torch.Generator().manual_seed(7)))
    assert not _same(default, initialise(build(), torch.Generator().manual_seed(8)))


def test_seeded_dropout_draws_pytorchs_masks_from_its_generator():
    x = torch.rand(64, 32)
    torch.manual_seed(3)
    expected = torch.nn.functional.dropout(x, 0.2, training=True)
    assert torch.equal(SeededDropout(0.2, torch.Generator().manual_seed(3))(x), expected)
    assert torch.equal(SeededDropout(0.2).eval()(x), x)


def _churn(stop: threading.Event) -> None:
    """Another request of the same process: seeds and reads torch's global generator, again and again."""
    while not stop.is_set():
        torch.manual_seed(123)
        torch.randn(1000)
        time.sleep(0.0005)


def _transfer_weights(digits: torch.Tensor, pretrained: bool) -> torch.Tensor:
    autoencoder = initialise(Autoencoder(AutoencoderConfig(latent_dim=6, depth=1, hidden=16)),
                             torch.Generator().manual_seed(0))
    net = transfer_net(autoencoder, pretrained=pretrained, fine_tune=True, hidden=16, seed=0)
    list(train_transfer(net, digits, torch.arange(len(digits)) % 10, steps=30))
    return torch.cat([p.detach().flatten() for p in net.parameters()])


@pytest.mark.parametrize("pretrained", [True, False])
def test_a_transfer_run_is_the_same_alone_and_beside_another_thread(digits, pretrained):
    alone = _transfer_weights(digits, pretrained)
    stop = threading.Event()
    neighbour = threading.Thread(target=_churn, args=(stop,))
    neighbour.start()
    try:
        beside = _transfer_weights(digits, pretrained)
    finally:
        stop.set()
        neighbour.join()
    assert torch.equal(alone, beside)


def test_builders_depend_on_their_seed_not_on_the_global_generator():
    preset = next(iter(LATENT_GAN_PRESETS.values()))
    torch.manual_seed(42)
    first = [*build_dcgan(width=4, d_width=4, categories=0, lr=1e-3, seed=0)[:2],
             *build_latent_gan(LatentGANConfig(code_dim=10), preset, seed=0)[:2]]
    torch.manual_seed(99)
    torch.randn(10)
    again = [*build_dcgan(width=4, d_width=4, categories=0, lr=1e-3, seed=0)[:2],
             *build_latent_gan(LatentGANConfig(code_dim=10), preset, seed=0)[:2]]
    assert all(_same(a, b) for a, b in zip(first, again))
