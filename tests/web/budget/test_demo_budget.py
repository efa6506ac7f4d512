"""The demo's illustrative Berlin budget: one published run that adds up and reproduces."""

from __future__ import annotations

import pytest

from kitaplan.web.budget.models import BudgetRun
from kitaplan.web.budget.services import reproduce
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.demo.city import create_demo_budget, load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_budget_is_published_adds_up_and_reproduces():
    load_demo(actor=SYSTEM)
    assert create_demo_budget()
    assert not create_demo_budget()  # idempotent
    run = BudgetRun.objects.get()
    assert run.is_published and run.budget.source == "Beispiel, nicht real"
    shares = list(run.shares.all())
    assert sum(s.amount_cents for s in shares) == run.budget.total_cents
    assert all(s.amount_cents <= 4_000_000 for s in shares)
    assert all(sum(t["cents"] for t in s.terms) == s.amount_cents for s in shares)
    assert reproduce(run)
