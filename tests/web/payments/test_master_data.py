"""A childminder's insurance proofs and payee account on the payments pages: who reads and who
changes them, validation (amount, period, overlap, IBAN, holder), the masked IBAN, the audit
without the full IBAN, and the correction a change to a released month gives in the next run.

Tests whose names end in ``_in_german`` assert German wordings of this page's own messages:
they need the German catalogue compiled with the msgids of ``/tmp/tr_payments2.txt``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.payments import services
from kitaplan.web.payments.models import (
    InsuranceProofRecord,
    PayeeAccount,
    group_iban,
    mask_iban,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import make_childminder, make_contract, upload_table

pytestmark = pytest.mark.django_db

#: A valid German IBAN (the textbook example) and the same with one digit changed.
IBAN = "DE89370400440532013000"
IBAN_GROUPED = "DE89 3704 0044 0532 0130 00"
BAD_IBAN = "DE89370400440532013001"


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def registry(city):
    service = AdvisoryService.objects.create(territory=city.territory, name="Nord")
    a = make_childminder(city, "T1", service=service)
    b = make_childminder(city, "T2", account=False)
    return {"a": a, "b": b, "service": service, "k1": make_contract(a, "K1")}


def login(client, role, name="user", english=False):
    user = make_user(name, role)
    client.login(username=name, password=PASSWORD)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def page(cm):
    return reverse("payments:childminder", args=[cm.pk])


def add_proof(client, cm, kind="health_care", amount="343,22", start="2026-01-01", end=""):
    return client.post(
        page(cm),
        {
            "action": "add_proof",
            "proof-kind": kind,
            "proof-monthly_amount": amount,
            "proof-valid_from": start,
            "proof-valid_to": end,
        },
    )


def set_account(client, cm, holder="Tagesmutter T1", iban=IBAN_GROUPED, bic=""):
    return client.post(
        page(cm),
        {"action": "account", "account-holder": holder, "account-iban": iban, "account-bic": bic},
    )


def events():
    return AuditEvent.objects.filter(action="payment.master_data_changed").order_by("pk")


# --------------------------------------------------------------------------- proofs


def test_the_office_adds_a_proof_with_a_decimal_comma_and_it_is_audited(client, registry):
    office = login(client, Role.PAYMENT_OFFICE, "office")
    cm = registry["a"]
    response = add_proof(client, cm, amount="343,22")
    assert response.status_code == 302
    assert response["Location"].endswith(page(cm) + "#proofs")
    proof = InsuranceProofRecord.objects.get(childminder=cm)
    assert (proof.kind, proof.monthly_amount_cents) == ("health_care", 34322)
    assert (proof.valid_from, proof.valid_to) == (dt.date(2026, 1, 1), None)
    event = events().get()
    assert event.actor == office and event.target_id == str(proof.pk)
    assert event.before is None
    assert event.after == {
        "record": "insurance_proof",
        "childminder": "T1",
        "kind": "health_care",
        "monthly_amount_cents": 34322,
        "valid_from": "2026-01-01",
        "valid_to": None,
    }
    text = client.get(page(cm)).content.decode()
    assert "343,22 €" in text and "01.01.2026" in text
    # A point works as well (English input), and 0 is a valid amount.
    assert add_proof(client, cm, kind="pension", amount="80.5").status_code == 302
    assert add_proof(client, cm, kind="accident", amount="0").status_code == 302
    amounts = dict(InsuranceProofRecord.objects.values_list("kind", "monthly_amount_cents"))
    assert amounts == {"health_care": 34322, "pension": 8050, "accident": 0}


def test_bad_amounts_and_periods_are_refused_in_german_at_their_field(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    cm = registry["a"]
    negative = add_proof(client, cm, amount="-1")
    assert negative.status_code == 400
    text = negative.content.decode()
    assert "Dieser Wert muss größer oder gleich 0 sein." in text
    assert 'id="id_proof-monthly_amount_error"' in text
    three = add_proof(client, cm, amount="1,125")
    assert three.status_code == 400
    assert "höchstens 2 Dezimalstellen" in three.content.decode()
    word = add_proof(client, cm, amount="viel")
    assert word.status_code == 400 and "Bitte eine Zahl eingeben." in word.content.decode()
    backwards = add_proof(client, cm, start="2026-05-01", end="2026-04-30")
    assert backwards.status_code == 400
    assert 'id="id_proof-valid_to_error"' in backwards.content.decode()
    assert not InsuranceProofRecord.objects.exists()
    assert not events().exists()


def test_the_service_refuses_what_the_form_would_not_let_through(registry):
    cm = registry["a"]
    with pytest.raises(services.PaymentError) as error:
        services.add_insurance_proof(
            childminder=cm,
            kind="health_care",
            monthly_amount=Decimal("1.005"),
            valid_from=dt.date(2026, 1, 1),
            actor=SYSTEM,
        )
    assert error.value.code == "bad_amount"
    with pytest.raises(services.PaymentError) as error:
        services.add_insurance_proof(
            childminder=cm,
            kind="dental",
            monthly_amount=Decimal(1),
            valid_from=dt.date(2026, 1, 1),
            actor=SYSTEM,
        )
    assert error.value.code == "unknown_kind"
    with pytest.raises(services.PaymentError) as error:
        services.add_insurance_proof(
            childminder=cm,
            kind="pension",
            monthly_amount=Decimal(1),
            valid_from=dt.date(2026, 2, 1),
            valid_to=dt.date(2026, 1, 31),
            actor=SYSTEM,
        )
    assert error.value.code == "bad_period"
    adviser = make_user("adviser", Role.CHILDMINDER_ADVISER)
    with pytest.raises(PermissionDenied):
        services.add_insurance_proof(
            childminder=cm,
            kind="pension",
            monthly_amount=Decimal(1),
            valid_from=dt.date(2026, 1, 1),
            actor=adviser,
        )
    with pytest.raises(PermissionDenied):
        services.save_payee_account(childminder=cm, holder="X", iban=IBAN, actor=adviser)
    assert not InsuranceProofRecord.objects.exists()


def test_an_overlapping_proof_of_the_same_kind_is_refused_naming_the_other(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    cm = registry["a"]
    assert add_proof(client, cm, start="2026-01-01").status_code == 302
    refused = add_proof(client, cm, amount="100", start="2026-06-01", end="2026-12-31")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "The period overlaps the health and care insurance proof valid from" in text
    assert "without an end (343,22 € a month)" in text
    assert 'id="id_proof-valid_from_error"' in text
    assert InsuranceProofRecord.objects.count() == 1
    # Another kind in the same period is fine.
    assert add_proof(client, cm, kind="pension", start="2026-06-01").status_code == 302
    # End the first proof, then the next one of that kind can start the day after.
    proof = InsuranceProofRecord.objects.get(kind="health_care")
    ended = client.post(
        page(cm), {"action": "end_proof", "end-proof": proof.pk, "end-valid_to": "2026-05-31"}
    )
    assert ended.status_code == 302
    proof.refresh_from_db()
    assert proof.valid_to == dt.date(2026, 5, 31)
    event = events().last()
    assert event.before["valid_to"] is None and event.after["valid_to"] == "2026-05-31"
    # Still overlapping on 31 May (the last day counts), then fine from 1 June.
    again = add_proof(client, cm, amount="100", start="2026-05-31", end="2026-12-31")
    assert again.status_code == 400
    assert "valid from 01/01/2026 to 05/31/2026 (343,22 € a month)" in again.content.decode()
    assert add_proof(client, cm, amount="100", start="2026-06-01").status_code == 302
    # Moving the end of the first proof into the second one is refused too.
    moved = client.post(
        page(cm), {"action": "end_proof", "end-proof": proof.pk, "end-valid_to": "2026-07-31"}
    )
    assert moved.status_code == 400
    assert "without an end (100,00 € a month)" in moved.content.decode()
    proof.refresh_from_db()
    assert proof.valid_to == dt.date(2026, 5, 31)


def test_a_proof_cannot_end_before_it_starts(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    cm = registry["a"]
    add_proof(client, cm, start="2026-03-01")
    proof = InsuranceProofRecord.objects.get()
    response = client.post(
        page(cm), {"action": "end_proof", "end-proof": proof.pk, "end-valid_to": "2026-02-28"}
    )
    assert response.status_code == 400
    assert "The last day must not be before the first day." in response.content.decode()
    proof.refresh_from_db()
    assert proof.valid_to is None
    # A proof of another childminder is not a choice of this page.
    other = InsuranceProofRecord.objects.create(
        childminder=registry["b"],
        kind="accident",
        monthly_amount_cents=100,
        valid_from=dt.date(2026, 1, 1),
    )
    foreign = client.post(
        page(cm), {"action": "end_proof", "end-proof": other.pk, "end-valid_to": "2026-12-31"}
    )
    assert foreign.status_code == 400
    other.refresh_from_db()
    assert other.valid_to is None


def test_overlap_and_period_messages_in_german(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    cm = registry["a"]
    add_proof(client, cm, start="2026-01-01")
    refused = add_proof(client, cm, amount="100", start="2026-06-01")
    text = refused.content.decode()
    assert (
        "Der Zeitraum überschneidet sich mit dem Nachweis zur Kranken- und Pflegeversicherung, "
        "gültig ab 01.01.2026 ohne Ende (343,22 € im Monat)." in text
    )
    backwards = add_proof(client, cm, kind="pension", start="2026-05-01", end="2026-04-30")
    assert "Der letzte Tag darf nicht vor dem ersten Tag liegen." in backwards.content.decode()


# --------------------------------------------------------------------------- account


def test_the_office_sets_and_replaces_the_account_and_the_audit_masks_the_iban(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    cm = registry["b"]
    response = set_account(client, cm, holder="  Tagesmutter   T2 ", iban=IBAN_GROUPED.lower())
    assert response.status_code == 302
    account = PayeeAccount.objects.get(childminder=cm)
    assert (account.holder, account.iban, account.bic) == ("Tagesmutter T2", IBAN, "")
    replaced = set_account(
        client, cm, iban=services.make_iban("10000000", "4711"), bic="markdef1100"
    )
    assert replaced.status_code == 302
    account.refresh_from_db()
    assert account.iban == services.make_iban("10000000", "4711") and account.bic == "MARKDEF1100"
    first, second = events()
    assert first.before is None
    assert first.after == {"record": "payee_account", "childminder": "T2"}
    assert first.personal_fields == ["bic", "holder", "iban"]
    assert second.personal_fields == ["bic", "holder", "iban"]
    for event in (first, second):
        stored = json.dumps([event.before, event.after, event.target_label])
        for iban in (IBAN, IBAN_GROUPED, account.iban):
            assert iban not in stored
            assert iban[4:18] not in stored
    # The office reads the whole IBAN.
    text = client.get(page(cm)).content.decode()
    assert group_iban(account.iban) in text and account.iban[:4] + " 1000 0000 0000 0047 11" in text


def test_a_bad_iban_or_an_empty_holder_is_refused(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    cm = registry["b"]
    bad = set_account(client, cm, iban=BAD_IBAN)
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "This is not a valid IBAN: its check digits do not match." in text
    assert 'id="id_account-iban_error"' in text
    assert set_account(client, cm, iban="DE8937040044053201300").status_code == 400  # 21 chars
    assert set_account(client, cm, iban="kein IBAN").status_code == 400
    empty = set_account(client, cm, holder="   ")
    assert empty.status_code == 400
    assert 'id="id_account-holder_error"' in empty.content.decode()
    bic = set_account(client, cm, bic="ABC")
    assert bic.status_code == 400
    assert "ABC is not a BIC (8 or 11 letters and digits)." in bic.content.decode()
    assert not PayeeAccount.objects.filter(childminder=cm).exists()
    assert not events().exists()


def test_a_bad_iban_is_refused_in_german(client, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    cm = registry["b"]
    text = set_account(client, cm, iban=BAD_IBAN).content.decode()
    assert "Das ist keine gültige IBAN: Die Prüfziffern stimmen nicht." in text
    empty = set_account(client, cm, holder="")
    assert "Dieses Feld ist zwingend erforderlich." in empty.content.decode()


def test_the_admin_audit_of_an_account_masks_the_iban(registry):
    account = registry["a"].payee_account
    admin_user = make_user("root", Role.ADMIN)
    request = RequestFactory().post("/")
    request.user = admin_user
    model_admin = site._registry[PayeeAccount]
    old = account.iban
    account.iban = IBAN
    model_admin.save_model(request, account, None, change=True)
    event = AuditEvent.objects.filter(action="admin.changed").latest("pk")
    stored = json.dumps([event.before, event.after, event.target_label])
    assert IBAN not in stored and old not in stored
    assert "iban" not in event.after and "iban" in event.personal_fields
    assert mask_iban(IBAN) not in stored


def test_the_admin_forms_apply_the_pages_checks(registry):
    """An invalid IBAN or an overlapping proof is refused in the admin too (German message)."""
    account_form = site._registry[PayeeAccount].get_form(RequestFactory().get("/"))
    data = {"childminder": registry["b"].pk, "holder": "T2", "iban": BAD_IBAN, "bic": ""}
    form = account_form(data=data)
    assert not form.is_valid()
    assert "Prüfziffern" in " ".join(form.errors["iban"])
    form = account_form(data={**data, "iban": IBAN_GROUPED})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["iban"] == IBAN

    InsuranceProofRecord.objects.create(
        childminder=registry["a"],
        kind="health_care",
        monthly_amount_cents=34322,
        valid_from=dt.date(2026, 1, 1),
    )
    proof_form = site._registry[InsuranceProofRecord].get_form(RequestFactory().get("/"))
    base = {
        "childminder": registry["a"].pk,
        "kind": "health_care",
        "monthly_amount_cents": 1000,
        "valid_from": "2026-03-01",
    }
    overlapping = proof_form(data=base)
    assert not overlapping.is_valid()
    assert "01.01.2026" in " ".join(overlapping.non_field_errors())
    backwards = proof_form(data={**base, "kind": "accident", "valid_to": "2026-02-01"})
    assert not backwards.is_valid()
    assert "letzte Tag" in " ".join(backwards.non_field_errors())
    assert proof_form(data={**base, "kind": "accident"}).is_valid()


# --------------------------------------------------------------------------- readers


def test_masking_for_readers_who_are_not_the_payment_office(client, registry):
    cm = registry["a"]
    iban = cm.payee_account.iban
    adviser = login(client, Role.CHILDMINDER_ADVISER, "adviser", english=True)
    registry["service"].advisers.add(adviser)
    text = client.get(page(cm)).content.decode()
    assert mask_iban(iban) in text
    assert iban not in text and iban[4:18] not in text
    assert "only the last four characters are shown" in text
    listing = client.get(reverse("payments:childminders")).content.decode()
    assert mask_iban(iban) in listing and iban not in listing
    client.logout()
    login(client, Role.ADMIN, "root")
    assert iban[:4] + " " + iban[4:8] in client.get(page(cm)).content.decode()


def test_a_childminder_reads_her_own_data_and_never_another_ones(client, city, registry):
    cm, other = registry["a"], registry["b"]
    InsuranceProofRecord.objects.create(
        childminder=cm, kind="accident", monthly_amount_cents=1250, valid_from=dt.date(2026, 1, 1)
    )
    user = login(client, Role.CHILDMINDER, "tm")
    cm.user = user
    cm.save()
    response = client.get(page(cm))
    assert response.status_code == 200
    text = response.content.decode()
    assert "12,50 €" in text and mask_iban(cm.payee_account.iban) in text
    assert 'name="action"' not in text  # read-only: no forms
    assert client.get(page(other)).status_code == 404
    assert add_proof(client, other).status_code == 404
    assert add_proof(client, cm).status_code == 403
    assert set_account(client, cm).status_code == 403
    listing = client.get(reverse("payments:childminders")).content.decode()
    assert "T1" in listing and "T2" not in listing
    assert InsuranceProofRecord.objects.count() == 1


def test_advisers_read_their_services_childminders_only_and_change_nothing(client, registry):
    adviser = login(client, Role.CHILDMINDER_ADVISER, "adviser")
    registry["service"].advisers.add(adviser)
    cm = registry["a"]
    text = client.get(page(cm)).content.decode()
    assert 'name="action"' not in text
    assert client.get(page(registry["b"])).status_code == 404  # not in her service
    assert add_proof(client, cm).status_code == 403
    assert set_account(client, cm).status_code == 403
    assert not InsuranceProofRecord.objects.exists()
    client.logout()
    login(client, Role.PLANNER, "planner")
    assert client.get(page(cm)).status_code == 403
    assert client.get(reverse("payments:childminders")).status_code == 403


def test_the_pages_link_to_each_other(client, city, registry):
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    cm = registry["a"]
    target = page(cm)
    contract = client.get(reverse("payments:contract", args=[registry["k1"].pk])).content.decode()
    assert target in contract
    listing = client.get(reverse("payments:childminders") + f"?territory={city.territory.code}")
    assert target in listing.content.decode()
    assert reverse("payments:childminders") in listing.content.decode()  # the nav
    upload_table(city)
    run = services.release_run(
        run=services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM),
        actor=SYSTEM,
    )
    statement = client.get(reverse("payments:statement", args=[run.pk, cm.pk])).content.decode()
    assert target in statement
    assert (
        reverse("payments:contract", args=[registry["k1"].pk])
        in client.get(target).content.decode()
    )


def test_the_list_uses_a_fixed_number_of_queries(client, city, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    url = reverse("payments:childminders") + f"?territory={city.territory.code}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for k in range(4):
        more = make_childminder(city, f"T{10 + k}")
        InsuranceProofRecord.objects.create(
            childminder=more,
            kind="pension",
            monthly_amount_cents=100,
            valid_from=dt.date(2020, 1, 1),
        )
    with CaptureQueriesContext(connection) as many:
        text = client.get(url).content.decode()
    assert "T13" in text
    assert len(many) == len(few)


# --------------------------------------------------------------------------- the engine


def test_a_proof_from_a_released_month_is_paid_as_a_correction_in_the_next_run(
    client, city, registry
):
    """Health and care insurance 343.22 EUR a month, half reimbursed: 171.61 EUR (VG Stuttgart
    7 K 3281/10). K1 (T1's only child, funded) runs from September 2026; October is released
    without the proof; the proof from 1 October then gives November 171.61 and a correction of
    October of 171.61."""
    upload_table(city)
    october = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=october, actor=SYSTEM)
    assert not october.lines.filter(component__startswith="insurance").exists()
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    cm = registry["a"]
    response = add_proof(client, cm, amount="343,22", start="2026-10-01")
    assert response.status_code == 302
    notice = client.get(response["Location"]).content.decode()
    assert "The change reaches into months already released (up to 2026-10)" in notice
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    lines = november.lines.filter(childminder=cm, component="insurance_health_care")
    regular = lines.get(corrects_month="")
    assert (regular.quantity, regular.rate, regular.amount_cents) == ("343.22", "0.5", 17161)
    correction = lines.get(corrects_month="2026-10")
    assert correction.unit == "correction" and correction.amount_cents == 17161
    assert "paid 0.00, due 171.61" in correction.note
    # The released October run is untouched.
    assert not october.lines.filter(component__startswith="insurance").exists()
    run_page = client.get(reverse("payments:run", args=[november.pk])).content.decode()
    assert "171,61 €" in run_page


def test_ending_a_proof_inside_a_released_month_reclaims_the_days_after(client, city, registry):
    """A proof of 310.00 EUR accident insurance (paid in full) for October, ended on 15 October
    after October was released: October is due 15/31 × 310.00 = 150.00, so the November run
    reclaims 160.00."""
    upload_table(city)
    cm = registry["a"]
    services.add_insurance_proof(
        childminder=cm,
        kind="accident",
        monthly_amount=Decimal("310.00"),
        valid_from=dt.date(2026, 10, 1),
        actor=SYSTEM,
    )
    october = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=october, actor=SYSTEM)
    assert october.lines.get(component="insurance_accident").amount_cents == 31000
    proof = InsuranceProofRecord.objects.get()
    login(client, Role.PAYMENT_OFFICE, "office", english=True)
    response = client.post(
        page(cm), {"action": "end_proof", "end-proof": proof.pk, "end-valid_to": "2026-10-15"}
    )
    assert response.status_code == 302
    notice = client.get(response["Location"]).content.decode()
    assert "The change reaches into months already released (up to 2026-10)" in notice
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    lines = november.lines.filter(component="insurance_accident")
    assert [(x.corrects_month, x.amount_cents) for x in lines] == [("2026-10", -16000)]
