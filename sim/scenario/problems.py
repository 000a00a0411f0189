"""A validation problem that knows the sub-path of the field at fault."""

from __future__ import annotations


class FieldError(ValueError):
    """Raised inside validators to point at a field below the model being validated.

    Parameters
    ----------
    subpath : str
        Dotted path relative to the model (``"cv"``, ``"volume.profile"``).
    message : str
        What is wrong, with the offending value.
    """

    def __init__(self, subpath: str, message: str) -> None:
        self.subpath = subpath
        self.message = message
        super().__init__(message)
