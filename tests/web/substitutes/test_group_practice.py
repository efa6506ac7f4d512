"""A colleague in a group practice (Großtagespflege) takes children only while the practice's
total stays within the Land's limit, on every day of the absence."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.domain.childminding.capacity import max_simultaneous
from kitaplan.web.childminding.models import GroupPractice
from kitaplan.web.core.roles import Role
from kitaplan.web.substitutes import bridge, services
from kitaplan.web.substitutes.models import SubstituteAssignment
from tests.web.factories import make_city, make_user
from tests.web.substitutes.helpers import MONDAY, absence, childminder, contract, visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def practice():
    """Practice limit 3: M2 cares for two children, M3 for one — the practice is full. M2's own
    permit (5) would leave her three places."""
    city = make_city()
    gp = GroupPractice.objects.create(
        territory=city.territory, name="GTP Sonnenhof", max_children=3
    )
    m2 = childminder(city, "M2", care_location="group_practice", group_practice=gp)
    m3 = childminder(city, "M3", lat=52.0005, care_location="group_practice", group_practice=gp)
    contract(m2, "m2-1")
    contract(m2, "m2-2")
    m3_child = contract(m3, "m3-1")
    outside = childminder(city, "A", lat=52.003)
    a1 = contract(outside, "a1", primary=m2)
    a2 = contract(outside, "a2", primary=m2)
    visits(m2, a1)
    visits(m2, a2)
    return {"city": city, "gp": gp, "m2": m2, "m3": m3, "m3_child": m3_child, "a": outside}


def practice_total(gp: GroupPractice, day: dt.date) -> int:
    """Independent count: members' contracts present + children confirmed to members."""
    schedules = [bridge.schedule_of(c) for m in gp.members.all() for c in m.contracts.all()]
    confirmed = SubstituteAssignment.objects.filter(
        substitute__group_practice=gp, status="confirmed"
    )
    return max_simultaneous(schedules, day) + sum(day.isoformat() in r.days for r in confirmed)


def test_a_colleague_in_a_full_practice_is_not_proposed(practice, admin):
    gone = absence(practice["a"])
    services.propose([gone], actor=admin)
    rows = SubstituteAssignment.objects.filter(absence=gone)
    assert {(r.status, r.reason) for r in rows} == {("uncovered", "no_capacity")}
    assert bridge.own_free_places(practice["m2"], [MONDAY])[MONDAY] == 3  # her own permit
    # one more place in the practice: one child (not both) goes to M2
    practice["gp"].max_children = 4
    practice["gp"].save()
    services.propose([gone], actor=admin)
    proposed = rows.filter(status="proposed")
    assert proposed.count() == 1 and proposed.get().substitute == practice["m2"]
    assert rows.filter(status="uncovered", reason="no_capacity").count() == 1
    services.confirm(assignment=proposed.get(), actor=admin)
    for k in range(5):
        day = MONDAY + dt.timedelta(days=k)
        assert practice_total(practice["gp"], day) <= practice["gp"].max_children
    # the practice is full again: proposing once more adds nobody
    services.propose([gone], actor=admin)
    assert not rows.filter(status="proposed").exists()


def test_a_forced_proposal_over_the_practice_limit_is_refused(practice, admin):
    gone = absence(practice["a"])
    forced = SubstituteAssignment.objects.create(
        absence=gone,
        contract=practice["a"].contracts.get(child_reference="a1"),
        substitute=practice["m2"],
        role="primary",
        days=[(MONDAY + dt.timedelta(days=k)).isoformat() for k in range(5)],
        status="proposed",
    )
    with pytest.raises(services.SubstituteError) as refused:
        services.confirm(assignment=forced, actor=admin)
    assert refused.value.code == "no_place_now"


def test_an_absent_member_frees_her_places_for_a_colleague(practice, admin):
    # M3 is absent too: her child is not in the practice, so M2 may take one child from outside
    # (M3's own child has no known substitute and stays uncovered)
    gone = absence(practice["a"])
    also = absence(practice["m3"])
    services.propose([gone, also], actor=admin)
    proposed = SubstituteAssignment.objects.filter(status="proposed")
    assert [r.substitute for r in proposed] == [practice["m2"]]
    assert proposed.get().absence == gone
    # a child of the absent member moves within the practice: the total does not grow
    visits(practice["m2"], practice["m3_child"])
    services.propose([gone, also], actor=admin)
    moved = SubstituteAssignment.objects.filter(status="proposed").order_by("contract_id")
    assert moved.count() == 1  # still one place: either an outside child or M3's child
    free = bridge.practice_free_places(practice["gp"], [MONDAY])
    assert free[MONDAY] == 1  # 3 − M2's two children; M3 is absent
