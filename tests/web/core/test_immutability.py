"""Released payment runs, published budget runs and published allocation runs, with the rows of
their result, cannot be changed by any path: queryset ``update()``/``delete()``, ``save()``,
``delete()`` and raw SQL; drafts stay changeable, and so does the answer to an offer."""

# Raw SQL on purpose (the triggers' last line); table and column names come from the test.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from kitaplan.web.allocation.models import AllocationRun, Offer
from kitaplan.web.allocation.services import (
    answer_offer,
    expire_offers,
    publish_run,
    run_round,
    withdraw_application,
)
from kitaplan.web.budget import services as budget_services
from kitaplan.web.budget.models import BudgetRun, BudgetShareRecord, UseReport
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.immutability import (
    SQLITE_FLUSH_TABLE,
    FrozenRecordError,
    installed_triggers,
)
from kitaplan.web.payments import services as payment_services
from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun
from tests.web.allocation.helpers import TODAY, apply, make_round
from tests.web.budget.helpers import RULE, budget_objects
from tests.web.factories import make_city
from tests.web.payments.helpers import make_childminder, make_contract, upload_table

pytestmark = pytest.mark.django_db


@dataclass
class Kind:
    """One kind of frozen record: the run and a row of its result, frozen and draft."""

    run_model: type[models.Model]
    row_model: type[models.Model]
    frozen_run: Any
    draft_run: Any
    run_change: dict[str, Any]  # a change to a run's own field
    row_change: dict[str, Any]  # a change to a result row's frozen field
    run_column: tuple[str, Any]  # the same for raw SQL: column, value
    row_column: tuple[str, Any]

    def frozen_row(self) -> Any:
        return self.row_model.objects.filter(run=self.frozen_run).order_by("pk").first()

    def draft_row(self) -> Any:
        return self.row_model.objects.filter(run=self.draft_run).order_by("pk").first()


def payments_kind() -> Kind:
    city = make_city()
    cm = make_childminder(city, "T1")
    make_contract(cm, "K1")
    upload_table(city)
    released = payment_services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    payment_services.release_run(run=released, actor=SYSTEM)
    draft = payment_services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    return Kind(
        PaymentRun,
        PaymentLineRecord,
        PaymentRun.objects.get(pk=released.pk),
        draft,
        {"total_cents": 2},
        {"amount_cents": 2},
        ("total_cents", 2),
        ("amount_cents", 2),
    )


def budget_kind() -> Kind:
    city = make_city()
    published = BudgetRun.objects.get(pk=budget_objects(city)["budget_run"])
    draft = budget_services.create_run(budget=published.budget, rule=RULE, actor=SYSTEM)
    return Kind(
        BudgetRun,
        BudgetShareRecord,
        published,
        draft,
        {"unallocated_cents": 2},
        {"amount_cents": 2},
        ("unallocated_cents", 2),
        ("amount_cents", 2),
    )


def allocation_kind() -> Kind:
    city = make_city()
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1", "F2"])
    apply(round_, city, "Ben", ["F1", "F2"])
    apply(round_, city, "Cem", ["F1", "F3"], area=2)
    published = run_round(round_=round_, actor=SYSTEM)
    assert publish_run(run=published, actor=SYSTEM, today=TODAY) == 3
    draft = run_round(round_=round_, actor=SYSTEM, today=TODAY)  # follow-up, not published
    Offer.objects.create(  # a draft run's offer (as if being published)
        run=draft,
        application=Offer.objects.first().application,
        facility=city.facilities[2],
        age_group="u3",
        seat_type="regular",
        status=Offer.DECLINED,
        respond_by=TODAY,
    )
    return Kind(
        AllocationRun,
        Offer,
        AllocationRun.objects.get(pk=published.pk),
        draft,
        {"result": {"assignment": {}}},
        {"seat_type": "integration"},
        ("code_version", "forged"),
        ("seat_type", "integration"),
    )


KINDS = {"payments": payments_kind, "budget": budget_kind, "allocation": allocation_kind}


