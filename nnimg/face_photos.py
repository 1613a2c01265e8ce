"""Photos of faces for the folder pipeline (docs/course.md, finding 14): the 100 faces of the LFW
subset (Labeled Faces in the Wild, 25x25 grey) that scikit-image's wheel carries. The wheel is
downloaded from the package index (never installed), the file checked by sha256 and the faces cached."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from nnimg.data import cache_dir, download_wheel

FACES_REQUIREMENT = "scikit-image==0.26.0"
FACES_MEMBER = "skimage/data/lfw_subset.npy"  # 100 faces, then 100 pictures that are not faces
FACES_MEMBER_SHA256 = "9560ec2f5edfac01973f63a8a99d00053fecd11e21877e18038fbe500f8e872c"
FACE_COUNT = 100
HELD_OUT_FACES = 10  # train/make_face_folder.py keeps the last 10 out of training


def read_faces(wheel: Path) -> np.ndarray:
    """The 100 faces in the scikit-image wheel as uint8 (100, 25, 25), after checking the file's sha256."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(FACES_MEMBER)
    if hashlib.sha256(raw).hexdigest() != FACES_MEMBER_SHA256:
        raise ValueError(f"{FACES_MEMBER}: sha256 differs from the pinned {FACES_MEMBER_SHA256[:12]}…")
    pictures = np.load(io.BytesIO(raw), allow_pickle=False)[:FACE_COUNT]
    return np.rint(pictures * 255).astype(np.uint8)


def load_faces() -> np.ndarray:
    """The faces from the cache (`cache_dir()/lfw_faces.npy`), else fetched once."""
    cached = cache_dir() / "lfw_faces.npy"
    if cached.exists():
        return np.load(cached, allow_pickle=False)
    with tempfile.TemporaryDirectory() as directory:
        faces = read_faces(download_wheel(Path(directory), FACES_REQUIREMENT))
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.save(cached, faces)
    return faces
