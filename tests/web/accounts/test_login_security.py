"""Logging in: lockout after failed logins, audited logins, passwords and the second factor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def post_login(client, username, password, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password, **extra}, follow=False
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, steps_ahead)
    return f"{totp.token():0{device.digits}d}"


def test_forty_wrong_passwords_lock_the_account_even_for_the_right_one(client, axes_on):
    make_user("planung", Role.PLANNER)
    for _ in range(40):
        post_login(client, "planung", "falsch")
    response = post_login(client, "planung", PASSWORD)
    assert response.status_code == 429
    assert "Anmeldung gesperrt" in response.content.decode()
    assert not logged_in(client)
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_label="planung")
    assert failed.count() >= 5
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client, axes_on):
    make_user("planung", Role.PLANNER)
    for _ in range(4):
        assert post_login(client, "planung", "falsch").status_code == 200
    assert post_login(client, "planung", PASSWORD).status_code == 302
    assert logged_in(client)


def test_one_address_trying_many_accounts_is_locked_too(client, axes_on):
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        make_user(name, Role.PLANNER)
    for name in ("a1", "a2", "a3", "a4", "a5"):
        post_login(client, name, "falsch")
    assert post_login(client, "a6", PASSWORD).status_code == 429
    assert not logged_in(client)


def test_the_admin_login_page_sends_to_the_one_throttled_login(client, axes_on):
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    response = client.post(reverse("admin:login"), {"username": "boss", "password": "pw-boss-123"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not logged_in(client)  # no password is checked there
    for _ in range(5):
        post_login(client, boss.username, "falsch")
    assert post_login(client, boss.username, "pw-boss-123").status_code == 429


def test_logins_failures_and_logouts_are_audited_without_the_password(client, axes_on):
    user = make_user("vergabe", Role.ALLOCATION_OFFICE)
    post_login(client, "vergabe", "Geheim-falsch-1")
    post_login(client, "vergabe", PASSWORD)
    client.post(reverse("logout"))
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    login = AuditEvent.objects.get(action=AuditAction.LOGIN)
    logout = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert failed.actor_label == "vergabe" and failed.details["address"] == "127.0.0.1"
    assert (login.actor, logout.actor) == (user, user)
    assert login.details["address"] == "127.0.0.1"
    stored = str([(e.before, e.after, e.details) for e in AuditEvent.objects.all()])
    assert "Geheim-falsch-1" not in stored and PASSWORD not in stored


def test_a_user_changes_the_password_and_it_is_audited(client):
    user = make_user("kita", Role.PLANNER)
    client.force_login(user)
    url = reverse("accounts:security")
    wrong = client.post(
        url,
        {
            "action": "password",
            "old_password": "nicht-das-alte",
            "new_password1": "Neues-Passwort-2027",
            "new_password2": "Neues-Passwort-2027",
        },
    )
    assert wrong.status_code == 400
    response = client.post(
        url,
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "Neues-Passwort-2027",
            "new_password2": "Neues-Passwort-2027",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Neues-Passwort-2027")
    assert logged_in(client)  # the session stays valid
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert event.actor == user and event.details == {"by": "self"}


def test_an_administrators_password_reset_of_another_user_is_audited(client):
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    other = make_user("eltern", Role.PARENT)
    client.force_login(boss)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[other.pk]),
        {
            "password1": "Zurueckgesetzt-42",
            "password2": "Zurueckgesetzt-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert (event.actor, event.target_id) == (boss, str(other.pk))
    assert event.details == {"by": "administrator"}
    assert "Zurueckgesetzt-42" not in str([event.before, event.after, event.details])


def test_a_payment_officer_sets_up_the_second_factor_and_then_needs_it(client, axes_on, settings):
    # django-otp slows down guessing (a wait after each wrong code); not needed here
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = make_user("zahlstelle", Role.PAYMENT_OFFICE)
    client.force_login(user)
    url = reverse("accounts:security")
    page = client.post(url, {"action": "otp-start"})
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    html = page.content.decode()
    assert "<svg" in html and "data-otp-secret" in html
    assert client.post(url, {"action": "otp-confirm", "code": "000000"}).status_code == 400
    assert client.post(url, {"action": "otp-confirm", "code": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_CHANGED, details__operation="set_up"
    ).exists()
    client.post(reverse("logout"))
    # the password alone is no longer enough
    response = post_login(client, "zahlstelle", PASSWORD)
    assert response.status_code == 200 and not logged_in(client)
    assert "Code aus der Authenticator-App fehlt oder ist falsch" in response.content.decode()
    response = post_login(client, "zahlstelle", PASSWORD, otp_token=code(device, 1))
    assert response.status_code == 302 and logged_in(client)
    assert client.get(reverse("core:home")).wsgi_request.user.is_verified()


def test_a_wrong_code_counts_towards_the_lockout(client, axes_on):
    user = make_user("zahlstelle", Role.PAYMENT_OFFICE)
    device = TOTPDevice.objects.create(user=user, name="kitaplan", confirmed=True)
    for _ in range(5):
        post_login(client, "zahlstelle", PASSWORD, otp_token="123456")
    response = post_login(client, "zahlstelle", PASSWORD, otp_token=code(device))
    assert response.status_code == 429 and not logged_in(client)


def test_a_required_second_factor_keeps_users_on_the_security_page(client, settings):
    settings.KITAPLAN_OTP_REQUIRED_ROLES = ["payment_office", "admin"]
    officer = make_user("zahlstelle", Role.PAYMENT_OFFICE)
    planner = make_user("planung", Role.PLANNER)
    client.force_login(officer)
    response = client.get(reverse("payments:overview"))
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    assert client.get(reverse("accounts:security")).status_code == 200
    client.force_login(planner)
    assert client.get(reverse("core:home")).status_code == 200


def test_an_administrator_removes_a_lost_phones_device_audited_without_its_key(client):
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    officer = make_user("zahlstelle", Role.PAYMENT_OFFICE)
    device = TOTPDevice.objects.create(user=officer, name="kitaplan", confirmed=True)
    client.force_login(boss)
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200 and device.key not in change.content.decode()
    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action="admin.deleted", target_type="otp_totp.totpdevice")
    assert event.actor == boss and "key" in event.personal_fields
    assert device.key not in str([event.before, event.after, event.details])
