"""Deploy the app to a Hugging Face Space in one command (README, "Host it on Hugging Face Spaces"):

    python -m nnimg.space USER/NAME            # create the Space if need be, then upload in one commit
    python -m nnimg.space USER/NAME --dry-run  # list what would go up, contact no one
    python -m nnimg.space USER/NAME --user-models   # with your own models ($NNIMG_USER_MODELS) in its checkpoints/

What goes up is the committed tree (`git ls-files`) but the tests and CI (the README's front matter holds
the Space's settings: Gradio SDK, app.py, Python 3.11), with requirements-cpu.txt as its requirements.txt:
torch's CPU wheels (a CPU Space has no use for the CUDA build's gigabytes). huggingface_hub sends the checkpoints
through its LFS/Xet handling. It needs a token with write access (`hf auth login` or HF_TOKEN)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from nnimg.registry import REPO_ROOT, user_models_dir

LEFT_OUT = ("tests/", ".ci/", ".gitignore")


def files_to_upload(root: Path = REPO_ROOT) -> list[str]:
    """The committed files the Space runs on, relative to `root`."""
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"Could not list the committed files with git ({error}); run this from a clone.") from None
    return [path for path in listed.splitlines() if not path.startswith(LEFT_OUT)]


def space_files(root: Path = REPO_ROOT, *, user_models: Path | None = None) -> dict[str, Path | bytes]:
    """Each path in the Space and its content: a file of the repository; requirements-cpu.txt is the
    Space's requirements.txt; and the files of `user_models` (your own models, not their resume state) in
    its checkpoints/, where the app lists them beside the shipped ones."""
    files: dict[str, Path | bytes] = {path: root / path for path in files_to_upload(root)}
    files["requirements.txt"] = files.pop("requirements-cpu.txt", root / "requirements-cpu.txt")
    for path in sorted(user_models.glob("*")) if user_models else ():
        if path.is_file() and f"checkpoints/{path.name}" not in files:  # a shipped model is never replaced
            files[f"checkpoints/{path.name}"] = path
    return files


def deploy(repo_id: str, *, private: bool = False, user_models: Path | None = None) -> str:
    """Create the Space `repo_id` (if it does not exist) and upload the app in one commit; its URL."""
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi()
    url = api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
    operations = [CommitOperationAdd(path, content) for path, content in space_files(user_models=user_models).items()]
    api.create_commit(repo_id, operations, repo_type="space", commit_message="nnimg: deploy the app")
    return str(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("space", help="USER/NAME of the Space")
    parser.add_argument("--private", action="store_true", help="a private Space")
    parser.add_argument("--dry-run", action="store_true", help="list the files and their sizes, upload nothing")
    parser.add_argument("--user-models", action="store_true",
                        help=f"add your own models from $NNIMG_USER_MODELS (now {user_models_dir()})")
    args = parser.parse_args()
    user_models = user_models_dir() if args.user_models else None
    if "/" not in args.space:
        raise SystemExit("Name the Space as USER/NAME, e.g. alice/nnimg.")
    if args.dry_run:
        files = space_files(user_models=user_models)
        sizes = {path: len(content) if isinstance(content, bytes) else content.stat().st_size
                 for path, content in files.items()}
        for path, size in sorted(sizes.items()):
            print(f"{size / 1e6:8.2f} MB  {path}")
        print(f"{len(sizes)} files, {sum(sizes.values()) / 1e6:.1f} MB -> https://huggingface.co/spaces/{args.space}")
        return
    try:
        print(f"deployed: {deploy(args.space, private=args.private, user_models=user_models)}")
    except Exception as error:  # huggingface_hub's HTTP and auth errors: one sentence, not a traceback
        print(f"The Space could not be deployed: {error}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
