"""The estate: load, validate and locate every partner's property portfolio."""

from estate.errors import ColumnMappingError, EstateError, InputFileError, ManifestError
from estate.schema import CRS, Outcome, PartnerType, Source, Tenure, UseClass

__all__ = [
    "CRS",
    "ColumnMappingError",
    "EstateError",
    "InputFileError",
    "ManifestError",
    "Outcome",
    "PartnerType",
    "Source",
    "Tenure",
    "UseClass",
]
