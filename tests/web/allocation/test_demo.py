"""Synthetic demo rounds: the generator on the small test city (Berlin's rounds are checked in
tests/web/test_demo_city.py, which loads the real demo)."""

from __future__ import annotations

import pytest

from kitaplan.domain.allocation import age_group_at
from kitaplan.web.allocation.models import AllocationRound, Application, RoundProgramme
from kitaplan.web.allocation.services import reproduce, run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.demo.allocation import create_demo_rounds, demo_rounds_summary, generate_round
from tests.web.allocation.helpers import make_round
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def generated(city, *, seed: int = 7, children: int = 60) -> AllocationRound:
    """A round of the test city with no places yet, filled by the generator in district 1."""
    round_ = make_round(city)
    round_.programmes.all().delete()
    generate_round(round_, district=city.districts[0], children=children, seed=seed)
    return round_


def content(round_: AllocationRound) -> list[tuple]:
    apps = round_.applications.order_by("reference").prefetch_related("choices__facility")
    return [
        (
            a.reference,
            a.child_name,
            a.birth_date,
            a.home_area_id,
            a.home_lat,
            a.home_lon,
            a.integration_need,
            a.social_urgency,
            a.lives_in_municipality,
            a.registered_on,
            a.weekly_hours,
            tuple(c.facility.official_number for c in a.choices.all()),
            tuple(sorted(a.siblings_at.values_list("official_number", flat=True))),
        )
        for a in apps
    ]


def programmes(round_: AllocationRound) -> list[tuple]:
    return list(
        round_.programmes.order_by("facility__official_number", "age_group").values_list(
            "facility__official_number",
            "age_group",
            "capacity",
            "integration_places",
            "release_unused",
        )
    )


def test_the_same_seed_gives_the_same_round_and_the_same_lottery_outcome(city):
    first, second = generated(city), generated(city)
    assert content(first) == content(second)
    assert programmes(first) == programmes(second)
    assert [r[0] for r in content(first)][:3] == ["A00001", "A00002", "A00003"]
    for round_ in (first, second):
        round_.lottery_seed = 42
        round_.save(update_fields=["lottery_seed"])
    one, two = (run_round(round_=r, actor=SYSTEM) for r in (first, second))
    assert one.result == two.result and one.inputs["lottery"] == two.inputs["lottery"]
    assert content(generated(city, seed=8)) != content(first)


def test_applications_list_only_released_places_of_their_age_group(city):
    round_ = generated(city, children=120)
    released = {
        (p.facility_id, p.age_group): p
        for p in RoundProgramme.objects.filter(round=round_, capacity__gt=0)
    }
    district_1 = {city.facilities[0].pk, city.facilities[1].pk}  # F3 lies in district 2
    assert {f for f, _a in released} == district_1
    apps = list(round_.applications.prefetch_related("choices", "siblings_at"))
    assert len(apps) == 120
    groups = set()
    for app in apps:
        group = age_group_at(app.birth_date, round_.care_start)
        assert group is not None
        groups.add(group.value)
        choices = sorted(app.choices.all(), key=lambda c: c.rank)
        assert 1 <= len(choices) <= round_.max_choices
        assert [c.rank for c in choices] == list(range(1, len(choices) + 1))
        for choice in choices:
            programme = released.get((choice.facility_id, group.value))
            assert programme is not None
            if app.integration_need:
                assert programme.integration_places > 0
        assert {f.pk for f in app.siblings_at.all()} <= {c.facility_id for c in choices}
        assert app.home_area.parent_id == city.districts[0].pk
        assert app.home_lat is not None and app.home_lon is not None
        assert round_.applications_open <= app.registered_on <= round_.applications_close
    assert groups == {"u3", "ue3"}
    ue3 = sum(age_group_at(a.birth_date, round_.care_start).value == "ue3" for a in apps)
    assert 5 <= ue3 <= 35  # about 15 %


def test_the_main_run_has_no_problems_and_the_generation_one_audit_event(city):
    round_ = generated(city)
    events = AuditEvent.objects.filter(
        action="allocation.round_saved", target_id=str(round_.pk), details__isnull=False
    )
    assert events.count() == 1
    assert events.get().details["applications"] == 60
    assert events.get().details["seed"] == 7
    assert not AuditEvent.objects.filter(action="allocation.application_saved").exists()
    run = run_round(round_=round_, actor=SYSTEM)
    assert run.check_problems == []
    assert reproduce(run)
    assert any(f is None for f in run.result["assignment"].values())  # scarce: some unplaced


def test_existing_places_are_kept(city):
    round_ = make_round(city)  # F1, F2, F3 release 1 place under 3 each
    generate_round(round_, district=city.districts[0], children=10, seed=1)
    assert (
        RoundProgramme.objects.get(
            round=round_, facility__official_number="F1", age_group="u3"
        ).capacity
        == 1
    )
    assert Application.objects.filter(round=round_).count() == 10


def test_no_demo_rounds_without_berlin(city):
    assert create_demo_rounds() is False
    assert demo_rounds_summary() == ""
