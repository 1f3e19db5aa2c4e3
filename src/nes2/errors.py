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
    too, naming what to fill in (`nes2.teaching.answers`).
    """
