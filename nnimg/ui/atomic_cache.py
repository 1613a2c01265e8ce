"""Gradio writes an output image to its cache under the hash of its bytes with a plain write, so two
requests that make the same image (a class on the same preset digit) truncate and rewrite the file
while a third is still downloading it: "Too little data for declared Content-Length". Gradio's own
`save_file_to_cache` already writes under a temporary name and renames; this gives output images
the same treatment, for every component that saves arrays or PIL images (Image, ImageSlider,
ImageEditor)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gradio import processing_utils
from PIL import Image


def save_pil_to_cache(img: Image.Image, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    """`processing_utils.save_pil_to_cache`, written atomically: an existing copy is reused (and
    touched, so that `delete_cache` ages it from now), a new one appears whole or not at all."""
    data = processing_utils.encode_pil_to_bytes(img, format)
    directory = Path(cache_dir) / processing_utils.hash_bytes(data)
    directory.mkdir(exist_ok=True, parents=True)
    path = (directory / f"{name}.{format}").resolve()
    if path.exists():
        os.utime(path)
        return str(path)
    descriptor, staging = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(staging, path)
    return str(path)


def install() -> None:
    """Make Gradio save output images through `save_pil_to_cache` above."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
