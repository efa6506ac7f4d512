import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.scenarios import (
    ChangePlaces,
    CloseFacility,
    ConvertSpecialNeedsGroup,
    FacilitySupply,
    OpenFacility,
    ScenarioError,
    apply_changes,
    features_by_area,
    supply_by_area,
)

BASELINE = (
    FacilitySupply("F1", "0101", 10, 20, 2, 0, inclusion_profile=True),
    FacilitySupply("F2", "0101", 5, 15, 0, 8, barrier_free=True),
    FacilitySupply("F3", "0201", 12, 30, 2),
)


def totals(records):
    supply = supply_by_area(records)
    return (
        sum(s.places[AgeGroup.U3] for s in supply.values()),
        sum(s.places[AgeGroup.UE3] for s in supply.values()),
        sum(s.integration_places for s in supply.values()),
    )


def test_no_changes_is_the_baseline():
    assert apply_changes(BASELINE, []) == BASELINE


def test_places_are_summed_per_area():
    supply = supply_by_area(BASELINE)
    assert supply["0101"].places == {AgeGroup.U3: 15, AgeGroup.UE3: 35}
    assert supply["0101"].integration_places == 2
    assert supply["0201"].integration_places == 2


def test_changing_places_of_a_facility():
    [f1, *_rest] = apply_changes(BASELINE, [ChangePlaces("F1", 5, -4, 3)])
    assert (f1.places_u3, f1.places_ue3, f1.integration_places) == (15, 16, 5)


def test_closing_a_facility_removes_its_places_from_its_area():
    records = apply_changes(BASELINE, [CloseFacility("F3")])
    assert [r.key for r in records] == ["F1", "F2"]
    assert "0201" not in supply_by_area(records)


def test_opening_a_facility_adds_it_to_its_area():
    records = apply_changes(
        BASELINE, [OpenFacility("neu-1", "0202", 10, 40, 4, inclusion_profile=True)]
    )
    assert records[-1] == FacilitySupply("neu-1", "0202", 10, 40, 4, 0, True, False)
    assert supply_by_area(records)["0202"].integration_places == 4


def test_a_special_needs_group_becomes_integration_places():
    [_f1, f2, _f3] = apply_changes(BASELINE, [ConvertSpecialNeedsGroup("F2", 8, 12)])
    assert (f2.special_needs_group_places, f2.places_ue3, f2.integration_places) == (0, 27, 12)


@pytest.mark.parametrize(
    ("changes", "code", "index"),
    [
        ([ChangePlaces("F9", 1)], ScenarioError.UNKNOWN_FACILITY, 0),
        ([CloseFacility("F1"), ChangePlaces("F1", 1)], ScenarioError.UNKNOWN_FACILITY, 1),
        ([ChangePlaces("F1", -11)], ScenarioError.NEGATIVE_PLACES, 0),
        ([ChangePlaces("F3", integration_delta=-3)], ScenarioError.NEGATIVE_PLACES, 0),
        ([ChangePlaces("F2", integration_delta=21)], ScenarioError.INTEGRATION_EXCEEDS_PLACES, 0),
        ([OpenFacility("F1", "0101", 1, 1)], ScenarioError.DUPLICATE_FACILITY, 0),
        ([OpenFacility("n", "0101", -1, 1)], ScenarioError.NEGATIVE_PLACES, 0),
        (
            [ConvertSpecialNeedsGroup("F2", 9, 12)],
            ScenarioError.NOT_ENOUGH_SPECIAL_NEEDS_PLACES,
            0,
        ),
        ([ConvertSpecialNeedsGroup("F2", 0, 12)], ScenarioError.INVALID_CHANGE, 0),
    ],
)
def test_impossible_changes_are_refused_with_a_code(changes, code, index):
    with pytest.raises(ScenarioError) as error:
        apply_changes(BASELINE, changes)
    assert (error.value.code, error.value.index) == (code, index)


def test_the_baseline_is_not_changed():
    before = list(BASELINE)
    apply_changes(BASELINE, [ChangePlaces("F1", 1), CloseFacility("F2")])
    assert list(BASELINE) == before


def test_features_count_inclusive_and_barrier_free_facilities():
    features = features_by_area(apply_changes(BASELINE, [CloseFacility("F1")]))
    assert features["0101"].inclusive_facilities == 0
    assert features["0101"].barrier_free_facilities == 1
    assert features["0101"].barrier_free_places == 20
    assert features["0201"].barrier_free_places == 0


facilities = st.lists(
    st.builds(
        FacilitySupply,
        key=st.just(""),
        area=st.sampled_from(["a", "b", "c"]),
        places_u3=st.integers(0, 200),
        places_ue3=st.integers(0, 200),
        integration_places=st.integers(0, 20),
        special_needs_group_places=st.integers(0, 20),
        inclusion_profile=st.booleans(),
        barrier_free=st.booleans(),
    ),
    max_size=8,
).map(lambda rs: tuple(_valid(f"F{i}", r) for i, r in enumerate(rs)))


def _valid(key, record):
    """A baseline record with a unique key and no more integration places than places."""
    return FacilitySupply(
        key,
        record.area,
        record.places_u3,
        record.places_ue3,
        min(record.integration_places, record.places),
        record.special_needs_group_places,
        record.inclusion_profile,
        record.barrier_free,
    )


@given(facilities)
def test_applying_no_changes_is_the_identity(records):
    assert apply_changes(records, []) == records
    assert supply_by_area(apply_changes(records, [])) == supply_by_area(records)


@given(facilities, st.data())
def test_totals_change_exactly_by_the_deltas(records, data):
    changes = []
    expected = list(totals(records))
    for record in records:
        u3 = data.draw(st.integers(-record.places_u3, 50))
        ue3 = data.draw(st.integers(-record.places_ue3, 50))
        places = record.places + u3 + ue3
        integ = data.draw(
            st.integers(-record.integration_places, min(0, places - record.integration_places))
        )
        changes.append(ChangePlaces(record.key, u3, ue3, integ))
        expected = [expected[0] + u3, expected[1] + ue3, expected[2] + integ]
    opened = data.draw(st.integers(0, 30))
    changes.append(OpenFacility("neu", "d", opened, opened, opened))
    expected = [expected[0] + opened, expected[1] + opened, expected[2] + opened]
    assert totals(apply_changes(records, changes)) == tuple(expected)
