"""The downloaded data a published build uses, fetched once and cached under its own key.

    python -m nes2_site.data key     # the cache key: the archive's checksum, the weights
    python -m nes2_site.data fetch   # Cats vs Dogs (the zip dropped once extracted), weights

The data sets are not part of the execution cache: they change when their
checksum or the list of weights changes, not when a page does, and the Cats vs
Dogs archive is not kept beside its extracted images (the cache holds the data
once).
"""

from __future__ import annotations

import argparse

from nes2 import keys

WEIGHTS = (("VGG16", (150, 150, 3)), ("MobileNetV2", (96, 96, 3)), ("ResNet50", (64, 64, 3)))
"""The ImageNet backbones the pages load (with their input shapes), besides style transfer's
VGG19 loss network."""


def key() -> str:
    """The data cache's key: the Cats vs Dogs archive's SHA-256 and the weights fetched."""
    from nes2.data import catsdogs

    return keys.digest(catsdogs.SHA256, repr(WEIGHTS), *sorted(keys.CACHED_WEIGHTS.values()))


def fetch() -> None:
    """Fetch what `key` names into the cache (`NES2_HOME`, Keras' `KERAS_HOME`)."""
    from nes2 import applications
    from nes2.data import catsdogs
    from nes2.tasks import style

    catsdogs.fetch(keep_archive=False)
    for name, shape in WEIGHTS:
        applications.base_model(name, shape)
    style.loss_network("imagenet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nes2_site.data")
    parser.add_argument("command", choices=["key", "fetch"])
    args = parser.parse_args(argv)
    if args.command == "key":
        print(key())
    else:
        fetch()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
