"""Exceptions raised by ccsim; the CLI turns :class:`CcsimError` into one line and exit code 2."""

from __future__ import annotations


class CcsimError(Exception):
    """Base class of every error a user can cause and fix."""


class ScenarioError(CcsimError, ValueError):
    """A scenario (or one of its CSV inputs) is invalid.

    Parameters
    ----------
    file : str
        Path of the offending file as the user gave it.
    path : str
        Dotted field path inside the file (``call_types.general.handle_time.cv``), or
        ``line N, column C`` for CSV inputs; empty when the whole file is at fault.
    message : str
        What is wrong, with the offending value.
    """

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = _cut(file)
        self.path = _cut(path)
        self.message = _cut(message)
        super().__init__(self.line())

    def line(self) -> str:
        """Return the one-line form ``FILE: PATH: MESSAGE``."""
        parts = [self.file, self.path, self.message] if self.path else [self.file, self.message]
        return ": ".join(parts)


_LONGEST_MESSAGE = 400
"""Characters of a message kept: a bad value of a megabyte must not become the message."""


def _cut(message: str) -> str:
    """Cut a message longer than :data:`_LONGEST_MESSAGE` characters, saying how long it was."""
    if len(message) <= _LONGEST_MESSAGE:
        return message
    return f"{message[: _LONGEST_MESSAGE - 100]}... ({len(message):,} characters, cut)"


class EngineError(CcsimError, RuntimeError):
    """An engine cannot run a plan (an unsupported feature or an internal limit)."""


class UsageError(CcsimError, ValueError):
    """Arguments to the Python API or the command line are inconsistent."""
