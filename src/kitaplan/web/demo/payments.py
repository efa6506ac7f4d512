"""Demo payments for Berlin's synthetic childminder pool: an illustrative rate table, the Munich
parent-fee table, synthetic payee accounts and a synthetic paying account of the Jugendamt, a
released October 2026 and a draft November 2026.

A few contracts carry the inclusion supplement (an illustrative 50 % of the Förderleistung), and
after October's release a few childminders (the demo login "tagesmutter" among them) report the
hours actually cared in October: November's draft shows their settlement as correction lines.

The rate table is **Dresden's 2022 table used as an example for Berlin**, converted to hourly
rates: Dresden pays monthly amounts for 9 hours' daily care only (5 × 9 h = 45 h a week), while
the demo contracts have 5 to 8 hours a day. Each monthly amount is divided by 45 h × 52/12 weeks
(195 h a month) and rounded to the cent, and the contract's granted weekly hours are paid
exactly (the BW 2009 rule). These are not Berlin's rates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.payments import services
from kitaplan.web.payments.models import (
    InsuranceProofRecord,
    PayeeAccount,
    PaymentRun,
    RateTableRecord,
)
from kitaplan.web.territory.models import Territory

DEMO_TABLE = """\
# Illustrative table for the kitaplan demo: Dresden's laufende Geldleistung from 1 July 2022
# used as an example for Berlin, NOT Berlin's rates. Dresden pays per child and month for
# 9 hours' daily care (45 h a week): Förderleistung BG1 646, BG2 750, BG3 780, BG4 803, BG5 825,
# BG6 870 euros; Sachkostenpauschale 169 euros (own home), 206 euros (rented rooms). For the
# demo contracts (5-8 h a day) each amount is divided by 45 h x 52/12 = 195 h a month and
# rounded to the cent; the granted weekly hours are paid exactly. Care in the parents' home has
# no Sachaufwand (0).
scheme = "berlin-demo"
code = "berlin-demo-2026-01"
name = "Demo Berlin: Dresden 2022 amounts as hourly rates (example, not Berlin's table)"
valid_from = 2026-01-01
source = "Example only: Landeshauptstadt Dresden, laufende Geldleistung from 1 July 2022 (dresden.de; saechsische.de 5716040, 5089847), converted to hourly rates (÷ 195 h) for the demo"
weeks_per_month = "52/12"
pro_rata = "calendar_days"
stages = ["BG1", "BG2", "BG3", "BG4", "BG5", "BG6"]

[hours]
rule = "exact"

[[components]]
code = "foerderleistung"
kind = "foerderleistung"
unit = "hour"
rates = [
  { amount = "3.31", stage = "BG1" },
  { amount = "3.85", stage = "BG2" },
  { amount = "4.00", stage = "BG3" },
  { amount = "4.12", stage = "BG4" },
  { amount = "4.23", stage = "BG5" },
  { amount = "4.46", stage = "BG6" },
]

[[components]]
code = "sachaufwand"
kind = "sachaufwand"
unit = "hour"
rates = [
  { amount = "0.87", location = "own_home" },
  { amount = "1.06", location = "rented_rooms" },
  { amount = "0", location = "parents_home" },
]

# Illustrative inclusion supplement (not a published rate): 50 % of the Förderleistung for a
# child with special support needs, paid only for contracts marked "inclusion".
[[components]]
code = "inclusion"
kind = "supplement"
unit = "percent"
base = "foerderleistung"
requires = "inclusion"
rates = [{ amount = "50" }]

