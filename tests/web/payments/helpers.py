"""Payment objects for tests and the access matrix: a small registry, a rate table, runs."""

from __future__ import annotations

import datetime as dt

from kitaplan.web.childminding.models import AdvisoryService, CareContract, Childminder, Permit
from kitaplan.web.core.access import SYSTEM, roles_of
from kitaplan.web.core.roles import Role
from kitaplan.web.payments import services
from kitaplan.web.payments.models import PayeeAccount, PaymentRun, RateTableRecord
from tests.web.factories import SmallCity

#: Exact weekly hours × 52/12 weeks; 30 h → 130 h a month → 520.00 + 130.00 = 650.00 EUR.
TABLE = """\
scheme = "test-city"
code = "test-city-2026"
name = "Test city from 2026"
valid_from = 2026-01-01
source = "Invented for tests"
weeks_per_month = "52/12"
stages = ["BG1", "BG2"]

[hours]
rule = "exact"

[[components]]
code = "foerderleistung"
kind = "foerderleistung"
unit = "hour"
rates = [{ amount = "4.00", stage = "BG2" }, { amount = "3.50", stage = "BG1" }]

[[components]]
code = "sachaufwand"
kind = "sachaufwand"
unit = "hour"
rates = [{ amount = "1.00" }]
"""
WEEKDAYS_8_TO_14 = [[d, "08:00", "14:00"] for d in range(5)]


def upload_table(city: SmallCity, text: str = TABLE, *, debtor: bool = True):
    """The rate table and (unless ``debtor=False``) the territory's paying account, which
    releasing a run needs."""
    result = services.save_rate_table(
        territory=city.territory, text=text, file_name="test-city.toml", actor=SYSTEM
    )
    assert result.record is not None, result.problems
    if debtor and services.debtor_of(city.territory) is None:
        make_debtor(city)
    return result.record


def make_debtor(city: SmallCity, iban: str = ""):
    return services.save_debtor(
        territory=city.territory,
        holder="Jugendamt Teststadt",
        iban=iban or services.make_iban("10000000", "1"),
        bic="MARKDEF1100",
        valid_from=dt.date(2026, 1, 1),
        actor=SYSTEM,
    )


def make_childminder(city: SmallCity, number: str, service=None, stage="BG2", account=True):
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"Tagesmutter {number}",
        care_location="own_home",
        area=city.areas[0],
        service=service,
        experience_group=stage,
    )
    Permit.objects.create(
        childminder=cm, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2028, 12, 31)
    )
    if account:
        PayeeAccount.objects.create(
            childminder=cm,
            iban=services.make_iban("10000000", str(1000 + cm.pk)),
            holder=cm.name,
        )
    return cm


def make_contract(cm, ref, *, hours=30, start=dt.date(2026, 9, 1), end=None):
    return CareContract.objects.create(
        childminder=cm,
        child_reference=ref,
        child_birth_date=dt.date(2025, 3, 1),
        valid_from=start,
        valid_to=end,
        weekly_hours=hours,
        slots=WEEKDAYS_8_TO_14,
    )


def payment_objects(city: SmallCity, *, user=None) -> dict[str, int]:
    """A released run with one childminder whose statement the given adviser (service member)
    or childminder (own record) may see. Keys (distinct from the allocation and registry keys
    of the access matrix): ``payment_run``, ``payment_childminder``, ``rate_table``,
    ``payment_contract`` (a contract of that childminder)."""
    service = AdvisoryService.objects.create(
        territory=city.territory, name=f"Fachberatung P{AdvisoryService.objects.count() + 1}"
    )
    # A childminder login has one record: reuse it when another helper linked it already.
    existing = Childminder.objects.filter(user=user).first() if user is not None else None
    cm = existing or make_childminder(
        city, f"TP-P{Childminder.objects.count() + 1}", service=service
    )
    if not cm.contracts.exists() or existing is None:
        make_contract(cm, f"KP{cm.pk}")
    if not RateTableRecord.objects.filter(territory=city.territory).exists():
        upload_table(city)
    latest = PaymentRun.objects.filter(territory=city.territory, status="released").first()
    month = "2026-10"
    if latest is not None:  # a second call in one test: the month after the latest release
        year, mon = map(int, latest.month.split("-"))
        month = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    run = services.create_run(territory=city.territory, month=month, actor=SYSTEM)
    services.release_run(run=run, actor=SYSTEM)
    if user is not None and Role.CHILDMINDER_ADVISER in roles_of(user):
        service.advisers.add(user)
    if user is not None and Role.CHILDMINDER in roles_of(user) and existing is None:
        cm.user = user
        cm.save()
    table = RateTableRecord.objects.filter(territory=city.territory).first()
    assert table is not None
    contract = cm.contracts.order_by("pk").first()
    assert contract is not None
    return {
        "payment_run": run.pk,
        "payment_childminder": cm.pk,
        "rate_table": table.pk,
        "payment_contract": contract.pk,
    }
