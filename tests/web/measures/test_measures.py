"""Plan pages, status changes (audited, in the next report), report files, target lights and
who may see and change what."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.measures.models import Measure, Objective
from kitaplan.web.planning.models import TargetRule
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.measures.helpers import measure_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def objects(city):
    return measure_objects(city)


def login(client, role, city, name=None):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(name or f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def test_the_plan_page_shows_the_tree(client, city, objects):
    login(client, Role.PLANNER, city)
    content = client.get(reverse("measures:plan-detail", args=[objects["plan"]])).content.decode()
    assert "Objective 1.7" in content and "Zielgrößen bestimmen" in content
    assert content.count("<h1") == 1
    assert "planned" in content  # the status as a word, not only a colour


def test_a_status_change_is_audited_and_shows_in_the_next_report(client, city, objects):
    login(client, Role.PLANNER, city)
    report_url = reverse("measures:report", args=[objects["plan"]])
    assert client.post(report_url).status_code == 302  # issue a report: the snapshot
    response = client.post(
        reverse("measures:measure-detail", args=[objects["measure"]]),
        {"action": "status", "status": "delayed", "date": "2026-03-01", "comment": "Kein Personal"},
    )
    assert response.status_code == 302
    assert Measure.objects.get(pk=objects["measure"]).status == "delayed"
    event = AuditEvent.objects.filter(action="measures.changed", details__change="status").get()
    assert event.before == {"status": "planned"}
    assert event.after["status"] == "delayed"
    response = client.get(report_url)
    [change] = response.context["report"].changes
    assert change.measure.pk == objects["measure"]
    assert (change.before, change.now) == ("planned", "delayed")
    content = response.content.decode()
    changes = content[content.index('id="changes"') :]
    assert "Kein Personal" in changes and "1.1-1" in changes


def test_the_report_as_pdf_and_xlsx(client, city, objects):
    login(client, Role.PLANNER, city)
    pdf = client.get(reverse("measures:report-pdf", args=[objects["plan"]]) + "?year=2026&half=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("measures:report-xlsx", args=[objects["plan"]]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "Measure" and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {"1.1-1", "1.7-1"}


def test_a_linked_target_light_changes_when_the_data_meet_the_target(client, city, objects):
    rule = TargetRule.objects.create(
        territory=city.territory,
        code="1.7",
        name="Zwei inklusive Kitas je Bezirk",
        metric="facilities_with_inclusion_profile",
        level=city.districts[0].level,
        threshold=2,
        tolerance=1,
    )
    login(client, Role.PLANNER, city)
    plan_url = reverse("measures:plan-detail", args=[objects["plan"]])
    client.post(plan_url, {"objective": objects["objective"], "target_rule": rule.pk})
    assert Objective.objects.get(pk=objects["objective"]).target_rule == rule

    def light():
        response = client.get(plan_url)
        [row] = [
            o
            for f in response.context["fields"]
            for o in f["objectives"]
            if o["objective"].pk == objects["objective"]
        ]
        return row["light"].light, response.content.decode()

    value, content = light()
    assert value == "red" and "not met" in content
    for facility in Facility.objects.filter(official_number__in=["F1", "F2", "F3"]):
        facility.inclusion_profile = True
        facility.save(update_fields=["inclusion_profile"])
    assert light()[0] == "amber"  # district 2 has one of two
    f4 = Facility.objects.create(
        territory=city.territory,
        official_number="F4",
        name="Kita F4",
        provider=city.providers[1],
        area=city.areas[3],
        lat=52.005,
        lon=13.035,
        inclusion_profile=True,
    )
    FacilityPlaces.objects.create(
        facility=f4, valid_from=dt.date(2020, 1, 1), places_u3=0, places_ue3=10
    )
    value, content = light()
    assert value == "green" and "met in 2 of 2 areas" in content
    report = client.get(reverse("measures:report", args=[objects["plan"]]))
    assert [r["light"].light for r in report.context["report"].lights] == ["green"]


def test_a_facility_manager_reads_but_cannot_change(client, city, objects):
    login(client, Role.FACILITY_MANAGER, city)
    url = reverse("measures:measure-detail", args=[objects["measure"]])
    response = client.get(url)
    assert response.status_code == 200 and response.context["can_edit"] is False
    assert 'name="status"' not in response.content.decode()
    assert (
        client.post(url, {"action": "status", "status": "done", "date": "2026-01-01"}).status_code
        == 403
    )
    assert client.post(reverse("measures:report", args=[objects["plan"]])).status_code == 403
    assert Measure.objects.get(pk=objects["measure"]).status == "planned"
    assert client.get(reverse("measures:document", args=[objects["document"]])).status_code == 200


@pytest.mark.parametrize("role", [Role.PARENT, Role.CHILDMINDER])
def test_parents_and_childminders_see_nothing(client, city, objects, role):
    login(client, role, city)
    for url in (
        reverse("measures:plan-list"),
        reverse("measures:plan-detail", args=[objects["plan"]]),
        reverse("measures:measure-detail", args=[objects["measure"]]),
        reverse("measures:organisation-list"),
        reverse("measures:report-pdf", args=[objects["plan"]]),
    ):
        assert client.get(url).status_code == 403, url


def test_comments_and_documents_are_stored_and_audited(client, city, objects):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, Role.ADMIN, city)
    url = reverse("measures:measure-detail", args=[objects["measure"]])
    client.post(url, {"action": "comment", "text": "Termin mit dem Stadtelternrat"})
    client.post(
        url,
        {"action": "document", "title": "Beschluss", "file": SimpleUploadedFile("b.txt", b"x")},
    )
    content = client.get(url).content.decode()
    assert "Termin mit dem Stadtelternrat" in content and "Beschluss" in content
    assert AuditEvent.objects.filter(action="measures.changed").count() >= 2
    content = client.get(reverse("measures:organisation-list")).content.decode()
    assert "parents&#x27; body" in content or "parents' body" in content


def test_lead_and_participants_are_chosen_from_the_directory(client, city, objects):
    from kitaplan.web.measures.models import Organisation

    measure = Measure.objects.get(pk=objects["measure"])
    amt, eltern = (
        Organisation.objects.get(territory=city.territory, short_name=s)
        for s in ("Amt 58", "Stadtelternrat")
    )
    gesundheit = Organisation.objects.create(
        territory=city.territory, short_name="Amt 53", name="Gesundheitsamt", kind="city_unit"
    )
    elsewhere = make_city("elsewhere")
    foreign = Organisation.objects.create(
        territory=elsewhere.territory, short_name="Amt X", name="Fremdes Amt"
    )
    login(client, Role.PLANNER, city)
    url = reverse("measures:measure-detail", args=[measure.pk])
    page = client.get(url)
    offered = set(page.context["organisations_form"].fields["participants"].queryset)
    assert offered == {amt, eltern, gesundheit}  # the directory of the plan's territory
    response = client.post(
        url, {"action": "organisations", "lead": foreign.pk, "participants": [amt.pk]}
    )
    assert response.status_code == 200
    assert "lead" in response.context["organisations_form"].errors
    assert 'id="id_lead_error"' in response.content.decode()
    response = client.post(
        url, {"action": "organisations", "lead": gesundheit.pk, "participants": [eltern.pk]}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.lead == gesundheit
    assert set(measure.participants.all()) == {gesundheit, eltern}  # the lead takes part
    event = AuditEvent.objects.get(action="measures.changed", details__change="organisations")
    assert event.before == {"lead": amt.pk, "participants": sorted([amt.pk, eltern.pk])}
    assert event.after == {
        "lead": gesundheit.pk,
        "participants": sorted([gesundheit.pk, eltern.pk]),
    }
    content = client.get(url).content.decode()
    assert "Gesundheitsamt" in content
    plan = client.get(reverse("measures:plan-detail", args=[objects["plan"]])).content.decode()
    assert "Amt 53" in plan
    client.logout()
    login(client, Role.FACILITY_MANAGER, city)
    assert client.get(url).context["organisations_form"] is None
    response = client.post(url, {"action": "organisations", "lead": amt.pk})
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).lead == gesundheit


def test_planners_add_and_change_directory_entries_and_each_change_is_audited(
    client, city, objects
):
    from kitaplan.web.measures.models import Organisation

    login(client, Role.PLANNER, city)
    create = reverse("measures:organisation-create")
    response = client.post(
        create,
        {
            "territory": city.territory.pk,
            "short_name": " Amt 53 ",
            "name": "Gesundheitsamt",
            "kind": "city_unit",
        },
    )
    assert response.status_code == 302
    entry = Organisation.objects.get(territory=city.territory, short_name="Amt 53")
    assert (entry.name, entry.kind) == ("Gesundheitsamt", "city_unit")
    # the short name is the key within the territory, whatever the case
    again = client.post(
        create,
        {"territory": city.territory.pk, "short_name": "amt 53", "name": "X", "kind": "other"},
    )
    assert again.status_code == 200
    assert 'id="id_short_name_error"' in again.content.decode()
    assert Organisation.objects.filter(short_name__iexact="amt 53").count() == 1

    edit = reverse("measures:organisation-edit", args=[entry.pk])
    assert client.get(edit).context["form"].initial["name"] == "Gesundheitsamt"
    elsewhere = make_city("elsewhere")
    response = client.post(
        edit,
        {
            "territory": elsewhere.territory.pk,  # disabled: entries stay in their territory
            "short_name": "Amt 53",
            "name": "Gesundheitsamt Dresden",
            "kind": "city_unit",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.name, entry.territory) == ("Gesundheitsamt Dresden", city.territory)
    events = AuditEvent.objects.filter(action="measures.changed", target_id=str(entry.pk))
    assert sorted(e.details["change"] for e in events) == [
        "organisation_changed",
        "organisation_created",
    ]
    changed = events.get(details__change="organisation_changed")
    assert changed.before["name"] == "Gesundheitsamt"
    assert changed.after["name"] == "Gesundheitsamt Dresden"
    listing = client.get(reverse("measures:organisation-list")).content.decode()
    assert "Gesundheitsamt Dresden" in listing and edit in listing


def test_other_staff_see_the_directory_but_cannot_change_it(client, city, objects):
    login(client, Role.ALLOCATION_OFFICE, city)
    listing = client.get(reverse("measures:organisation-list"))
    assert listing.status_code == 200
    assert reverse("measures:organisation-create") not in listing.content.decode()
    response = client.post(
        reverse("measures:organisation-create"),
        {"territory": city.territory.pk, "short_name": "X", "name": "X", "kind": "other"},
    )
    assert response.status_code == 403
