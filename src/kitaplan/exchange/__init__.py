"""File exchange (de: Datenaustausch): read, map, validate and write import/export files.

Pure Python, no Django: ``read_table`` → :class:`SourceTable` (or ``open_table`` →
:class:`TableStream`, row after row with bounded memory); ``apply_mapping`` with a
declared :class:`ColumnMapping` → typed records and all :class:`ImportProblem` s;
``write_csv`` / ``write_xlsx`` / ``write_geojson`` for exports. See docs/domain/exchange.md.
"""

from kitaplan.exchange.errors import ExchangeError
from kitaplan.exchange.mappings import (
    IMPORT_KINDS,
    MAPPINGS,
    ColumnMapping,
    FieldKind,
    FieldSpec,
    GeometryRequirement,
    ImportKind,
    ImportKindSpec,
    get_mapping,
    mappings_for_kind,
    standard_mapping,
)
from kitaplan.exchange.readers import (
    SourceFormat,
    SourceRow,
    SourceTable,
    TableStream,
    open_table,
    read_table,
)
from kitaplan.exchange.validation import GEOMETRY, ROW_NUMBER, MappingResult, apply_mapping
from kitaplan.exchange.writers import ExportColumn, write_csv, write_geojson, write_xlsx

__all__ = [
    "GEOMETRY",
    "IMPORT_KINDS",
    "MAPPINGS",
    "ROW_NUMBER",
    "ColumnMapping",
    "ExchangeError",
    "ExportColumn",
    "FieldKind",
    "FieldSpec",
    "GeometryRequirement",
    "ImportKind",
    "ImportKindSpec",
    "MappingResult",
    "SourceFormat",
    "SourceRow",
    "SourceTable",
    "TableStream",
    "apply_mapping",
    "get_mapping",
    "mappings_for_kind",
    "open_table",
    "read_table",
    "standard_mapping",
    "write_csv",
    "write_geojson",
    "write_xlsx",
]
