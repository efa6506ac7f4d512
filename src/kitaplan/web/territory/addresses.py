"""The address register of a territory: storing it, and placing a home address on it.

:func:`resolve_address` (free text) and :func:`resolve_parts` (street, number, postcode apart,
for imports) are the one way every page places a home address: the Kita-Finder, the parents'
application form and the move-to-a-Kita page. They read the register's entries of the
normalised street by an indexed query (``street_key``) and let the domain decide
(:func:`kitaplan.domain.territory.addresses.choose`); an unknown address gets the nearest known
street names or house numbers as suggestions, worded by :func:`describe_unknown`.

:func:`store_register` compares a validated register file with what is stored (the import
persister of the kind ``address_register`` calls it; that kind is registered by the finder app,
since this app lies below the import machinery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from kitaplan.domain.common.problems import (
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.domain.common.projection import to_wgs84
from kitaplan.domain.territory.addresses import (
    Candidate,
    UnknownReason,
    choose,
    house_number_key,
    parse_address,
    street_key,
    suggest_streets,
)
from kitaplan.domain.territory.geometry import locate_points
from kitaplan.web.territory.models import AddressPoint, Area, Territory

__all__ = [
    "AddressMatch",
    "AddressUnknown",
    "RegisterOutcome",
    "describe_unknown",
    "has_register",
    "register_sources",
    "resolve_address",
    "resolve_parts",
    "store_register",
]


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """An address of the register: its point (WGS84) and the finest area covering it."""

    street: str
    house_number: str
    postcode: str
    lat: float
    lon: float
    area: Area | None
    city: str = ""

    @property
    def label(self) -> str:
        """ "Falkenseer Chaussee 8, 13583 Berlin"."""
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (f"{self.street} {self.house_number}", town) if p)


@dataclass(frozen=True, slots=True)
class AddressUnknown:
    """No address of the register fits: ``suggestions`` are the nearest known street names
    (unknown street) or known addresses of the street (unknown number or postcode, or the same
    number in several postcodes)."""

    suggestions: list[str] = field(default_factory=list)
    reason: str = UnknownReason.STREET.value
    text: str = ""


def has_register(territory: Territory) -> bool:
    """Whether the territory has an address register (else pages fall back to choosing areas)."""
    return AddressPoint.objects.filter(territory=territory).exists()


def register_sources(territory: Territory, limit: int = 3) -> list[str]:
    """The sources the territory's register names (shown with the lookup, as credit)."""
    sources = (
        AddressPoint.objects.filter(territory=territory)
        .exclude(source="")
        .order_by("source")
        .values_list("source", flat=True)
        .distinct()
    )
    return list(sources[:limit])


def resolve_address(territory: Territory, text: str) -> AddressMatch | AddressUnknown:
    """The register's address written in ``text`` ("Falkenseer Chaussee 8a, 13583 Berlin")."""
    parsed = parse_address(text or "")
    found = resolve_parts(territory, parsed.street, parsed.house_number, parsed.postcode)
    if isinstance(found, AddressUnknown):
        return AddressUnknown(found.suggestions, found.reason, (text or "").strip())
    return found


def _label(point: AddressPoint) -> str:
    town = " ".join(p for p in (point.postcode, point.city) if p)
    return ", ".join(p for p in (f"{point.street} {point.house_number}", town) if p)


def _match(point: AddressPoint) -> AddressMatch:
    return AddressMatch(
        street=point.street,
        house_number=point.house_number,
        postcode=point.postcode,
        lat=point.lat,
        lon=point.lon,
        area=point.area,
        city=point.city,
    )


def _street_suggestions(territory: Territory, street: str) -> list[str]:
    """Nearest known street names; streets with the same first letter are read first."""
    key = street_key(street)
    if not key:
        return []
    known = AddressPoint.objects.filter(territory=territory)
    same_start = known.filter(street_key__startswith=key[0])
    for scope in (same_start, known):
        pairs = scope.order_by("street_key").values_list("street_key", "street").distinct()
        found = suggest_streets(street, pairs)
        if found:
            return found
    return []


