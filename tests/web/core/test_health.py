"""/healthz: open to load balancers, cheap, 200 when every check passes, 503 naming the rest."""

from __future__ import annotations

import pytest
from django.db.migrations.recorder import MigrationRecorder

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_result():
    health.forget_migrations_result()
    yield
    health.forget_migrations_result()


def test_a_healthy_instance_answers_200_with_every_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"] == body["checks"]["migrations"] == "ok"
    assert set(body["checks"].values()) == {"ok"}  # and those other apps registered
    assert "worker" in body["checks"]  # the jobs app's, registered in its ready()


def test_it_needs_no_login_sets_no_cookie_and_writes_no_audit(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
    assert AuditEvent.objects.count() == 0
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_for_any_host_and_over_plain_http_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kitaplan.example.de"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/about/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_an_unapplied_migration_gives_503_naming_it(client):
    latest = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    assert latest is not None
    latest.delete()  # as if the newest core migration had not run yet
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["database"] == "ok"


def test_the_migrations_are_looked_at_once_per_process_after_they_passed(
    client, django_assert_num_queries
):
    assert client.get("/healthz").status_code == 200
    with django_assert_num_queries(1):  # only the SELECT 1 of the database check
        assert client.get("/healthz").status_code == 200


def test_a_failing_registered_check_gives_503_and_is_named(client, monkeypatch):
    # monkeypatch puts the jobs app's real "worker" check back afterwards
    monkeypatch.setitem(health._CHECKS, "worker", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert response.json()["status"] == "failing"


def test_a_check_that_raises_fails_without_a_500_or_its_error_text(client):
    def broken() -> bool:
        raise RuntimeError("secret detail")

    health.register_check("broken", broken)
    try:
        response = client.get("/healthz")
    finally:
        health.unregister_check("broken")
    assert response.status_code == 503
    assert response.json()["checks"]["broken"] == "failing"
    assert "secret detail" not in response.content.decode()
