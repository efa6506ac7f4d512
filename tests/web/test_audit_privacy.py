"""The audit trail keeps who changed which record and which fields, never personal values."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse

from kitaplan.web.allocation.services import save_application
from kitaplan.web.audit import personal
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

CHILD = "Zoë Privatkind"
ADDRESS = "Geheimweg 17"
BIRTH = dt.date(2026, 2, 27)


@pytest.fixture
def application():
    city = make_city()
    round_ = make_round(city)
    parent = make_user("familie", Role.PARENT)
    return apply(
        round_,
        city,
        CHILD,
        ["F1"],
        birth_date=BIRTH,
        home_address=ADDRESS,
        integration_need=True,
        social_urgency=True,
        parent=parent,
        area=1,
    )


def stored_text(events) -> str:
    return json.dumps(
        [[e.before, e.after, e.details, e.target_label] for e in events], ensure_ascii=False
    )


def assert_no_child_values(text: str, application) -> None:
    for value in (CHILD, "Privatkind", ADDRESS, BIRTH.isoformat(), "27.02.2026", "2026-02-27"):
        assert value not in text
    assert f'"parent_id": {application.parent_id}' not in text
    assert '"integration_need": true' not in text and '"social_urgency": true' not in text


def test_a_new_application_is_audited_with_field_names_but_without_the_childs_values(
    application,
):
    event = AuditEvent.objects.get(
        action=AuditAction.ALLOCATION_APPLICATION_SAVED, target_id=str(application.pk)
    )
    assert_no_child_values(stored_text([event]), application)
    assert {"child_name", "birth_date", "home_address", "home_area_id"} <= set(
        event.personal_fields
    )
    assert {"integration_need", "social_urgency", "parent_id"} <= set(event.personal_fields)
    assert event.after["reference"] == application.reference  # the pseudonym stays
    assert event.target_label == f"application {application.reference}"


def test_a_change_names_the_changed_personal_field_only(application):
    application.integration_need = False
    application.weekly_hours = 25
    save_application(
        application=application, facilities=[application.choices.get().place], actor=SYSTEM
    )
    event = AuditEvent.objects.filter(
        action=AuditAction.ALLOCATION_APPLICATION_SAVED, target_id=str(application.pk)
    ).latest("pk")
    assert event.personal_fields == ["integration_need"]
    assert ("weekly_hours", 35, 25) in event.changed_fields()
    assert "integration_need" not in event.before and "integration_need" not in event.after


def test_a_planners_audit_page_and_exports_hold_no_childs_values(client, application):
    planner = make_user("planung", Role.PLANNER)
    client.login(username=planner.username, password=PASSWORD)
    url = reverse("audit:event-list")
    page = client.get(url).content.decode()
    assert application.reference in page
    assert "integration_need" in page  # named as changed, without its value
    assert_no_child_values(page, application)
    csv_text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert application.reference in csv_text
    assert_no_child_values(csv_text, application)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    cells = " ".join(
        str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert application.reference in cells
    assert_no_child_values(cells, application)


def test_details_lose_personal_keys_at_any_depth():
    event = record_audit_event(
        actor=SYSTEM,
        action=AuditAction.ALLOCATION_RUN,
        target_type="allocation.allocationrun",
        details={"count": 3, "rows": [{"child_name": CHILD, "rank": 1}], "email": "a@b.example"},
    )
    assert event.details == {"count": 3, "rows": [{"rank": 1}]}
    assert event.personal_fields == ["child_name", "email"]


def test_a_childminder_is_labelled_by_number_not_by_name():
    from tests.web.substitutes.helpers import childminder

    cm = childminder(make_city(), "T7")
    event = record_audit_event(
        actor=SYSTEM,
        action=AuditAction.CHILDMINDING_CHANGED,
        target=cm,
        after=snapshot(cm),
    )
    assert cm.name not in event.target_label and "T7" in event.target_label
    assert "name" not in event.after and "name" in event.personal_fields


def test_the_migration_scrubs_entries_written_before_it(application):
    old = AuditEvent.objects.create(
        actor_label="system",
        action=AuditAction.ALLOCATION_APPLICATION_SAVED.value,
        target_type="allocation.application",
        target_id=str(application.pk),
        target_label="Zoë Privatkind",
        before=None,
        after={
            "child_name": CHILD,
            "birth_date": BIRTH.isoformat(),
            "home_address": ADDRESS,
            "integration_need": True,
            "weekly_hours": 35,
        },
        details={"parent": {"email": "eltern@example.org"}},
    )
    kept = AuditEvent.objects.create(
        actor_label="system",
        action="facility.updated",
        target_type="facilities.facility",
        target_id="1",
        target_label="Kita Sonnenschein",
        after={"name": "Kita Sonnenschein"},
    )
    migration = importlib.import_module(
        "kitaplan.web.audit.migrations.0002_personal_values_never_stored"
    )
    migration.scrub_personal_values(apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.after == {"weekly_hours": 35}
    assert old.details == {}
    assert old.target_label == f"application #{application.pk}"
    assert old.personal_fields == [
        "birth_date",
        "child_name",
        "home_address",
        "integration_need",
        "parent",
    ]
    assert_no_child_values(stored_text([old]), application)
    # a Kita's name is public: untouched
    assert (kept.after, kept.target_label, kept.personal_fields) == (
        {"name": "Kita Sonnenschein"},
        "Kita Sonnenschein",
        [],
    )


def test_an_office_read_of_an_application_is_logged(client, application):
    office = make_user("vergabe", Role.ALLOCATION_OFFICE)
    client.login(username=office.username, password=PASSWORD)
    response = client.get(reverse("allocation:application-detail", args=[application.pk]))
    assert response.status_code == 200
    read = AuditEvent.objects.get(action=AuditAction.APPLICATION_VIEWED)
    assert (read.actor, read.target_id) == (office, str(application.pk))
    assert_no_child_values(stored_text([read]), application)


def test_every_listed_field_is_a_field_of_its_model():
    """The per-model list names real fields, so a rename cannot silently let a value in."""
    for label, names in personal.PERSONAL_FIELDS_BY_MODEL.items():
        model = apps.get_model(label)
        attnames = {f.name for f in model._meta.get_fields()} | {
            getattr(f, "attname", f.name) for f in model._meta.get_fields()
        }
        assert names <= attnames, (label, names - attnames)
    for label, attribute in personal.PSEUDONYMOUS_LABELS.items():
        model = apps.get_model(label)
        assert attribute == "pk" or attribute in {f.name for f in model._meta.get_fields()}
