"""One log line per request with duration and request id, in text or JSON, without personal data."""

from __future__ import annotations

import json
import logging

import pytest

from kitaplan.web.core.request_log import JsonFormatter, TextFormatter
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="kitaplan.request")
    logging.getLogger("kitaplan.request").addHandler(caplog.handler)  # it does not propagate
    yield lambda: [r for r in caplog.records if r.name == "kitaplan.request"]
    logging.getLogger("kitaplan.request").removeHandler(caplog.handler)


def test_each_request_writes_one_line_with_its_id_also_sent_as_header(client, request_lines):
    response = client.get("/about/?name=Erika+Mustermann")
    records = request_lines()
    assert len(records) == 1
    fields = records[0].request
    assert fields["method"] == "GET"
    assert fields["path"] == "/about/"
    assert fields["status"] == 200
    assert fields["duration_ms"] >= 0
    assert fields["user"] == "-"
    assert response["X-Request-ID"] == fields["request_id"]
    assert len(fields["request_id"]) == 32


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(client, request_lines):
    assert client.get("/about/", HTTP_X_REQUEST_ID="lb-4711")["X-Request-ID"] == "lb-4711"
    odd = client.get("/about/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert odd != "<script>" and len(odd) == 32


def test_the_line_names_the_user_by_id_and_never_the_query_form_or_name(client, request_lines):
    user = make_user("erika.mustermann", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    client.post("/i18n/setlang/?next=/about/", {"language": "de", "secret": "Mustermann"})
    client.get("/areas/?q=Mustermann")
    records = request_lines()
    text = "\n".join(TextFormatter().format(r) for r in records)
    text += "\n".join(JsonFormatter().format(r) for r in records)
    assert f"user={user.pk}" in text
    assert "Mustermann" not in text and "erika" not in text and "secret" not in text


def test_the_text_format_is_key_value_pairs(client, request_lines):
    client.get("/about/")
    line = TextFormatter().format(request_lines()[0])
    assert " method=GET path=/about/ status=200 duration_ms=" in line
    assert " user=- request_id=" in line


def test_the_json_format_is_one_object_per_line(client, request_lines):
    client.get("/healthz")
    line = JsonFormatter().format(request_lines()[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert entry["logger"] == "kitaplan.request"
    assert set(entry) >= {"method", "duration_ms", "user", "request_id", "time", "level"}


def test_the_settings_pick_the_json_formatter_when_asked(monkeypatch):
    import importlib

    from kitaplan.web import settings as settings_module

    monkeypatch.setenv("KITAPLAN_LOG_FORMAT", "json")
    try:
        reloaded = importlib.reload(settings_module)
        formatter = reloaded.LOGGING["formatters"]["requests"]["()"]
        assert formatter == "kitaplan.web.core.request_log.JsonFormatter"
    finally:
        monkeypatch.delenv("KITAPLAN_LOG_FORMAT")
        importlib.reload(settings_module)
