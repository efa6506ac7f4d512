"""The close-to-home page: E2SFCA places within reach and the share with a place nearby.

The small city (``factories.make_city``): four unit areas 0101, 0102, 0201, 0202 in a row at
52° N, 0.01° of longitude (about 690 m) apart, with 33 children under 3 and 42 aged 3 to under
6 each; Kita F1, F2 and F3 stand at the centres of 0101, 0102 and 0201 with (10, 20), (5, 15)
and (12, 30) places and 2 integration places each. The expected figures are computed here
independently: by hand, or with a plain-Python E2SFCA on the same projected points.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from django.urls import reverse
from pyproj import Transformer

from kitaplan.web.core import derived
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.models import Area
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

URL = reverse("planning:accessibility")
MAP_URL = reverse("planning:accessibility-geojson")
U3_CHILDREN = 10 + 11 + 12  # ages 0, 1, 2 in every area
CENTRES = {"0101": 13.005, "0102": 13.015, "0201": 13.025, "0202": 13.035}  # longitude, 52.005° N


def set_centroids() -> None:
    """The centres of the unit squares, as an import of the boundaries stores them."""
    for code, lon in CENTRES.items():
        Area.objects.filter(official_code=code).update(centroid_lat=52.005, centroid_lon=lon)


@pytest.fixture
def planner(client):
    city = make_city()
    set_centroids()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def by_code(rows):
    return {r.area.official_code: r for r in rows}


def metres(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True).transform(lon, lat)


def plain_e2sfca(children, places, catchment_m):
    """Luo & Qi's E2SFCA with the Gaussian w(d) = exp(-d²/(2σ²)), σ = 0.38 d0, loop by loop."""
    sigma = 0.38 * catchment_m

    def weight(a, b):
        d = math.dist(a, b)
        return math.exp(-0.5 * (d / sigma) ** 2) if d <= catchment_m else 0.0

    ratios = []
    for site, capacity in places:
        weighted = sum(weight(home, site) * count for home, count in children)
        ratios.append(capacity / weighted if weighted > 0 else 0.0)
    return [
        sum(weight(home, site) * ratio for (site, _), ratio in zip(places, ratios, strict=True))
        for home, _ in children
    ]


def test_the_page_renders_for_a_planner_with_the_headline_and_the_table(planner):
    response = planner.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'data-value-property="value"' in html
    result = response.context["result"]
    # defaults: under 3, all places, walking catchment 1.5 km, finest level, latest year
    assert (result.ages, result.offer, result.catchment_m, result.year) == ("u3", "all", 1500, 2024)
    assert result.level.code == "area"
    assert [r.area.official_code for r in response.context["rows"]] == list(CENTRES)
    assert "100,0 %" in html  # every area is within 1.5 km of a Kita (0202: 690 m to F3)


def test_with_a_3_km_catchment_every_child_has_a_place_within_reach(planner):
    response = planner.get(URL + "?catchment=3000&offer=all&ages=u6")
    result = response.context["result"]
    assert result.share_within == pytest.approx(1.0)
    assert all(r.share_within == pytest.approx(1.0) for r in result.rows)
    assert result.children == 4 * (U3_CHILDREN + 13 + 14 + 15)


def test_the_access_is_the_e2sfca_of_the_area_centres_and_the_facilities(planner):
    response = planner.get(URL + "?catchment=1500&offer=all&ages=u3")
    rows = by_code(response.context["rows"])
    homes = [(metres(lon, 52.005), U3_CHILDREN) for lon in CENTRES.values()]
    sites = [
        (metres(f.lon, f.lat), p) for f, p in zip(planner.city.facilities, (10, 5, 12), strict=True)
    ]
    expected = plain_e2sfca(homes, sites, 1500)
    for code, value in zip(CENTRES, expected, strict=True):
        assert rows[code].access == pytest.approx(value, rel=1e-9)
    # all places reach someone, so the child-weighted mean is places per child (27 / 132)
    assert response.context["result"].access == pytest.approx(27 / (4 * U3_CHILDREN))


def test_districts_get_the_child_weighted_mean_of_their_areas(planner):
    fine = by_code(planner.get(URL + "?ages=u3").context["rows"])
    districts = by_code(planner.get(URL + "?ages=u3&level=district").context["rows"])
    assert list(districts) == ["01", "02"]
    assert districts["01"].children == 2 * U3_CHILDREN
    assert districts["01"].access == pytest.approx((fine["0101"].access + fine["0102"].access) / 2)
    assert districts["02"].access == pytest.approx((fine["0201"].access + fine["0202"].access) / 2)


