"""Deployment settings: the demo key as a system check error, the production environment that
passes ``check --deploy``, the Content-Security-Policy and the German error pages.

Settings are read when the settings module is imported, so the environment switches are
tested in a subprocess that starts Django with that environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.checks import Error
from django.test import Client
from django.urls import include, path, reverse

from kitaplan.web.core.checks import check_demo_secret_key
from kitaplan.web.core.roles import Role
from kitaplan.web.settings import DEMO_SECRET_KEY, _tile_source
from tests.web.factories import make_user

#: The production environment documented in docs/operations.md ("Production settings").
PRODUCTION_ENV = {
    "SECRET_KEY": "p7Qv-3kZ_x9LmN2rT8wY4bC6dF1gH5jK0sA-eU7iO3pR9tV2nM",
    "ALLOWED_HOSTS": "kitaplan.example.de",
    "KITAPLAN_CSRF_TRUSTED_ORIGINS": "https://kitaplan.example.de",
    "KITAPLAN_BEHIND_PROXY": "1",
    "KITAPLAN_HSTS_SECONDS": "31536000",
    "KITAPLAN_HSTS_INCLUDE_SUBDOMAINS": "1",
    "KITAPLAN_HSTS_PRELOAD": "1",
}


def _django(args: list[str], extra_env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KITAPLAN_")
        # the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: not a server's
        and key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kitaplan.web.settings",
            "KITAPLAN_DATA_DIR": str(tmp_path),
            "LANGUAGE": "de",
            **extra_env,
        }
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


SHOW_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None)"
    " for k in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT',"
    " 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
    " 'SECURE_PROXY_SSL_HEADER', 'SECURE_REFERRER_POLICY', 'SESSION_COOKIE_AGE',"
    " 'CONTENT_SECURITY_POLICY', 'CONTENT_SECURITY_POLICY_REPORT_ONLY')}))"
)


def _settings_with(extra_env: dict[str, str], tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    result = _django(["-c", SHOW_SETTINGS], extra_env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the demo's secret key -------------------------------------------------------------------


def test_the_demo_key_is_an_error_once_allowed_hosts_go_beyond_this_machine(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = DEMO_SECRET_KEY
    settings.ALLOWED_HOSTS = ["127.0.0.1", "kitaplan.example.de"]
    [error] = check_demo_secret_key()
    assert isinstance(error, Error)
    assert error.id == "kitaplan.E001"
    assert "kitaplan.example.de" in error.msg and "127.0.0.1" not in error.msg
    assert "SECRET_KEY" in error.hint
    settings.ALLOWED_HOSTS = ["*"]
    assert [e.id for e in check_demo_secret_key()] == ["kitaplan.E001"]


def test_the_demo_key_is_fine_for_the_demo_the_tests_and_debug(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = DEMO_SECRET_KEY
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert check_demo_secret_key() == []
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True
    assert check_demo_secret_key() == []
    settings.DEBUG = False
    settings.SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]
    assert check_demo_secret_key() == []


def test_manage_check_refuses_the_demo_key_for_a_public_host(tmp_path):
    refused = _django(["-m", "django", "check"], {"ALLOWED_HOSTS": "kitaplan.example.de"}, tmp_path)
    assert refused.returncode != 0
    assert "kitaplan.E001" in refused.stderr
    assert "SECRET_KEY" in refused.stderr
    demo = _django(["-m", "django", "check"], {}, tmp_path)
    assert demo.returncode == 0, demo.stderr


# --- the production environment ----------------------------------------------------------


def test_the_documented_production_environment_passes_check_deploy(tmp_path):
    result = _django(
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_hsts(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("KITAPLAN_HSTS")}
    result = _django(
        ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_production_defaults_to_https_only_and_switches_override(tmp_path):
    production = _settings_with(PRODUCTION_ENV, tmp_path)
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"

    demo = _settings_with({}, tmp_path)
    assert demo["SESSION_COOKIE_SECURE"] is False
    assert demo["SECURE_SSL_REDIRECT"] is False
    assert demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SECURE_PROXY_SSL_HEADER"] is None

    overridden = _settings_with(
        {
            **PRODUCTION_ENV,
            "KITAPLAN_SECURE_COOKIES": "0",
            "KITAPLAN_SSL_REDIRECT": "0",
            "KITAPLAN_REFERRER_POLICY": "no-referrer",
            "KITAPLAN_SESSION_COOKIE_AGE": "3600",
        },
        tmp_path,
    )
    assert overridden["SESSION_COOKIE_SECURE"] is False
    assert overridden["CSRF_COOKIE_SECURE"] is False
    assert overridden["SECURE_SSL_REDIRECT"] is False
    assert overridden["SECURE_REFERRER_POLICY"] == "no-referrer"
    assert overridden["SESSION_COOKIE_AGE"] == 3600


def test_the_map_tile_server_is_allowed_for_images(tmp_path):
    tiles = _settings_with(
        {"KITAPLAN_MAP_TILE_URL": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"}, tmp_path
    )
    img_src = tiles["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    assert "https://*.tile.openstreetmap.org" in img_src
    assert _settings_with({}, tmp_path)["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == [
        "'self'",
        "data:",
    ]
    report_only = _settings_with({"KITAPLAN_CSP_REPORT_ONLY": "1"}, tmp_path)
    assert not report_only["CONTENT_SECURITY_POLICY"]
    assert report_only["CONTENT_SECURITY_POLICY_REPORT_ONLY"]["DIRECTIVES"]["script-src"] == [
        "'self'"
    ]


def test_tile_sources_of_url_templates():
    assert _tile_source("") == []
    assert _tile_source("https://tiles.example.de/{z}/{x}/{y}.png") == ["https://tiles.example.de"]
    assert _tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == [
        "https://*.tile.example.org"
    ]
    assert _tile_source("https://tile{s}.example.org/{z}/{x}/{y}.png") == ["https:"]


# --- Content-Security-Policy ---------------------------------------------------------------


@pytest.mark.django_db
def test_pages_send_a_policy_without_inline_code(client):
    response = client.get(reverse("login"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_the_finder_page_has_no_inline_style(client):
    html = client.get(reverse("finder:search")).content.decode()
    assert "<style" not in html and " style=" not in html
    assert "finder/finder.css" in html


# --- German error pages -------------------------------------------------------------------


@login_not_required
def _broken_view(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("broken on purpose")


urlpatterns = [path("kaputt/", _broken_view), path("", include("kitaplan.web.urls"))]


def _assert_error_page(response, status: int, german: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f"Fehler {status}" in html
    assert german in html
    assert "Zurück zur Übersicht" in html
    assert "kern.min.css" in html  # the KERN layout


@pytest.mark.django_db
def test_404_is_a_german_page(client):
    _assert_error_page(client.get("/gibt-es-nicht/"), 404, "Seite nicht gefunden")


@pytest.mark.django_db
def test_403_is_a_german_page(client):
    client.force_login(make_user("eltern", Role.PARENT))
    _assert_error_page(client.get(reverse("audit:event-list")), 403, "Zugriff verweigert")


@pytest.mark.django_db
def test_403_of_a_refused_form_is_a_german_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    _assert_error_page(response, 403, "Das Formular konnte nicht gesendet werden")


@pytest.mark.django_db
def test_400_is_a_german_page_even_for_a_refused_host(client):
    response = client.get("/", HTTP_HOST="angreifer.example")
    _assert_error_page(response, 400, "Ungültige Anfrage")


@pytest.mark.django_db
def test_405_is_a_german_page_and_keeps_the_allow_header(client):
    client.force_login(make_user("planer", Role.PLANNER))
    response = client.get(reverse("logout"))
    _assert_error_page(response, 405, "Aktion nicht möglich")
    assert "POST" in response["Allow"]


@pytest.mark.django_db
def test_a_405_of_the_api_stays_json(client):
    client.force_login(make_user("planer", Role.PLANNER))
    response = client.delete(reverse("api-territory-list"))
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_500_is_a_german_page(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    _assert_error_page(client.get("/kaputt/"), 500, "Serverfehler")


def test_a_wsgi_server_refuses_the_demo_key_for_a_real_host_name(tmp_path):
    """gunicorn and friends run no system checks: loading the WSGI module must refuse."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kitaplan.web.settings",
        "KITAPLAN_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "kita.example.org",
    }
    env.pop("SECRET_KEY", None)
    env.pop("DEBUG", None)
    refused = subprocess.run(
        [sys.executable, "-c", "import kitaplan.web.wsgi"], env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "kitaplan.web.wsgi" not in refused.stdout
    assert "ImproperlyConfigured" in refused.stderr and "ALLOWED_HOSTS" in refused.stderr
    env["SECRET_KEY"] = "a-long-random-key-of-our-own-0123456789-abcdefghijklmnop"
    accepted = subprocess.run(
        [sys.executable, "-c", "import kitaplan.web.wsgi"], env=env, capture_output=True, text=True
    )
    assert accepted.returncode == 0, accepted.stderr
