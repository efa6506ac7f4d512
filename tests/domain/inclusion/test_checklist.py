"""The inclusion checklist evaluation without a database."""

from __future__ import annotations

import datetime as dt

from kitaplan.domain.inclusion.checklist import (
    Confirmation,
    FacilityFacts,
    Item,
    Kind,
    Reason,
    evaluate,
    evaluate_item,
    latest_confirmations,
)

DAY = dt.date(2026, 3, 1)
BF = Item(1, Kind.FEATURE, "barrier_free", ("step_free_entrance", "accessible_toilet"))
HPZ = Item(2, Kind.STAFF_QUALIFICATION, programme_id=7, programme="Heilpädagogik")
THER = Item(3, Kind.CONFIRMATION)
CHECKLIST = (BF, HPZ, THER)
BARRIER_FREE = {"step_free_entrance": True, "accessible_toilet": True}


def confirmation(confirmed, date=DAY, entry=1, who="planer"):
    return Confirmation(THER.item_id, confirmed, date, entry, who)


def test_a_facility_meeting_every_item():
    facts = FacilityFacts(1, BARRIER_FREE, {7: 1}, (confirmation(True),))
    result = evaluate(CHECKLIST, facts)
    assert result.meets_all and result.met_count == 3
    assert [(r.item_id, r.met, r.reason) for r in result.results] == [
        (1, True, Reason.FEATURE_PRESENT),
        (2, True, Reason.COMPLETIONS_ENOUGH),
        (3, True, Reason.CONFIRMED),
    ]
    assert result.results[0].params == {"feature": "barrier_free"}
    assert result.results[2].params == {"date": DAY, "who": "planer"}


def test_reasons_of_the_items_not_met():
    facts = FacilityFacts(2, {"step_free_entrance": True}, {}, ())
    result = evaluate(CHECKLIST, facts)
    assert not result.meets_all and result.met_count == 0
    assert [r.reason for r in result.results] == [
        Reason.FEATURE_MISSING,
        Reason.COMPLETIONS_SHORT,
        Reason.NOT_CONFIRMED,
    ]
    assert result.results[1].params == {"count": 0, "needed": 1, "programme": "Heilpädagogik"}


def test_an_empty_checklist_is_not_met_by_default():
    result = evaluate([], FacilityFacts(1, BARRIER_FREE))
    assert not result.meets_all and result.met_count == 0


def test_the_completions_needed():
    two = Item(2, Kind.STAFF_QUALIFICATION, programme_id=7, programme="H", min_completions=2)
    assert not evaluate_item(two, FacilityFacts(1, completions={7: 1})).met
    assert evaluate_item(two, FacilityFacts(1, completions={7: 2})).met
    assert not evaluate_item(two, FacilityFacts(1, completions={8: 5})).met  # other programme


def test_the_latest_confirmation_counts_by_date_then_entry():
    withdrawn = FacilityFacts(
        1, confirmations=(confirmation(True, entry=1), confirmation(False, entry=2))
    )
    result = evaluate_item(THER, withdrawn)
    assert (result.met, result.reason) == (False, Reason.WITHDRAWN)
    earlier_day = FacilityFacts(
        1,
        confirmations=(
            confirmation(True, date=DAY, entry=1),
            confirmation(False, date=DAY - dt.timedelta(days=1), entry=9),
        ),
    )
    assert evaluate_item(THER, earlier_day).met
    other_item = Confirmation(99, True, DAY, 1, "x")
    assert latest_confirmations([other_item]) == {99: other_item}
    assert evaluate_item(THER, FacilityFacts(1, confirmations=(other_item,))).reason == (
        Reason.NOT_CONFIRMED
    )
