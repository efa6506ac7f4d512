"""A fine population grid: imported, assigned to areas, and used by the close-to-home analysis.

The small city (``factories.make_city``): four unit areas 0101, 0102, 0201, 0202, squares of
0.01° from 13.00° to 13.04° E and 52.00° to 52.01° N, with 33 children under 3 each; Kitas F1,
F2, F3 at the centres of 0101, 0102, 0201 with 10, 5 and 12 places under 3. Expected figures
are computed here with a plain-Python E2SFCA on the same projected points.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from pyproj import Transformer

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.planning.accessibility_selectors import (
    Ages,
    Offer,
    PopulationPoints,
    accessibility_for,
)
from kitaplan.web.territory.models import PopulationGridCell
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.planning.test_accessibility_page import (
    CENTRES,
    U3_CHILDREN,
    metres,
    plain_e2sfca,
    set_centroids,
)

pytestmark = pytest.mark.django_db

URL = reverse("planning:accessibility")
HEADER = "cell_id;lat;lon;population\n"
#: Two cells in 0101 (west edge: 3 residents, east edge: 1), one cell outside the city.
GRID = HEADER + "A;52.005;13.001;3\nB;52.005;13.009;1\nOUT;52.5;13.5;7\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def city():
    city = make_city()
    set_centroids()
    return city


def test_the_cells_go_to_the_area_that_covers_them_and_outside_cells_are_left_out(city, tmp_path):
    run = import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "raster.csv", GRID),
        actor=SYSTEM,
    )
    assert run.status == "succeeded", run.problems
    cells = {c.cell_id: c for c in PopulationGridCell.objects.select_related("area")}
    assert {k: c.area.official_code for k, c in cells.items()} == {"A": "0101", "B": "0101"}
    assert (cells["A"].population, cells["B"].population) == (3.0, 1.0)
    assert (run.added, run.cells_outside_territory) == (2, 1)


def test_a_new_grid_replaces_the_old_one(city, tmp_path):
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "a.csv", GRID),
        actor=SYSTEM,
    )
    run = import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "b.csv", HEADER + "A;52.005;13.001;4\nC;52.005;13.031;2\n"),
        actor=SYSTEM,
        complete_list=True,  # a complete grid replaces the old one (ADR 0003)
        confirm_closing=True,  # B is one of the two stored cells
    )
    assert (run.added, run.changed, run.removed) == (1, 1, 1)
    assert dict(PopulationGridCell.objects.values_list("cell_id", "population")) == {
        "A": 4.0,
        "C": 2.0,
    }


def test_a_broken_grid_is_refused_with_row_and_column_and_the_old_grid_stays(city, tmp_path):
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "a.csv", GRID),
        actor=SYSTEM,
    )
    before = list(PopulationGridCell.objects.order_by("pk").values_list("cell_id", "population"))
    run = import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "kaputt.csv", HEADER + "A;52.005;13.001;2\nB;52.005;13.009;-4\n"),
        actor=SYSTEM,
    )
    assert run.status == "refused"
    [problem] = run.problems
    assert (problem["row"], problem["column"], problem["value"]) == (3, "population", "-4")
    message = describe_problem(problem_from_dict(problem))
    assert "kaputt.csv" in message and "Zeile 3" in message and "population" in message
    after = list(PopulationGridCell.objects.order_by("pk").values_list("cell_id", "population"))
    assert after == before


def test_a_grid_entirely_outside_the_territory_is_refused_as_a_likely_wrong_crs(city, tmp_path):
    run = import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "vertauscht.csv", HEADER + "A;13.005;52.005;3\n"),
        actor=SYSTEM,
    )
    assert run.status == "refused"
    assert run.problems[0]["column"] == "lat/lon"
    assert "Koordinatenreferenzsystem" in describe_problem(problem_from_dict(run.problems[0]))
    assert not PopulationGridCell.objects.exists()


def test_the_zensus_2022_grid_is_read_in_etrs89_laea(city, tmp_path):
    to_laea = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    x, y = to_laea.transform(13.015, 52.005)  # inside 0102
    text = (
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
        f"CRS3035RES100mN1E1;{x:.1f};{y:.1f};12\n"
        f"CRS3035RES100mN1E2;{x + 100:.1f};{y:.1f};–\n"
    )
    run = import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", text),
        actor=SYSTEM,
        mapping_name="zensus-2022-grid-100m",
    )
    assert run.status == "succeeded", run.problems
    cells = {c.cell_id: c for c in PopulationGridCell.objects.select_related("area")}
    first = cells["CRS3035RES100mN1E1"]
    assert first.area.official_code == "0102"
    assert (first.lat, first.lon) == (pytest.approx(52.005, abs=1e-6), pytest.approx(13.015))
    assert (first.population, first.year) == (12.0, 2022)
    assert cells["CRS3035RES100mN1E2"].population == 0.0  # "–": no residents
    assert "Zensus 2022" in first.source


def test_the_analysis_spreads_each_areas_children_over_its_cells(city, tmp_path):
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "raster.csv", GRID),
        actor=SYSTEM,
    )
    args = {"user": SYSTEM, "territory": city.territory, "year": 2024, "ages": Ages.U3}
    grid = accessibility_for(**args, offer=Offer.ALL, points=PopulationPoints.GRID)
    centroids = accessibility_for(**args, offer=Offer.ALL)

    # 0101's 33 children: 3/4 at the west cell, 1/4 at the east cell; the others at centres
    homes = [
        (metres(13.001, 52.005), U3_CHILDREN * 3 / 4),
        (metres(13.009, 52.005), U3_CHILDREN * 1 / 4),
    ] + [(metres(lon, 52.005), U3_CHILDREN) for code, lon in CENTRES.items() if code != "0101"]
    sites = [(metres(f.lon, f.lat), p) for f, p in zip(city.facilities, (10, 5, 12), strict=True)]
    expected = plain_e2sfca(homes, sites, 1500)
    rows = {r.area.official_code: r for r in grid.rows}
    assert rows["0101"].access == pytest.approx((3 * expected[0] + expected[1]) / 4, rel=1e-9)
    for code, value in zip(["0102", "0201", "0202"], expected[2:], strict=True):
        assert rows[code].access == pytest.approx(value, rel=1e-9)
    assert rows["0101"].access != pytest.approx(
        {r.area.official_code: r for r in centroids.rows}["0101"].access, rel=1e-6
    )
    # the children are only moved within their area: the totals stay
    assert grid.children == centroids.children == 4 * U3_CHILDREN
    assert rows["0101"].children == pytest.approx(U3_CHILDREN)
    assert (grid.demand_points, grid.areas_on_centroid) == (2 + 3, 3)


def test_the_page_offers_the_grid_only_when_the_territory_has_one(city, client, tmp_path):
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    response = client.get(URL)
    assert "points" not in response.context["form"].fields
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "raster.csv", GRID),
        actor=SYSTEM,
    )
    response = client.get(URL + "?points=grid")
    assert response.context["result"].points == PopulationPoints.GRID
    html = response.content.decode()
    assert "Bevölkerungsraster" in html
    assert "keine besiedelte Rasterzelle" in html  # 3 areas fall back to their centres
    export = client.get(URL + "?points=grid&format=csv")
    assert "Bevölkerungsraster" in export.content.decode("utf-8-sig")
