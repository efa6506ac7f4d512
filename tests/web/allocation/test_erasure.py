"""Data subject rights in the Platzvergabe: erase an application (delete or anonymise), the
retention rule for applications, a parent's export of the own applications."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.web.allocation import erasure
from kitaplan.web.allocation.models import Application, Offer
from kitaplan.web.allocation.services import publish_run, reproduce, run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import CARE_START, TODAY, apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def parent():
    return make_user("parent", Role.PARENT)


@pytest.fixture
def published(city, parent):
    """A round with a published run in which both children get an offer (F1 by lottery, or
    F2 for Anna, whose sibling attends it)."""
    round_ = make_round(city)
    anna = apply(
        round_,
        city,
        "Anna Beispiel",
        ["F1", "F2"],
        parent=parent,
        home_address="Musterweg 1",
        home_lat=52.5,
        home_lon=13.4,
        social_urgency=True,
        birth_date=dt.date(2026, 1, 15),
    )
    anna.siblings_at.add(city.facilities[1])
    ben = apply(round_, city, "Ben Zweiter", ["F1"])
    run = run_round(round_=round_, actor=SYSTEM, today=TODAY)
    publish_run(run=run, actor=SYSTEM, today=TODAY)
    return {"round": round_, "anna": anna, "ben": ben, "run": run}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_application_of_a_published_run_is_anonymised_and_the_run_stays_reproducible(
    published,
):
    anna, run = published["anna"], published["run"]
    offer = anna.offers.get()
    assert offer.status == Offer.OPEN
    done = erasure.erase_application(
        application=anna, actor=SYSTEM, reason="family_request", note="Mutter rief an: Umzug"
    )
    assert done == erasure.Erased(anna.reference, deleted=False)
    anna.refresh_from_db()
    assert anna.child_name == "gelöscht"
    assert anna.birth_date == dt.date(2026, 1, 1)
    assert (anna.home_address, anna.home_lat, anna.home_lon) == ("", None, None)
    assert not anna.integration_need and not anna.social_urgency
    assert anna.parent_id is None and anna.withdrawn and anna.erased_at is not None
    assert not anna.siblings_at.exists()
    assert anna.reference == done.reference
    offer.refresh_from_db()
    assert offer.status == Offer.DECLINED  # the place goes to the next child
    run.refresh_from_db()
    assert reproduce(run)
    event = AuditEvent.objects.get(action="privacy.erased")
    text = json.dumps([event.before, event.after, event.details, event.target_label])
    for value in ("Anna", "Musterweg", "2026-01-15", "Umzug", "52.5"):
        assert value not in text
    assert event.target_label == f"application {anna.reference}"
    assert event.details["reason"] == "family_request"
    assert {"child_name", "birth_date", "home_address", "note"} <= set(event.personal_fields)


def test_an_application_never_in_a_published_run_is_deleted(city):
    round_ = make_round(city)
    app = apply(round_, city, "Clara Drei", ["F1"])
    run_round(round_=round_, actor=SYSTEM, today=TODAY)  # computed, not published
    done = erasure.erase_application(application=app, actor=SYSTEM, reason="registered_in_error")
    assert done.deleted
    assert not Application.objects.filter(pk=app.pk).exists()
    event = AuditEvent.objects.get(action="privacy.erased")
    assert event.details["erasure"] == "deleted"
    assert "Clara" not in json.dumps([event.before, event.details, event.target_label])


def test_erasure_is_idempotent_and_refuses_an_unknown_reason(published):
    anna = published["anna"]
    with pytest.raises(erasure.ErasureError):
        erasure.erase_application(application=anna, actor=SYSTEM, reason="because")
    erasure.erase_application(application=anna, actor=SYSTEM, reason="family_request")
    erasure.erase_application(application=anna, actor=SYSTEM, reason="family_request")
    assert AuditEvent.objects.filter(action="privacy.erased").count() == 1


def test_the_office_erases_on_the_page_and_a_planner_may_not(client, published):
    anna = published["anna"]
    url = reverse("allocation:application-erase", args=[anna.pk])
    planner = make_user("planner", Role.PLANNER)
    login(client, planner)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "family_request"}).status_code == 403
    anna.refresh_from_db()
    assert anna.erased_at is None
    client.logout()
    login(client, make_user("office", Role.ALLOCATION_OFFICE))
    page = client.get(url)
    assert page.status_code == 200
    assert "published run" in page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    response = client.post(url, {"reason": "family_request", "note": "per Telefon"})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.erased_at is not None
    detail = client.get(reverse("allocation:application-detail", args=[anna.pk]))
    assert "were erased on" in detail.content.decode()
    assert client.get(url).status_code == 404  # already erased


def test_a_deleted_application_sends_the_office_to_the_round(client, city):
    round_ = make_round(city)
    app = apply(round_, city, "Dora Vier", ["F1"])
    login(client, make_user("office", Role.ALLOCATION_OFFICE))
    response = client.post(
        reverse("allocation:application-erase", args=[app.pk]), {"reason": "no_longer_needed"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("allocation:application-list", args=[round_.pk])
    assert not Application.objects.filter(pk=app.pk).exists()


def test_retention_erases_applications_after_the_period_once(published, settings):
    settings.KITAPLAN_RETENTION_APPLICATION_MONTHS = 12
    before = CARE_START + dt.timedelta(days=300)
    assert erasure.apply_retention(actor=SYSTEM, today=before).anonymised == []
    after = dt.date(CARE_START.year + 1, CARE_START.month, CARE_START.day)
    dry = erasure.apply_retention(actor=SYSTEM, today=after, dry_run=True)
    assert len(dry.anonymised) == 2 and dry.deleted == []
    assert not Application.objects.filter(erased_at__isnull=False).exists()
    report = erasure.apply_retention(actor=SYSTEM, today=after)
    assert sorted(report.anonymised) == sorted(dry.anonymised)
    assert Application.objects.filter(erased_at__isnull=False).count() == 2
    again = erasure.apply_retention(actor=SYSTEM, today=after)
    assert again.anonymised == [] and again.deleted == []


def test_a_parent_downloads_only_the_own_applications(client, published, parent):
    other_parent = make_user("other", Role.PARENT)
    login(client, other_parent)
    assert json.loads(client.get(reverse("allocation:my-export")).content)["applications"] == []
    client.logout()
    login(client, parent)
    response = client.get(reverse("allocation:my-export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    (row,) = data["applications"]
    assert row["child_name"] == "Anna Beispiel"
    assert row["home_address"] == "Musterweg 1"
    assert [c["place"] for c in row["choices"]] == ["F1", "F2"]
    offer = published["anna"].offers.get()
    assert row["offers"] == [
        {
            "run": published["run"].number,
            "place": offer.place.official_number,
            "name": offer.place.name,
            "age_group": "u3",
            "seat_type": offer.seat_type,
            "status": "open",
            "respond_by": offer.respond_by.isoformat(),
            "answered_at": None,
        }
    ]
    assert "Ben" not in response.content.decode()
    event = AuditEvent.objects.filter(action="read.own_data_export").latest("pk")
    assert event.actor == parent
    assert "Anna" not in json.dumps([event.details, event.target_label])
    planner = make_user("planner", Role.PLANNER)
    client.logout()
    login(client, planner)
    assert client.get(reverse("allocation:my-export")).status_code == 403
