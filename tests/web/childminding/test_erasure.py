"""Data subject rights in Kindertagespflege: erase a childminder who left (payments kept), the
retention rule for childminders and parents' contacts, a childminder's own export, and the
command ``kitaplan retention``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding import erasure
from kitaplan.web.childminding.models import Childminder, StatusChange
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.payments.models import PayeeAccount, PaymentLineRecord, PaymentRun
from kitaplan.web.substitutes import erasure as substitutes_erasure
from kitaplan.web.substitutes.models import ParentContact, SubstituteProfile
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import payment_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def adviser():
    return make_user("adviser", Role.CHILDMINDER_ADVISER)


@pytest.fixture
def paid(city, adviser):
    """A childminder of the adviser's service with a login, a released run (October 2026), a
    substitute e-mail address and a parents' contact; she left on 1 December 2026."""
    login_user = make_user("tm", Role.CHILDMINDER)
    login_user.email = "tm@example.org"
    login_user.save()
    keys = payment_objects(city, user=adviser)
    cm = Childminder.objects.get(pk=keys["payment_childminder"])
    cm.street, cm.postcode, cm.lat, cm.lon, cm.user = "Hofweg 3", "01234", 51.0, 13.7, login_user
    cm.save()
    SubstituteProfile.objects.create(childminder=cm, email="vertretung@example.org")
    contract = cm.contracts.get()
    contract.valid_to = dt.date(2026, 11, 30)
    contract.save()
    ParentContact.objects.create(contract=contract, email="eltern@example.org", consent=True)
    StatusChange.objects.create(
        childminder=cm, status="left", valid_from=dt.date(2026, 12, 1), note="Umzug nach Kiel"
    )
    return {"cm": cm, "run": PaymentRun.objects.get(pk=keys["payment_run"]), "login": login_user}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def leave(cm):
    cm.status = "left"
    cm.save()


def test_a_childminder_who_left_is_anonymised_and_her_released_payments_stay(paid, adviser):
    cm, run = paid["cm"], paid["run"]
    lines = list(PaymentLineRecord.objects.filter(run=run).values_list("pk", "amount_cents"))
    frozen = run.payees
    with pytest.raises(erasure.ErasureError) as refused:
        erasure.erase_childminder(childminder=cm, actor=adviser, reason="own_request")
    assert refused.value.code == "not_left"
    leave(cm)
    erasure.erase_childminder(childminder=cm, actor=adviser, reason="own_request")
    cm.refresh_from_db()
    assert cm.name == "gelöscht" and cm.number.startswith("TP-P")
    assert (cm.street, cm.postcode, cm.lat, cm.lon, cm.user_id) == ("", "", None, None, None)
    assert cm.erased_at is not None
    paid["login"].refresh_from_db()
    assert not paid["login"].is_active and paid["login"].email == ""
    assert SubstituteProfile.objects.get(childminder=cm).email == ""
    assert not PayeeAccount.objects.filter(childminder=cm).exists()
    assert not ParentContact.objects.filter(contract__childminder=cm).exists()
    assert StatusChange.objects.get(childminder=cm).note == ""
    run.refresh_from_db()
    assert run.payees == frozen  # released run untouched, its bank details frozen in it
    assert list(PaymentLineRecord.objects.filter(run=run).values_list("pk", "amount_cents")) == (
        lines
    )
    event = AuditEvent.objects.get(action="privacy.erased")
    text = json.dumps([event.before, event.after, event.details, event.target_label])
    for value in ("Tagesmutter", "Hofweg", "01234", "example.org", "Kiel"):
        assert value not in text
    assert event.details["released_payment_runs_kept"] == 1
    # idempotent
    erasure.erase_childminder(childminder=cm, actor=adviser, reason="own_request")
    assert AuditEvent.objects.filter(action="privacy.erased").count() == 1


