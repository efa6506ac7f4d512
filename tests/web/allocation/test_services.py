"""Rounds end to end in the database: run, publish offers, answers, follow-up, audit."""

from __future__ import annotations

import pytest

from kitaplan.web.allocation.models import AllocationRun, Application, Offer
from kitaplan.web.allocation.services import (
    AllocationError,
    answer_offer,
    publish_run,
    reproduce,
    run_round,
    withdraw_application,
)
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from tests.web.allocation.helpers import TODAY, apply, make_round
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def test_a_round_from_run_to_follow_up(city):
    round_ = make_round(city)
    a = apply(round_, city, "Anna", ["F1", "F2"])  # lives in district 1 like F1, F2
    b = apply(round_, city, "Ben", ["F1", "F2"])
    c = apply(round_, city, "Cem", ["F1", "F3"], area=2)  # district 2: lowest at F1
    run = run_round(round_=round_, actor=SYSTEM)
    assert run.kind == AllocationRun.MAIN and run.check_problems == []
    assignment = run.result["assignment"]
    # Anna and Ben share the class at F1 and F2: the lottery decides; Cem goes to F3.
    assert sorted([assignment[a.reference], assignment[b.reference]]) == ["F1", "F2"]
    assert assignment[c.reference] == "F3"
    assert reproduce(run)
    round_.refresh_from_db()
    assert round_.lottery_seed == run.seed
    assert AuditEvent.objects.filter(action="allocation.run").count() == 1

    assert publish_run(run=run, actor=SYSTEM, today=TODAY) == 3
    with pytest.raises(AllocationError) as refused:
        publish_run(run=run, actor=SYSTEM, today=TODAY)
    assert refused.value.code == "already_published"

    # The child at F1 declines; the one at F2 accepts and moves up in the follow-up run.
    at_f1 = Offer.objects.get(facility__official_number="F1")
    at_f2 = Offer.objects.get(facility__official_number="F2")
    answer_offer(offer=at_f1, accept=False, actor=SYSTEM, today=TODAY)
    answer_offer(offer=at_f2, accept=True, actor=SYSTEM, today=TODAY)
    follow = run_round(round_=round_, actor=SYSTEM, today=TODAY)
    assert follow.kind == AllocationRun.FOLLOW_UP
    mover = at_f2.application.reference
    assert follow.result["assignment"][mover] == "F1"
    assert at_f1.application.reference not in follow.result["assignment"]
    assert publish_run(run=follow, actor=SYSTEM, today=TODAY) == 1
    at_f2.refresh_from_db()
    assert at_f2.status == Offer.REPLACED
    assert at_f2.application.offers.get(status=Offer.OPEN).facility.official_number == "F1"


def test_a_run_is_stale_when_an_answer_came_in_after_it(city):
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    apply(round_, city, "Ben", ["F2"])
    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    follow = run_round(round_=round_, actor=SYSTEM, today=TODAY)
    answer_offer(offer=Offer.objects.first(), accept=False, actor=SYSTEM, today=TODAY)
    with pytest.raises(AllocationError) as refused:
        publish_run(run=follow, actor=SYSTEM, today=TODAY)
    assert refused.value.code == "stale"


def test_a_withdrawal_before_the_first_publication_does_not_block_publishing(city):
    # a withdrawn application counts as "leaving" only once offers exist: the main run stores
    # no leaving list, and publishing must compare like with like (it refused as "stale")
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    ben = apply(round_, city, "Ben", ["F2"])
    withdraw_application(application=ben, actor=SYSTEM)
    run = run_round(round_=round_, actor=SYSTEM)
    assert publish_run(run=run, actor=SYSTEM, today=TODAY) == 1


def test_a_withdrawal_after_the_main_run_makes_it_stale(city):
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    ben = apply(round_, city, "Ben", ["F2"])
    run = run_round(round_=round_, actor=SYSTEM)
    withdraw_application(application=ben, actor=SYSTEM)
    with pytest.raises(AllocationError) as refused:
        publish_run(run=run, actor=SYSTEM, today=TODAY)
    assert refused.value.code == "stale"


