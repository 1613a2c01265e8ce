"""Precompute what the Latent space tab shows of the shipped autoencoders and never changes (nnimg/precomputed.py),
so that its first answers encode nothing: write, under --out ($NNIMG_CHECKPOINTS, default checkpoints/),
precomputed_latents.safetensors (each offered autoencoder's correlation matrix on 8,000 test digits, and the test
codes, float16, of the ones the tab opens on; each model's with its checkpoint's SHA-256, so that the app ignores
the entries of a retrained model) and precomputed_latents.json (the models, the correlation summaries against d).
Run it again after retraining an autoencoder. --dry-run uses the first 512 test digits.

    python train/precompute_latents.py
    python train/precompute_latents.py --dry-run --out /tmp/latents
"""

from __future__ import annotations

import argparse
import json
import time


from nnimg import cli
from nnimg.checkpoints import CheckpointError, load_model
from nnimg.data import to_tensor
from nnimg.latent import correlation_by_dim
from nnimg.precomputed import file_digest, precompute_latents, save_latents
from nnimg.registry import (AE_DEFAULT_DEPTH, PRECOMPUTED_CODES, PRECOMPUTED_LATENTS,
                            studied_autoencoders, with_role)

NAME = with_role(PRECOMPUTED_LATENTS).name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_options(parser, training=False)
    args = cli.parse_args(parser)
    cli.setup(args)
    started = time.perf_counter()
    test_images, _ = cli.load_split("test", dry_run=args.dry_run)
    models, digests = {}, {}
    for entry in studied_autoencoders():
        path = cli.find_checkpoint(args.out, entry.name)
        try:
            models[entry.name] = load_model(path)
        except CheckpointError as error:
            print(f"skipped: {error}")
            continue
        digests[entry.name] = file_digest(path)
    tensors = precompute_latents(models, to_tensor(test_images), with_codes=PRECOMPUTED_CODES)
    path = args.out / f"{NAME}.safetensors"
    save_latents(path, tensors, digests=digests, images=len(test_images))
    sweep = {entry.latent_dim: tensors[f"correlation/{entry.name}"].double().numpy()
             for entry in studied_autoencoders() if entry.name in models and entry.depth == AE_DEFAULT_DEPTH
             and not entry.uniform}
    record = {"name": NAME, "test_digits": len(test_images), "checkpoints": digests,
              "codes": [name for name in PRECOMPUTED_CODES if name in models],
              "correlation_by_dim": correlation_by_dim(sweep), "bytes": path.stat().st_size,
              "wall_seconds": round(time.perf_counter() - started, 1)}
    (args.out / f"{NAME}.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{len(models)} autoencoders, codes of {len(record['codes'])}, {record['bytes'] / 2**20:.2f} MiB "
          f"in {record['wall_seconds']} s -> {path}")


if __name__ == "__main__":
    main()