def test_the_share_within_counts_the_children_near_a_barrier_free_kita(planner):
    Facility.objects.filter(official_number="F1").update(
        step_free_entrance=True, accessible_toilet=True
    )
    Facility.objects.filter(official_number="F2").update(step_free_entrance=True)  # no toilet
    # from F1 at the centre of 0101: 0101 0 m, 0102 ~690 m, 0201 ~1,370 m, 0202 ~2,060 m
    near = planner.get(URL + "?offer=barrier_free&catchment=1000").context["result"]
    assert by_code(near.rows)["0102"].share_within == 1.0
    assert by_code(near.rows)["0201"].share_within == 0.0
    assert near.share_within == pytest.approx(0.5)
    assert near.facilities == 1 and near.places == 10
    walking = planner.get(URL + "?offer=barrier_free&catchment=1500").context["result"]
    assert walking.share_within == pytest.approx(0.75)
    assert walking.children_outside == U3_CHILDREN
    by_district = planner.get(URL + "?offer=barrier_free&catchment=1500&level=district")
    assert [r.share_within for r in by_district.context["rows"]] == [1.0, 0.5]


def test_without_integration_places_no_child_has_one_within_reach(planner):
    FacilityPlaces.objects.update(integration_places=0)
    response = planner.get(URL + "?offer=integration&catchment=3000")
    result = response.context["result"]
    assert result.share_within == 0.0
    assert result.access == 0.0
    assert result.facilities == 0
    assert all(r.share_within == 0.0 and r.access == 0.0 for r in result.rows)
    assert "0,0 %" in response.content.decode()


def test_integration_places_and_inclusion_profiles_are_offers_of_their_own(planner):
    Facility.objects.filter(official_number="F3").update(inclusion_profile=True)
    integration = planner.get(URL + "?offer=integration&catchment=3000").context["result"]
    assert integration.places == 6 and integration.share_within == pytest.approx(1.0)
    inclusion = planner.get(URL + "?offer=inclusion&catchment=1000&ages=ue3").context["result"]
    assert inclusion.places == 30 and inclusion.facilities == 1
    # F3 at the centre of 0201: 0102 and 0202 are ~690 m away, 0101 ~1,370 m
    assert inclusion.share_within == pytest.approx(0.75)


def test_a_facility_manager_may_not_see_the_page(client):
    city = make_city()
    make_user("leitung", Role.FACILITY_MANAGER, facility=city.facilities[0])
    client.login(username="leitung", password=PASSWORD)
    assert client.get(URL).status_code == 403
    assert client.get(MAP_URL).status_code == 403
    assert client.get(URL + "?format=csv").status_code == 403


def test_other_city_staff_see_the_page(client):
    make_city()
    make_user("amt", Role.ALLOCATION_OFFICE)
    client.login(username="amt", password=PASSWORD)
    assert client.get(URL).status_code == 200


def test_the_export_has_one_row_per_area(planner):
    content = planner.get(URL + "?catchment=3000&format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert [row[0] for row in rows[1:]] == list(CENTRES)
    assert all(row[-1] == "100" or row[-1] == "100,0" for row in rows[1:])
    districts = planner.get(URL + "?level=district&format=csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(districts), delimiter=";"))) == 1 + 2
    geojson = json.loads(planner.get(URL + "?format=geojson").content)
    assert len(geojson["features"]) == 4
    assert planner.get(URL + "?format=xlsx").status_code == 200


def test_the_map_colours_each_area_by_its_share_within_the_catchment(planner):
    Facility.objects.filter(official_number="F1").update(
        step_free_entrance=True, accessible_toilet=True
    )
    data = planner.get(MAP_URL + "?offer=barrier_free&catchment=1500").json()
    values = {f["properties"]["official_code"]: f["properties"]["value"] for f in data["features"]}
    assert values == {"0101": 100.0, "0102": 100.0, "0201": 100.0, "0202": 0.0}


def test_areas_without_a_stored_centre_use_the_centre_of_their_boundary(planner):
    before = planner.get(URL).context["result"]
    Area.objects.update(centroid_lat=None, centroid_lon=None)
    after = planner.get(URL).context["result"]
    assert after.children_not_located == 0
    for old, new in zip(before.rows, after.rows, strict=True):
        assert new.access == pytest.approx(old.access, rel=1e-6)


def test_the_number_of_queries_does_not_grow_with_the_facilities(
    planner, django_assert_max_num_queries
):
    planner.get(URL)  # warm caches (sessions, content types)
    city = planner.city
    # both counted requests compute (the changes below make the derived data stale)
    derived.bump(city.territory.pk)
    with django_assert_max_num_queries(24) as few:
        planner.get(URL)
    for i in range(40):
        facility = Facility.objects.create(
            territory=city.territory,
            official_number=f"X{i}",
            name=f"Extra {i}",
            provider=city.providers[i % 2],
            area=city.areas[i % 4],
            lat=52.005,
            lon=13.005 + 0.001 * i,
        )
        FacilityPlaces.objects.create(
            facility=facility, valid_from="2020-01-01", places_u3=1, places_ue3=2
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = planner.get(URL)
    assert response.context["result"].facilities == 43
