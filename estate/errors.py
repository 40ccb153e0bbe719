"""Domain errors: every message names the file, row or field at fault and says what to do."""

from __future__ import annotations


class EstateError(Exception):
    """Base of every error the planner raises on bad input; pages show it with ``st.error``."""


class InputFileError(EstateError):
    """A file cannot be read as a table (empty, binary, unknown format, too large)."""


class ManifestError(EstateError):
    """A place's ``place.toml`` is missing, malformed or names a file that is not there."""


class ColumnMappingError(EstateError):
    """No column of a file could be matched to the holding schema."""
