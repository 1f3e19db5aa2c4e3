"""nes2: the course package of Neural Networks 2 (18NES2).

Importing `nes2` is cheap: TensorFlow and Keras are imported only by the
submodules that need them. The package is layered, each layer importing only
those below it:

* `config`, `errors`, `io`, `boxes`, `layers`: profiles, cache, atomic writes,
  box geometry, shared Keras building blocks;
* `data`: downloads, loaders, digit canvases and stand-ins;
* `models`, `applications`: small convnets, classic architectures, ensembles;
  the `keras.applications` catalog and transfer learning;
* `tasks`: regression, localization, detection, segmentation and pose heads;
* `training`, `viz`, `teaching`: `fit` with checkpoints, figures, self-checks
  and expected results;
* `recipes`: what `nes2 train` runs, and the run store that shares trained runs;
* `grading`: what `nes2 grade` does with submitted exercise notebooks;
* `cli`: the `nes2` command.

Examples:
    ```python
    import nes2
    from nes2 import config

    config.get_profile()  # "quick" unless NES2_PROFILE=full
    ```
"""

from nes2._version import __version__

__all__ = ["__version__"]
