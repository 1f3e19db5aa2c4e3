"""nes2: the course package of Neural Networks 2 (18NES2).

Importing `nes2` is cheap: TensorFlow and Keras are imported only by the
submodules that need them (`nes2.models`, `nes2.training`, `nes2.data`, ...).

Examples:
    ```python
    import nes2
    from nes2 import config

    config.get_profile()  # "quick" unless NES2_PROFILE=full
    ```
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nes2")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
