"""A contract's rate scheme and supplements, and actual hours (settlement on actual hours):
from the registry and the pages to the engine's lines, who may report for which contract,
refusals in German."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, CareContract
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.payments import services
from kitaplan.web.payments.models import ActualHours, PaymentRun
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import TABLE, make_childminder, make_contract, upload_table

pytestmark = pytest.mark.django_db

#: The test table with an hourly inclusion supplement of 2.00 EUR (paid only for marked
#: contracts): 30 h × 52/12 = 130 h → 260.00 EUR.
INCLUSION_TABLE = (
    TABLE
    + """
[[components]]
code = "inclusion"
kind = "supplement"
unit = "hour"
requires = "inclusion"
rates = [{ amount = "2.00" }]
"""
)
OTHER_SCHEME = TABLE.replace('scheme = "test-city"', 'scheme = "other-city"').replace(
    'code = "test-city-2026"', 'code = "other-city-2026"'
)


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def registry(city):
    service = AdvisoryService.objects.create(territory=city.territory, name="Nord")
    a = make_childminder(city, "T1", service=service)
    b = make_childminder(city, "T2", stage="BG1")
    return {
        "a": a,
        "b": b,
        "service": service,
        "k1": make_contract(a, "K1"),
        "k2": make_contract(a, "K2", hours=20),
        "k3": make_contract(b, "K3", hours=25),
    }


def login(client, role, name="user", english=True):
    user = make_user(name, role)
    client.login(username=name, password=PASSWORD)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def own(registry, user, key="a"):
    registry[key].user = user
    registry[key].save()


def release(city, month):
    run = services.create_run(territory=city.territory, month=month, actor=SYSTEM)
    return services.release_run(run=run, actor=SYSTEM)


# --------------------------------------------------------------------------- scheme, supplements


def test_an_inclusion_marked_contract_gets_the_supplement_and_an_unmarked_one_does_not(
    client, city, registry
):
    upload_table(city, INCLUSION_TABLE)
    adviser = login(client, Role.CHILDMINDER_ADVISER, "adviser")
    registry["service"].advisers.add(adviser)
    k1 = registry["k1"]
    url = reverse("payments:contract", args=[k1.pk])
    page = client.get(url).content.decode()
    assert "Supplement for the care of a child with special support needs" in page
    assert 'name="supplements"' in page and 'name="rate_scheme"' in page
    response = client.post(url, {"rate_scheme": "", "supplements": ["inclusion"]})
    assert response.status_code == 302
    k1.refresh_from_db()
    assert k1.supplements == ["inclusion"] and k1.rate_scheme == ""
    event = AuditEvent.objects.filter(action="childminding.changed").latest("pk")
    assert event.actor == adviser
    assert event.before["supplements"] == [] and event.after["supplements"] == ["inclusion"]

    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    inclusion = run.lines.filter(component="inclusion")
    # 30 h × 52/12 = 130 h × 2.00 EUR = 260.00 EUR, for K1 only.
    assert [(x.child_reference, x.quantity, x.rate, x.amount_cents) for x in inclusion] == [
        ("K1", "130", "2", 26000)
    ]
    assert not run.lines.filter(child_reference__in=["K2", "K3"], component="inclusion").exists()
    assert run.lines.filter(child_reference="K2", component="foerderleistung").exists()
    contracts = {c["child_id"]: c for c in run.inputs["contracts"]}
    assert contracts["K1"]["supplements"] == ["inclusion"]
    assert contracts["K2"]["supplements"] == []
    statement = client.get(reverse("payments:statement", args=[run.pk, registry["a"].pk]))
    assert statement.status_code == 404  # advisers see the statements of released runs only
    services.release_run(run=run, actor=SYSTEM)
    text = client.get(reverse("payments:statement", args=[run.pk, registry["a"].pk])).content
    assert "Supplement for the care of a child with special support needs" in text.decode()
    assert "260,00 €" in text.decode()


def test_the_new_contract_form_of_the_registry_sets_scheme_and_supplements(client, city, registry):
    adviser = login(client, Role.CHILDMINDER_ADVISER, "adviser")
    registry["service"].advisers.add(adviser)
    url = reverse("childminding:childminder-detail", args=[registry["a"].pk])
    page = client.get(url).content.decode()
    assert 'name="contract-supplements"' in page and 'name="contract-rate_scheme"' in page
    data = {
        "action": "contract",
        "contract-child_reference": "K9",
        "contract-child_birth_date": "2025-01-10",
        "contract-valid_from": "2026-09-01",
        "contract-weekly_hours": "20",
        "contract-funded": "on",
        "contract-schedule": "Mo 08:00-12:00, Di 08:00-12:00",
        "contract-rate_scheme": "test city",
        "contract-supplements": ["inclusion"],
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "A scheme is a code without spaces" in refused.content.decode()
    assert not CareContract.objects.filter(child_reference="K9").exists()
    response = client.post(url, {**data, "contract-rate_scheme": " test-city "})
    assert response.status_code == 302
    saved = CareContract.objects.get(child_reference="K9")
    assert saved.rate_scheme == "test-city" and saved.supplements == ["inclusion"]
    detail = client.get(url).content.decode()
    assert reverse("payments:contract", args=[saved.pk]) in detail
    assert "Supplement for the care of a child with special support needs" in detail


def test_several_schemes_without_one_named_is_the_engines_ambiguity_issue_in_german(
    client, city, registry
):
    upload_table(city)
    result = services.save_rate_table(
        territory=city.territory, text=OTHER_SCHEME, file_name="other.toml", actor=SYSTEM
    )
    assert result.record is not None, result.problems
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    assert {i["code"] for i in run.issues} == {"ambiguous_scheme"}
    assert run.total_cents == 0
    office = login(client, Role.PAYMENT_OFFICE, "office", english=False)
    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert "Es sind mehrere Regelwerke geladen, und das Register sagt nicht" in page
    assert reverse("payments:contract", args=[registry["k1"].pk]) in page
    # The office names the scheme on the contract page (a select of the territory's schemes).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("payments:contract", args=[registry["k1"].pk])
    form = client.get(url).content.decode()
    assert 'value="other-city"' in form and 'value="test-city"' in form
    assert "Several rate schemes are loaded for this territory and the contract names none" in form
    bad = client.post(url, {"rate_scheme": "no-such-scheme"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.content.decode()
    for key in ("k1", "k2", "k3"):
        services.save_contract_terms(
            contract=registry[key], rate_scheme="test-city", supplements=[], actor=office
        )
    again = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    assert again.issues == []
    assert again.lines.get(child_reference="K1", component="foerderleistung").amount_cents == 52000
    assert {c["scheme"] for c in again.inputs["contracts"]} == {"test-city"}


# --------------------------------------------------------------------------- actual hours


def test_reported_actual_hours_become_the_settlement_in_the_next_run(client, city, registry):
    upload_table(city)
    october = release(city, "2026-10")
    user = login(client, Role.CHILDMINDER, "tm")
    own(registry, user)
    page = client.get(reverse("payments:hours")).content.decode()
    assert "K1" in page and "K2" in page and "K3" not in page  # K3 is another childminder's
    response = client.post(
        reverse("payments:hours"),
        {"contract": registry["k1"].pk, "month": "2026-10", "hours": "120.5", "note": "Urlaub"},
    )
    assert response.status_code == 302
    report = ActualHours.objects.get()
    assert report.hours == Decimal("120.50") and report.reported_by == user
    assert report.settled_in is None
    event = AuditEvent.objects.get(action="payment.hours_reported")
    assert event.actor == user and event.after["hours"] == "120.50"
    assert event.after["month"] == "2026-10"

    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    # Paid in advance for October: 30 h × 52/12 = 130 h. Due: the 120.5 h actually cared.
    weekly, rate_f, rate_s = Decimal(30), Decimal("4.00"), Decimal("1.00")
    paid_hours = weekly * 52 / 12
    due_hours = Decimal("120.5")
    expected = {
        ("foerderleistung", int(((due_hours - paid_hours) * rate_f * 100).to_integral_value())),
        ("sachaufwand", int(((due_hours - paid_hours) * rate_s * 100).to_integral_value())),
    }
    assert expected == {("foerderleistung", -3800), ("sachaufwand", -950)}
    corrections = november.lines.filter(corrects_month="2026-10")
    assert {(c.component, c.amount_cents) for c in corrections} == expected
    assert {c.child_reference for c in corrections} == {"K1"}
    assert all(c.unit == "correction" for c in corrections)
    # November itself is still paid in advance on the granted hours.
    regular = november.lines.get(child_reference="K1", component="foerderleistung", unit="h")
    assert regular.quantity == "130"
    assert november.inputs["actual_hours"] == [
        {
            "id": report.pk,
            "contract_id": str(registry["k1"].pk),
            "month": "2026-10",
            "hours": "120.5",
        }
    ]
    assert october.lines.filter(corrects_month="").count() == october.lines.count()

    office = make_user("office", Role.PAYMENT_OFFICE)
    client.force_login(office)
    run_page = client.get(reverse("payments:run", args=[november.pk])).content.decode()
    assert "Settlement on actual hours (120,5 h reported)" in run_page
    assert "-47,50 €" in run_page  # the settlement total: -38.00 - 9.50

    services.release_run(run=november, actor=SYSTEM)
    report.refresh_from_db()
    assert report.settled_in == november
    client.force_login(user)
    statement = client.get(reverse("payments:statement", args=[november.pk, registry["a"].pk]))
    assert "settlement on actual hours (120,5 h)" in statement.content.decode()
    # Settled: a later change is refused with a clear message, and nothing changes.
    refused = client.post(
        reverse("payments:hours"),
        {"contract": registry["k1"].pk, "month": "2026-10", "hours": "125"},
    )
    assert refused.status_code == 400
    assert (
        "The hours of 2026-10 were settled in the released run of 2026-11 and can no longer be "
        "changed." in refused.content.decode()
    )
    report.refresh_from_db()
    assert report.hours == Decimal("120.50")
    assert AuditEvent.objects.filter(action="payment.hours_reported").count() == 1
    # December recomputes October with the same hours: no second settlement.
    december = services.create_run(territory=city.territory, month="2026-12", actor=SYSTEM)
    assert not december.lines.filter(corrects_month__gt="").exists()


def test_a_report_can_be_corrected_until_settled_and_a_changed_draft_is_not_released(
    client, city, registry
):
    upload_table(city)
    release(city, "2026-10")
    november = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    office = login(client, Role.PAYMENT_OFFICE, "office")
    url = reverse("payments:hours")
    k3 = registry["k3"]
    for hours in ("100", "110"):
        response = client.post(url, {"contract": k3.pk, "month": "2026-10", "hours": hours})
        assert response.status_code == 302
    report = ActualHours.objects.get()
    assert report.hours == Decimal(110) and report.reported_by == office
    events = AuditEvent.objects.filter(action="payment.hours_reported").order_by("pk")
    assert [e.before for e in events][1]["hours"] == "100.00"
    # The correction form is prefilled with the stored report.
    form = client.get(url, {"contract": k3.pk, "month": "2026-10"}).content.decode()
    assert 'value="110' in form
    # The November draft was computed before the report: releasing it is refused.
    run_page = client.get(reverse("payments:run", args=[november.pk])).content.decode()
    assert "Actual hours were reported or corrected after this draft was computed" in run_page
    with pytest.raises(services.PaymentError) as refused:
        services.release_run(run=november, actor=SYSTEM)
    assert refused.value.code == "hours_changed"
    response = client.post(reverse("payments:run", args=[november.pk]), {"action": "release"})
    assert response.status_code == 302
    november.refresh_from_db()
    assert not november.is_released
    again = services.create_run(territory=city.territory, month="2026-11", actor=SYSTEM)
    # K3: BG1 3.50 + 1.00 EUR/h; 25 h × 52/12 = 108 1/3 h paid, 110 h due.
    paid = Decimal(25) * 52 / 12
    due = Decimal(110)
    expected_f = int(((due - paid) * Decimal("3.50") * 100).quantize(Decimal(1)))
    expected_s = int(((due - paid) * Decimal("1.00") * 100).quantize(Decimal(1)))
    found = {
        c.component: c.amount_cents
        for c in again.lines.filter(corrects_month="2026-10", child_reference="K3")
    }
    assert found == {"foerderleistung": expected_f, "sachaufwand": expected_s}
    services.release_run(run=again, actor=SYSTEM)
    report.refresh_from_db()
    assert report.settled_in == again


def test_a_month_computed_after_it_ended_is_paid_on_its_actual_hours(city, registry):
    upload_table(city)
    services.save_actual_hours(
        contract=registry["k1"], month="2026-10", hours=Decimal(100), actor=SYSTEM
    )
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    line = run.lines.get(child_reference="K1", component="foerderleistung")
    assert (line.quantity, line.amount_cents) == ("100", 40000)
    assert "actual_hours 100" in line.note
    services.release_run(run=run, actor=SYSTEM)
    assert ActualHours.objects.get().settled_in == run


# --------------------------------------------------------------------------- access


def test_a_childminder_cannot_read_or_report_for_another_childminders_contract(
    client, city, registry
):
    upload_table(city)
    release(city, "2026-10")
    user = login(client, Role.CHILDMINDER, "tm")
    own(registry, user)
    other = registry["k3"]
    services.save_actual_hours(contract=other, month="2026-10", hours=Decimal(90), actor=SYSTEM)
    hours_url = reverse("payments:hours")
    assert client.get(reverse("payments:contract", args=[other.pk])).status_code == 404
    assert client.get(hours_url, {"contract": other.pk}).status_code == 404
    response = client.post(hours_url, {"contract": other.pk, "month": "2026-10", "hours": "1"})
    assert response.status_code == 404
    assert ActualHours.objects.get().hours == Decimal(90)
    listing = client.get(hours_url).content.decode()
    assert "K3" not in listing
    # Her own contract's page: reading yes, changing the payment terms no.
    mine = reverse("payments:contract", args=[registry["k1"].pk])
    page = client.get(mine).content.decode()
    assert page.count("<h1") == 1 and 'name="rate_scheme"' not in page
    assert client.post(mine, {"supplements": ["inclusion"]}).status_code == 403
    registry["k1"].refresh_from_db()
    assert registry["k1"].supplements == []
    with pytest.raises(PermissionDenied):
        services.save_actual_hours(contract=other, month="2026-10", hours=Decimal(1), actor=user)
    with pytest.raises(PermissionDenied):
        services.save_contract_terms(
            contract=registry["k1"], rate_scheme="", supplements=["inclusion"], actor=user
        )


def test_advisers_report_only_for_their_services_childminders(client, city, registry):
    upload_table(city)
    adviser = login(client, Role.CHILDMINDER_ADVISER, "adviser")
    url = reverse("payments:hours")
    k1 = registry["k1"]
    assert client.get(reverse("payments:contract", args=[k1.pk])).status_code == 404
    assert (
        client.post(url, {"contract": k1.pk, "month": "2026-10", "hours": "1"}).status_code == 404
    )
    registry["service"].advisers.add(adviser)
    assert client.get(reverse("payments:contract", args=[k1.pk])).status_code == 200
    response = client.post(url, {"contract": k1.pk, "month": "2026-10", "hours": "99.25"})
    assert response.status_code == 302
    assert ActualHours.objects.get().reported_by == adviser
    # K3's childminder belongs to no service of the adviser.
    k3 = registry["k3"]
    assert (
        client.post(url, {"contract": k3.pk, "month": "2026-10", "hours": "1"}).status_code == 404
    )


def test_roles_without_payments_are_refused(client, city, registry):
    login(client, Role.PLANNER, "planner")
    assert client.get(reverse("payments:hours")).status_code == 403
    assert client.get(reverse("payments:contract", args=[registry["k1"].pk])).status_code == 403
    response = client.post(
        reverse("payments:hours"),
        {"contract": registry["k1"].pk, "month": "2026-10", "hours": "1"},
    )
    assert response.status_code == 403
    assert not ActualHours.objects.exists()


# --------------------------------------------------------------------------- refusals


def test_bad_input_is_refused_in_german_at_its_field(client, city, registry):
    user = login(client, Role.CHILDMINDER, "tm", english=False)
    own(registry, user)
    url = reverse("payments:hours")
    response = client.post(url, {"contract": registry["k1"].pk, "month": "2026-13", "hours": "-1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Geben Sie einen Monat als JJJJ-MM ein." in text
    assert "Dieser Wert muss größer oder gleich 0 sein." in text
    assert 'id="id_month_error"' in text and 'id="id_hours_error"' in text
    assert 'aria-describedby="id_month_helptext id_month_error"' in text
    three = client.post(url, {"contract": registry["k1"].pk, "month": "2026-10", "hours": "1,125"})
    assert "höchstens 2 Dezimalstellen" in three.content.decode()
    german = client.post(url, {"contract": registry["k1"].pk, "month": "2026-10", "hours": "120,5"})
    assert german.status_code == 302
    assert ActualHours.objects.get().hours == Decimal("120.5")
    assert not ActualHours.objects.exclude(month="2026-10").exists()


def test_months_not_over_and_months_without_funding_are_refused(client, city, registry):
    user = login(client, Role.CHILDMINDER, "tm")
    own(registry, user)
    url = reverse("payments:hours")
    today = timezone.localdate()
    this_month = f"{today.year:04d}-{today.month:02d}"
    response = client.post(url, {"contract": registry["k1"].pk, "month": this_month, "hours": "5"})
    assert response.status_code == 400
    assert f"{this_month} has not ended yet" in response.content.decode()
    # K1 is funded from 1 September 2026.
    before = client.post(url, {"contract": registry["k1"].pk, "month": "2026-08", "hours": "5"})
    assert before.status_code == 400
    assert "The contract of K1 is not funded in 2026-08." in before.content.decode()
    assert not ActualHours.objects.exists()
    with pytest.raises(services.PaymentError) as too_many:
        services.save_actual_hours(
            contract=registry["k1"], month="2026-10", hours=Decimal(745), actor=SYSTEM
        )
    assert too_many.value.code == "bad_hours"
    with pytest.raises(services.PaymentError) as bad_month:
        services.save_actual_hours(
            contract=registry["k1"], month="October", hours=Decimal(5), actor=SYSTEM
        )
    assert bad_month.value.code == "bad_month"
    assert (
        services.save_actual_hours(
            contract=registry["k1"],
            month="2026-10",
            hours=Decimal(5),
            actor=SYSTEM,
            today=dt.date(2026, 11, 1),
        ).reported_by
        is None
    )
    with pytest.raises(services.PaymentError) as early:
        services.save_actual_hours(
            contract=registry["k1"],
            month="2026-10",
            hours=Decimal(6),
            actor=SYSTEM,
            today=dt.date(2026, 10, 31),
        )
    assert early.value.code == "future_month"
    assert PaymentRun.objects.count() == 0
