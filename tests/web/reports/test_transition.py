"""The move to a Kita: children turning three, entering them into an open allocation round."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kitaplan.domain.common.calendar import add_months
from kitaplan.web.allocation.models import Application, ApplicationChoice, RoundProgramme
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.childminding.models import AdvisoryService, CareContract, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.reports.transition import (
    TransitionError,
    children_turning_three,
    enter_into_round,
)
from tests.web.allocation.helpers import make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

WEEKDAYS = [[d, "08:00", "15:00"] for d in range(5)]


def birth_turning_three_in(today: dt.date, months: int) -> dt.date:
    day = add_months(today, months)
    return dt.date(day.year - 3, day.month, min(day.day, 28))


@pytest.fixture
def setting():
    today = timezone.localdate()
    city = make_city()
    north = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Nord")
    south = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Süd")
    mine = Childminder.objects.create(
        territory=city.territory,
        number="T1",
        name="Tagesmutter Eins",
        care_location="own_home",
        area=city.areas[0],
        service=north,
        lat=52.005,
        lon=13.004,
    )
    theirs = Childminder.objects.create(
        territory=city.territory,
        number="T2",
        name="Tagesmutter Zwei",
        care_location="own_home",
        area=city.areas[2],
        service=south,
        lat=52.005,
        lon=13.026,
    )
    # reference, childminder, turns three in (months; negative: already three), ended
    spec = [
        ("K1", mine, 2, False),  # three before the round's care start
        ("K2", mine, 8, False),  # still under three at the round's care start
        ("K3", mine, 12, False),  # beyond the default horizon
        ("K4", mine, -1, False),  # already three
        ("K5", mine, 3, True),  # contract has ended
        ("K6", theirs, 4, False),  # another service's childminder
    ]
    contracts = {}
    for ref, cm, months, ended in spec:
        contracts[ref] = CareContract.objects.create(
            childminder=cm,
            child_reference=ref,
            child_birth_date=birth_turning_three_in(today, months),
            valid_from=today - dt.timedelta(days=400),
            valid_to=today - dt.timedelta(days=1) if ended else None,
            weekly_hours=30,
            slots=WEEKDAYS,
        )
    far = Facility.objects.create(
        territory=city.territory,
        official_number="F4",
        name="Kita F4",
        provider=city.providers[1],
        area=city.areas[3],
        lat=52.3,
        lon=13.5,
    )
    round_ = make_round(city)
    round_.applications_open = today - dt.timedelta(days=10)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.care_start = add_months(today, 6).replace(day=1)
    round_.offers_on = today + dt.timedelta(days=40)
    round_.save()
    for facility in [*city.facilities, far]:
        RoundProgramme.objects.create(round=round_, facility=facility, age_group="ue3", capacity=4)
    return {
        "today": today,
        "city": city,
        "north": north,
        "mine": mine,
        "theirs": theirs,
        "spec": spec,
        "contracts": contracts,
        "round": round_,
    }


def expected_refs(spec, today, months, childminders):
    limit = add_months(today, months)
    refs = set()
    for ref, cm, _months, ended in spec:
        birth = birth_turning_three_in(today, _months)
        third = dt.date(birth.year + 3, birth.month, birth.day)
        if cm in childminders and not ended and today <= third <= limit:
            refs.add(ref)
    return refs


def test_the_listing_matches_independent_counts(setting):
    today = setting["today"]
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    setting["north"].advisers.add(adviser)
    for user, people in (
        (adviser, [setting["mine"]]),
        (make_user("admin", Role.ADMIN), [setting["mine"], setting["theirs"]]),
    ):
        for months in (9, 13):
            found = children_turning_three(
                childminders_visible_to(user), today=today, horizon_months=months
            )
            assert {t.contract.child_reference for t in found} == expected_refs(
                setting["spec"], today, months, people
            )
    found = children_turning_three(childminders_visible_to(adviser), today=today, horizon_months=9)
    assert [t.contract.child_reference for t in found] == ["K1", "K2"]


def test_entering_creates_one_application_with_ue3_choices_and_refuses_a_second(client, setting):
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    setting["north"].advisers.add(adviser)
    client.login(username="berater", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    round_ = setting["round"]
    page = client.get(reverse("reports:transition"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("<h1") == 1
    assert f'data-contract="{setting["contracts"]["K1"].pk}"' in text
    assert f'data-contract="{setting["contracts"]["K6"].pk}"' not in text
    states = {r["item"].contract.child_reference: r["state"] for r in page.context["rows"]}
    assert states == {"K1": "ready", "K2": "not_ue3"}

    url = reverse("reports:transition-enter")
    response = client.post(url, {"contract": setting["contracts"]["K1"].pk, "round": round_.pk})
    assert response.status_code == 302
    applications = Application.objects.filter(round=round_)
    assert applications.count() == 1
    application = applications.get()
    contract = setting["contracts"]["K1"]
    assert application.child_name == "Kind K1"
    assert application.birth_date == contract.child_birth_date
    assert application.desired_start == round_.care_start
    assert application.home_area == setting["mine"].area
    choices = list(ApplicationChoice.objects.filter(application=application).order_by("rank"))
    assert 1 <= len(choices) <= 3
    ue3 = set(
        RoundProgramme.objects.filter(round=round_, age_group="ue3").values_list(
            "facility_id", flat=True
        )
    )
    assert all(c.facility_id in ue3 for c in choices)
    # nearest first: F1 (same area), F2, F3 – not the far F4
    assert [c.facility.official_number for c in choices] == ["F1", "F2", "F3"]
    assert AuditEvent.objects.filter(action=AuditAction.ALLOCATION_APPLICATION_SAVED).count() == 1

    again = client.post(
        url, {"contract": setting["contracts"]["K1"].pk, "round": round_.pk}, follow=True
    )
    assert "already entered" in again.content.decode()
    assert Application.objects.filter(round=round_).count() == 1
    # under three at the round's care start
    client.post(url, {"contract": setting["contracts"]["K2"].pk, "round": round_.pk})
    assert Application.objects.filter(round=round_).count() == 1
    # another service's child is not hers
    other = client.post(url, {"contract": setting["contracts"]["K6"].pk, "round": round_.pk})
    assert other.status_code == 404


def test_the_service_refuses_twice_and_outside_ue3(setting):
    round_, today = setting["round"], setting["today"]
    enter_into_round(contract=setting["contracts"]["K1"], round_=round_, actor=SYSTEM, today=today)
    with pytest.raises(TransitionError) as twice:
        enter_into_round(
            contract=setting["contracts"]["K1"], round_=round_, actor=SYSTEM, today=today
        )
    assert twice.value.code == "already_entered"
    with pytest.raises(TransitionError) as young:
        enter_into_round(
            contract=setting["contracts"]["K2"], round_=round_, actor=SYSTEM, today=today
        )
    assert young.value.code == "not_ue3"
    assert Application.objects.filter(round=round_).count() == 1


def test_a_childminder_and_the_payment_office_get_403(client, setting):
    person = make_user("tagesmutter", Role.CHILDMINDER)
    setting["mine"].user = person
    setting["mine"].save()
    client.login(username="tagesmutter", password=PASSWORD)
    assert client.get(reverse("reports:transition")).status_code == 403
    response = client.post(
        reverse("reports:transition-enter"),
        {"contract": setting["contracts"]["K1"].pk, "round": setting["round"].pk},
    )
    assert response.status_code == 403
    assert not Application.objects.exists()
    client.logout()
    make_user("kasse", Role.PAYMENT_OFFICE)
    client.login(username="kasse", password=PASSWORD)
    assert client.get(reverse("reports:transition")).status_code == 403