def test_an_adviser_of_another_service_and_the_payment_office_may_not_erase(client, paid):
    cm = paid["cm"]
    leave(cm)
    url = reverse("childminding:childminder-erase", args=[cm.pk])
    for role in (Role.PAYMENT_OFFICE, Role.PLANNER):
        login(client, make_user(f"u-{role}", role))
        assert client.post(url, {"reason": "own_request"}).status_code in (403, 404)
        client.logout()
    stranger = make_user("stranger", Role.CHILDMINDER_ADVISER)
    with pytest.raises(erasure.ErasureError):
        erasure.erase_childminder(childminder=cm, actor=stranger, reason="own_request")
    cm.refresh_from_db()
    assert cm.erased_at is None


def test_the_adviser_erases_on_the_page_which_names_the_legal_retention(client, paid, adviser):
    cm = paid["cm"]
    url = reverse("childminding:childminder-erase", args=[cm.pk])
    login(client, adviser)
    assert "Only the data of a childminder who left" in client.get(url).content.decode()
    client.post(url, {"reason": "own_request"})
    cm.refresh_from_db()
    assert cm.erased_at is None  # not left: nothing happens
    leave(cm)
    page = client.get(url).content.decode()
    assert "§ 147 AO" in page and "10 years" in page
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "own_request"})
    assert response.status_code == 302
    cm.refresh_from_db()
    assert cm.erased_at is not None


def test_a_childminder_downloads_only_her_own_data(client, paid, city):
    cm = paid["cm"]
    login(client, paid["login"])
    response = client.get(reverse("childminding:me-export"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["childminder"]["number"] == cm.number
    assert data["childminder"]["street"] == "Hofweg 3"
    assert data["payee_account"]["holder"] == cm.name
    assert data["payments"] and all(p["amount_cents"] for p in data["payments"])
    assert data["substitute_notice_email"] == "vertretung@example.org"
    event = AuditEvent.objects.get(action="read.own_data_export")
    assert event.target_label == f"childminder {cm.number}"
    detail = client.get(reverse("childminding:childminder-detail", args=[cm.pk]))
    assert reverse("childminding:me-export") in detail.content.decode()
    client.logout()
    login(client, make_user("other-tm", Role.CHILDMINDER))
    assert client.get(reverse("childminding:me-export")).status_code == 404


def test_retention_erases_contacts_and_childminders_after_their_periods(paid, settings):
    settings.KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS = 3
    settings.KITAPLAN_RETENTION_CHILDMINDER_YEARS = 10
    cm = paid["cm"]
    leave(cm)
    early = substitutes_erasure.apply_retention(actor=SYSTEM, today=dt.date(2027, 2, 27))
    assert early.deleted == []
    late = substitutes_erasure.apply_retention(actor=SYSTEM, today=dt.date(2027, 3, 1))
    assert late.deleted == [cm.contracts.get().child_reference]
    assert not ParentContact.objects.exists()
    # last payment: October 2026 → due from 31 October 2036
    assert erasure.apply_retention(actor=SYSTEM, today=dt.date(2036, 10, 30)).anonymised == []
    due = erasure.apply_retention(actor=SYSTEM, today=dt.date(2036, 10, 31))
    assert due.anonymised == [cm.number]
    cm.refresh_from_db()
    assert cm.erased_at is not None


def test_the_retention_command_dry_run_changes_nothing_and_a_real_run_is_idempotent(
    paid, capsys, settings
):
    settings.KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS = 3
    cm = paid["cm"]
    leave(cm)
    reference = cm.contracts.get().child_reference
    assert main(["--lang", "en", "retention", "--dry-run", "--today", "2037-01-01"]) == 0
    out = capsys.readouterr().out
    assert "Dry run" in out and reference in out and cm.number in out
    assert ParentContact.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="privacy.").exists()
    assert main(["--lang", "en", "retention", "--today", "2037-01-01"]) == 0
    cm.refresh_from_db()
    assert cm.erased_at is not None and not ParentContact.objects.exists()
    summary = AuditEvent.objects.get(action="privacy.retention")
    assert summary.details["counts"]["childminders_anonymised"] == 1
    assert summary.details["childminders_anonymised"] == [cm.number]
    assert "example.org" not in json.dumps(summary.details)
    assert main(["--lang", "en", "retention", "--today", "2037-01-01"]) == 0
    assert "Childminders anonymised: 0" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="privacy.retention").count() == 1
