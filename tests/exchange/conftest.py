"""Fixtures of the exchange tests: pure Python, no database, no Django settings needed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import pytest
from shapely.geometry.base import BaseGeometry

from kitaplan.exchange.readers import SourceFormat, SourceRow, SourceTable

FILES = Path(__file__).parent / "files"

MakeTable = Callable[..., SourceTable]


@pytest.fixture
def files() -> Path:
    """The folder of small fixture files."""
    return FILES


def _make_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    *,
    geometries: Sequence[BaseGeometry | None] | None = None,
    source_format: SourceFormat = SourceFormat.CSV,
    file_name: str = "test.csv",
) -> SourceTable:
    geodata = source_format.is_geodata
    source_rows = []
    for index, cells in enumerate(rows):
        values: Mapping[str, str | None] = MappingProxyType(dict(zip(columns, cells, strict=True)))
        source_rows.append(
            SourceRow(
                number=index + 1 if geodata else index + 2,
                values=values,
                geometry=geometries[index] if geometries is not None else None,
            )
        )
    return SourceTable(
        file_name=file_name,
        columns=tuple(columns),
        rows=tuple(source_rows),
        source_format=source_format,
    )


@pytest.fixture
def make_table() -> MakeTable:
    """Build a :class:`SourceTable` in memory: ``make_table(columns, rows, ...)``."""
    return _make_table


@pytest.fixture(autouse=True)
def _fast_and_isolated() -> None:
    """Replace the root conftest's Django settings fixture: these tests need no Django.

    That keeps ``pytest tests/exchange -p no:django`` working (no settings module needed).
    """