[insurance]
accident = "1"
pension = "1/2"
health_care = "1/2"
"""
FEES = Path(__file__).resolve().parents[2] / "demo" / "data" / "childminding"
BANK_CODE = "10000000"  # the Bundesbank's Berlin branch code, used for synthetic test IBANs
#: The synthetic paying account of the demo (account number 1 at the Bundesbank, never real).
DEBTOR_ACCOUNT = "1"
#: Share of the granted hours actually cared in October, per reporting contract (in turn).
HOURS_FACTORS = (Fraction(9, 10), Fraction(4, 5), Fraction(21, 20), Fraction(19, 20))


def create_demo_payments() -> bool:
    """Berlin's demo payments (idempotent; needs the childminder demo pool). Returns whether
    anything was created."""
    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or not Childminder.objects.filter(territory=territory).exists():
        return False
    if RateTableRecord.objects.filter(territory=territory).exists():
        return False
    with transaction.atomic():
        services.save_rate_table(
            territory=territory, text=DEMO_TABLE, file_name="berlin-demo-2026.toml", actor=SYSTEM
        )
        fees = FEES / "munich-parent-fees-2020.toml"
        services.save_fee_table(
            territory=territory,
            text=fees.read_text(encoding="utf-8"),
            file_name=fees.name,
            actor=SYSTEM,
        )
        services.save_debtor(
            territory=territory,
            holder="Jugendamt (Demo)",
            iban=services.make_iban(BANK_CODE, DEBTOR_ACCOUNT),
            bic="MARKDEF1100",
            valid_from=dt.date(2026, 1, 1),
            actor=SYSTEM,
        )
        cms = list(Childminder.objects.filter(territory=territory).order_by("pk"))
        PayeeAccount.objects.bulk_create(
            PayeeAccount(
                childminder=cm,
                iban=services.make_iban(BANK_CODE, str(4_000_000_000 + cm.pk)),
                holder=cm.name[:70],
            )
            for cm in cms
        )
        # Insurance proofs of every fourth childminder (accident and health/care insurance).
        proofs = []
        for k, cm in enumerate(cms):
            if k % 4:
                continue
            proofs.append(
                InsuranceProofRecord(
                    childminder=cm,
                    kind="accident",
                    monthly_amount_cents=1250,
                    valid_from=dt.date(2026, 1, 1),
                )
            )
            proofs.append(
                InsuranceProofRecord(
                    childminder=cm,
                    kind="health_care",
                    monthly_amount_cents=24000 + 100 * (k % 7),
                    valid_from=dt.date(2026, 1, 1),
                )
            )
        InsuranceProofRecord.objects.bulk_create(proofs)
    mark_inclusion(territory)
    october = services.create_run(territory=territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=october, actor=SYSTEM)
    report_october_hours(october)
    # A pension proof handed in late, valid from October: November shows it as a correction.
    late = next((cm for k, cm in enumerate(cms) if k % 4 == 1 and _paid(october, cm)), None)
    if late is not None:
        InsuranceProofRecord.objects.create(
            childminder=late,
            kind="pension",
            monthly_amount_cents=11000,
            valid_from=dt.date(2026, 10, 1),
        )
    services.create_run(territory=territory, month="2026-11", actor=SYSTEM)
    return True


def _paid(run: PaymentRun, cm: Childminder) -> bool:
    return run.lines.filter(childminder=cm, child_reference__gt="").exists()


def _funded_in_october(contracts: QuerySet[CareContract]) -> QuerySet[CareContract]:
    return contracts.filter(funded=True, valid_from__lte=dt.date(2026, 10, 31)).exclude(
        valid_to__lt=dt.date(2026, 10, 1)
    )


def mark_inclusion(territory: Territory, count: int = 4) -> list[CareContract]:
    """Mark a few contracts funded in October with the inclusion supplement: those of
    childminders with inclusion skills first."""
    contracts = _funded_in_october(
        CareContract.objects.filter(childminder__territory=territory, childminder__status="active")
    ).order_by("-childminder__inclusion_skills", "childminder__number", "pk")[:count]
    return [
        services.save_contract_terms(
            contract=c, rate_scheme="", supplements=["inclusion"], actor=SYSTEM
        )
        for c in contracts
    ]


def report_october_hours(october: PaymentRun, others: int = 4) -> int:
    """Actual hours of October: the demo childminder's own contracts (reported by her) and a
    few others (entered by the payment office). Returns the number of reports."""
    territory = october.territory
    paid = set(
        october.lines.filter(component="foerderleistung", unit="h").values_list(
            "contract_id", flat=True
        )
    )
    contracts = CareContract.objects.filter(pk__in=[int(c) for c in paid if c.isdigit()])
    own = Childminder.objects.filter(territory=territory, user__isnull=False).first()
    chosen: list[tuple[CareContract, AnyUser]] = []
    if own is not None and own.user is not None:  # the filter ensures the user
        user = own.user
        chosen += [(c, user) for c in contracts.filter(childminder=own).order_by("pk")]
    rest = contracts.exclude(childminder=own) if own is not None else contracts
    chosen += [(c, SYSTEM) for c in rest.order_by("childminder__number", "pk")[:others]]
    # The demo months are fixed; October is over from 1 November 2026 on.
    today = max(timezone.localdate(), dt.date(2026, 11, 1))
    for k, (contract, actor) in enumerate(chosen):
        granted = Fraction(contract.weekly_hours) * Fraction(52, 12)
        hours = granted * HOURS_FACTORS[k % len(HOURS_FACTORS)]
        services.save_actual_hours(
            contract=contract,
            month="2026-10",
            hours=Decimal(round(float(hours) * 2) / 2).quantize(Decimal("0.01")),
            note="Demo: tatsächlich betreute Stunden im Oktober",
            actor=actor,
            today=today,
        )
    return len(chosen)
