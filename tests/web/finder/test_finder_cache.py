"""The finder reads the childminders' free places from the derived-data cache (core.derived);
a new care contract shows on the next search."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.finder import selectors
from tests.web.finder.test_finder import WEEK, _today, city, found  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def free_of(client, number: str) -> int | None:
    response = client.get("/finder/", {"territory": "testcity", "kind": "childminder"})
    for entry in response.context["entries"]:
        if entry.result.obj.number == number:
            return entry.result.free
    return None


def test_free_places_are_computed_once_until_a_contract_changes(client, city, monkeypatch):  # noqa: F811
    assert free_of(client, "TP1") == 3  # 5 places, 2 children
    with monkeypatch.context() as patched:
        patched.setattr(
            selectors,
            "childminder_free_places",
            lambda *a: pytest.fail("computed again although nothing changed"),
        )
        assert free_of(client, "TP1") == 3
        assert "Tagesmutter TP1" in found(client)  # every search of the day reads them
    tp1 = Childminder.objects.get(number="TP1")
    for k in range(3):
        CareContract.objects.create(
            childminder=tp1,
            child_reference=f"TP1-N{k}",
            child_birth_date=_today() - dt.timedelta(days=300),
            valid_from=_today() - dt.timedelta(days=7),
            weekly_hours=35,
            slots=WEEK,
        )
    assert free_of(client, "TP1") is None  # full now: no longer found
    assert "Tagesmutter TP1" not in found(client)
