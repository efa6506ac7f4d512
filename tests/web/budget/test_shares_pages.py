"""The list of budget shares puts only the shown page in words; its totals and its export
still cover every share."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.domain.common.money import format_euros
from kitaplan.web.budget import views
from kitaplan.web.budget.models import BudgetShareRecord, UseReport
from kitaplan.web.core.roles import Role
from tests.web.budget.helpers import budget_objects
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


def test_page_two_shows_the_next_shares_and_the_totals_cover_all(client, monkeypatch):
    city = make_city()
    run_id = budget_objects(city)["budget_run"]
    shares = list(
        BudgetShareRecord.objects.filter(run_id=run_id).order_by("facility__official_number")
    )
    assert len(shares) == 3
    first = shares[0]
    UseReport.objects.create(share=first, amount_spent_cents=12_300, purpose="Sozialarbeit")
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    monkeypatch.setattr(views, "SHARES_PER_PAGE", 2)
    url = reverse("budget:shares")
    page1 = client.get(url)
    assert [r["share"].pk for r in page1.context["rows"]] == [s.pk for s in shares[:2]]
    page2 = client.get(url, {"page": 2})
    assert [r["share"].pk for r in page2.context["rows"]] == [shares[2].pk]
    # the totals are those of every share, not of the page
    for page in (page1, page2):
        assert page.context["allocated"] == format_euros(sum(s.amount_cents for s in shares))
        assert page.context["reported"] == format_euros(12_300)
    export = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert len([line for line in export.splitlines()[1:] if line]) == 3


def test_a_published_runs_inputs_are_read_once(client, monkeypatch):
    from kitaplan.web.budget import selectors

    city = make_city()
    budget_objects(city)
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    url = reverse("budget:shares")
    first = [r["record"] for r in client.get(url).context["rows"]]
    assert first and all(record for record in first)
    monkeypatch.setattr(
        selectors, "inputs_of_runs", lambda ids: pytest.fail("a published run's inputs reread")
    )
    assert [r["record"] for r in client.get(url).context["rows"]] == first
