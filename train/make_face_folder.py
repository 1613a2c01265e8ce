"""Write photos of faces as a folder of PNG files for train/train_dcgan.py --data (docs/course.md,
finding 14): the 100 faces of the LFW subset in scikit-image's wheel (25x25 grey), fetched once from
the package index and cached. The first 90 go to OUT/train, the last 10 to OUT/held-out (pictures the
DCGAN never saw, to invert and restore in the app and in `python -m nnimg.bench findings`).

    python train/make_face_folder.py --out faces
    python train/train_dcgan.py --loss all --recipe course --data faces/train --image-size 32 --name lfw-faces \\
        --epochs 10 --steps 50
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image


from nnimg import cli
from nnimg.face_photos import HELD_OUT_FACES as HELD_OUT, load_faces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_output_options(parser, default_out=Path("faces"))
    args = cli.parse_args(parser)
    faces = load_faces()
    faces = faces[:HELD_OUT + 2] if args.dry_run else faces
    for index, face in enumerate(faces):
        folder = args.out / ("train" if index < len(faces) - HELD_OUT else "held-out")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(face).save(folder / f"face{index:03d}.png")
    print(f"{len(faces) - HELD_OUT} faces in {args.out / 'train'}, {HELD_OUT} in {args.out / 'held-out'}")


if __name__ == "__main__":
    main()
