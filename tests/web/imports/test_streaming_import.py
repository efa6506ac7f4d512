"""Imports read their file as a stream (issue 14, bounded input): a geodata file read in
batches is imported all or nothing and a second import changes nothing; only the problems
that can be stored are kept, and they are the ones a run keeping every problem stores first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write

from kitaplan.exchange import readers
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.imports.services import import_file
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

FACILITY_HEADER = "official_number;name;provider_number;lat;lon;places_u3;places_ue3\n"


def facilities_gpkg(path: Path, count: int, *, last_places: str = "5") -> Path:
    lon = 13.005 + np.arange(count) * 0.0001
    geometry = shapely.to_wkb(shapely.points(lon, np.full(count, 52.005)))
    numbers = np.array([f"G{i:02d}" for i in range(count)], dtype=object)
    names = np.array([f"Kita G{i:02d}" for i in range(count)], dtype=object)
    providers = np.array(["P1"] * count, dtype=object)
    places = np.array(["5"] * (count - 1) + [last_places], dtype=object)
    write(
        str(path),
        geometry,
        [numbers, names, providers, places, places],
        ["official_number", "name", "provider_number", "places_u3", "places_ue3"],
        geometry_type="Point",
        crs="EPSG:4326",
        driver="GPKG",
    )
    return path


def test_a_geopackage_read_in_batches_is_imported_all_or_nothing_and_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "GEODATA_BATCH", 3)  # 20 features: 7 batches
    city = make_city()
    path = facilities_gpkg(tmp_path / "kitas.gpkg", 20)
    run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert run.status == "succeeded", run.problems
    assert (run.rows, run.added, run.changed, run.unchanged) == (20, 20, 0, 0)
    assert Facility.objects.filter(official_number__startswith="G").count() == 20
    places = list(FacilityPlaces.objects.order_by("pk").values_list("pk", "places_u3"))

    again = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 20)

    # a bad value in the last batch only: nothing of the earlier batches is written
    bad = facilities_gpkg(tmp_path / "kitas2.gpkg", 21, last_places="viele")
    refused = import_file(territory=city.territory, kind="facilities", path=bad, actor=SYSTEM)
    assert refused.status == "refused"
    assert {(p["row"], p["column"], p["value"]) for p in refused.problems} == {
        (21, "places_u3", "viele"),
        (21, "places_ue3", "viele"),
    }
    assert not Facility.objects.filter(official_number="G20").exists()
    assert list(FacilityPlaces.objects.order_by("pk").values_list("pk", "places_u3")) == places


def mixed_problems_file(tmp_path: Path) -> Path:
    """Rows with format problems (places) and rows only the database refuses (provider)."""
    rows = []
    for i in range(30):
        provider = "NOPE" if i % 3 == 0 else "P1"
        places = "viele" if i % 4 == 1 else str(i)
        rows.append(f"H{i:02d};Kita {i};{provider};52.005;13.005;{places};{places}\n")
    path = tmp_path / "kitas.csv"
    path.write_text(FACILITY_HEADER + "".join(rows), encoding="utf-8")
    return path


def test_the_stored_problems_are_the_first_ones_whatever_the_limit(tmp_path: Path, settings):
    city = make_city()
    path = mixed_problems_file(tmp_path)
    count = Facility.objects.count()
    settings.KITAPLAN_MAX_STORED_PROBLEMS = 1000
    every = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert every.status == "refused"
    codes = {p["code"] for p in every.problems}
    assert {"unknown_provider", "not_a_number"} <= codes
    assert every.problems_not_stored == 0
    for limit in (1, 5, 12):
        settings.KITAPLAN_MAX_STORED_PROBLEMS = limit
        run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
        assert run.status == "refused"
        assert run.problems == every.problems[:limit]
        assert run.problem_count == every.problem_count
        assert run.problems_not_stored == every.problem_count - limit
    assert Facility.objects.count() == count


def test_with_no_problem_stored_the_file_is_still_refused_and_counted(tmp_path: Path, settings):
    city = make_city()
    settings.KITAPLAN_MAX_STORED_PROBLEMS = 0
    path = tmp_path / "kitas.csv"
    path.write_text(
        FACILITY_HEADER + "H01;Kita;P1;52.005;13.005;viele;2\nH02;Kita;P1;52.005;13.005;1;2\n",
        encoding="utf-8",
    )
    run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    run.refresh_from_db()
    assert run.status == "refused"
    assert run.problems == []
    assert run.problems_not_stored == 1
    assert not Facility.objects.filter(official_number__in=["H01", "H02"]).exists()
