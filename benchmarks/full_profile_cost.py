"""Benchmark: what the full profile costs to train, run by run, counted in FLOPs.

No full run has been recorded yet (it needs a GPU and the full data sets), so
its training time can only be estimated. For every run of the full profile in
`expected.toml` this builds the model exactly as the recipe does, at the full
input size, counts the floating-point operations of one forward pass of one
example (TensorFlow's graph profiler), and multiplies:

    training FLOPs ~ 3 x forward FLOPs x examples per epoch x epochs

(the backward pass costs about twice the forward one). Transfer learning by
feature extraction runs the frozen backbone once per image instead; fine-tuning
is counted as full training, an upper bound. The time on one GPU is these
FLOPs over a sustained throughput (`--tflops`, default 20: about an eighth of an
A100's TF32 peak, which small convolutional networks rarely exceed), but no less
than the number of training steps times a fixed cost per step (`--step-ms`,
default 20 ms: launching the step, feeding the batch); small models are bound by
that cost rather than by arithmetic. Read the times as orders of magnitude.

    python benchmarks/full_profile_cost.py [--tflops 20] [--step-ms 20] [--markdown]
"""

from __future__ import annotations

import argparse

import numpy as np


def forward_flops(model, input_shape) -> int:
    """Floating-point operations of one forward pass of one example."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    spec = tf.TensorSpec((1, *input_shape), tf.float32)
    function = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    graph = convert_variables_to_constants_v2(function).graph
    options = (
        tf.compat.v1.profiler.ProfileOptionBuilder(
            tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        )
        .with_empty_output()
        .build()
    )
    return tf.compat.v1.profiler.profile(graph=graph, cmd="op", options=options).total_float_ops


def shapes(count: int, shape, dtype="uint8"):
    """An array of `count` examples of `shape` that takes no memory (the build steps
    read only its length and shape)."""
    return np.broadcast_to(np.zeros((1,) * (len(shape) + 1), dtype), (count, *shape))


def workloads():
    """Recipe -> (data for its build step, input shape, examples per epoch, batch, note)."""
    from nes2.data import catsdogs
    from nes2.recipes import (
        detection,
        digit_tilt,
        keypoints,
        localization,
        segmentation,
    )
    from nes2.recipes.base import Data
    from nes2.recipes.cats_vs_dogs import ImageData
    from nes2.recipes.detection import DetectionData
    from nes2.recipes.digit_tilt import TiltData
    from nes2.recipes.segmentation import SegmentationData
    from nes2.tasks.detection import PHOTO_ANCHORS

    voc_size = detection.VOC_SIZE["full"]
    pets_size = segmentation.PETS_SIZE["full"]
    cats = catsdogs.IMAGE_SIZE["full"]
    cats_train = 2 * catsdogs.PER_CLASS["full"][0]
    voc = DetectionData(
        "VOC",
        {"train": 5011},
        class_names=[str(i) for i in range(20)],
        input_shape=(voc_size, voc_size, 3),
        anchor_sizes=PHOTO_ANCHORS,
    )
    pets = SegmentationData(
        "Pets",
        {"train": 3680},
        train=(shapes(3680, (pets_size, pets_size, 3)), None),
        class_names=["background", "pet", "border"],
        model_args={"width": segmentation.PETS_WIDTH},
    )
    rotations = digit_tilt.ROTATIONS["full"]
    return {
        "cats-vs-dogs": (
            ImageData("cats", {}, image_size=cats),
            (*cats, 3),
            cats_train,
            catsdogs.BATCH_SIZE["full"],
            "Cats vs Dogs, 2,000 training images",
        ),
        "digit-tilt": (
            TiltData("digits", {"train_per_epoch": 60000 * rotations}, rotations=rotations),
            (28, 28, 1),
            60000 * rotations,
            digit_tilt.BATCH_SIZE,
            f"60,000 digits x {rotations} rotations",
        ),
        "localization": (
            Data(
                "canvases",
                {},
                train=(shapes(60000 * localization.PLACEMENTS["full"], (64, 64)), None),
            ),
            (localization.CANVAS, localization.CANVAS, 1),
            60000 * localization.PLACEMENTS["full"],
            localization.BATCH_SIZE,
            "60,000 canvases",
        ),
        "detection": (voc, voc.input_shape, 5011, detection.BATCH_SIZE, "VOC 2007"),
        "segmentation": (
            pets,
            (pets_size, pets_size, 3),
            3680,
            segmentation.BATCH_SIZE,
            "Oxford-IIIT Pet",
        ),
        "mnist-ensemble": (None, (28, 28, 1), 48000, 64, "3 members on 48,000 digits"),
        "keypoints": (None, (32, 32, 1), 60000, keypoints.BATCH_SIZE, "60,000 digits"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tflops", type=float, default=20.0, help="sustained GPU TFLOP/s")
    parser.add_argument("--step-ms", type=float, default=20.0, help="fixed cost of a step")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    import keras

    from nes2 import recipes
    from nes2.teaching import expected

    table = workloads()
    rows, left_out = [], []
    for entry in expected.entries("full"):
        if entry.recipe not in table:
            left_out.append(entry.name)
            continue
        recipe = recipes.get(entry.recipe)
        spec = recipe.spec("full", **entry.options)
        if "weights" in spec.options:
            spec.options["weights"] = None  # the same architecture; no download
        epochs = spec.epochs
        data, input_shape, examples, batch, note = table[entry.recipe]
        model = recipe.build(data, spec)
        members = getattr(model, "members", None) or [model]
        flops = sum(forward_flops(m, input_shape) for m in members)
        passes = 1 if spec.options.get("variant") == "transfer" else 3 * epochs
        total = flops * examples * passes
        steps = -(-examples // batch) * (1 if passes == 1 else epochs) * len(members)
        seconds = max(total / (args.tflops * 1e12), steps * args.step_ms / 1000)
        rows.append(
            {
                "run": entry.name,
                "gflops": flops / 1e9,
                "epochs": epochs,
                "examples": examples,
                "pflops": total / 1e15,
                "steps": steps,
                "minutes": seconds / 60,
                "note": note,
            }
        )
        keras.backend.clear_session()
    assumption = f"{args.tflops:g} TFLOP/s, {args.step_ms:g} ms/step"
    header = (
        "| run | forward GFLOPs / example | epochs | examples / epoch | training PFLOPs "
        f"| steps | minutes ({assumption}) | data |"
    )
    print(header if args.markdown else assumption)
    if args.markdown:
        print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        cells = (
            r["run"],
            f"{r['gflops']:.3g}",
            r["epochs"],
            f"{r['examples']:,}",
            f"{r['pflops']:.3g}",
            f"{r['steps']:,}",
            f"{r['minutes']:.2g}",
            r["note"],
        )
        print("| " + " | ".join(map(str, cells)) + " |" if args.markdown else cells)
    if left_out:
        print(f"\nNot estimated (no workload described here): {', '.join(left_out)}")


if __name__ == "__main__":
    main()
