"""The substitute settings page (rules, day rate, the advisory service's phone) and the
substitute's e-mail address for notices on the contact visits page: saved, audited without the
address, scoped, validated in German, and used by the e-mails about a confirmed substitute."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.validators import EmailValidator, MinValueValidator
from django.urls import reverse
from django.utils import translation

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.core.roles import Role
from kitaplan.web.substitutes import bridge, services
from kitaplan.web.substitutes.models import (
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from kitaplan.web.territory.models import Territory
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.substitutes.helpers import absence, childminder, contract, service, visits

pytestmark = pytest.mark.django_db

SETTINGS = reverse("substitutes:settings")
VALUES = {
    "min_contacts": "3",
    "contact_months": "4",
    "max_distance_km": "7.5",
    "day_rate_cents": "5200",
    "contact_phone": "030 90298-1234",
}


@pytest.fixture
def case():
    city = make_city()
    nord = service(city)
    adviser = make_user("nord", Role.CHILDMINDER_ADVISER)
    nord.advisers.add(adviser)
    absent = childminder(city, "A", service=nord)
    sub = childminder(city, "S", lat=52.001, service=nord)
    login = make_user("tp-s", Role.CHILDMINDER)
    login.email = "login@tagespflege.example.org"
    login.save()
    sub.user = login
    sub.save()
    child = contract(absent, "K-17", primary=sub)
    visits(sub, child)
    return {
        "city": city,
        "service": nord,
        "adviser": adviser,
        "absent": absent,
        "sub": sub,
        "login": login,
        "child": child,
    }


def german(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def english(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def in_german(message, **params) -> str:  # type: ignore[no-untyped-def]
    """Django's own wording of a validation message in German (its catalogue, not ours)."""
    with translation.override("de"):
        text = str(message) % params if params else str(message)
    with translation.override("en"):
        assert text != (str(message) % params if params else str(message))  # really translated
    return text


def settings_events():
    return AuditEvent.objects.filter(action=AuditAction.SUBSTITUTE_SETTINGS_SAVED)


# --- the settings page ---------------------------------------------------------------------------


def test_an_adviser_changes_the_settings_and_the_change_is_audited(case, client):
    german(client, case["adviser"])
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert page["Content-Language"] == "de"
    text = page.content.decode()
    assert "Telefon der Fachberatung" in text and "Nötige Kontakttermine" in text  # model labels
    response = client.post(SETTINGS, {"territory": case["city"].territory.code, **VALUES})
    assert response.status_code == 302
    conf = SubstituteSettings.objects.get(territory=case["city"].territory)
    assert (
        conf.min_contacts,
        conf.contact_months,
        conf.max_distance_km,
        conf.day_rate_cents,
        conf.contact_phone,
    ) == (3, 4, 7.5, 5200, "030 90298-1234")
    event = settings_events().get()
    assert event.actor == case["adviser"]
    assert event.before is None
    assert event.after["contact_phone"] == "030 90298-1234"
    assert event.after["min_contacts"] == 3
    # the proposals follow the new rule
    assert bridge.rules_for(case["city"].territory).min_contacts == 3
    # saving the same values again records nothing; a change records before and after
    client.post(SETTINGS, {"territory": case["city"].territory.code, **VALUES})
    assert settings_events().count() == 1
    client.post(
        SETTINGS,
        {"territory": case["city"].territory.code, **VALUES, "max_distance_km": ""},
    )
    conf.refresh_from_db()
    assert conf.max_distance_km is None  # no limit
    latest = settings_events().order_by("-pk").first()
    assert (latest.before["max_distance_km"], latest.after["max_distance_km"]) == (7.5, None)
    assert settings_events().count() == 2
    assert "030 90298-1234" in client.get(SETTINGS).content.decode()


def test_the_settings_page_is_for_administrators_and_advisers_only(case, client):
    for role in (Role.PLANNER, Role.PAYMENT_OFFICE, Role.CHILDMINDER, Role.ALLOCATION_OFFICE):
        user = make_user(f"u-{role.value}", role)
        german(client, user)
        assert client.get(SETTINGS).status_code == 403
        post = client.post(SETTINGS, {"territory": case["city"].territory.code, **VALUES})
        assert post.status_code == 403
    assert not SubstituteSettings.objects.exists()
    admin = make_user("admin", Role.ADMIN)
    german(client, admin)
    assert client.get(SETTINGS).status_code == 200
    response = client.post(SETTINGS, {"territory": case["city"].territory.code, **VALUES})
    assert response.status_code == 302
    assert settings_events().get().actor == admin


