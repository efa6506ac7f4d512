from kitaplan.domain.checks.consistency import (
    AreaRecord,
    FacilityRecord,
    PopulationCell,
    check_areas,
    check_facilities,
    check_population,
)


def facility(number="1", area="A", places=10, integration=0, lat=52.5, lon=13.4):
    return FacilityRecord(
        official_number=number,
        area_code=area,
        lat=lat,
        lon=lon,
        total_places=places,
        integration_places=integration,
        special_needs_group_places=0,
    )


def codes(findings):
    return sorted(f.code for f in findings)


def test_clean_data_has_no_findings():
    assert check_facilities([facility()], (13, 52, 14, 53)) == []


def test_each_facility_problem_has_its_code():
    findings = check_facilities(
        [
            facility("1", area=None),
            facility("2"),
            facility("2"),
            facility("3", integration=20),
            facility("4", lat=13.4, lon=52.5),
            facility("5", places=None),
        ],
        (13, 52, 14, 53),
    )
    assert codes(findings) == ["C001", "C002", "C005", "C006", "C007"]


def test_areas_without_parent_below_the_top_level_are_reported():
    findings = check_areas(
        [AreaRecord("01", "bezirk", 1, False), AreaRecord("0101", "plr", 2, False)]
    )
    assert [(f.code, f.subject) for f in findings] == [("C004", "area 0101")]


def test_population_gaps_name_area_year_and_missing_ages():
    cells = [PopulationCell("A", 2024, age) for age in range(7)] + [PopulationCell("B", 2024, 0)]
    [finding] = check_population(["A", "B"], cells, range(7))
    assert (finding.subject, finding.detail) == ("area B", "year=2024 missing_ages=1,2,3,4,5,6")
