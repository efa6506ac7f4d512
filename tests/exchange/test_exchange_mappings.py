"""The mapping registry: names, consistency with the import kinds and docs/data-formats.md."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from kitaplan.exchange import (
    IMPORT_KINDS,
    MAPPINGS,
    ColumnMapping,
    FieldKind,
    FieldSpec,
    GeometryRequirement,
    ImportKind,
    get_mapping,
    mappings_for_kind,
    standard_mapping,
)
from kitaplan.exchange.mappings import berlin_provider_type, first_six_characters, german_postcode

DATA_FORMATS = Path(__file__).resolve().parents[2] / "docs" / "data-formats.md"


def _standard_mappings() -> dict[str, ColumnMapping]:
    """The ``kitaplan-*`` mappings: the territorial ones and those of every operational format."""
    import kitaplan.exchange.formats as formats

    found = {name: m for name, m in MAPPINGS.items() if name.startswith("kitaplan-")}
    for module_info in pkgutil.iter_modules(formats.__path__):
        module = importlib.import_module(f"{formats.__name__}.{module_info.name}")
        for mapping in getattr(module, "MAPPINGS", ()):
            if mapping.name.startswith("kitaplan-"):
                found[mapping.name] = mapping
    return found


def test_registry_names() -> None:
    assert list(MAPPINGS) == [
        "kitaplan-areas",
        "kitaplan-population",
        "kitaplan-indicators",
        "kitaplan-indicator-values",
        "kitaplan-providers",
        "kitaplan-facilities",
        "kitaplan-population-grid",
        "berlin-kita-wfs",
        "berlin-kita-wfs-providers",
        "berlin-lor-plr-2021",
        "zensus-2022-grid-100m",
    ]
    assert get_mapping("berlin-kita-wfs").kind_of_import is ImportKind.FACILITIES
    with pytest.raises(KeyError, match="kitaplan-areas"):
        get_mapping("no-such-mapping")


def test_mappings_for_kind_standard_first() -> None:
    names = [mapping.name for mapping in mappings_for_kind("facilities")]
    assert names == ["kitaplan-facilities", "berlin-kita-wfs"]
    assert [m.name for m in mappings_for_kind(ImportKind.AREAS)] == [
        "kitaplan-areas",
        "berlin-lor-plr-2021",
    ]
    assert standard_mapping("indicator_values").name == "kitaplan-indicator-values"


@pytest.mark.parametrize("mapping", list(MAPPINGS.values()), ids=lambda mapping: mapping.name)
def test_every_mapping_fits_its_kind(mapping: ColumnMapping) -> None:
    kind = IMPORT_KINDS[mapping.kind_of_import]
    assert set(mapping.targets) <= set(kind.targets), "mapping invents targets"
    assert mapping.key == kind.key
    for target in kind.required:
        assert mapping.field(target).required, f"{target} must be required"
    if kind.one_of:
        assert any(
            all(target in mapping.targets and mapping.field(target).required for target in group)
            for group in kind.one_of
        )
    assert mapping.description
    assert mapping.source_note


def _documented_columns() -> dict[str, list[tuple[str, bool]]]:
    """Columns per ``kitaplan-*`` mapping from the tables of docs/data-formats.md."""
    sections: dict[str, list[tuple[str, bool]]] = {}
    current: str | None = None
    for line in DATA_FORMATS.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## .*\(`(kitaplan-[a-z-]+)`\)", line)
        if heading:
            current = heading.group(1)
            sections[current] = []
            continue
        if current and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            required = cells[2].startswith("yes")
            for name in re.findall(r"`([a-z_0-9]+)`", cells[0]):
                sections[current].append((name, required))
    return sections


@pytest.mark.skipif(not DATA_FORMATS.exists(), reason="docs/data-formats.md not present")
def test_standard_mappings_follow_data_formats_doc() -> None:
    documented = _documented_columns()
    standard = _standard_mappings()
    assert set(documented) == set(standard)
    for name, columns in documented.items():
        mapping = standard[name]
        # constants (no source column, e.g. a source layout's name) are not documented
        declared = [spec.target for spec in mapping.fields if spec.source is not None]
        assert declared == [column for column, _ in columns], name
        for column, required in columns:
            spec = mapping.field(column)
            assert spec.source == column
            if column not in ("lat", "lon"):  # "yes unless the file has point geometry"
                assert spec.required is required, f"{name}.{column}"


def test_lor_mapping_constant_and_derived_fields() -> None:
    mapping = get_mapping("berlin-lor-plr-2021")
    assert mapping.field("level").source is None
    assert mapping.field("level").default == "planungsraum"
    assert mapping.field("parent_code").derive is first_six_characters
    assert first_six_characters("01100101") == "011001"
    assert mapping.geometry is GeometryRequirement.POLYGON


def test_derive_helpers() -> None:
    assert german_postcode("1067") == "01067"
    assert german_postcode("10117") == "10117"
    assert german_postcode("A-1010") == "A-1010"
    assert berlin_provider_type("EKT") == "parent_initiative"
    assert berlin_provider_type("Eigenbetrieb") == "municipal"
    assert berlin_provider_type("Unbekannt") == "Unbekannt"  # then UNKNOWN_CHOICE


def test_field_spec_declaration_errors() -> None:
    with pytest.raises(ValueError, match="choices"):
        FieldSpec("x", "x", FieldKind.CHOICE)
    with pytest.raises(ValueError, match="constant"):
        FieldSpec("x", None)
    with pytest.raises(ValueError, match="undeclared"):
        ColumnMapping("m", ImportKind.AREAS, key=("nope",), fields=(FieldSpec("x", "x"),))
    with pytest.raises(ValueError, match="twice"):
        ColumnMapping("m", ImportKind.AREAS, key=(), fields=(FieldSpec("x", "x"),) * 2)
