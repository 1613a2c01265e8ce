import json

import pytest
import torch

from nnimg.checkpoints import CheckpointError, load_model, load_training_state, save_model, save_training_state
from nnimg.models.autoencoder import Autoencoder, AutoencoderConfig
from nnimg.training import one_cycle_lr, reconstruction_mse, train_autoencoder


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("latent_dim", [2, 10])
def test_shapes_at_every_depth(depth, latent_dim):
    model = Autoencoder(AutoencoderConfig(latent_dim=latent_dim, depth=depth, hidden=16))
    x = torch.rand(3, 1, 28, 28)
    assert model.encoder(x).shape == (3, latent_dim)
    out = model(x)
    assert out.shape == (3, 1, 28, 28) and 0 <= out.min() and out.max() <= 1


def test_config_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        AutoencoderConfig(depth=4)


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(latent_dim=5, depth=3, hidden=32)).eval()
    path = tmp_path / "ae.safetensors"
    save_model(path, model)
    loaded = load_model(path)
    assert loaded.config == model.config and not loaded.training
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x), atol=2e-3)  # weights are stored as float16


def test_missing_and_corrupt_checkpoints_say_which_file(tmp_path):
    with pytest.raises(CheckpointError, match="missing"):
        load_model(tmp_path / "absent.safetensors")
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="corrupt.safetensors is unreadable"):
        load_model(corrupt)


def test_one_cycle_schedule_warms_up_and_decays():
    lrs = [one_cycle_lr(step, 100, 1.0) for step in range(101)]
    assert lrs[0] < 0.1 and max(lrs) == pytest.approx(1.0, abs=0.01) and lrs[-1] < 0.01


def _tiny_model():
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(latent_dim=8, depth=2, channels=(4, 8), hidden=32))
    return model, torch.optim.AdamW(model.parameters(), lr=3e-3)


def _train(model, optimizer, digits, *, start_epoch=0, augment=0.0):
    return train_autoencoder(model, optimizer, digits, epochs=3, batch_size=32, peak_lr=1e-2,
                             start_epoch=start_epoch, max_steps=12, test_images=digits[:64], augment=augment)


def test_a_tiny_autoencoder_learns(digits):
    model, optimizer = _tiny_model()
    before = reconstruction_mse(model, digits)
    records = list(_train(model, optimizer, digits))
    assert len(records) == 3 and records[-1]["test_mse"] < records[0]["test_mse"]
    assert reconstruction_mse(model, digits) < 0.6 * before


@pytest.mark.parametrize("augment", [0.0, 0.5])
def test_resumed_training_matches_an_uninterrupted_run(digits, tmp_path, augment):
    straight, optimizer = _tiny_model()
    list(_train(straight, optimizer, digits, augment=augment))

    model, optimizer = _tiny_model()
    first_epoch = next(_train(model, optimizer, digits, augment=augment))  # the run is cut after one epoch
    path = tmp_path / "state.safetensors"
    save_training_state(path, modules={"ae": model}, optimizers={"adam": optimizer},
                        progress={"epochs": [first_epoch]})
    resumed, resumed_optimizer = _tiny_model()
    progress = load_training_state(path, modules={"ae": resumed}, optimizers={"adam": resumed_optimizer})
    assert progress == json.loads(json.dumps({"epochs": [first_epoch]}))
    list(_train(resumed, resumed_optimizer, digits, start_epoch=len(progress["epochs"]), augment=augment))
    for name, value in straight.state_dict().items():
        assert torch.allclose(resumed.state_dict()[name].float(), value.float(), atol=1e-6), name
