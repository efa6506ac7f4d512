"""Column mappings of the address register (de: Adressverzeichnis): addresses with their point.

1. ``kitaplan-address-register``: street, house_number, postcode, city, lat, lon (WGS84), source.
2. ``bkg-hauskoordinaten``: the official "Hauskoordinaten Deutschland" (HK-DE) of the Zentrale
   Stelle Hauskoordinaten und Hausumringe (ZSHH) / BKG, a semicolon-separated UTF-8 text file of
   18 fields per address. This mapping reads the documented subset STN (street name), HNR
   (house number), ADZ (addressing suffix, the letter of "8a"), PLZ (postcode), ONM (postal town)
   and the two ETRS89/UTM coordinates; the other fields (NBA, OI, QUA, keys of Land, Kreis,
   Gemeinde, Ortsteil and street, ZON, POT) are allowed and ignored. The delivered file has no
   header line: put ``NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;OST;NORD;STN;PLZ;ONM;ZON;POT``
   on top (OST and NORD name the east and north values, which the format description writes as
   ``EEEEEEEE,EEE`` and ``NNNNNNN,NNN``). The east value carries the UTM zone in its first two
   digits (``33`` + six digits: EPSG:25833, ``32``: EPSG:25832); a six-digit east value is read
   in zone 32. The import reprojects the points to WGS84.
"""

from __future__ import annotations

from kitaplan.domain.common.problems import ExpectationCode, expectation
from kitaplan.exchange.mappings import (
    ColumnMapping,
    FieldKind,
    FieldSpec,
    ImportKind,
    german_postcode,
)

__all__ = ["BKG_HAUSKOORDINATEN", "KITAPLAN_ADDRESS_REGISTER", "MAPPINGS", "utm_crs", "utm_easting"]

_E = ExpectationCode
_STANDARD_NOTE = "kitaplan standard exchange format, see docs/data-formats.md"


def _digits_before_decimal(text: str) -> str:
    return text.strip().replace(".", ",").split(",")[0].lstrip("+")


def utm_crs(text: str) -> str | None:
    """The CRS of an HK-DE east value: ``33385123,45`` → ``EPSG:25833``; six digits: zone 32."""
    digits = _digits_before_decimal(text)
    if not digits.isdigit():
        return None
    if len(digits) == 8 and digits[:2] in {"32", "33"}:
        return f"EPSG:258{digits[:2]}"
    return "EPSG:25832" if len(digits) == 6 else None


def utm_easting(text: str) -> str | None:
    """The easting without the zone prefix: ``33385123,45`` → ``385123,45``."""
    stripped = text.strip()
    digits = _digits_before_decimal(stripped)
    if len(digits) == 8 and digits[:2] in {"32", "33"}:
        return stripped.lstrip("+")[2:]
    return stripped or None


KITAPLAN_ADDRESS_REGISTER = ColumnMapping(
    name="kitaplan-address-register",
    kind_of_import=ImportKind.ADDRESS_REGISTER,
    key=("street", "house_number", "postcode"),
    fields=(
        FieldSpec("street", "street", FieldKind.TEXT, required=True),
        FieldSpec("house_number", "house_number", FieldKind.TEXT, required=True),
        FieldSpec("postcode", "postcode", FieldKind.TEXT, derive=german_postcode),
        FieldSpec("city", "city", FieldKind.TEXT),
        FieldSpec(
            "lat",
            "lat",
            FieldKind.DECIMAL,
            required=True,
            minimum=-90,
            maximum=90,
            expected=expectation(_E.WGS84_LATITUDE),
        ),
        FieldSpec(
            "lon",
            "lon",
            FieldKind.DECIMAL,
            required=True,
            minimum=-180,
            maximum=180,
            expected=expectation(_E.WGS84_LONGITUDE),
        ),
        FieldSpec("source", "source", FieldKind.TEXT),
    ),
    description=(
        "An address register: each address (street, house number, postcode) with its point in "
        "WGS84, for placing home addresses without a geocoder."
    ),
    source_note=_STANDARD_NOTE,
)

BKG_HAUSKOORDINATEN = ColumnMapping(
    name="bkg-hauskoordinaten",
    kind_of_import=ImportKind.ADDRESS_REGISTER,
    key=("street", "house_number", "house_number_suffix", "postcode"),
    fields=(
        FieldSpec("street", "STN", FieldKind.TEXT, required=True),
        FieldSpec("house_number", "HNR", FieldKind.TEXT, required=True),
        FieldSpec("house_number_suffix", "ADZ", FieldKind.TEXT),
        FieldSpec("postcode", "PLZ", FieldKind.TEXT, derive=german_postcode),
        FieldSpec("city", "ONM", FieldKind.TEXT),
        FieldSpec(
            "x",
            "OST",
            FieldKind.DECIMAL,
            required=True,
            minimum=0,
            derive=utm_easting,
            expected=expectation(_E.UTM_EASTING),
        ),
        FieldSpec(
            "y",
            "NORD",
            FieldKind.DECIMAL,
            required=True,
            minimum=0,
            expected=expectation(_E.UTM_NORTHING),
        ),
        FieldSpec(
            "crs", "OST", FieldKind.TEXT, derive=utm_crs, expected=expectation(_E.UTM_EASTING)
        ),
        FieldSpec(
            "source",
            None,
            FieldKind.TEXT,
            default="Hauskoordinaten Deutschland (HK-DE), ZSHH / Vermessungsverwaltungen der "
            "Länder",
        ),
    ),
    description=(
        "Hauskoordinaten Deutschland (HK-DE, semicolon-separated; add the header line "
        "NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;OST;NORD;STN;PLZ;ONM;ZON;POT): STN, HNR + "
        "ADZ, PLZ, ONM and the ETRS89/UTM point (zone from the east value), reprojected to WGS84."
    ),
    source_note=(
        "Zentrale Stelle Hauskoordinaten und Hausumringe (ZSHH) / AdV: Hauskoordinaten "
        "Deutschland (HK-DE), Datenformatbeschreibung; licence as delivered."
    ),
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_ADDRESS_REGISTER, BKG_HAUSKOORDINATEN)
