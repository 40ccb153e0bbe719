"""Domain errors: every message names the file, row or field at fault and says what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EstateError(Exception):
    """Base of every error the planner raises on bad input; pages show it with ``st.error``."""


class InputFileError(EstateError):
    """A file cannot be read as a table (empty, binary, unknown format, too large)."""


class ManifestError(EstateError):
    """A place's ``place.toml`` is missing, malformed or names a file that is not there."""


class ColumnMappingError(EstateError):
    """No column of a file could be matched to the holding schema."""


def did_you_mean(word: str, names: Iterable[str], otherwise: str) -> str:
    """``did you mean 'x'?`` for the name closest to a mistyped ``word``, else ``otherwise``."""
    close = difflib.get_close_matches(word, sorted(names), n=1)
    return f"did you mean {close[0]!r}?" if close else otherwise
