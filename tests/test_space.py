"""The Hugging Face Space deploy (nnimg/space.py), without the network: what it would upload."""

from importlib.metadata import version

from nnimg.space import space_files


def test_the_space_gets_the_app_its_checkpoints_and_settings_but_not_the_tests():
    files = space_files()
    needed = {"app.py", "checkpoints/classifier.safetensors", "nnimg/assets/mnist_test.npz", "docs/findings.json"}
    assert needed <= set(files)
    assert not [path for path in files if path.startswith(("tests/", ".ci/"))]
    settings = files["README.md"].read_text().split("---\n")[1]  # the front matter Spaces reads
    assert "sdk: gradio\n" in settings and "app_file: app.py\n" in settings
    assert f"sdk_version: {version('gradio')}\n" in settings  # the Gradio the tests ran on
    requirements = files["requirements.txt"].decode().splitlines()
    assert requirements[0].startswith("--extra-index-url") and "torch==2.14.1" in requirements
