"""`python -m nes2_site.check_gpu`: fail (exit 1) when TensorFlow sees no GPU.

The first step of every job that must run on a GPU: without it, the `gpu` tests
would be skipped and a full-profile execution would run on the CPU, both green.
"""

from __future__ import annotations

import sys


def gpus() -> list[str]:
    """The GPUs TensorFlow lists."""
    import tensorflow as tf

    return [device.name for device in tf.config.list_physical_devices("GPU")]


def main() -> int:
    found = gpus()
    if not found:
        print(
            "check_gpu: TensorFlow lists no GPU: this job must run on a GPU runner with the "
            "locked CUDA packages (uv sync --frozen --all-extras, which includes the gpu extra).",
            file=sys.stderr,
        )
        return 1
    print("GPU:", ", ".join(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
