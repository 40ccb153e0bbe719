"""Shared fixtures: the bundled sample place and its lookups, loaded once per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "trafford"

# runs the pages start keep their plans and scenario lists here, not where a user's server keeps
# theirs, so each test session starts with none (servers the tests start inherit it)
os.environ["ESTATE_RUN_DIR"] = tempfile.mkdtemp(prefix="estate-test-runs-")


@pytest.fixture(scope="session")
def postcodes():
    from estate.locate import PostcodeLookup

    return PostcodeLookup.from_csv(SAMPLE / "postcodes.csv")


@pytest.fixture(scope="session")
def boundary():
    from estate.locate import load_boundary

    return load_boundary(SAMPLE / "boundary.geojson")


@pytest.fixture(scope="session")
def trafford():
    """The whole sample place, loaded as the app loads it."""
    from estate.place import load_place

    return load_place(SAMPLE)
