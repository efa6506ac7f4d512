"""End to end: objective 1.7 of the plan is linked to the target rule "each Stadtbezirk has at
least two facilities able to care for all children"; as planners configure the inclusion
checklist and record what the facilities do (Kita staff qualification, confirmed cooperation),
the objective's light on the plan page and in the progress report goes red → amber → green,
and back when a confirmation is withdrawn. Only pages a user would use change the data; the
lights are read from the pages' context and text.

The test fails when the objective is not linked, when the planning metric stops counting the
facilities that meet the checklist, or when the plan or report stop showing the light.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.inclusion.models import ChecklistItem
from kitaplan.web.measures.models import Objective
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.qualification.models import Enrolment
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.inclusion.helpers import make_programme
from tests.web.measures.helpers import measure_objects

pytestmark = pytest.mark.django_db
BADGES = {
    "green": 'kern-badge--success"><span class="kern-label kern-label--small">● met<',
    "amber": 'kern-badge--warning"><span class="kern-label kern-label--small">▲ nearly met<',
    "red": 'kern-badge--danger"><span class="kern-label kern-label--small">■ not met<',
}


@pytest.fixture
def city():
    city = make_city()
    # A second facility in district 2 (F3 is the only one there), so that both can reach two.
    f4 = Facility.objects.create(
        territory=city.territory,
        official_number="F4",
        name="Kita F4",
        provider=city.providers[1],
        area=city.areas[3],
        lat=52.005,
        lon=13.035,
    )
    FacilityPlaces.objects.create(
        facility=f4, valid_from=dt.date(2020, 1, 1), places_u3=5, places_ue3=15
    )
    city.facilities.append(f4)
    return city


@pytest.fixture
def objects(city):
    return measure_objects(city)


def _objective_light(client, plan_pk: int, objective_pk: int) -> str:
    """The objective's light as the plan page states it (context and text)."""
    response = client.get(reverse("measures:plan-detail", args=[plan_pk]))
    assert response.status_code == 200
    [row] = [
        o
        for f in response.context["fields"]
        for o in f["objectives"]
        if o["objective"].pk == objective_pk
    ]
    assert row["light"] is not None, "the objective is not linked to a target"
    light = row["light"].light
    content = response.content.decode()
    section = content[content.index(f'id="objective-{objective_pk}"') :]
    section = section[: section.index("</p>", section.index("</p>") + 1)]  # text, target
    assert "Mindestens zwei Kitas für alle Kinder je Stadtbezirk" in section
    assert BADGES[light] in section, section  # the light as a sign and a word
    return light


def _report_light(client, plan_pk: int, objective_pk: int) -> tuple[str, str | None]:
    """The objective's light now and in the last issued report, from the progress report."""
    response = client.get(reverse("measures:report", args=[plan_pk]))
    [row] = [r for r in response.context["report"].lights if r["objective"].pk == objective_pk]
    return row["light"].light, row["before"]


def _make_able(client, facility: Facility, course, item: ChecklistItem) -> None:
    """What a planner does on the inclusion pages so that the facility meets the checklist:
    enrol a Kita staff member, record the completion, confirm the cooperation."""
    name = f"Fachkraft {facility.official_number}"
    staff = reverse("inclusion:staff")
    response = client.post(
        staff,
        {
            "action": "enrol",
            "enrol-course": course.pk,
            "enrol-facility": facility.pk,
            "enrol-participant_name": name,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    enrolment = Enrolment.objects.get(facility=facility, participant_name=name)
    response = client.post(
        staff,
        {
            "action": "complete",
            "complete-enrolment": enrolment.pk,
            "complete-certificate_date": "2025-11-30",
        },
    )
    assert response.status_code == 302
    _confirm(client, facility, item, "yes")


def _confirm(client, facility: Facility, item: ChecklistItem, decision: str) -> None:
    response = client.post(
        reverse("inclusion:facility", args=[facility.pk]),
        {
            "item": item.pk,
            "confirmed": decision,
            "date": timezone.localdate().isoformat(),
            "note": "",
        },
    )
    assert response.status_code == 302


def test_the_objective_light_turns_green_when_the_target_is_met(client, city, objects):
    district = city.districts[0].level
    rule = TargetRule.objects.create(
        territory=city.territory,
        code="1.7",
        name="Mindestens zwei Kitas für alle Kinder je Stadtbezirk",
        metric="facilities_able_to_care_for_all",
        level=district,
        threshold=2,
        tolerance=1,
    )
    _programme, course = make_programme(city.territory)
    user = make_user("planerin", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    plan, objective = objects["plan"], objects["objective"]

    # The planner links objective 1.7 to the rule on the plan page.
    response = client.post(
        reverse("measures:plan-detail", args=[plan]),
        {"objective": objective, "target_rule": rule.pk},
    )
    assert response.status_code == 302
    assert Objective.objects.get(pk=objective).target_rule_id == rule.pk
    assert _objective_light(client, plan, objective) == "red"  # no checklist: nobody meets it

    # The checklist, configured on its page: staff with the qualification, a confirmation.
    checklist = reverse("inclusion:checklist") + f"?territory={city.territory.code}"
    for position, data in enumerate(
        (
            {
                "code": "HPZ",
                "label": "Fachkraft mit HPZ",
                "kind": "staff_qualification",
                "programme": _programme.pk,
            },
            {"code": "THER", "label": "Kooperation mit Therapeuten", "kind": "confirmation"},
        ),  # fmt: skip
        start=1,
    ):
        response = client.post(
            checklist,
            {"feature": "", "programme": "", "min_completions": 1, "position": position,
             "active": "on", **data},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
    therapy = ChecklistItem.objects.get(territory=city.territory, code="THER")
    assert _objective_light(client, plan, objective) == "red"

    # The committee gets a report stating red.
    assert client.post(reverse("measures:report", args=[plan])).status_code == 302
    assert _report_light(client, plan, objective) == ("red", "red")

    f1, f2, f3, f4 = city.facilities
    _make_able(client, f1, course, therapy)
    # District 1 has one (amber), district 2 none (red): the objective shows the worst.
    assert _objective_light(client, plan, objective) == "red"
    _make_able(client, f3, course, therapy)
    assert _objective_light(client, plan, objective) == "amber"
    _make_able(client, f2, course, therapy)
    assert _objective_light(client, plan, objective) == "amber"  # district 2 still has one
    _make_able(client, f4, course, therapy)
    assert _objective_light(client, plan, objective) == "green"

    content = client.get(reverse("measures:plan-detail", args=[plan])).content.decode()
    assert "met in 2 of 2 areas" in content
    # The progress report shows green now and red in the last issued report.
    assert _report_light(client, plan, objective) == ("green", "red")

    # A withdrawn confirmation: district 2 drops to one facility, the light to amber.
    _confirm(client, f4, therapy, "no")
    assert _objective_light(client, plan, objective) == "amber"
    assert _report_light(client, plan, objective)[0] == "amber"
