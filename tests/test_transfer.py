import numpy as np
import pytest
import torch

from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.models.classifier import Classifier, ClassifierConfig
from nnimg.training import predict_logits, train_classifier
from nnimg.transfer import (balanced_indices, evaluate, nearest_neighbour_accuracy, train_transfer,
                            train_with_label_spreading, transfer_net)


def test_balanced_indices():
    labels = np.repeat(np.arange(10), 50)
    chosen = balanced_indices(labels, 100, seed=1)
    assert np.bincount(labels[chosen]).tolist() == [10] * 10
    assert np.array_equal(chosen, balanced_indices(labels, 100, seed=1))
    with pytest.raises(ValueError, match="multiple of 10"):
        balanced_indices(labels, 15, seed=0)


def _tiny_autoencoder():
    torch.manual_seed(0)
    return Autoencoder(AutoencoderConfig(latent_dim=6, depth=1, hidden=16))


@pytest.mark.parametrize("fine_tune", [False, True])
def test_frozen_encoder_is_untouched_and_fine_tuned_one_moves(digits, fine_tune):
    autoencoder = _tiny_autoencoder()
    net = transfer_net(autoencoder, pretrained=True, fine_tune=fine_tune, hidden=16, seed=0)
    before = {k: v.clone() for k, v in net.encoder.state_dict().items()}
    labels = torch.arange(len(digits)) % 10
    list(train_transfer(net, digits, labels, steps=5))
    changed = any(not torch.equal(before[k], v) for k, v in net.encoder.state_dict().items())
    assert changed == fine_tune
    assert all(torch.equal(a, b) for a, b in zip(autoencoder.encoder.state_dict().values(),
                                                  _tiny_autoencoder().encoder.state_dict().values()))


def test_random_encoder_has_the_autoencoders_shape_and_fresh_weights():
    autoencoder = _tiny_autoencoder()
    net = transfer_net(autoencoder, pretrained=False, fine_tune=True, hidden=16, seed=1)
    shipped, fresh = autoencoder.encoder.state_dict(), net.encoder.state_dict()
    assert {k: v.shape for k, v in fresh.items()} == {k: v.shape for k, v in shipped.items()}
    assert not torch.equal(fresh["fc.1.weight"], shipped["fc.1.weight"])


def test_label_spreading_trains_in_two_stages(digits):
    from nnimg.data import load_test_split

    net = transfer_net(_tiny_autoencoder(), pretrained=True, fine_tune=True, hidden=16, seed=0)
    # Ten clusters with known labels: noisy copies of the first test digit of each class, 2 labelled
    # and 10 unlabelled per digit (more than the k = 10 neighbours, so a cluster's graph holds together).
    prototypes = digits[[int(np.flatnonzero(load_test_split()[1][:len(digits)] == d)[0]) for d in range(10)]]
    generator = torch.Generator().manual_seed(0)
    truth = torch.cat([torch.arange(20) % 10, torch.randperm(100, generator=generator) % 10])  # unlabelled shuffled
    images = prototypes[truth] + 0.03 * torch.randn(120, 1, 28, 28, generator=generator)
    images = images.clamp(0, 1)
    labels = truth[:20]
    records = list(train_with_label_spreading(net, images[:20], labels, images[20:], steps=4, pseudo_steps=6,
                                              report_every=2))
    stages = [record["stage"] for record in records]
    assert stages == ["labelled"] * 2 + ["spread"] + ["pseudo-labelled"] * 3
    spread = records[2]
    assert spread["pseudo_labels"].shape == (100,)
    assert (spread["pseudo_labels"] == truth[20:]).float().mean() >= 0.9  # 1.0 measured; chance is 0.1
    assert [record["step"] for record in records] == [2, 4, 4, 6, 8, 10]


def test_evaluate_counts_every_test_image():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    images, labels = torch.rand(30, 1, 28, 28), torch.arange(30) % 10
    accuracy, confusion = evaluate(model, images, labels)
    assert confusion.sum() == 30 and confusion.sum(1).tolist() == [3] * 10
    assert accuracy == pytest.approx(np.trace(confusion) / 30)


def test_nearest_neighbour_finds_exact_copies():
    images, labels = torch.rand(20, 1, 28, 28), torch.arange(20) % 10
    assert nearest_neighbour_accuracy(images, labels, images, labels) == 1.0


def test_a_tiny_classifier_learns(digits):
    from nnimg.data import load_test_split

    labels = torch.from_numpy(load_test_split()[1][:len(digits)])
    torch.manual_seed(0)
    model = Classifier(ClassifierConfig(channels=(8, 16), features=32))
    optimizer = torch.optim.AdamW(model.parameters())
    records = list(train_classifier(model, optimizer, digits, labels, steps=60, batch_size=64, max_shift=1,
                                    report_every=30))
    assert records[-1]["loss"] < records[0]["loss"]
    assert (predict_logits(model, digits).argmax(1) == labels).float().mean() > 0.5
    assert model.embed(digits[:3]).shape == (3, 32)
