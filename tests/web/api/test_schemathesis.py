"""Schemathesis against the OpenAPI description: no operation answers with a server error.

For a planner (city-wide) and a facility manager (scoped to one provider), through the WSGI app
in-process with a knox token; examples valid by the schema and invalid ones, bounded and
derandomised so a CI run is cheap and repeatable.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

EXAMPLES = 15
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _server_errors(schema: Any, headers: dict[str, str], ids: dict[str, int]) -> list[str]:
    """Every operation in both generation modes, detail operations also on an existing object
    (``ids``: first path segment -> primary key); what failed, by operation."""
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        variants: list[tuple[str, dict[str, Any]]] = [
            (mode.value, {"generation_mode": mode})
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        resource = operation.path.removeprefix("/api/v1/").split("/")[0]
        if "{id}" in operation.path and resource in ids:
            variants.append(("existing", {"path_parameters": {"id": ids[resource]}}))
        for variant, strategy in variants:

            @FUZZ
            @given(case=operation.as_strategy(**strategy))
            def check(case: Any) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error], headers=headers)

            try:
                check()
            except (Exception, FailureGroup) as error:  # noqa: BLE001 - reported per operation
                found.append(f"{operation.label} ({variant}): {error}")
    return found


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection (and its transaction) across WSGI requests, as
    Django's test client does: by default a finished request closes the connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["planner", "manager"])
def test_no_api_operation_answers_with_a_server_error(town, users, role, in_process_requests):
    _, key = AuthToken.objects.create(users[role])
    headers = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
    operations = [r.ok().label for r in schema.get_all_operations()]
    assert any(label.startswith("POST ") for label in operations)  # the bulk writes are fuzzed
    assert len(operations) >= 8
    ids = {"areas": town.areas[0].pk, "facilities": town.facilities[0].pk}  # F1: P1's
    assert _server_errors(schema, headers, ids) == []