def test_an_adviser_changes_only_the_territories_of_her_services(case, client):
    other = Territory.objects.create(code="andere", name="Andere Stadt")
    german(client, case["adviser"])
    assert client.get(SETTINGS, {"territory": other.code}).status_code == 404
    response = client.post(SETTINGS, {"territory": other.code, **VALUES})
    assert response.status_code == 404
    assert not SubstituteSettings.objects.filter(territory=other).exists()
    with pytest.raises(PermissionDenied):
        services.save_settings(
            territory=other, values={**VALUES, "max_distance_km": None}, actor=case["adviser"]
        )
    # an adviser without a service sees an empty page and cannot save anything
    lonely = make_user("ohne", Role.CHILDMINDER_ADVISER)
    english(client, lonely)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert "You work in no advisory service yet" in page.content.decode()
    assert client.post(SETTINGS, VALUES).status_code == 403
    # the administrator chooses among all territories
    admin = make_user("admin", Role.ADMIN)
    german(client, admin)
    page = client.get(SETTINGS, {"territory": other.code}).content.decode()
    assert "Andere Stadt" in page and "Testcity" in page
    assert not settings_events().exists()


def test_settings_errors_are_shown_in_german(case, client):
    german(client, case["adviser"])
    response = client.post(
        SETTINGS,
        {**VALUES, "territory": case["city"].territory.code, "contact_months": "0"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert in_german(MinValueValidator(1).message, limit_value=1) in page
    assert "Dieser Wert muss größer oder gleich 1 sein." in page
    assert not SubstituteSettings.objects.exists()
    assert not settings_events().exists()


def test_a_phone_number_with_letters_is_refused(case, client):
    english(client, case["adviser"])
    response = client.post(
        SETTINGS,
        {**VALUES, "territory": case["city"].territory.code, "contact_phone": "call me"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a phone number: digits, spaces and + ( ) / . - only." in page
    assert "The settings were not saved." in page
    assert not SubstituteSettings.objects.exists()


def test_the_new_phone_is_named_in_the_email_to_the_substitute(case, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    german(client, case["adviser"])
    values = {**VALUES, "min_contacts": "2"}  # she has two contact visits
    client.post(SETTINGS, {"territory": case["city"].territory.code, **values})
    gone = absence(case["absent"])
    services.propose([gone], actor=case["adviser"])
    row = SubstituteAssignment.objects.get(status="proposed")
    services.confirm(assignment=row, actor=case["adviser"])
    assert [m.to for m in mail.outbox] == [["login@tagespflege.example.org"]]
    assert "030 90298-1234" in mail.outbox[0].body


# --- the substitute's e-mail address on the contact visits page -----------------------------------


def email_post(client, cm, email):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("substitutes:contacts", args=[cm.pk]), {"action": "email", "notice-email": email}
    )


def test_an_adviser_sets_the_address_and_the_audit_keeps_no_address(case, client):
    sub = case["sub"]
    url = reverse("substitutes:contacts", args=[sub.pk])
    english(client, case["adviser"])
    page = client.get(url).content.decode()
    assert 'data-notice-email="login"' in page and "login@tagespflege.example.org" in page
    response = email_post(client, sub, "  neu@tagespflege.example.org ")
    assert response.status_code == 302
    profile = SubstituteProfile.objects.get(childminder=sub)
    assert profile.email == "neu@tagespflege.example.org"
    assert profile.available and profile.model == "tandem"  # created with the defaults
    page = client.get(url).content.decode()
    assert 'data-notice-email="own"' in page and "neu@tagespflege.example.org" in page
    first = AuditEvent.objects.get(action=AuditAction.SUBSTITUTE_SETTINGS_SAVED)
    assert first.actor == case["adviser"]
    assert (first.before, first.after) == ({}, {})
    assert first.personal_fields == ["email"]  # the field is named, its value never kept
    assert first.details == {"email_changed": True, "profile_created": True}
    # another address: recorded as a change, still without the address
    email_post(client, sub, "anders@tagespflege.example.org")
    # the same address again: nothing to record
    email_post(client, sub, "anders@tagespflege.example.org")
    # empty: back to the login's address
    email_post(client, sub, "")
    assert SubstituteProfile.objects.get(childminder=sub).email == ""
    events = list(settings_events().order_by("pk"))
    # set, replaced (set before and after: "email_changed" says so), emptied
    assert [e.personal_fields for e in events] == [["email"], [], ["email"]]
    assert [e.details["email_changed"] for e in events] == [True, True, True]
    for event in events:
        stored = f"{event.before} {event.after} {event.details} {event.target_label}"
        assert "@" not in stored and "example.org" not in stored
    assert 'data-notice-email="login"' in client.get(url).content.decode()


def test_an_invalid_address_is_refused_in_german(case, client):
    german(client, case["adviser"])
    response = email_post(client, case["sub"], "keine-adresse")
    assert response.status_code == 200
    page = response.content.decode()
    assert in_german(EmailValidator.message) in page  # "Gib eine gültige E-Mail Adresse an."
    assert "gültige E-Mail" in page
    assert not SubstituteProfile.objects.exists()
    assert not settings_events().exists()


def test_the_childminder_sees_her_address_but_cannot_change_it(case, client):
    SubstituteProfile.objects.create(childminder=case["sub"], email="eigen@example.org")
    english(client, case["login"])
    url = reverse("substitutes:contacts", args=[case["sub"].pk])
    page = client.get(url).content.decode()
    assert "eigen@example.org" in page
    assert 'name="notice-email"' not in page  # no form
    assert email_post(client, case["sub"], "fremd@example.org").status_code == 403
    # another childminder's page does not exist for her
    other = reverse("substitutes:contacts", args=[case["absent"].pk])
    assert client.get(other).status_code == 404
    assert email_post(client, case["absent"], "fremd@example.org").status_code == 404
    with pytest.raises(PermissionDenied):
        services.save_substitute_email(
            childminder=case["sub"], email="fremd@example.org", actor=case["login"]
        )
    assert SubstituteProfile.objects.get().email == "eigen@example.org"
    assert not SubstituteProfile.objects.filter(childminder=case["absent"]).exists()
    assert not settings_events().exists()


def test_other_roles_get_403_and_advisers_of_another_service_404(case, client):
    for role in (Role.PLANNER, Role.PAYMENT_OFFICE):
        german(client, make_user(f"u-{role.value}", role))
        assert email_post(client, case["sub"], "x@example.org").status_code == 403
    stranger = make_user("fremd", Role.CHILDMINDER_ADVISER)
    service(case["city"], "Fachberatung Süd").advisers.add(stranger)
    german(client, stranger)
    url = reverse("substitutes:contacts", args=[case["sub"].pk])
    assert client.get(url).status_code == 404
    assert email_post(client, case["sub"], "x@example.org").status_code == 404
    assert not SubstituteProfile.objects.exists()
    # an administrator may
    german(client, make_user("admin", Role.ADMIN))
    assert email_post(client, case["sub"], "admin-set@example.org").status_code == 302
    assert SubstituteProfile.objects.get().email == "admin-set@example.org"


def test_the_confirmed_substitute_is_mailed_at_the_new_address(case, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    english(client, case["adviser"])
    email_post(client, case["sub"], "vertretung@tagespflege.example.org")
    gone = absence(case["absent"])
    services.propose([gone], actor=case["adviser"])
    row = SubstituteAssignment.objects.get(status="proposed")
    detail = reverse("substitutes:absence-detail", args=[gone.pk])
    page = client.post(detail, {"action": "confirm", "assignment": row.pk}, follow=True)
    assert "E-mail sent to: TP S." in page.content.decode()
    assert [m.to for m in mail.outbox] == [["vertretung@tagespflege.example.org"]]
    assert "K-17" in mail.outbox[0].body
    # cleared again: the next e-mail goes to her login's address
    email_post(client, case["sub"], "")
    mail.outbox.clear()
    client.post(detail, {"action": "notify", "assignment": row.pk})
    assert [m.to for m in mail.outbox] == [["login@tagespflege.example.org"]]
