"""The yearly report of the advisory service: figures on 1 March and the year before, scoping,
PDF and XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    StatusChange,
)
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.roles import Role
from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun
from kitaplan.web.reports.yearly import yearly_report
from kitaplan.web.substitutes.models import Absence, SubstituteAssignment
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

WEEKDAYS = [[d, "08:00", "15:00"] for d in range(5)]
YEAR = 2026
NOW = dt.date(2026, 3, 1)
BEFORE = dt.date(2025, 3, 1)

# number, service, care location, qualification, status history
PEOPLE = [
    ("C1", "A", "own_home", "QHB 300 UE", [("active", dt.date(2020, 1, 1))]),
    ("C2", "A", "rented_rooms", "160 UE", [("active", dt.date(2025, 6, 1))]),  # new
    (
        "C3",
        "A",
        "own_home",
        "Erzieherin",
        [("active", dt.date(2019, 5, 1)), ("left", dt.date(2025, 9, 30))],  # left
    ),
    (
        "C4",
        "A",
        "parents_home",
        "",
        [("active", dt.date(2021, 1, 1)), ("paused", dt.date(2026, 1, 15))],
    ),
    ("C5", "B", "own_home", "QHB", [("active", dt.date(2018, 1, 1))]),
    ("C6", "A", "own_home", "Tagesmutter-Kurs", [("active", dt.date(2024, 9, 1))]),  # new before
    ("C7", "A", "own_home", "QHB 300 UE", [("active", dt.date(2026, 6, 1))]),  # later
]
# reference, childminder, birth, from, until
CONTRACTS = [
    ("K1", "C1", dt.date(2025, 6, 10), dt.date(2025, 9, 1), None),  # starts before 1 March
    ("K2", "C1", dt.date(2024, 1, 10), dt.date(2024, 8, 1), None),
    ("K3", "C1", dt.date(2022, 12, 1), dt.date(2023, 9, 1), dt.date(2026, 6, 30)),
    ("K4", "C1", dt.date(2025, 1, 1), dt.date(2026, 4, 1), None),  # starts after 1 March
    ("K5", "C3", dt.date(2023, 5, 5), dt.date(2024, 1, 1), dt.date(2025, 9, 30)),  # ended
    ("K6", "C2", dt.date(2024, 11, 20), dt.date(2025, 7, 1), None),
    ("K7", "C5", dt.date(2024, 2, 2), dt.date(2025, 1, 1), None),
    ("K8", "C4", dt.date(2023, 3, 1), dt.date(2024, 3, 2), dt.date(2025, 3, 1)),  # both edges
]


def status_on(history, day):
    now = None
    for status, since in history:
        if since <= day:
            now = status
    return now


def expected(day, services):
    """Independent counts straight from the tables above."""
    start = day.replace(year=day.year - 1) + dt.timedelta(days=1)
    people = [p for p in PEOPLE if p[1] in services]
    names = {p[0] for p in people}
    registered = [p for p in people if status_on(p[4], day) in ("active", "paused")]
    running = [
        c for c in CONTRACTS if c[1] in names and c[3] <= day and (c[4] is None or c[4] >= day)
    ]

    def age(birth):
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

    return {
        "total": len(registered),
        "active": sum(status_on(p[4], day) == "active" for p in people),
        "paused": sum(status_on(p[4], day) == "paused" for p in people),
        "new": sum(start <= min(d for s, d in p[4] if s == "active") <= day for p in people),
        "left": sum(
            status_on(p[4], day) == "left"
            and any(s == "left" and start <= d <= day for s, d in p[4])
            for p in people
        ),
        "children": len(running),
        "under_1": sum(age(c[2]) == 0 for c in running),
        "age_1": sum(age(c[2]) == 1 for c in running),
        "age_2": sum(age(c[2]) == 2 for c in running),
        "age_3_plus": sum(age(c[2]) >= 3 for c in running),
        "placements": sum(c[1] in names and start <= c[3] <= day for c in CONTRACTS),
        "endings": sum(
            c[1] in names and c[4] is not None and start <= c[4] <= day for c in CONTRACTS
        ),
    }


@pytest.fixture
def registry():
    city = make_city()
    services = {
        code: AdvisoryService.objects.create(territory=city.territory, name=f"Fachberatung {code}")
        for code in ("A", "B")
    }
    people = {}
    for number, service, location, qualification, history in PEOPLE:
        cm = Childminder.objects.create(
            territory=city.territory,
            number=number,
            name=f"Tagesmutter {number}",
            care_location=location,
            qualification=qualification,
            area=city.areas[0],
            service=services[service],
            status=history[-1][0],
        )
        for status, since in history:
            StatusChange.objects.create(childminder=cm, status=status, valid_from=since)
        people[number] = cm
    contracts = {}
    for ref, number, birth, start, end in CONTRACTS:
        contracts[ref] = CareContract.objects.create(
            childminder=people[number],
            child_reference=ref,
            child_birth_date=birth,
            valid_from=start,
            valid_to=end,
            weekly_hours=35,
            slots=WEEKDAYS,
        )
    return city, services, people, contracts


def pay(city, month, amounts):
    run = PaymentRun.objects.create(territory=city.territory, month=month, version=1)
    for position, (cm, cents) in enumerate(amounts, start=1):
        PaymentLineRecord.objects.create(
            run=run,
            position=position,
            childminder=cm,
            component="Förderleistung",
            quantity="1",
            rate=str(cents),
            unit="month",
            amount_cents=cents,
            table_code="T",
        )
    run.status = PaymentRun.RELEASED
    run.save()
    return run


def test_the_figures_match_independent_counts_for_both_reference_dates(registry):
    city, services, people, _contracts = registry
    report = yearly_report(city.territory, YEAR, services=[services["A"]])
    assert report.current.reference_date == NOW
    assert report.previous.reference_date == BEFORE
    assert report.current.period_start == dt.date(2025, 3, 2)
    for figures, day in ((report.current, NOW), (report.previous, BEFORE)):
        want = expected(day, {"A"})
        assert figures.childminders == {k: want[k] for k in figures.childminders}
        assert figures.children == want["children"]
        assert figures.children_by_age == {k: want[k] for k in figures.children_by_age}
        assert figures.placements == want["placements"]
        assert figures.endings == want["endings"]
    # the named cases, spelled out
    now, before = report.current, report.previous
    assert now.childminders["new"] == 1  # C2 (C7 starts after 1 March)
    assert now.childminders["left"] == 1  # C3
    assert before.childminders["new"] == 1  # C6
    assert now.childminders["paused"] == 1 and before.childminders["paused"] == 0  # C4
    assert now.placements == 2  # K1, K6 – not K4 (after 1 March)
    assert now.endings == 1  # K5; K8 ended on the previous reference date
    assert before.endings == 1  # K8
    assert before.placements == 2  # K2, K8 (2 March 2024 is the period's first day)
    assert now.children_by_location["rented_rooms"] == 1  # K6
    assert now.qualification == {
        "qhb": 1,  # C1
        "ue160": 1,  # C2
        "pedagogical": 0,  # C3 left
        "other": 1,  # C6
        "in_qualification": 0,  # no enrolments in kitaplan: the recorded text counts
        "none": 1,  # C4 (paused, still registered)
    }
    assert before.qualification["pedagogical"] == 1
    lines = {(r.section, r.key): r for r in report.lines()}
    assert (
        lines[("childminders", "total")].difference
        == now.childminders["total"] - (before.childminders["total"])
    )


def test_all_services_and_scoping_by_adviser(registry):
    city, services, people, _contracts = registry
    everything = yearly_report(city.territory, YEAR)
    assert everything.current.childminders["total"] == expected(NOW, {"A", "B"})["total"]
    adviser = make_user("berater-b", Role.CHILDMINDER_ADVISER)
    services["B"].advisers.add(adviser)
    visible = childminders_visible_to(adviser)
    mine = yearly_report(city.territory, YEAR, childminders=visible)
    assert mine.current.childminders["total"] == 1  # only C5
    assert mine.current.children == expected(NOW, {"B"})["children"]
    other = yearly_report(city.territory, YEAR, services=[services["A"]], childminders=visible)
    assert other.current.childminders["total"] == 0
    assert other.current.children == 0 and other.previous.childminders["total"] == 0


def test_payments_and_substitute_coverage_in_the_twelve_months(registry):
    city, services, people, contracts = registry
    pay(city, "2025-03", [(people["C1"], 10_000)])  # previous year's months (Apr 2024–Mar 2025)
    pay(city, "2025-04", [(people["C1"], 20_000), (people["C2"], 5_000)])
    pay(city, "2026-03", [(people["C2"], 7_000), (people["C5"], 99_900)])
    draft = PaymentRun.objects.create(territory=city.territory, month="2026-02", version=1)
    PaymentLineRecord.objects.create(
        run=draft,
        position=1,
        childminder=people["C1"],
        component="x",
        quantity="1",
        rate="1",
        unit="month",
        amount_cents=55_500,
        table_code="T",
    )
    absence = Absence.objects.create(
        childminder=people["C1"],
        start=dt.date(2025, 11, 3),  # Monday
        end=dt.date(2025, 11, 7),
        kind="illness",
    )
    SubstituteAssignment.objects.create(
        absence=absence,
        contract=contracts["K1"],
        substitute=people["C6"],
        role="other",
        days=["2025-11-03", "2025-11-04"],
        status="confirmed",
    )
    report = yearly_report(city.territory, YEAR, services=[services["A"]])
    assert report.current.payment_months[0] == "2025-04"
    assert report.current.payment_months[-1] == "2026-03"
    assert report.current.payments_cents == 32_000  # drafts and service B left out
    assert report.current.childminders_paid == 2
    assert report.previous.payments_cents == 10_000
    assert report.previous.childminders_paid == 1
    coverage = report.current.coverage
    # K1, K2, K3 run during the absence: 3 children × 5 days; 2 covered
    assert coverage.child_days == 15 and coverage.covered_days == 2
    assert report.previous.coverage.child_days == 0
    rate = {(r.section, r.key): r for r in report.lines()}[("substitutes", "coverage_rate")]
    assert str(rate.current) == "13.3" and rate.previous is None


def test_pages_pdf_xlsx_and_roles(client, registry):
    city, services, people, _contracts = registry
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    services["A"].advisers.add(adviser)
    client.login(username="berater", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("reports:yearly-report")
    page = client.get(url, {"year": YEAR})
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("<h1") == 1
    assert "Yearly report of the advisory service" in text
    assert 'data-figure="childminders.total"' in text
    assert "Fachberatung B" not in text  # her services only
    assert client.get(url, {"year": YEAR, "service": services["B"].pk}).status_code == 404
    total = next(
        r for r in page.context["sections"][0]["rows"] if r["key"] == "total"
    )  # C5 of service B is not hers
    assert total["current"] == str(expected(NOW, {"A"})["total"])

    pdf = client.get(reverse("reports:yearly-report-pdf"), {"year": YEAR})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("reports:yearly-report-xlsx"), {"year": YEAR})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    by_code = {row[2]: row for row in rows[1:]}
    want_now, want_before = expected(NOW, {"A"}), expected(BEFORE, {"A"})
    assert by_code["childminders.total"][3:] == (
        want_now["total"],
        want_before["total"],
        want_now["total"] - want_before["total"],
    )
    assert by_code["movement.placements"][3] == want_now["placements"]
    assert by_code["children_age.age_2"][3:5] == (want_now["age_2"], want_before["age_2"])

    client.logout()
    person = make_user("tagesmutter", Role.CHILDMINDER)
    people["C1"].user = person
    people["C1"].save()
    client.login(username="tagesmutter", password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:yearly-report-pdf")).status_code == 403
    client.logout()
    make_user("kasse", Role.PAYMENT_OFFICE)
    client.login(username="kasse", password=PASSWORD)
    everything = client.get(url, {"year": YEAR})
    assert everything.status_code == 200
    total = next(r for r in everything.context["sections"][0]["rows"] if r["key"] == "total")
    assert total["current"] == str(expected(NOW, {"A", "B"})["total"])
