"""E-mails about a confirmed substitute: content, consent, failures shown, log and audit."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.conf import global_settings, settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.childminding.models import GroupPractice
from kitaplan.web.core.roles import Role
from kitaplan.web.substitutes import services
from kitaplan.web.substitutes.models import (
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.substitutes.helpers import MONDAY, absence, childminder, contract, service, visits

pytestmark = pytest.mark.django_db


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"mailbox unavailable")})


@pytest.fixture
def case():
    city = make_city()
    nord = service(city)
    adviser = make_user("nord", Role.CHILDMINDER_ADVISER)
    adviser.first_name, adviser.last_name = "Fritzi", "Berger"
    adviser.email = "fritzi.berger@example.org"
    adviser.save()
    nord.advisers.add(adviser)
    SubstituteSettings.objects.create(territory=city.territory, contact_phone="030 23125 999")
    absent = childminder(city, "A", service=nord)
    gp = GroupPractice.objects.create(
        territory=city.territory, name="GTP Sonnenhof", address="Sonnenweg 5, 10999 Berlin"
    )
    sub = childminder(
        city,
        "S",
        lat=52.001,
        service=nord,
        care_location="group_practice",
        group_practice=gp,
    )
    sub.street, sub.postcode, sub.city = "Hauptstr. 1", "10999", "Berlin"
    sub.save()
    SubstituteProfile.objects.create(childminder=sub, email="s@tagespflege.example.org")
    child = contract(absent, "K-17", slots=[[0, "08:00", "12:30"], [2, "07:30", "15:00"]])
    child.primary_substitute = sub
    child.save()
    visits(sub, child)
    ParentContact.objects.create(contract=child, email="eltern@example.org", consent=True)
    gone = absence(absent, kind="illness")
    gone.note = "Grippe, Fieber"
    gone.save()
    services.propose([gone], actor=adviser)
    row = SubstituteAssignment.objects.get(status="proposed")
    return {"adviser": adviser, "absence": gone, "row": row, "sub": sub, "child": child}


def english(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_confirming_mails_the_substitute_and_the_parents(case, client):
    english(client, case["adviser"])
    url = reverse("substitutes:absence-detail", args=[case["absence"].pk])
    response = client.post(url, {"action": "confirm", "assignment": case["row"].pk}, follow=True)
    page = response.content.decode()
    assert "E-mail sent to: TP S, the parents of K-17." in page
    assert "notified on" in page
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"s@tagespflege.example.org", "eltern@example.org"}
    wednesday = MONDAY + dt.timedelta(days=2)
    for message in by_to.values():
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        body = message.body
        assert "K-17" in body and "TP A" in body
        assert f"{MONDAY:%d.%m.%Y}" in body and f"{wednesday:%d.%m.%Y}" in body
        assert "08:00–12:30" in body and "07:30–15:00" in body
        assert "Mo " in body and "Mi " in body  # German weekdays, whatever the staff's language
        assert "GTP Sonnenhof, Sonnenweg 5, 10999 Berlin" in body  # where: the practice
        assert "Fachberatung Nord" in body and "Fritzi Berger" in body
        assert "030 23125 999" in body
        # nothing sensitive: no reason of the absence, no note, no birth date
        for secret in ("illness", "Krank", "Grippe", f"{case['child'].child_birth_date:%d.%m.%Y}"):
            assert secret not in body and secret not in message.subject
    assert "TP S" in by_to["eltern@example.org"].body
    row = SubstituteAssignment.objects.get(pk=case["row"].pk)
    assert row.status == "confirmed" and row.notified_at is not None
    log = set(Notification.objects.values_list("audience", "status", "sent_by"))
    assert log == {
        ("substitute", "sent", case["adviser"].pk),
        ("parents", "sent", case["adviser"].pk),
    }
    event = AuditEvent.objects.get(action=AuditAction.SUBSTITUTE_NOTIFIED)
    assert event.details["absence"] == case["absence"].pk
    assert "example.org" not in str(event.details)  # statuses only, no addresses
    # the log page shows both
    log_page = client.get(reverse("substitutes:notifications")).content.decode()
    assert log_page.count("e-mail sent") == 2


def test_parents_without_consent_get_no_mail_and_the_page_says_so(case, client):
    ParentContact.objects.filter(contract=case["child"]).update(consent=False)
    english(client, case["adviser"])
    url = reverse("substitutes:absence-detail", args=[case["absence"].pk])
    page = client.post(
        url, {"action": "confirm", "assignment": case["row"].pk}, follow=True
    ).content.decode()
    assert [m.to for m in mail.outbox] == [["s@tagespflege.example.org"]]
    assert "No e-mail to the parents of K-17" in page
    assert Notification.objects.get(audience="parents").status == "no_address"
    assert 'data-notice="parents-no_address"' in page
    assert "Send the e-mails again" in page


def test_a_failure_to_send_is_shown_and_can_be_retried(case, client, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    english(client, case["adviser"])
    url = reverse("substitutes:absence-detail", args=[case["absence"].pk])
    page = client.post(
        url, {"action": "confirm", "assignment": case["row"].pk}, follow=True
    ).content.decode()
    row = SubstituteAssignment.objects.get(pk=case["row"].pk)
    assert row.status == "confirmed"  # the confirmation stands
    assert row.notified_at is None
    assert "could not be sent: SMTPRecipientsRefused" in page
    assert 'data-notice="substitute-failed"' in page and 'data-notice="parents-failed"' in page
    assert set(Notification.objects.values_list("status", flat=True)) == {"failed"}
    # the server works again: sending again succeeds and is logged as a second attempt
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = client.post(
        url, {"action": "notify", "assignment": row.pk}, follow=True
    ).content.decode()
    assert len(mail.outbox) == 2
    assert 'data-notice="substitute-sent"' in page and "substitute-failed" not in page
    assert Notification.objects.count() == 4
    assert AuditEvent.objects.filter(action=AuditAction.SUBSTITUTE_NOTIFIED).count() == 2
    row.refresh_from_db()
    assert row.notified_at is not None
    # a proposal that is not confirmed cannot be "notified"
    other = SubstituteAssignment.objects.create(
        absence=case["absence"], contract=case["child"], status="uncovered", days=[]
    )
    with pytest.raises(services.SubstituteError):
        services.notify_confirmed(assignment=other, actor=case["adviser"])


def test_without_an_email_backend_nobody_is_notified_and_the_page_says_so(case, client, settings):
    settings.EMAIL_BACKEND = global_settings.EMAIL_BACKEND
    english(client, case["adviser"])
    url = reverse("substitutes:absence-detail", args=[case["absence"].pk])
    page = client.post(
        url, {"action": "confirm", "assignment": case["row"].pk}, follow=True
    ).content.decode()
    assert mail.outbox == []
    assert "E-mail is not configured: nobody was notified." in page
    assert set(Notification.objects.values_list("status", flat=True)) == {"not_configured"}


def test_only_advisers_keep_the_parents_addresses(case, client):
    url = reverse("substitutes:parent-contacts", args=[case["absence"].childminder_id])
    english(client, case["adviser"])
    page = client.get(url).content.decode()
    assert "K-17" in page and "eltern@example.org" in page
    prefix = f"c{case['child'].pk}"
    response = client.post(
        url, {"contract": case["child"].pk, f"{prefix}-email": "", f"{prefix}-consent": "on"}
    )
    assert response.status_code == 200  # consent without an address is refused
    assert ParentContact.objects.get(contract=case["child"]).email == "eltern@example.org"
    response = client.post(
        url, {"contract": case["child"].pk, f"{prefix}-email": "neu@example.org"}
    )
    assert response.status_code == 302
    contact = ParentContact.objects.get(contract=case["child"])
    assert (contact.email, contact.consent, contact.consent_at) == ("neu@example.org", False, None)
    event = AuditEvent.objects.filter(action=AuditAction.PARENT_CONTACT_SAVED).get()
    assert event.before == {"consent": True}
    assert event.after == {"consent": False}
    assert event.personal_fields == []  # the address changed, but "set" both times
    assert "example.org" not in str(event.before) + str(event.after)
    client.post(url, {"contract": case["child"].pk, f"{prefix}-email": ""})
    assert not ParentContact.objects.filter(contract=case["child"]).exists()
    # the childminder herself and an adviser of another service may not
    person = make_user("tagesmutter", Role.CHILDMINDER)
    case["absence"].childminder.user = person
    case["absence"].childminder.save()
    english(client, person)
    assert client.get(url).status_code == 403
    stranger = make_user("fremd", Role.CHILDMINDER_ADVISER)
    english(client, stranger)
    assert client.get(url).status_code == 404
