"""The Hugging Face Space deploy (nnimg/space.py), without the network: what it would upload."""

import re
from importlib.metadata import version
from pathlib import Path

from nnimg.space import space_files

REPO = Path(__file__).resolve().parent.parent


def test_the_space_gets_the_app_its_checkpoints_and_settings_but_not_the_tests():
    files = space_files()
    needed = {"app.py", "checkpoints/classifier.safetensors", "nnimg/assets/mnist_test.npz", "docs/findings.json"}
    assert needed <= set(files)
    assert not [path for path in files if path.startswith(("tests/", ".ci/"))]
    settings = files["README.md"].read_text().split("---\n")[1]  # the front matter Spaces reads
    assert "sdk: gradio\n" in settings and "app_file: app.py\n" in settings
    assert f"sdk_version: {version('gradio')}\n" in settings  # the Gradio the tests ran on
    requirements = files["requirements.txt"].read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements and "torch==2.14.1" in requirements
    assert "license: mit\n" in settings


def test_the_cpu_requirements_pin_what_the_tests_run_on_but_torchvision():
    def pins(name: str) -> set[str]:
        lines = (REPO / name).read_text().splitlines()
        return {line for line in lines if line and not line.startswith(("#", "-"))}

    assert pins("requirements-cpu.txt") == {pin for pin in pins("requirements.txt") if "torchvision" not in pin}


def test_your_own_models_go_up_on_request_beside_the_shipped_ones(tmp_path):
    (tmp_path / "dcgan_mine_saturating.json").write_text("{}")
    (tmp_path / "classifier.safetensors").write_bytes(b"not ours to ship")
    (tmp_path / ".resume").mkdir()
    assert "checkpoints/dcgan_mine_saturating.json" not in space_files()
    files = space_files(user_models=tmp_path)
    assert files["checkpoints/dcgan_mine_saturating.json"] == tmp_path / "dcgan_mine_saturating.json"
    assert files["checkpoints/classifier.safetensors"] == REPO / "checkpoints" / "classifier.safetensors"
    assert not [path for path in files if ".resume" in path]


def test_the_readme_states_the_space_s_size_as_the_dry_run_counts_it():
    stated = re.search(r"uploads nothing: (\d+) files, ([\d.]+) MB", (REPO / "README.md").read_text())
    files = space_files()
    size = sum(path.stat().st_size for path in files.values()) / 1e6
    assert stated and abs(float(stated[2]) - size) < 0.05 * size, f"the dry run: {len(files)} files, {size:.1f} MB"
