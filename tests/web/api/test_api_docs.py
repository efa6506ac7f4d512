"""The OpenAPI description and the API's own page (offline, accessible, self-service token)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema
from knox.models import AuthToken

from tests.web.api.conftest import token_client

pytestmark = pytest.mark.django_db

OUR_PATHS = {
    "/api/v1/territories/": {"get"},
    "/api/v1/areas/": {"get"},
    "/api/v1/areas/{id}/": {"get"},
    "/api/v1/population/": {"get"},
    "/api/v1/population/bulk/": {"post"},
    "/api/v1/indicators/": {"get"},
    "/api/v1/indicator-values/": {"get"},
    "/api/v1/indicator-values/bulk/": {"post"},
    "/api/v1/facilities/": {"get"},
    "/api/v1/facilities/{id}/": {"get", "patch"},
}


def test_the_schema_is_valid_openapi_with_our_paths(api):
    response = api["planner"].get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for path, methods in OUR_PATHS.items():
        assert methods <= set(schema["paths"][path]), path
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    facility = schema["components"]["schemas"]["Facility"]["properties"]
    assert "#/components/schemas/PlacesOnDay" in str(facility["places"])
    area = schema["components"]["schemas"]["Area"]["properties"]
    assert area["geometry"]["type"] == "object"


def test_the_schema_is_served_as_yaml_too(api):
    response = api["planner"].get(reverse("api-schema") + "?format=yaml")
    assert response.status_code == 200
    assert "/api/v1/facilities/{id}/" in yaml.safe_load(response.content)["paths"]


def test_the_schema_generates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_the_schema_needs_a_staff_role(api):
    assert api["anonymous"].get(reverse("api-schema")).status_code == 401
    assert api["parent"].get(reverse("api-schema")).status_code == 403


class _Page(HTMLParser):
    """Headings, form controls with their labels, table headers and external resources."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.th: list[dict[str, str | None]] = []
        self.resources: list[str] = []
        self.forms: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        elif tag == "th":
            self.th.append(a)
        elif tag == "form":
            self.forms.append(a)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href"):
            self.resources.append(a["href"])


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _docs(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    return response


def test_the_docs_page_lists_the_endpoints_from_the_schema_and_links_it(client, users):
    client.force_login(users["planner"])
    html = _docs(client).content.decode()
    for path in OUR_PATHS:
        assert f"<code>{path}</code>" in html
    assert 'href="/api/schema/?format=yaml"' in html
    assert 'href="/api/schema/?format=json"' in html


def test_the_docs_page_loads_nothing_from_elsewhere(client, users):
    client.force_login(users["manager"])
    page = _parse(_docs(client).content.decode())
    assert page.resources
    assert all(src.startswith("/") and not src.startswith("//") for src in page.resources), (
        page.resources
    )


def test_the_docs_page_is_structured_accessibly(client, users):
    client.force_login(users["planner"])
    token_client(users["planner"])  # with a token: its table and revoke form are shown
    page = _parse(_docs(client).content.decode())
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), (
        page.headings
    )
    assert all(c.get("id") in page.label_for for c in page.controls), page.controls
    assert page.th and all(th.get("scope") in ("col", "row") for th in page.th)
    token_forms = [f for f in page.forms if f.get("action", "").startswith("/api/token/")]
    assert len(token_forms) == 2  # create, and revoke the one token
    assert all(f.get("method") == "post" for f in token_forms)


def test_the_docs_page_needs_a_staff_role(client, users):
    assert client.get(reverse("api-docs")).status_code == 302  # to the login
    client.force_login(users["parent"])
    assert client.get(reverse("api-docs")).status_code == 403


def test_staff_create_their_own_token_and_see_it_once(client, users, town):
    client.force_login(users["manager"])
    response = client.post(reverse("api-token"), {"label": "Statistik", "days": "30"})
    assert response.status_code == 200
    (key,) = re.findall(
        r'id="api-new-token" type="text" value="([0-9a-f]{64})"', response.content.decode()
    )
    assert "no-store" in response["Cache-Control"]
    assert key not in _docs(client).content.decode()  # shown only once
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/facilities/").json()["count"] == 2

    second = client.post(reverse("api-token"), {"label": "Fachverfahren", "days": "90"})
    assert second.status_code == 200
    assert AuthToken.objects.filter(user=users["manager"]).count() == 2
    assert api.get("/api/v1/facilities/").status_code == 200  # a second token leaves the first

    first = AuthToken.objects.get(user=users["manager"], kitaplan_label__label="Statistik")
    client.post(reverse("api-token-revoke", args=[first.kitaplan_label.pk]))
    assert api.get("/api/v1/facilities/").status_code == 401  # the revoked token is gone
    assert list(
        AuthToken.objects.filter(user=users["manager"]).values_list(
            "kitaplan_label__label", flat=True
        )
    ) == ["Fachverfahren"]


def test_the_token_form_is_csrf_protected_and_post_only(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["planner"])
    data = {"label": "x", "days": "30"}
    assert client.post(reverse("api-token"), data).status_code == 403
    assert not AuthToken.objects.filter(user=users["planner"]).exists()
    assert client.get(reverse("api-token")).status_code == 405


def test_parents_cannot_create_tokens(client, users):
    client.force_login(users["parent"])
    data = {"label": "x", "days": "30"}
    assert client.post(reverse("api-token"), data).status_code == 403
    assert not AuthToken.objects.filter(user=users["parent"]).exists()