def resolve_parts(
    territory: Territory, street: str, house_number: str, postcode: str = ""
) -> AddressMatch | AddressUnknown:
    """The register's address with this street, house number and (optional) postcode."""
    key = street_key(street or "")
    text = " ".join(p for p in (street, house_number) if p).strip()
    if not key:
        return AddressUnknown([], UnknownReason.NO_STREET.value, text)
    points = list(
        AddressPoint.objects.filter(territory=territory, street_key=key)
        .select_related("area")
        .order_by("postcode", "number_key", "pk")
    )
    choice = choose(
        [Candidate(p.number_key, p.postcode, p) for p in points],
        number_key=house_number_key(house_number or ""),
        postcode=(postcode or "").strip(),
    )
    if choice.found is not None:
        return _match(choice.found)
    assert choice.reason is not None
    if choice.reason is UnknownReason.STREET:
        return AddressUnknown(_street_suggestions(territory, street), choice.reason.value, text)
    return AddressUnknown([_label(p) for p in choice.alternatives], choice.reason.value, text)


def describe_unknown(unknown: AddressUnknown) -> str:
    """The German (translated) sentence for an address the register does not know."""
    suggestions = "; ".join(f"„{s}“" for s in unknown.suggestions)
    if unknown.reason == UnknownReason.NO_STREET:
        return gettext("Please enter the street and house number, e.g. “Hauptstraße 8”.")
    if unknown.reason == UnknownReason.AMBIGUOUS:
        return gettext(
            "This street and house number exist in several postcodes: please add the "
            "postcode. Known: %(suggestions)s."
        ) % {"suggestions": suggestions}
    if unknown.reason == UnknownReason.POSTCODE:
        return gettext(
            "The street is not known with this postcode. Known postcodes of the street: "
            "%(suggestions)s."
        ) % {"suggestions": suggestions}
    if unknown.reason == UnknownReason.HOUSE_NUMBER:
        return gettext(
            "The street is known, but not this house number. Nearest known addresses: "
            "%(suggestions)s."
        ) % {"suggestions": suggestions}
    if unknown.suggestions:
        return gettext(
            "The address register does not know this street. Did you mean %(suggestions)s?"
        ) % {"suggestions": suggestions}
    return gettext(
        "The address register does not know this street, and no known street is similar. "
        "Please check the spelling."
    )


# ---------------------------------------------------------------------------- storing


