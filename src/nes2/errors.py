"""Errors that `nes2` raises for problems a user can fix.

The command line prints their message on one line and exits with code 2.
"""


class Nes2Error(Exception):
    """A problem the user can fix; the message says how."""


class DownloadError(Nes2Error):
    """A file could not be downloaded."""


class ChecksumError(Nes2Error):
    """A file's SHA-256 differs from the expected one."""


class DataNotFoundError(Nes2Error):
    """A data set is not in the cache and was not allowed to be downloaded."""


class InvalidOptionError(Nes2Error, ValueError):
    """An argument or environment variable has a value that is not allowed."""


class CheckFailed(AssertionError):
    """An exercise's self-check failed; the message says why, in Czech.

    Raised by `nes2.teaching.checks`; a check that receives an answer not
    written yet (`...`, `None`, a function whose body is `...`) fails with this
    too, naming what to fill in (`nes2.teaching.answers`). Its numbers are written with
    the decimal comma (`nes2.czech.czech`).

    Examples:
        >>> str(CheckFailed("IoU je 0.42, potřeba aspoň 0.5."))
        'IoU je 0,42, potřeba aspoň 0,5.'
    """

    def __init__(self, message: str = "") -> None:
        from nes2.czech import czech

        super().__init__(czech(str(message)))


INSTALLS = {
    "keras_cv": "nes2[cv]",
    "keras_hub": "nes2[cv]",
    "tensorflow_datasets": "nes2[cv]",
    "pycocotools": "nes2[cv]",
    "nbclient": "nes2[grade]",
    "nbformat": "nes2[grade]",
    "ipykernel": "nes2[grade]",
}
"""The extra that brings a module not installed with nes2 itself (the rest come with it)."""


def missing_dependency(module: str) -> str:
    """What to say when `module` is not installed: the package and the command that installs it.

    Examples:
        >>> print(missing_dependency("keras_cv"))
        keras_cv is not installed; it comes with nes2's cv extra: pip install 'nes2[cv]'
        >>> print(missing_dependency("tensorflow.python"))
        tensorflow is not installed; it comes with nes2: pip install --force-reinstall nes2
    """
    top = module.split(".")[0]
    extra = INSTALLS.get(top)
    if extra:
        name = extra.removeprefix("nes2[").removesuffix("]")
        return f"{top} is not installed; it comes with nes2's {name} extra: pip install '{extra}'"
    return f"{top} is not installed; it comes with nes2: pip install --force-reinstall nes2"
