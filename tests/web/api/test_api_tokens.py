"""API tokens with django-rest-knox: several per user, each with an expiry, revocable, audited.

The key is shown once and never stored: the database holds its digest, the audit trail neither.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from kitaplan.web.api.models import ApiTokenLabel
from kitaplan.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

FACILITIES = "/api/v1/facilities/"
NEW_KEY = re.compile(r'id="api-new-token" type="text" value="([0-9a-f]{64})"')


def _with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _create(client, label="Statistikamt", days="90"):
    response = client.post(reverse("api-token"), {"label": label, "days": days})
    assert response.status_code == 200
    found = NEW_KEY.findall(response.content.decode())
    return response, (found[0] if found else None)


def _token_events():
    return list(AuditEvent.objects.filter(action="api.token_changed").order_by("pk"))


def test_a_created_token_works_with_its_label_and_lifetime(client, users, town):
    client.force_login(users["manager"])
    before = timezone.now()
    _, key = _create(client, label="Fachverfahren", days="30")
    assert key
    token = AuthToken.objects.get(user=users["manager"])
    assert token.kitaplan_label.label == "Fachverfahren"
    assert before + timedelta(days=30) <= token.expiry <= timezone.now() + timedelta(days=30)
    response = _with_key(key).get(FACILITIES)
    assert response.status_code == 200
    assert response.json()["count"] == 2  # the manager's own facilities only


def test_the_key_is_stored_only_as_a_digest_and_never_audited(client, users, town):
    client.force_login(users["planner"])
    _, key = _create(client)
    token = AuthToken.objects.get(user=users["planner"])
    assert token.digest != key and len(token.digest) == 128
    assert key.startswith(token.token_key) and len(token.token_key) < len(key) // 4
    with connection.cursor() as cursor:  # nowhere in knox's table, not even in another column
        cursor.execute("SELECT * FROM knox_authtoken")
        assert key not in " ".join(str(value) for row in cursor.fetchall() for value in row)
    client.post(reverse("api-token-revoke", args=[token.kitaplan_label.pk]))
    events = _token_events()
    assert [e.details["operation"] for e in events] == ["created", "revoked"]
    assert events[0].details["expiry"] == token.expiry.isoformat()
    assert events[0].details["label"] == "Statistikamt"
    stored = json.dumps([[e.details, e.before, e.after, e.target_label] for e in events])
    assert key not in stored and token.token_key not in stored and token.digest not in stored


def test_a_revoked_token_gets_401(client, users, town):
    client.force_login(users["planner"])
    _, key = _create(client)
    api = _with_key(key)
    assert api.get(FACILITIES).status_code == 200
    number = ApiTokenLabel.objects.get(token__user=users["planner"]).pk
    response = client.post(reverse("api-token-revoke", args=[number]))
    assert response.status_code == 302 and response["Location"] == reverse("api-docs")
    assert api.get(FACILITIES).status_code == 401
    assert not AuthToken.objects.filter(user=users["planner"]).exists()
    assert "widerrufen" in client.get(reverse("api-docs")).content.decode()


def test_an_expired_token_gets_401(users, town):
    token, key = AuthToken.objects.create(user=users["planner"], expiry=timedelta(days=30))
    api = _with_key(key)
    assert api.get(FACILITIES).status_code == 200
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert api.get(FACILITIES).status_code == 401


def test_other_tokens_of_the_user_keep_working(client, users, town):
    client.force_login(users["planner"])
    _, first = _create(client, label="eins")
    _, second = _create(client, label="zwei")
    number = ApiTokenLabel.objects.get(label="eins").pk
    client.post(reverse("api-token-revoke", args=[number]))
    assert _with_key(first).get(FACILITIES).status_code == 401
    assert _with_key(second).get(FACILITIES).status_code == 200


def test_a_manager_cannot_revoke_another_users_token(client, users, town):
    _, key = AuthToken.objects.create(user=users["planner"])
    number = ApiTokenLabel.objects.get(token__user=users["planner"]).pk
    client.force_login(users["manager"])
    assert client.post(reverse("api-token-revoke", args=[number])).status_code == 404
    assert _with_key(key).get(FACILITIES).status_code == 200
    assert _token_events() == []


def test_an_administrator_revokes_anyones_token(client, users, town):
    _, key = AuthToken.objects.create(user=users["manager"])
    number = ApiTokenLabel.objects.get(token__user=users["manager"]).pk
    client.force_login(users["admin"])
    response = client.post(reverse("api-token-revoke", args=[number]), {"back": "list"})
    assert response.status_code == 302 and response["Location"] == reverse("api-token-list")
    assert _with_key(key).get(FACILITIES).status_code == 401
    (event,) = _token_events()
    assert event.actor == users["admin"]
    assert event.target_id == str(users["manager"].pk)
    assert event.details["operation"] == "revoked" and event.details["owner"] == "manager"


def test_parents_cannot_revoke_tokens(client, users, town):
    AuthToken.objects.create(user=users["parent"])
    number = ApiTokenLabel.objects.get(token__user=users["parent"]).pk
    client.force_login(users["parent"])
    assert client.post(reverse("api-token-revoke", args=[number])).status_code == 403
    assert AuthToken.objects.filter(user=users["parent"]).exists()
    assert client.get(reverse("api-token-revoke", args=[number])).status_code in (403, 405)


def test_the_page_lists_the_own_tokens_with_expiry_and_key_end(client, users, town):
    own, _ = AuthToken.objects.create(user=users["planner"], expiry=timedelta(days=30))
    ApiTokenLabel.objects.filter(token=own).update(label="Statistikamt")
    other, _ = AuthToken.objects.create(user=users["manager"])
    ApiTokenLabel.objects.filter(token=other).update(label="Fremdes Verfahren")
    client.force_login(users["planner"])
    html = client.get(reverse("api-docs")).content.decode()
    assert "Statistikamt" in html and own.token_key[-8:] in html
    assert own.token_key not in html  # only the last characters of the prefix
    local = timezone.localtime(own.expiry)
    assert f"{local:%d.%m.%Y}" in html
    assert "Fremdes Verfahren" not in html and other.token_key[-8:] not in html
    assert reverse("api-token-list") not in html  # no link to everyone's tokens


def test_expired_tokens_are_marked_on_the_page(client, users, town):
    token, _ = AuthToken.objects.create(user=users["planner"])
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(days=1))
    client.force_login(users["planner"])
    assert "(verfallen)" in client.get(reverse("api-docs")).content.decode()


def test_administrators_see_every_users_tokens(client, users, town):
    for name in ("planner", "manager"):
        token, _ = AuthToken.objects.create(user=users[name])
        ApiTokenLabel.objects.filter(token=token).update(label=f"Token von {name}")
    client.force_login(users["admin"])
    assert reverse("api-token-list") in client.get(reverse("api-docs")).content.decode()
    html = client.get(reverse("api-token-list")).content.decode()
    assert "Token von planner" in html and "Token von manager" in html
    forms = re.findall(r'action="(/api/token/\d+/revoke/)"', html)
    assert len(forms) == 2


@pytest.mark.parametrize("role", ["planner", "manager", "parent"])
def test_only_administrators_see_everyones_tokens(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("api-token-list")).status_code == 403


def test_the_list_of_everyones_tokens_needs_a_fixed_number_of_queries(
    client, users, django_assert_max_num_queries
):
    client.force_login(users["admin"])
    AuthToken.objects.create(user=users["planner"])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("api-token-list"))
    for name in ("manager", "office", "admin"):
        AuthToken.objects.create(user=users[name])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("api-token-list"))


def test_a_lifetime_above_the_configured_maximum_is_refused(client, users, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=60)}
    client.force_login(users["planner"])
    page = client.get(reverse("api-docs")).content.decode()
    assert 'value="30"' in page and 'value="90"' not in page and 'value="365"' not in page
    response, key = _create(client, days="90")
    assert key is None
    assert "Gültig für: Bitte wählen Sie eine der angebotenen Laufzeiten." in (
        response.content.decode()
    )
    assert not AuthToken.objects.filter(user=users["planner"]).exists()


def test_a_token_needs_a_label(client, users):
    client.force_login(users["planner"])
    response, key = _create(client, label="  ")
    assert key is None
    assert "Bezeichnung: Bitte geben Sie an, wofür der Token ist." in response.content.decode()
    assert not AuthToken.objects.filter(user=users["planner"]).exists()
    assert _token_events() == []


def test_the_default_maximum_is_90_days(client, users):
    client.force_login(users["planner"])
    page = client.get(reverse("api-docs")).content.decode()
    assert 'value="30"' in page and 'value="90"' in page and 'value="365"' not in page


def test_tokens_are_not_managed_in_the_unaudited_django_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(AuthToken)
    assert not admin.site.is_registered(ApiTokenLabel)


def test_a_label_longer_than_100_characters_is_refused(client, users):
    client.force_login(users["planner"])
    response, key = _create(client, label="x" * 101)
    assert key is None
    assert "Bezeichnung: höchstens 100 Zeichen (sie hat 101)." in response.content.decode()
    assert not AuthToken.objects.filter(user=users["planner"]).exists()