@dataclass
class RegisterOutcome:
    """What :func:`store_register` did, or the problems that refuse the whole file."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    outside: int = 0  # addresses outside every area of the territory, left out
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


_E = ExpectationCode
#: how many changed addresses the audit event lists (a register has hundreds of thousands)
CHANGES_KEPT = 100
_VALUE_FIELDS = ("street", "house_number", "city", "lat", "lon", "area_id", "source")


def _problem(
    code: ProblemCode, file_name: str, record: Mapping[str, Any], column: str, value: Any, **kw: Any
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=file_name,
        row=int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=kw["expected"],
    )


def _locations(
    records: Sequence[Mapping[str, Any]], file_name: str
) -> tuple[list[tuple[float, float]], list[ImportProblem]]:
    """(lon, lat) of every address: given in WGS84, or transformed from x/y in its CRS."""
    from pyproj.exceptions import CRSError

    transformers: dict[str, Callable[[float, float], tuple[float, float]] | None] = {}
    problems: list[ImportProblem] = []
    locations: list[tuple[float, float]] = []
    for record in records:
        if record.get("lat") is not None and record.get("lon") is not None:
            locations.append((float(record["lon"]), float(record["lat"])))
            continue
        crs = str(record.get("crs") or "")
        if crs not in transformers:
            try:
                transformers[crs] = to_wgs84(crs) if crs else None
            except CRSError:
                transformers[crs] = None
        transformer = transformers[crs]
        if transformer is None or record.get("x") is None or record.get("y") is None:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_CHOICE,
                    file_name,
                    record,
                    "crs",
                    crs,
                    expected=expectation(_E.TRANSFORMABLE_CRS),
                )
            )
            locations.append((0.0, 0.0))
            continue
        locations.append(transformer(float(record["x"]), float(record["y"])))
    return locations, problems


def _house_number(record: Mapping[str, Any]) -> str:
    """The number with its suffix (Hauskoordinaten: HNR 8 + ADZ a → 8a)."""
    number = str(record.get("house_number") or "").strip()
    suffix = str(record.get("house_number_suffix") or "").strip()
    return f"{number}{suffix}"


def _finest_areas(territory: Territory) -> list[Area]:
    level = territory.levels.order_by("-rank").first()
    if level is None:
        return []
    return list(
        Area.objects.filter(level=level, valid_to__isnull=True, geometry__isnull=False).order_by(
            "official_code"
        )
    )


def _changed(point: AddressPoint, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(point, name)
        if isinstance(new, float):
            differs = old is None or abs(float(old) - new) > 1e-7
        else:
            differs = old != new
        if differs:
            changes[name] = [old, new]
    return changes


def store_register(
    *, territory: Territory, records: Sequence[Mapping[str, Any]], file_name: str, day: dt.date
) -> RegisterOutcome:
    """Add and update the territory's addresses from validated records (never deletes).

    The key is the normalised (street, house number, postcode): "Hauptstr. 8 A" and
    "Hauptstraße 8a" in the same postcode are the same address, so a file with both is refused
    (duplicate key). Each address gets the current finest area covering its point; addresses
    outside every area are left out and counted; a file none of whose addresses lies inside is
    refused (almost always a wrong coordinate reference system).
    """
    del day  # the register has no validity dates
    outcome = RegisterOutcome()
    locations, outcome.problems = _locations(records, file_name)
    first_row: dict[tuple[str, str, str], int] = {}
    keys: list[tuple[str, str, str]] = []
    for record in records:
        key = (
            street_key(str(record["street"])),
            house_number_key(_house_number(record)),
            str(record.get("postcode") or "").strip(),
        )
        keys.append(key)
        row = int(record.get("row_number", 0))
        if key in first_row:
            outcome.problems.append(
                _problem(
                    ProblemCode.DUPLICATE_KEY,
                    file_name,
                    record,
                    "street",
                    f"{record['street']} {_house_number(record)}",
                    expected=expectation(_E.UNIQUE_KEY, row=first_row[key]),
                )
            )
        first_row.setdefault(key, row)
    if outcome.problems:
        return outcome
    areas = _finest_areas(territory)
    area_ids: list[int | None] = (
        locate_points(locations, [(a.pk, a.geometry) for a in areas if a.geometry is not None])
        if areas
        else [None] * len(records)
    )
    inside = [i for i, area_id in enumerate(area_ids) if area_id is not None or not areas]
    if records and not inside:
        lon, lat = locations[0]
        outcome.problems.append(
            _problem(
                ProblemCode.OUT_OF_RANGE,
                file_name,
                records[0],
                "lat/lon" if records[0].get("lat") is not None else "x/y",
                f"{lat:.6f}, {lon:.6f}",
                expected=expectation(_E.ADDRESSES_INSIDE),
            )
        )
        return outcome
    existing = {
        (p.street_key, p.number_key, p.postcode): p
        for p in AddressPoint.objects.filter(territory=territory)
    }
    to_create: list[AddressPoint] = []
    to_update: list[AddressPoint] = []
    for i in inside:
        record, key = records[i], keys[i]
        lon, lat = locations[i]
        values: dict[str, Any] = {
            "street": " ".join(str(record["street"]).split()),
            "house_number": _house_number(record),
            "city": str(record.get("city") or ""),
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "area_id": area_ids[i],
            "source": str(record.get("source") or ""),
        }
        point = existing.get(key)
        if point is None:
            to_create.append(
                AddressPoint(
                    territory=territory,
                    street_key=key[0],
                    number_key=key[1],
                    postcode=key[2],
                    **values,
                )
            )
            continue
        changes = _changed(point, values)
        if not changes:
            outcome.unchanged += 1
            continue
        for name in changes:
            setattr(point, name, values[name])
        to_update.append(point)
        if len(outcome.changes) < CHANGES_KEPT:
            outcome.changes.append({"key": "|".join(key), "fields": changes})
    AddressPoint.objects.bulk_create(to_create, batch_size=2000)
    AddressPoint.objects.bulk_update(to_update, list(_VALUE_FIELDS), batch_size=2000)
    outcome.added, outcome.changed = len(to_create), len(to_update)
    outcome.outside = len(records) - len(inside)
    return outcome
