"""Setting up a measures plan on pages: create a plan, add a field of action, an objective and
a measure with its period and participants, change and remove them, close the plan (read-only)
and make the version of a new year (a copy; the old one stays as it was). All audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.measures import services
from kitaplan.web.measures.models import ActionField, Measure, Objective, Organisation, Plan
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.measures.helpers import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def login(client, role, name="planer", language="en"):
    user = make_user(name, role)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return user


def changes() -> list[str]:
    return list(
        AuditEvent.objects.filter(action="measures.changed")
        .order_by("pk")
        .values_list("details__change", flat=True)
    )


def test_a_planner_sets_up_a_plan_on_pages(client, city):
    login(client, Role.PLANNER)
    amt = services.save_organisation(
        actor=SYSTEM, territory=city.territory, short_name="Amt 58", name="Amt 58", kind="city_unit"
    )
    eltern = services.save_organisation(
        actor=SYSTEM,
        territory=city.territory,
        short_name="SER",
        name="Stadtelternrat",
        kind="other",
    )
    response = client.post(
        reverse("measures:plan-create"),
        {
            "territory": city.territory.pk,
            "code": "inklusion",
            "version_year": "2026",
            "title": "Inklusion",
            "first_year": "2026",
            "last_year": "2030",
        },
    )
    plan = Plan.objects.get(territory=city.territory, code="inklusion", version_year=2026)
    assert response["Location"] == reverse("measures:plan-detail", args=[plan.pk])
    client.post(reverse("measures:field-create", args=[plan.pk]), {"code": "1", "title": "Orte"})
    field = ActionField.objects.get(plan=plan, code="1")
    client.post(
        reverse("measures:objective-create", args=[plan.pk, field.pk]),
        {"code": "1.1", "text": "Genug Plätze"},
    )
    objective = Objective.objects.get(field=field, code="1.1")
    client.post(
        reverse("measures:measure-create", args=[plan.pk, objective.pk]),
        {
            "code": "1.1-1",
            "text": "Zielgrößen bestimmen",
            "period_text": "2026/2027",
            "lead": amt.pk,
            "participants": [eltern.pk],
        },
    )
    measure = Measure.objects.get(objective=objective, code="1.1-1")
    assert (measure.start, measure.end) == (dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert measure.lead == amt
    assert sorted(measure.participants.values_list("short_name", flat=True)) == ["Amt 58", "SER"]
    client.post(
        reverse("measures:measure-edit", args=[plan.pk, objective.pk, measure.pk]),
        {
            "code": "1.1-1",
            "text": "Zielgrößen bestimmen",
            "start": "2026-03-01",
            "end": "2026-12-31",
        },
    )
    measure.refresh_from_db()
    assert (measure.start, measure.end, measure.lead) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 12, 31),
        None,
    )
    page = client.get(reverse("measures:plan-detail", args=[plan.pk])).content.decode()
    assert "Zielgrößen bestimmen" in page and "Genug Plätze" in page
    client.post(reverse("measures:measure-remove", args=[plan.pk, measure.pk]))
    assert not Measure.objects.filter(pk=measure.pk).exists()
    assert changes() == [
        "organisation_created",
        "organisation_created",
        "plan_created",
        "field_added",
        "objective_added",
        "measure_added",
        "measure_changed",
        "measure_removed",
    ]


def test_rules_are_shown_on_the_form_in_german(client, city):
    login(client, Role.PLANNER, language="de")
    plan = make_plan(city)
    response = client.post(
        reverse("measures:field-create", args=[plan.pk]), {"code": "1", "title": "Doppelt"}
    )
    assert response.status_code == 200
    assert "Dieser Code ist hier schon vergeben." in response.content.decode()
    field = ActionField.objects.get(plan=plan, code="1")
    client.post(reverse("measures:field-remove", args=[plan.pk, field.pk]))
    assert ActionField.objects.filter(pk=field.pk).exists()  # it still has objectives


def test_a_closed_plan_is_read_only(client, city):
    login(client, Role.PLANNER)
    plan = make_plan(city)
    measure = Measure.objects.get(objective__field__plan=plan, code="1.1-1")
    assert client.post(reverse("measures:plan-close", args=[plan.pk])).status_code == 302
    page = client.get(reverse("measures:plan-detail", args=[plan.pk])).content.decode()
    assert "read-only" in page and reverse("measures:plan-edit", args=[plan.pk]) not in page
    assert client.get(reverse("measures:plan-edit", args=[plan.pk])).status_code == 403
    response = client.post(
        reverse("measures:measure-detail", args=[measure.pk]),
        {"action": "status", "status": "done", "date": "2026-03-01"},
    )
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status == "planned"


def test_a_new_version_copies_the_plan_and_keeps_the_old_one(client, city):
    login(client, Role.ADMIN, name="admin1")
    plan = make_plan(city)
    old_measure = Measure.objects.get(objective__field__plan=plan, code="1.1-1")
    services.change_status(measure=old_measure, actor=SYSTEM, status="running")
    response = client.post(reverse("measures:plan-version", args=[plan.pk]), {"year": "2027"})
    new = Plan.objects.get(territory=city.territory, code=plan.code, version_year=2027)
    assert response["Location"] == reverse("measures:plan-detail", args=[new.pk])
    plan.refresh_from_db()
    assert plan.closed_on is not None and new.closed_on is None and new.previous_version == plan
    copy = Measure.objects.get(objective__field__plan=new, code="1.1-1")
    assert (copy.text, copy.period_text, copy.status) == (old_measure.text, "2020", "running")
    assert sorted(copy.participants.values_list("short_name", flat=True)) == [
        "Amt 58",
        "Stadtelternrat",
    ]
    assert copy.status_changes.count() == 0 and old_measure.status_changes.count() == 1
    assert Measure.objects.filter(objective__field__plan=plan).count() == 2  # the old one stays
    same = client.post(reverse("measures:plan-version", args=[new.pk]), {"year": "2027"})
    assert same.status_code == 200 and "later year" in same.content.decode()
    assert "plan_version" in changes()


@pytest.mark.parametrize("role", [Role.FACILITY_MANAGER, Role.ALLOCATION_OFFICE])
def test_only_planners_and_admins_set_up_plans(client, city, role):
    make_user("fm", role, provider=city.providers[0] if role == Role.FACILITY_MANAGER else None)
    client.login(username="fm", password=PASSWORD)
    plan = make_plan(city)
    assert client.get(reverse("measures:plan-create")).status_code == 403
    response = client.post(
        reverse("measures:field-create", args=[plan.pk]), {"code": "2", "title": "Neu"}
    )
    assert response.status_code == 403
    assert not ActionField.objects.filter(plan=plan, code="2").exists()
    assert Organisation.objects.filter(territory=city.territory).count() == 2