def test_unanswered_offers_expire_at_the_follow_up_run(city):
    import datetime as dt

    round_ = make_round(city)
    anna = apply(round_, city, "Anna", ["F1"])
    apply(round_, city, "Ben", ["F1"])
    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    offer = Offer.objects.get()
    later = offer.respond_by + dt.timedelta(days=1)
    with pytest.raises(AllocationError):
        answer_offer(offer=offer, accept=True, actor=SYSTEM, today=later)
    follow = run_round(round_=round_, actor=SYSTEM, today=later)
    offer.refresh_from_db()
    assert offer.status == Offer.EXPIRED
    other = "A00002" if offer.application.reference == anna.reference else anna.reference
    assert follow.result["assignment"] == {other: "F1"}


def test_integration_places_go_to_children_with_confirmed_need(city):
    round_ = make_round(city, places={"F1": (2, 1), "F2": (0, 0), "F3": (0, 0)})
    need = apply(round_, city, "Ida", ["F1"], integration_need=True)
    others = [apply(round_, city, f"K{k}", ["F1"]) for k in range(3)]
    run = run_round(round_=round_, actor=SYSTEM)
    assert run.result["assignment"][need.reference] == "F1"
    assert run.result["seat_types"][need.reference] == "integration"
    assert sum(run.result["assignment"][o.reference] == "F1" for o in others) == 1


def test_a_child_too_old_for_the_round_is_refused(city):
    import datetime as dt

    round_ = make_round(city)
    with pytest.raises(AllocationError) as refused:
        apply(round_, city, "Old", ["F1"], birth_date=dt.date(2020, 1, 1))
    assert refused.value.code == "age_outside_round"


def test_a_childminder_takes_part_with_her_free_places(city):
    import datetime as dt

    from kitaplan.web.allocation.explanations import explain_child, facility_names
    from kitaplan.web.allocation.models import RoundProgramme
    from kitaplan.web.allocation.services import save_application
    from kitaplan.web.allocation.statistics import round_statistics
    from kitaplan.web.childminding.models import Childminder

    round_ = make_round(city, places={"F1": (1, 0), "F2": (0, 0), "F3": (0, 0)})
    cm = Childminder.objects.create(
        territory=city.territory,
        number="TP7",
        name="Tagesmutter Sonne",
        care_location="own_home",
        area=city.areas[0],
        lat=52.005,
        lon=13.005,
    )
    RoundProgramme.objects.create(round=round_, childminder=cm, age_group="u3", capacity=1)
    by_number = {f.official_number: f for f in city.facilities}
    apps = []
    for name in ("Ada", "Bo", "Cy"):
        app = Application(
            round=round_,
            child_name=name,
            birth_date=dt.date(2026, 1, 15),
            desired_start=round_.care_start,
            home_area=city.areas[0],
            registered_on=dt.date(2026, 12, 1),
        )
        apps.append(
            save_application(application=app, facilities=[by_number["F1"], cm], actor=SYSTEM)
        )
    run = run_round(round_=round_, actor=SYSTEM)
    assignment = run.result["assignment"]
    assert sorted(f or "" for f in assignment.values()) == ["", "F1", "KTP:TP7"]
    assert publish_run(run=run, actor=SYSTEM, today=TODAY) == 2
    offer = Offer.objects.get(childminder=cm)
    assert offer.place == cm and offer.facility is None
    at_cm = next(a for a in apps if assignment[a.reference] == "KTP:TP7")
    explanation = explain_child(run, at_cm.reference, facility_names(run))
    assert explanation.facility_name == "Tagespflegeperson Tagesmutter Sonne"
    assert [r.facility_id for r in explanation.reasons] == ["F1"]
    stats = round_statistics(round_)
    assert stats.total.holding == 2 and stats.total.unplaced == 1


def test_the_home_area_is_read_from_a_street_on_which_a_kita_lies(city):
    from kitaplan.web.allocation.forms import area_from_address

    round_ = make_round(city)
    f1 = city.facilities[0]
    f1.street = "Klosterstraße"
    f1.save()
    assert area_from_address(round_, "Klosterstraße 12a") == f1.area
    assert area_from_address(round_, "Klosterstr. 3") == f1.area
    assert area_from_address(round_, "Unbekannter Weg 1") is None
    # a street with Kitas in two areas is ambiguous
    f3 = city.facilities[2]
    f3.street = "Klosterstraße"
    f3.save()
    assert area_from_address(round_, "Klosterstraße 12") is None
