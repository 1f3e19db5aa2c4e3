"""Benchmark: images per second of the nes2 Cats-vs-Dogs input pipeline.

Compares, on a generated folder of JPEGs (synthetic stand-in images, 2,000 by default):

* `nes2`: `nes2.data.catsdogs.pipeline` (parallel decode, in-memory cache, prefetch);
* `naive`: `keras.utils.image_dataset_from_directory` without cache or prefetch;
* `memory`: the same images as NumPy arrays already in memory (the upper bound).

Two numbers each: the input pipeline alone (iterating over an epoch), and training
the lecture's small convnet for an epoch. The first epoch of `nes2` fills its
cache, so the later epochs are the ones timed (the mean of `--epochs`
after one warm-up epoch, for every method alike).

    python benchmarks/input_pipeline.py [--images 2000] [--image-size 96] [--epochs 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def timed_epochs(run_epoch, epochs: int) -> float:
    run_epoch()  # warm-up: graph tracing, cache filling
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return statistics.mean(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000, help="images in all (half per class)")
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after a warm-up")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from nes2 import config, models
    from nes2.data import catsdogs, synthetic_pets

    config.seed_everything(0, deterministic=False)
    size = (args.image_size, args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Writing {args.images} JPEGs ({synthetic_pets.LABEL}) ...", flush=True)
        pets = synthetic_pets.write_pet_images(tmp, args.images // 2, seed=0, size=160)
        files = catsdogs.split_files(pets, (args.images // 2, 0, 0))["train"]
        n = len(files)

        nes2_ds = catsdogs.pipeline(files, size, args.batch_size, shuffle=True)
        naive_ds = keras.utils.image_dataset_from_directory(
            Path(pets),
            image_size=size,
            batch_size=args.batch_size,
            label_mode="binary",
            shuffle=True,
            seed=0,
            verbose=False,
        )
        x = np.concatenate([images.numpy() for images, _ in nes2_ds])
        y = np.concatenate([labels.numpy() for _, labels in nes2_ds])

        def iterate(ds):
            return lambda: [None for _ in ds]

        def memory_batches():
            for i in range(0, n, args.batch_size):
                _ = tf.constant(x[i : i + args.batch_size]), tf.constant(y[i : i + args.batch_size])

        def train(feed):
            model = models.cats_vs_dogs_model("scratch", size)
            if feed == "memory":
                return lambda: model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
            ds = nes2_ds if feed == "nes2" else naive_ds
            return lambda: model.fit(ds, epochs=1, verbose=0, shuffle=False)

        results = {}
        for name, loop in (
            ("nes2", iterate(nes2_ds)),
            ("naive", iterate(naive_ds)),
            ("memory", memory_batches),
        ):
            results[("input", name)] = n / timed_epochs(loop, args.epochs)
            print(f"input only  {name:7s} {results[('input', name)]:9.0f} images/s", flush=True)
        for name in ("nes2", "naive", "memory"):
            results[("train", name)] = n / timed_epochs(train(name), args.epochs)
            print(f"training    {name:7s} {results[('train', name)]:9.0f} images/s", flush=True)

    print(
        f"\n{n} images {size[0]}x{size[1]}, batch {args.batch_size}, "
        f"mean of {args.epochs} epochs after a warm-up"
    )
    for kind in ("input", "train"):
        nes2 = results[(kind, "nes2")]
        print(
            f"{kind:5s}: nes2 / naive = {nes2 / results[(kind, 'naive')]:.2f}x, "
            f"nes2 / in-memory = {nes2 / results[(kind, 'memory')]:.2f}x"
        )


if __name__ == "__main__":
    main()