@pytest.fixture(params=sorted(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]()


def stored(obj: Any) -> dict[str, Any]:
    return type(obj)._base_manager.filter(pk=obj.pk).values().get()


def raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(obj: Any) -> str:
    return connection.ops.quote_name(type(obj)._meta.db_table)


# --------------------------------------------------------------------------- frozen records


def test_queryset_update_of_a_frozen_run_or_row_is_refused(kind):
    run, row = kind.frozen_run, kind.frozen_row()
    before_run, before_row = stored(run), stored(row)
    with pytest.raises(FrozenRecordError):
        kind.run_model.objects.filter(pk=run.pk).update(**kind.run_change)
    with pytest.raises(FrozenRecordError):  # one frozen row among drafts is enough
        kind.run_model.objects.filter(pk__in=[run.pk, kind.draft_run.pk]).update(**kind.run_change)
    with pytest.raises(FrozenRecordError):
        kind.row_model.objects.filter(pk=row.pk).update(**kind.row_change)
    with pytest.raises(FrozenRecordError):  # through the related manager
        getattr(run, row._meta.get_field("run").remote_field.related_name).update(**kind.row_change)
    assert stored(run) == before_run and stored(row) == before_row


def test_queryset_and_model_delete_of_a_frozen_run_or_row_is_refused(kind):
    run, row = kind.frozen_run, kind.frozen_row()
    rows = kind.row_model.objects.filter(run=run).count()
    with pytest.raises(FrozenRecordError):
        kind.run_model.objects.filter(pk=run.pk).delete()
    with pytest.raises(FrozenRecordError):
        kind.row_model.objects.filter(run=run).delete()
    with pytest.raises(FrozenRecordError):
        run.delete()
    with pytest.raises(FrozenRecordError):
        row.delete()
    assert kind.run_model.objects.filter(pk=run.pk).exists()
    assert kind.row_model.objects.filter(run=run).count() == rows


def test_save_of_a_frozen_run_or_row_is_refused(kind):
    run, row = kind.frozen_run, kind.frozen_row()
    before_run, before_row = stored(run), stored(row)
    for name, value in kind.run_change.items():
        setattr(run, name, value)
    for name, value in kind.row_change.items():
        setattr(row, name, value)
    with pytest.raises(FrozenRecordError):
        run.save()
    with pytest.raises(FrozenRecordError):
        row.save()
    with pytest.raises(FrozenRecordError):
        row.save(update_fields=list(kind.row_change))
    assert stored(run) == before_run and stored(row) == before_row


def test_a_row_cannot_be_added_to_or_moved_into_a_frozen_run(kind):
    run, draft_row = kind.frozen_run, kind.draft_row()
    count = kind.row_model.objects.filter(run=run).count()
    with pytest.raises(FrozenRecordError):
        kind.row_model.objects.filter(pk=draft_row.pk).update(run=run)
    copy = kind.row_model._base_manager.get(pk=draft_row.pk)
    copy.pk = None
    copy.run = run
    with pytest.raises(FrozenRecordError):
        copy.save()
    with pytest.raises(FrozenRecordError):
        kind.row_model.objects.bulk_create([copy])
    assert kind.row_model.objects.filter(run=run).count() == count
    fields = {
        f.attname: getattr(copy, f.attname) for f in copy._meta.concrete_fields if not f.primary_key
    }
    columns = ", ".join(connection.ops.quote_name(c) for c in fields)
    with pytest.raises(IntegrityError, match="frozen"):
        raw(
            f"INSERT INTO {table(copy)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",
            [copy._meta.get_field(a).get_db_prep_save(v, connection) for a, v in fields.items()],
        )
    assert kind.row_model.objects.filter(run=run).count() == count


def test_raw_sql_cannot_change_or_delete_a_frozen_run_or_row(kind):
    run, row = kind.frozen_run, kind.frozen_row()
    before_run, before_row = stored(run), stored(row)
    run_column, run_value = kind.run_column
    row_column, row_value = kind.row_column
    statements = [
        (f"UPDATE {table(run)} SET {run_column} = %s WHERE id = %s", [run_value, run.pk]),
        (f"UPDATE {table(row)} SET {row_column} = %s WHERE id = %s", [row_value, row.pk]),
        (f"UPDATE {table(row)} SET run_id = %s WHERE id = %s", [kind.draft_run.pk, row.pk]),
        (f"DELETE FROM {table(row)} WHERE run_id = %s", [run.pk]),
        (f"DELETE FROM {table(run)} WHERE id = %s", [run.pk]),
    ]
    for sql, params in statements:
        with pytest.raises(IntegrityError, match="frozen"):
            raw(sql, params)
    assert stored(run) == before_run and stored(row) == before_row


def test_raw_sql_cannot_move_a_draft_row_into_a_frozen_run(kind):
    draft_row = kind.draft_row()
    with pytest.raises(IntegrityError, match="frozen"):
        raw(
            f"UPDATE {table(draft_row)} SET run_id = %s WHERE id = %s",
            [kind.frozen_run.pk, draft_row.pk],
        )
    assert stored(draft_row)["run_id"] == kind.draft_run.pk


def test_a_status_cannot_go_back_to_draft(kind):
    run = kind.frozen_run
    column, draft_value = {
        PaymentRun: ("status", "draft"),
        BudgetRun: ("status", "draft"),
        AllocationRun: ("published_at", None),
    }[kind.run_model]
    with pytest.raises(IntegrityError, match="frozen"):
        raw(f"UPDATE {table(run)} SET {column} = %s WHERE id = %s", [draft_value, run.pk])
    with pytest.raises(FrozenRecordError):
        kind.run_model.objects.filter(pk=run.pk).update(**{column: draft_value})
    run.refresh_from_db()
    assert getattr(run, column) is not None and getattr(run, column) != "draft"


# --------------------------------------------------------------------------- what still changes


def test_a_draft_and_its_rows_stay_changeable(kind):
    draft, row = kind.draft_run, kind.draft_row()
    assert kind.run_model.objects.filter(pk=draft.pk).update(**kind.run_change) == 1
    assert kind.row_model.objects.filter(pk=row.pk).update(**kind.row_change) == 1
    column, value = kind.row_column
    raw(f"UPDATE {table(row)} SET {column} = %s WHERE id = %s", [value, row.pk])
    kind.row_model.objects.filter(pk=row.pk).delete()
    assert not kind.row_model.objects.filter(pk=row.pk).exists()
    raw(f"DELETE FROM {table(row)} WHERE run_id = %s", [draft.pk])
    kind.run_model.objects.filter(pk=draft.pk).delete()
    assert not kind.run_model.objects.filter(pk=draft.pk).exists()


def test_a_draft_payment_run_can_still_be_released():
    payments = payments_kind()
    payment_services.release_run(run=payments.draft_run, actor=SYSTEM)
    assert PaymentRun.objects.get(pk=payments.draft_run.pk).is_released


def test_a_draft_budget_run_can_still_be_published():
    budget = budget_kind()
    budget_services.publish_run(run=budget.draft_run, actor=SYSTEM)
    assert BudgetRun.objects.get(pk=budget.draft_run.pk).is_published


def test_the_answer_to_an_offer_of_a_published_run_still_changes():
    kind = allocation_kind()
    first, second, third = Offer.objects.filter(run=kind.frozen_run).order_by("pk")
    answer_offer(offer=first, accept=True, actor=SYSTEM, today=TODAY)
    assert Offer.objects.get(pk=first.pk).status == Offer.ACCEPTED
    withdraw_application(application=first.application, actor=SYSTEM)
    assert Offer.objects.get(pk=first.pk).status == Offer.DECLINED
    assert expire_offers(first.application.round, today=TODAY + dt.timedelta(days=30)) == 2
    assert Offer.objects.get(pk=second.pk).status == Offer.EXPIRED
    raw(f"UPDATE {table(third)} SET status = %s WHERE id = %s", [Offer.REPLACED, third.pk])
    assert Offer.objects.get(pk=third.pk).status == Offer.REPLACED


def test_use_reports_are_still_added_to_a_published_share():
    kind = budget_kind()
    share = kind.frozen_row()
    UseReport.objects.create(share=share, amount_spent_cents=100, purpose="Sprachförderung")
    assert share.use_reports.count() == 1


def test_every_frozen_table_has_its_triggers():
    names = installed_triggers(connection)
    runs = ["payments_paymentrun", "budget_budgetrun", "allocation_allocationrun"]
    rows = ["payments_paymentlinerecord", "budget_budgetsharerecord", "allocation_offer"]
    if connection.vendor == "postgresql":
        expected = {f"kitaplan_frozen_{t}" for t in runs + rows}
    else:
        expected = {f"kitaplan_frozen_{t}_{op}" for t in runs + rows for op in ("update", "delete")}
        expected |= {f"kitaplan_frozen_{t}_insert" for t in rows}
    # a released run's stored SEPA file (insert allowed, then frozen)
    if connection.vendor == "postgresql":
        expected.add("kitaplan_frozen_payments_paymentrunfile")
    else:
        expected |= {f"kitaplan_frozen_payments_paymentrunfile_{op}" for op in ("update", "delete")}
    assert expected <= names


@pytest.mark.django_db(transaction=True)
def test_flush_erases_frozen_records_and_the_guard_holds_afterwards():
    payments_kind()
    call_command("flush", interactive=False, verbosity=0)
    assert not PaymentRun.objects.exists() and not BudgetRun.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {SQLITE_FLUSH_TABLE}")
            assert cursor.fetchone()[0] == 0
    payments = payments_kind()
    with pytest.raises(IntegrityError, match="frozen"):
        raw("DELETE FROM payments_paymentrun WHERE id = %s", [payments.frozen_run.pk])


def test_an_application_with_an_offer_of_a_published_run_cannot_be_deleted():
    kind = allocation_kind()
    offer = kind.frozen_row()
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        offer.application.delete()  # the cascade to its offers reaches the trigger
    assert Offer.objects.filter(pk=offer.pk).exists()
