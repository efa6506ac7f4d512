"""Payment runs in the web application: compute from the registry, release and freeze,
corrections in the next run, statements (page and PDF), exports (CSV, SEPA), scoping, uploads,
the parent-fee calculator and the demo."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kitaplan.domain.childminding.payments import compute_month
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, CareContract
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job
from kitaplan.web.payments import selectors, services
from kitaplan.web.payments.models import (
    ActualHours,
    FeeTableRecord,
    FrozenRunError,
    PaymentLineRecord,
    PaymentRun,
    RateTableRecord,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import (
    TABLE,
    make_childminder,
    make_contract,
    payment_objects,
    upload_table,
)

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def registry(city):
    service = AdvisoryService.objects.create(territory=city.territory, name="Nord")
    a = make_childminder(city, "T1", service=service)
    b = make_childminder(city, "T2", stage="BG1")
    make_contract(a, "K1")
    make_contract(a, "K2", hours=20, start=dt.date(2026, 10, 16))
    make_contract(b, "K3", hours=25)
    upload_table(city)
    return {"a": a, "b": b, "service": service}


def login(client, role, name="user", english=True):
    user = make_user(name, role)
    client.login(username=name, password=PASSWORD)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def test_computing_a_month_from_the_registry_gives_the_engines_total(city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    tables = [t for _r, t in selectors.rate_tables(city.territory)]
    expected = compute_month(tables, selectors.registry_contracts(city.territory), "2026-10")
    assert run.total_cents == expected.total_cents
    assert sum(run.lines.values_list("amount_cents", flat=True)) == expected.total_cents
    # K1: 30 h × 52/12 = 130 h × (4.00 + 1.00) = 650.00; K3 (BG1): 25 h → 108 1/3 h × 4.50
    k1 = run.lines.filter(child_reference="K1")
    assert {(x.component, x.quantity, x.amount_cents) for x in k1} == {
        ("foerderleistung", "130", 52000),
        ("sachaufwand", "130", 13000),
    }
    assert run.inputs["tables"] == ["test-city-2026"]
    assert len(run.inputs["contracts"]) == 3
    assert run.inputs["contracts"][0]["daily_hours"] == "6"
    assert run.inputs["contracts"][0]["days_per_week"] == 5
    assert not run.issues
    assert AuditEvent.objects.filter(action="payment.run_created").count() == 1


def test_contracts_the_engine_cannot_pay_are_listed_with_the_reason(client, city, registry):
    registry["b"].experience_group = "BG9"
    registry["b"].save()
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    assert [i["code"] for i in run.issues] == ["unknown_stage"]
    assert not run.lines.filter(childminder=registry["b"]).exists()
    login(client, Role.PAYMENT_OFFICE)
    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert "The pay stage is not a stage of the rate table." in page
    assert "K3" in page


def test_a_released_run_is_frozen(client, city, registry):
    user = login(client, Role.PAYMENT_OFFICE)
    run = services.create_run(territory=city.territory, month="2026-10", actor=user)
    url = reverse("payments:run", args=[run.pk])
    assert 'value="release"' in client.get(url).content.decode()
    response = client.post(url, {"action": "release"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.is_released and run.released_by == user
    with pytest.raises(FrozenRunError):
        run.save()
    with pytest.raises(FrozenRunError):
        run.delete()
    line = run.lines.first()
    line.amount_cents += 1
    with pytest.raises(FrozenRunError):
        line.save()
    with pytest.raises(FrozenRunError):
        line.delete()
    page = client.get(url).content.decode()
    assert 'value="release"' not in page
    assert "frozen" in page
    assert AuditEvent.objects.filter(action="payment.run_released").count() == 1
    # The month cannot be computed again.
    with pytest.raises(services.PaymentError) as refused:
        services.create_run(territory=city.territory, month="2026-10", actor=user)
    assert refused.value.code == "month_released"


def test_a_change_to_a_past_month_is_a_correction_in_the_next_run(city, registry):
    october = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=october, actor=SYSTEM)
    before = list(october.lines.values_list("pk", "component", "amount_cents").order_by("pk"))
    contract = CareContract.objects.get(child_reference="K1")
    contract.weekly_hours = Decimal(36)  # granted retroactively from September
    contract.save()
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    corrections = list(november.lines.filter(corrects_month="2026-10"))
    # 6 h more a week × 52/12 = 26 h × 4.00 and × 1.00
    assert {(c.child_reference, c.component, c.amount_cents) for c in corrections} == {
        ("K1", "foerderleistung", 10400),
        ("K1", "sachaufwand", 2600),
    }
    assert all(c.unit == "correction" for c in corrections)
    october.refresh_from_db()
    assert october.is_released
    after = list(october.lines.values_list("pk", "component", "amount_cents").order_by("pk"))
    assert after == before
    # The regular November lines use the new hours: 36 × 52/12 = 156 h.
    assert (
        november.lines.get(
            child_reference="K1", component="foerderleistung", corrects_month=""
        ).quantity
        == "156"
    )


def test_a_stale_draft_cannot_be_released(city, registry):
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    october = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=october, actor=SYSTEM)
    with pytest.raises(services.PaymentError) as refused:
        november = services.release_run(run=november, actor=SYSTEM)
    assert refused.value.code == "stale"


def test_the_statement_shows_every_component_and_the_pdf_is_a_pdf(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    login(client, Role.PAYMENT_OFFICE)
    cm = registry["a"]
    page = client.get(reverse("payments:statement", args=[run.pk, cm.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for line in run.lines.filter(childminder=cm):
        assert line.child_reference in text
        assert line.table_code in text
    assert "Recognition of the care work (Förderleistung)" in text
    assert "Material costs (Sachaufwand)" in text
    assert "Invented for tests" in text  # the source of the rates
    assert "520,00 €" in text and "130" in text
    assert text.count("<h1") == 1
    pdf = client.get(reverse("payments:statement-pdf", args=[run.pk, cm.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_exports_csv_and_sepa(client, city, registry):
    registry["a"].payee_account.delete()
    make_contract(registry["b"], "K4", hours=10)
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    login(client, Role.PAYMENT_OFFICE)
    csv_text = client.get(reverse("payments:run-csv", args=[run.pk])).content.decode()
    header, *rows = csv_text.strip().splitlines()
    assert header.startswith("month,childminder_id,child_id,component,quantity")
    assert len(rows) == run.lines.count()
    assert rows[0].startswith("2026-10,T1,K1,foerderleistung,130,h,4,520.00,test-city-2026")
    # A draft is not paid.
    assert client.get(reverse("payments:run-sepa", args=[run.pk])).status_code == 404
    services.release_run(run=run, actor=SYSTEM)
    response = client.get(reverse("payments:run-sepa", args=[run.pk]))
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own export
    totals = services.totals_by_childminder(run)
    paid = {pk: c for pk, c in totals.items() if c > 0 and pk != registry["a"].pk}
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert int(header.find("p:NbOfTxs", NS).text) == len(paid) == 1
    assert Decimal(header.find("p:CtrlSum", NS).text) * 100 == sum(paid.values())
    txs = root.findall(".//p:CdtTrfTxInf", NS)
    assert len(txs) == 1
    assert txs[0].find("p:CdtrAcct/p:Id/p:IBAN", NS).text == registry["b"].payee_account.iban
    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert "no bank account" in page


def test_a_childminder_sees_only_her_own_released_statements(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    user = login(client, Role.CHILDMINDER)
    own, other = registry["a"], registry["b"]
    own.user = user
    own.save()
    # A draft is not shown to her.
    assert client.get(reverse("payments:statement", args=[run.pk, own.pk])).status_code == 404
    services.release_run(run=run, actor=SYSTEM)
    assert client.get(reverse("payments:statement", args=[run.pk, own.pk])).status_code == 200
    assert client.get(reverse("payments:statement", args=[run.pk, other.pk])).status_code == 404
    assert client.get(reverse("payments:statement-pdf", args=[run.pk, other.pk])).status_code == 404
    assert client.get(reverse("payments:run", args=[run.pk])).status_code == 403
    assert client.get(reverse("payments:run-sepa", args=[run.pk])).status_code == 403
    overview = client.get(reverse("payments:overview")).content.decode()
    assert reverse("payments:statement", args=[run.pk, own.pk]) in overview
    assert reverse("payments:statement", args=[run.pk, other.pk]) not in overview


def test_advisers_see_only_their_services_childminders(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=run, actor=SYSTEM)
    url = reverse("payments:statement", args=[run.pk, registry["a"].pk])
    outsider = login(client, Role.CHILDMINDER_ADVISER, "outsider")
    assert client.get(url).status_code == 404
    registry["service"].advisers.add(outsider)
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("payments:statement", args=[run.pk, registry["b"].pk])).status_code
        == 404
    )


def test_users_without_a_payments_role_are_refused(client, city, registry):
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    login(client, Role.PLANNER)
    assert client.get(reverse("payments:overview")).status_code == 403
    url = reverse("payments:statement", args=[run.pk, registry["a"].pk])
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.create_run(
            territory=city.territory, month="2026-11", actor=make_user("p2", Role.PLANNER)
        )


def test_a_broken_rate_table_is_refused_with_its_problems_and_nothing_is_stored(client, city):
    login(client, Role.PAYMENT_OFFICE)
    broken = (
        'scheme = "x"\ncode = "x-1"\nvalid_from = 2026-01-01\nsource = "s"\n'
        '[hours]\nrule = "exact"\n'
        '[[components]]\ncode = "a"\nkind = "foerderleistung"\nunit = "hour"\n'
        'rates = [{ amount = "abc" }]\n'
    )
    response = client.post(
        reverse("payments:table-upload"),
        {
            "territory": city.territory.code,
            "file": SimpleUploadedFile("broken.toml", broken.encode()),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "broken.toml" in text
    assert "components[1].rates[1].amount" in text
    assert "nothing was stored" in text
    assert RateTableRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(action="payment.rates_saved").exists()
    syntax = client.post(
        reverse("payments:table-upload"),
        {"territory": city.territory.code, "file": SimpleUploadedFile("s.toml", b"a = = 1\n")},
    )
    assert syntax.status_code == 400 and "s.toml" in syntax.content.decode()


def test_an_overlapping_version_is_refused(city, registry):
    again = TABLE.replace('code = "test-city-2026"', 'code = "x-2"')
    result = services.save_rate_table(
        territory=city.territory, text=again, file_name="again.toml", actor=SYSTEM
    )
    assert result.record is None
    assert [p.column for p in result.problems] == ["valid_from"]


def test_uploading_a_rate_table_and_computing_through_the_pages(client, city):
    cm = make_childminder(city, "T9")
    make_contract(cm, "K9")
    login(client, Role.PAYMENT_OFFICE)
    text = TABLE
    response = client.post(
        reverse("payments:table-upload"),
        {"territory": city.territory.code, "file": SimpleUploadedFile("t.toml", text.encode())},
    )
    assert response.status_code == 302
    assert RateTableRecord.objects.get().source == "Invented for tests"
    overview = client.get(reverse("payments:overview") + f"?territory={city.territory.code}")
    assert "Invented for tests" in overview.content.decode()
    response = client.post(
        reverse("payments:overview") + f"?territory={city.territory.code}", {"month": "2026-10"}
    )
    run = PaymentRun.objects.get()  # computed by the job (eager in the tests)
    job = Job.objects.get(kind="payments.run")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert (job.result_type, job.result_id) == ("payments.paymentrun", str(run.pk))
    assert run.total_cents == 65000


def test_the_parent_fee_calculator(client, city):
    login(client, Role.CHILDMINDER_ADVISER)
    path = (
        Path(__file__).resolve().parents[3]
        / "src/kitaplan/demo/data/childminding/munich-parent-fees-2020.toml"
    )
    result = services.save_fee_table(
        territory=city.territory, text=path.read_text(), file_name=path.name, actor=SYSTEM
    )
    record = result.record
    assert isinstance(record, FeeTableRecord)
    page = client.get(
        reverse("payments:fees"),
        {"territory": city.territory.code, "table": record.pk, "weekly_hours": "36"},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "79,00 €" in text
    assert "monthly amount by booked weekly hours" in text


def test_payment_objects_for_the_access_matrix(city):
    user = make_user("cm", Role.CHILDMINDER)
    keys = payment_objects(city, user=user)
    run = PaymentRun.objects.get(pk=keys["payment_run"])
    assert run.is_released
    assert PaymentLineRecord.objects.filter(
        run=run, childminder_id=keys["payment_childminder"]
    ).exists()
    assert RateTableRecord.objects.filter(pk=keys["rate_table"]).exists()
    second = payment_objects(city)
    assert second["payment_run"] != keys["payment_run"]


def test_make_iban_gives_the_known_example():
    assert services.make_iban("37040044", "532013000") == "DE89370400440532013000"
    assert services.checked_iban(services.make_iban("10000000", "1")) == "DE50100000000000000001"


def test_the_demo(city):
    from kitaplan.web.demo.payments import create_demo_payments

    berlin = make_city("berlin")
    for k, stage in enumerate(("BG1", "BG3", "BG6", "BG2", "BG4")):
        cm = make_childminder(berlin, f"B{k}", stage=stage, account=False)
        make_contract(cm, f"BK{k}", hours=25 + k)
    assert create_demo_payments()
    assert not create_demo_payments()
    october = PaymentRun.objects.get(territory=berlin.territory, month="2026-10")
    november = PaymentRun.objects.get(territory=berlin.territory, month="2026-11")
    assert october.is_released and not november.is_released
    assert not october.issues and october.total_cents > 0
    assert november.lines.filter(corrects_month="2026-10", component="insurance_pension").exists()
    # A few contracts carry the inclusion supplement (50 % of the Förderleistung) …
    marked = CareContract.objects.filter(childminder__territory=berlin.territory).exclude(
        supplements=[]
    )
    assert marked.exists()
    inclusion = october.lines.filter(component="inclusion")
    assert {line.contract_id for line in inclusion} == {str(c.pk) for c in marked}
    for line in inclusion:
        base = october.lines.get(contract_id=line.contract_id, component="foerderleistung")
        assert line.quantity == f"{base.amount_cents / 100:g}" and line.rate == "0.5"
        assert line.amount_cents == (base.amount_cents + 1) // 2  # half up
    # … and October's actual hours are settled as corrections in November's draft.
    reported = ActualHours.objects.filter(month="2026-10")
    assert reported.count() == 4 and not reported.filter(settled_in__isnull=False).exists()
    settled = {str(h.contract_id) for h in reported}
    assert {h["contract_id"] for h in november.inputs["actual_hours"]} == settled
    children = {str(h.contract.child_reference) for h in reported}
    corrections = november.lines.filter(corrects_month="2026-10", component="foerderleistung")
    assert children <= {line.child_reference for line in corrections}
    assert all(services.checked_iban(t.account.iban) for t in services.transfers(october)[0])
    assert services.run_file(october).content.startswith(b"<?xml")
    debtor = services.debtor_of(berlin.territory)
    assert debtor is not None and debtor.iban == services.make_iban("10000000", "1")


def test_absences_reported_in_the_substitutes_app_count_against_the_quota(city):
    """A table that stops pay beyond a quota of 0 days: a reported absence in the month lowers
    the amount by the absent working days (pro rata by calendar days)."""
    import datetime as dt

    from kitaplan.web.payments import services
    from kitaplan.web.substitutes.models import Absence
    from tests.web.payments.helpers import TABLE, make_childminder, make_contract, upload_table

    upload_table(city, TABLE + '\n[absence]\nquota_days = 0\nbeyond = "stops"\n')
    cm = make_childminder(city, "TP-A")
    make_contract(cm, "KA1")
    before, inputs = services.compute(city.territory, "2026-10")
    assert inputs["absences"] == []
    Absence.objects.create(
        childminder=cm, start=dt.date(2026, 10, 12), end=dt.date(2026, 10, 16), kind="illness"
    )
    after, inputs = services.compute(city.territory, "2026-10")
    assert inputs["absences"] == [
        {"childminder_id": str(cm.pk), "start": "2026-10-12", "end": "2026-10-16"}
    ]
    assert after.total_cents < before.total_cents


def test_a_released_run_pays_the_accounts_of_its_release_day(client, city, registry):
    """A later change of the bank account never changes a released run's SEPA file or
    statement; the next run pays to the new account."""
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    run = services.release_run(run=run, actor=SYSTEM)
    old_iban = registry["b"].payee_account.iban
    new_iban = services.make_iban("10000000", "99")
    services.save_payee_account(
        childminder=registry["b"], holder="Neue Inhaberin", iban=new_iban, bic="", actor=SYSTEM
    )
    login(client, Role.PAYMENT_OFFICE)
    for _ in range(2):  # downloaded again, the same file
        root = ET.fromstring(client.get(reverse("payments:run-sepa", args=[run.pk])).content)  # noqa: S314
        ibans = {
            t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text for t in root.findall(".//p:CdtTrfTxInf", NS)
        }
        assert old_iban in ibans and new_iban not in ibans
        assert root.find(".//p:ReqdExctnDt", NS).text == run.payees["execution_date"]
    statement = client.get(reverse("payments:statement", args=[run.pk, registry["b"].pk]))
    assert statement.context["account"].holder != "Neue Inhaberin"
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    november = services.release_run(run=november, actor=SYSTEM)
    root = ET.fromstring(services.file_bytes(services.run_file(november)))  # noqa: S314
    ibans = {
        t.find("p:CdtrAcct/p:Id/p:IBAN", NS).text for t in root.findall(".//p:CdtTrfTxInf", NS)
    }
    assert new_iban in ibans
