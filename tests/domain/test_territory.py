import pytest

from kitaplan.domain.territory.geometry import locate_points, summarise_geometry
from kitaplan.domain.territory.hierarchy import ancestors_of, roll_up


def square(x, y, size=1.0):
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def test_points_are_assigned_to_the_area_that_contains_them():
    areas = [("A", square(13, 52)), ("B", square(14, 52))]
    assert locate_points([(13.5, 52.5), (14.2, 52.9), (20, 20)], areas) == ["A", "B", None]


def test_a_point_on_a_shared_border_goes_to_the_first_area_deterministically():
    areas = [("A", square(13, 52)), ("B", square(14, 52))]
    assert locate_points([(14.0, 52.5)], areas) == ["A"]


def test_summary_gives_real_square_kilometres():
    # 0.01° × 0.01° at 52° N is about 1.11 km × 0.69 km
    facts = summarise_geometry(square(13.4, 52.5, 0.01))
    assert facts.area_km2 == pytest.approx(0.757, rel=0.02)
    assert facts.bbox == (13.4, 52.5, 13.41, 52.51)


def test_summary_measures_in_the_zone_of_the_place():
    from pyproj import Geod
    from shapely.geometry import shape

    cologne = square(6.95, 50.93, 0.01)  # zone 32
    true_km2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(shape(cologne))[0]) / 1e6
    assert summarise_geometry(cologne).area_km2 == pytest.approx(true_km2, rel=5e-4)
    assert (
        summarise_geometry(cologne).area_km2
        == summarise_geometry(cologne, crs="EPSG:25832").area_km2
    )
    # measured in Berlin's zone 33 the square would come out too large by more than 0.5 %
    assert summarise_geometry(cologne, crs="EPSG:25833").area_km2 > true_km2 * 1.005
    berlin = square(13.4, 52.5, 0.01)
    assert (
        summarise_geometry(berlin).area_km2 == summarise_geometry(berlin, crs="EPSG:25833").area_km2
    )


def test_roll_up_sums_into_every_ancestor():
    parent_of = {"city": None, "d1": "city", "a1": "d1", "a2": "d1", "d2": "city", "a3": "d2"}
    totals = roll_up({"a1": 1, "a2": 2, "a3": 4}, parent_of)
    assert (totals["d1"], totals["d2"], totals["city"], totals["a1"]) == (3, 4, 7, 1)


def test_a_cycle_in_the_hierarchy_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        ancestors_of("a", {"a": "b", "b": "a"})


def test_a_group_covers_its_areas_and_everything_below_them():
    from kitaplan.domain.territory.hierarchy import covered_by

    paths = {1: "01", 2: "01/0101", 3: "01/0102", 4: "010/0103", 5: "02/0201", 6: "02/0202"}
    assert covered_by(paths, ["01", "02/0202"]) == {1, 2, 3, 6}
    # "01" does not cover "010": paths are compared by whole segments
    assert 4 not in covered_by(paths, ["01"])
    assert covered_by(paths, []) == set()


def test_nested_members_of_a_group_are_found():
    from kitaplan.domain.territory.hierarchy import nested_pairs

    assert nested_pairs(["01", "01/0101", "02"]) == [("01", "01/0101")]
    assert nested_pairs(["01/0101", "01/0102"]) == []
    assert nested_pairs(["02", "02"]) == [("02", "02")]
