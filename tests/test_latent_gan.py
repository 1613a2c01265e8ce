import pytest
import torch

from nnimg.gan_training import LATENT_OBJECTIVES, generator_average, train_dcgan, train_latent_gan
from nnimg.models.dcgan import DCGANConfig, Discriminator, Generator
from nnimg.models.latent_gan import CodeClassifier, CodeCritic, CodeGenerator, LatentGANConfig


def _codes(count: int = 256, code_dim: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(count) % 10
    return torch.randn(count, code_dim, generator=generator) + labels[:, None].float(), labels


def _models(conditional: bool) -> tuple[CodeGenerator, CodeCritic]:
    torch.manual_seed(0)
    config = LatentGANConfig(code_dim=4, noise_dim=3, hidden=16, conditional=conditional,
                             code_mean=[1.0, 2.0, 3.0, 4.0], code_std=[2.0] * 4)
    return CodeGenerator(config), CodeCritic(config)


def test_shapes_and_units():
    generator, critic = _models(conditional=True)
    generator.eval()
    noise, labels = torch.randn(5, 3), torch.arange(5)
    codes = generator(noise, labels)
    assert codes.shape == (5, 4) and critic(generator.standardised(noise, labels), labels).shape == (5,)
    assert torch.allclose(codes, generator.standardised(noise, labels) * 2.0 + torch.tensor([1.0, 2.0, 3.0, 4.0]))
    blend = torch.full((5, 10), 0.1)
    assert generator(noise, blend).shape == (5, 4)


@pytest.mark.parametrize("objective", LATENT_OBJECTIVES)
@pytest.mark.parametrize("conditional", [False, True])
def test_a_few_steps_of_each_objective(objective, conditional):
    generator, critic = _models(conditional)
    optimizers = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in (generator, critic)]
    codes, labels = _codes()
    events = list(train_latent_gan(generator, critic, *optimizers, codes, labels, objective=objective, steps=6,
                                   batch_size=32, critic_steps=2, clip=0.05, record_every=3))
    assert [event["step"] for event in events] == [3, 6]
    assert all(torch.isfinite(torch.tensor(list(event.values()))).all() for event in events)
    if objective == "wgan-clip":
        assert max(p.abs().max().item() for p in critic.parameters()) <= torch.tensor(0.05).item()


def test_unknown_objective_is_refused():
    generator, critic = _models(False)
    with pytest.raises(ValueError, match="unknown objective"):
        next(train_latent_gan(generator, critic, None, None, *_codes(), objective="vae", steps=1))


def test_auxiliary_classifier_pulls_codes_toward_the_asked_digit():
    codes, labels = _codes()
    classifier = CodeClassifier(4, hidden=16)
    classifier.requires_grad_(False)

    def agreement_after(weight: float) -> float:
        generator, critic = _models(conditional=True)
        optimizers = [torch.optim.Adam(m.parameters(), lr=3e-3) for m in (generator, critic)]
        list(train_latent_gan(generator, critic, *optimizers, codes, labels, objective="wgan-gp", steps=60,
                              batch_size=64, critic_steps=1, code_classifier=classifier, classifier_weight=weight,
                              record_every=60))
        generator.eval()
        asked = torch.arange(200) % 10
        with torch.no_grad():
            predicted = classifier(generator.standardised(torch.randn(200, 3), asked)).argmax(1)
        return (predicted == asked).float().mean().item()

    assert agreement_after(5.0) > agreement_after(0.0) + 0.2


def test_dcgan_moving_average_follows_the_generator(digits):
    torch.manual_seed(0)
    config = DCGANConfig(width=8)
    generator, discriminator = Generator(config), Discriminator(config)
    average = generator_average(generator, 0.5)
    optimizers = [torch.optim.Adam(m.parameters(), lr=2e-3) for m in (generator, discriminator)]
    before = [p.clone() for p in average.module.parameters()]
    list(train_dcgan(generator, discriminator, *optimizers, digits, loss="non-saturating", steps=4, batch_size=16,
                     record_every=2, snapshot_every=2, fixed_noise=torch.randn(4, 100), ema=average))
    moved = [not torch.equal(a, b) for a, b in zip(before, average.module.parameters())]
    differs = [not torch.equal(a, b) for a, b in zip(average.module.parameters(), generator.parameters())]
    assert any(moved) and any(differs)
