"""SEPA done right: the territory's paying account (debtor) on its page, IBAN and BIC checked by
schwifty (foreign SEPA accounts accepted), no release without a paying account, and the SEPA file
written once at release, stored frozen and downloaded byte-identical (each download audited
with the file's SHA-256).

Tests whose names end in ``_in_german`` assert German wordings of the catalogue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.payments import services
from kitaplan.web.payments.models import (
    FrozenRunError,
    PayeeAccount,
    PaymentDebtor,
    PaymentRun,
    PaymentRunFile,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import make_childminder, make_contract, make_debtor, upload_table

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
#: Published example IBANs of Austria and the Netherlands (SEPA countries, valid check digits).
AT_IBAN = "AT611904300234573201"
NL_IBAN = "NL91ABNA0417164300"


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def registry(city):
    a = make_childminder(city, "T1")
    b = make_childminder(city, "T2", stage="BG1")
    make_contract(a, "K1")
    make_contract(b, "K3", hours=25)
    upload_table(city, debtor=False)
    return {"a": a, "b": b}


def login(client, role, name="user"):
    user = make_user(name, role)
    client.login(username=name, password=PASSWORD)
    return user


def released(city):
    if services.debtor_of(city.territory) is None:
        make_debtor(city)
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    return services.release_run(run=run, actor=SYSTEM)


def debtor_page(city):
    return reverse("payments:debtor") + f"?territory={city.territory.code}"


def post_debtor(client, city, **changes):
    data = {
        "holder": "Jugendamt Teststadt",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "cobadeffxxx",
        "creditor_id": "",
        "valid_from": "2026-01-01",
        **changes,
    }
    return client.post(debtor_page(city), data)


def message_id(content: bytes) -> str:
    root = ET.fromstring(content)  # noqa: S314 - our own export
    return root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", NS).text


# --------------------------------------------------------------------------- stored file


def test_two_downloads_are_byte_identical_and_audited_with_the_sha256(client, city, registry):
    run = released(city)
    stored = PaymentRunFile.objects.get(run=run)  # written at release
    login(client, Role.PAYMENT_OFFICE, "office")
    url = reverse("payments:run-sepa", args=[run.pk])
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == bytes(stored.content)
    assert message_id(first.content) == message_id(second.content) == stored.message_id
    assert stored.sha256 == hashlib.sha256(first.content).hexdigest()
    downloads = AuditEvent.objects.filter(action="read.payment_file", target_id=str(run.pk))
    assert [e.details for e in downloads] == [
        {"file": "sepa", "message_id": stored.message_id, "sha256": stored.sha256}
    ] * 2
    release = AuditEvent.objects.get(action="payment.run_released", target_id=str(run.pk))
    assert release.after["sepa_sha256"] == stored.sha256
    # The paying account changed afterwards: the released run's file stays the same.
    make_debtor(city, iban=NL_IBAN)
    assert client.get(url).content == first.content
    root = ET.fromstring(client.get(url).content)  # noqa: S314
    assert root.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == services.make_iban("10000000", "1")
    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert stored.sha256 in page and stored.message_id in page


def test_a_run_released_before_files_were_stored_gets_its_file_once(client, city, registry):
    """A released run without a stored file (released by an earlier version) gets it written
    at its first download; later downloads return the same bytes."""
    make_debtor(city)
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    PaymentRun.objects.filter(pk=run.pk).update(
        status=PaymentRun.RELEASED, payees=services.payee_snapshot(run)
    )
    assert not PaymentRunFile.objects.filter(run=run).exists()
    login(client, Role.PAYMENT_OFFICE, "office")
    url = reverse("payments:run-sepa", args=[run.pk])
    first, second = client.get(url).content, client.get(url).content
    assert first == second and PaymentRunFile.objects.filter(run=run).count() == 1


def test_the_stored_file_cannot_be_changed_or_deleted(city, registry):
    stored = PaymentRunFile.objects.get(run=released(city))
    with pytest.raises(FrozenRunError):
        PaymentRunFile.objects.filter(pk=stored.pk).update(content=b"<other/>")
    with pytest.raises(FrozenRunError):
        PaymentRunFile.objects.filter(pk=stored.pk).delete()
    stored.message_id = "OTHER"
    with pytest.raises(FrozenRunError):
        stored.save()
    with pytest.raises(FrozenRunError):
        stored.delete()
    table = PaymentRunFile._meta.db_table
    for sql, params in (
        (f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, stored.pk]),  # noqa: S608
        (f"DELETE FROM {table} WHERE id = %s", [stored.pk]),  # noqa: S608
    ):
        with (
            pytest.raises(IntegrityError, match="frozen"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    fresh = PaymentRunFile.objects.get(pk=stored.pk)
    assert fresh.sha256 == hashlib.sha256(bytes(fresh.content)).hexdigest()
    assert fresh.message_id != "OTHER"


# --------------------------------------------------------------------------- no paying account


def test_a_run_without_a_paying_account_is_not_released(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    with pytest.raises(services.PaymentError) as refused:
        services.release_run(run=run, actor=SYSTEM)
    assert refused.value.code == "no_debtor"
    login(client, Role.PAYMENT_OFFICE, "office")
    url = reverse("payments:run", args=[run.pk])
    assert "Kein Zahlungskonto" in client.get(url).content.decode()
    response = client.post(url, {"action": "release"}, follow=True)
    assert "Zahlungskonto" in response.content.decode()
    run.refresh_from_db()
    assert not run.is_released and not PaymentRunFile.objects.exists()


def test_the_refusal_names_what_to_set_up_in_german(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    login(client, Role.PAYMENT_OFFICE, "office")
    response = client.post(
        reverse("payments:run", args=[run.pk]), {"action": "release"}, follow=True
    )
    text = response.content.decode()
    assert f"Für {city.territory.name} ist kein Zahlungskonto eingerichtet" in text
    assert "IBAN" in text


# --------------------------------------------------------------------------- debtor page


def test_the_payment_office_sets_the_paying_account_and_it_is_audited(client, city, registry):
    office = login(client, Role.PAYMENT_OFFICE, "office")
    assert client.get(debtor_page(city)).status_code == 200
    response = post_debtor(client, city, creditor_id="de98 zzz0 9999 9999 99")
    assert response.status_code == 302
    debtor = PaymentDebtor.objects.get(territory=city.territory)
    assert (debtor.holder, debtor.iban, debtor.bic, debtor.creditor_id) == (
        "Jugendamt Teststadt",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE98ZZZ09999999999",
    )
    assert debtor.valid_from == dt.date(2026, 1, 1) and debtor.changed_by == office
    assert post_debtor(client, city, iban=NL_IBAN, bic="ABNANL2A").status_code == 302
    assert PaymentDebtor.objects.get(territory=city.territory).iban == NL_IBAN
    events = AuditEvent.objects.filter(
        action="payment.master_data_changed", target_type="payments.paymentdebtor"
    ).order_by("pk")
    assert events.count() == 2
    stored = json.dumps([[e.before, e.after, e.target_label] for e in events])
    for value in ("DE89370400440532013000", NL_IBAN, "COBADEFFXXX", "Jugendamt Teststadt"):
        assert value not in stored
    assert {"iban", "bic", "holder"} <= set(events[0].personal_fields)
    assert {"iban", "bic"} <= set(events[1].personal_fields)  # the holder did not change
    assert events[0].after["creditor_id"] == "DE98ZZZ09999999999"
    assert events[1].before["creditor_id"] == "DE98ZZZ09999999999"
    # The released run now uses it as the debtor.
    run = released(city)
    root = ET.fromstring(bytes(PaymentRunFile.objects.get(run=run).content))  # noqa: S314
    assert root.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == NL_IBAN


def test_a_planner_may_not_read_or_set_the_paying_account(client, city, registry):
    login(client, Role.PLANNER, "planner")
    assert client.get(debtor_page(city)).status_code == 403
    assert post_debtor(client, city).status_code == 403
    assert not PaymentDebtor.objects.exists()


def test_an_invalid_iban_on_the_debtor_page_is_refused_in_german(client, city, registry):
    login(client, Role.PAYMENT_OFFICE, "office")
    response = post_debtor(client, city, iban="DE89370400440532013001")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Das ist keine gültige IBAN: Die Prüfziffern stimmen nicht." in text
    assert 'id="id_iban_error"' in text
    response = post_debtor(client, city, iban="DE14123456780000004711")  # no such bank code
    assert response.status_code == 400
    assert "Die Bankleitzahl 12345678 dieser IBAN gehört zu keiner deutschen Bank" in (
        response.content.decode()
    )
    response = post_debtor(client, city, bic="ABCDZZ12")
    assert response.status_code == 400 and 'id="id_bic_error"' in response.content.decode()
    response = post_debtor(client, city, creditor_id="keine ID")
    assert response.status_code == 400 and 'id="id_creditor_id_error"' in (
        response.content.decode()
    )
    assert not PaymentDebtor.objects.exists()


# --------------------------------------------------------------------------- schwifty checks


def test_foreign_sepa_ibans_are_accepted_for_payees(city, registry):
    account = services.save_payee_account(
        childminder=registry["b"],
        holder="Anna Berger",
        iban="at61 1904 3002 3457 3201",
        actor=SYSTEM,
    )
    assert account.iban == AT_IBAN
    run = released(city)
    content = bytes(PaymentRunFile.objects.get(run=run).content)
    root = ET.fromstring(content)  # noqa: S314
    ibans = {e.text for e in root.findall(".//p:CdtrAcct/p:Id/p:IBAN", NS)}
    assert AT_IBAN in ibans


@pytest.mark.parametrize(
    ("iban", "code"),
    [
        ("DE89370400440532013001", "bad_iban"),  # check digits
        ("DE8937040044053201300", "iban_length"),  # 21 characters
        ("AT61190430023457320", "iban_length"),  # Austria has 20
        ("DE14123456780000004711", "iban_bank_code"),  # valid digits, no such bank
        ("SA0380000000608010167519", "iban_country"),  # valid, but not SEPA
    ],
)
def test_ibans_schwifty_refuses(iban, code):
    with pytest.raises(services.PaymentError) as refused:
        services.checked_iban(iban)
    assert refused.value.code == code


def test_a_wrong_bic_is_refused_in_german(client, city, registry):
    with pytest.raises(services.PaymentError) as refused:
        services.checked_bic("ABCDZZ12")  # no country ZZ
    assert refused.value.code == "bad_bic"
    assert services.checked_bic(" markdef1100 ") == "MARKDEF1100"
    login(client, Role.PAYMENT_OFFICE, "office")
    response = client.post(
        reverse("payments:childminder", args=[registry["b"].pk]),
        {
            "action": "account",
            "account-holder": "T2",
            "account-iban": AT_IBAN,
            "account-bic": "MARK1EF1",
        },
    )
    assert response.status_code == 400
    assert "MARK1EF1 ist keine BIC" in response.content.decode()


def test_the_admin_form_checks_iban_and_bic_with_schwifty(city, registry):
    cm = make_childminder(city, "T3", account=False)
    form_class = site._registry[PayeeAccount].get_form(RequestFactory().get("/"))
    data = {"childminder": cm.pk, "holder": "T2", "iban": NL_IBAN, "bic": "abnanl2a"}
    form = form_class(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["bic"] == "ABNANL2A"
    form = form_class(data={**data, "iban": "DE14123456780000004711", "bic": "ABCDZZ12"})
    assert not form.is_valid()
    assert "12345678" in " ".join(form.errors["iban"]) and "bic" in form.errors
