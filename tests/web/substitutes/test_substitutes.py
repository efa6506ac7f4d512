"""Absences and substitute care: the flu wave, capacity, reasons, decisions, scoping, report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kitaplan.domain.childminding.capacity import CareSchedule, max_simultaneous, parse_slots
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.childminding.services import own_children
from kitaplan.web.core.roles import Role
from kitaplan.web.substitutes import selectors, services
from kitaplan.web.substitutes.models import (
    Absence,
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.substitutes.helpers import (
    FRIDAY,
    MONDAY,
    absence,
    childminder,
    contract,
    service,
    visits,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def admin():
    return make_user("admin", Role.ADMIN)


def english(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def wave(city):
    """Greedy fails here: child a1 prefers S1 (its primary, nearest), b1 knows only S1, and each
    substitute has one free place. The optimum gives a1 to S2 and b1 to S1."""
    nord = service(city)
    a = childminder(city, "A", service=nord)
    b = childminder(city, "B", lat=52.002, service=nord, area=city.areas[2])
    s1 = childminder(city, "S1", lat=52.001, lon=13.001, limit=1, service=nord)
    s2 = childminder(city, "S2", lat=52.01, lon=13.01, limit=1, service=nord)
    a1 = contract(a, "a1", primary=s1, secondary=s2)
    b1 = contract(b, "b1", primary=s1)
    visits(s1, a1)
    visits(s2, a1)
    visits(s1, b1)
    return {
        "service": nord,
        "a": a,
        "b": b,
        "s1": s1,
        "s2": s2,
        "a1": a1,
        "b1": b1,
        "absences": [absence(a), absence(b)],
    }


def greedy(absences):
    """The greedy loop the optimisation replaces: each child in turn takes its best option."""
    taken: dict[int, int] = {}
    covered = 0
    for row in SubstituteAssignment.objects.filter(absence__in=absences).order_by("absence_id"):
        for pk in row.alternatives:
            if taken.get(pk, 0) < 1:
                taken[pk] = taken.get(pk, 0) + 1
                covered += 1
                break
    return covered


def test_flu_wave_covers_the_optimum_where_greedy_fails(wave, admin):
    counts = services.propose([wave["absences"][0]], actor=admin)  # the wave is found
    assert counts == {"absences": 2, "proposed": 2, "uncovered": 0, "own_arrangement": 0}
    rows = {r.contract_id: r for r in SubstituteAssignment.objects.all()}
    assert rows[wave["a1"].pk].substitute_id == wave["s2"].pk
    assert rows[wave["a1"].pk].role == "secondary"
    assert rows[wave["b1"].pk].substitute_id == wave["s1"].pk
    assert rows[wave["b1"].pk].role == "primary"
    assert rows[wave["a1"].pk].alternatives == [wave["s1"].pk, wave["s2"].pk]
    assert greedy(wave["absences"]) == 1  # greedy would leave b1 without a substitute
    assert rows[wave["b1"].pk].days == [
        (MONDAY + dt.timedelta(days=k)).isoformat() for k in range(5)
    ]
    assert AuditEvent.objects.filter(action=AuditAction.SUBSTITUTES_PROPOSED).count() == 1
    # proposing again replaces the unconfirmed proposals
    services.propose(wave["absences"], actor=admin)
    assert SubstituteAssignment.objects.count() == 2


def test_flu_wave_button_proposes_every_open_absence(wave, admin, client):
    english(client, admin)
    response = client.post(
        reverse("substitutes:absence-list"),
        {"action": "propose", "territory": wave["a"].territory_id},
    )
    assert response.status_code == 302
    assert SubstituteAssignment.objects.filter(status="proposed").count() == 2


def test_a_substitute_never_exceeds_her_limit(city, admin):
    # limit 3; her own contract 08–13 and her own child 12–17 overlap: one place left all week
    s = childminder(
        city, "S", limit=3, own_children_slots=[[[d, "12:00", "17:00"] for d in range(5)]]
    )
    contract(s, "own1", slots=[[d, "08:00", "13:00"] for d in range(5)])
    patterns = {"full": range(5), "monwed": (0, 2), "tuethu": (1, 3)}
    absent, children = [], {}
    for k, (name, weekdays) in enumerate(patterns.items()):
        cm = childminder(city, f"A{k}", lat=52.0 + 0.001 * k)
        c = contract(cm, name, slots=[[d, "08:00", "15:00"] for d in weekdays], primary=s)
        visits(s, c)
        absent.append(absence(cm))
        children[name] = c
    services.propose(absent, actor=admin)
    for row in SubstituteAssignment.objects.filter(status="proposed"):
        services.confirm(assignment=row, actor=admin)
    confirmed = list(SubstituteAssignment.objects.filter(substitute=s, status="confirmed"))
    # the optimum: Mon/Wed and Tue/Thu share the one place; the full-week child cannot fit
    assert {r.contract_id for r in confirmed} == {children["monwed"].pk, children["tuethu"].pk}
    full = SubstituteAssignment.objects.get(contract=children["full"])
    assert (full.status, full.reason) == ("uncovered", "no_capacity")
    # forcing the full-week child onto her is refused at confirmation
    forced = SubstituteAssignment.objects.create(
        absence=full.absence,
        contract=full.contract,
        substitute=s,
        role="primary",
        days=full.days,
        status="proposed",
    )
    with pytest.raises(services.SubstituteError):
        services.confirm(assignment=forced, actor=admin)
    # independent check: own contracts + own children + confirmed children ≤ permit, every day
    schedules = [
        CareSchedule(str(c.pk), str(c.pk), c.valid_from, c.valid_to, parse_slots(c.slots))
        for c in s.contracts.all()
    ]
    confirmed = list(SubstituteAssignment.objects.filter(substitute=s, status="confirmed"))
    for k in range(5):
        day = MONDAY + dt.timedelta(days=k)
        present = max_simultaneous(schedules, day, extra_present=own_children(s))
        assert present == 2
        extra = sum(1 for r in confirmed if day.isoformat() in r.days)
        assert present + extra <= 3, day


def test_child_without_enough_contacts_is_uncovered_with_reason(city, admin, client):
    a = childminder(city, "A")
    s = childminder(city, "S")
    c = contract(a, "lonely", primary=s)
    visits(s, c, n=1)
    gone = absence(a)
    services.propose([gone], actor=admin)
    row = SubstituteAssignment.objects.get()
    assert (row.status, row.reason) == ("uncovered", "no_known_substitute")
    english(client, admin)
    page = client.get(reverse("substitutes:absence-detail", args=[gone.pk])).content.decode()
    assert "nobody knows the child yet" in page
    # two visits within the months before the absence make her known
    visits(s, c, n=2)
    services.propose([gone], actor=admin)
    assert SubstituteAssignment.objects.get().status == "proposed"


def test_reason_is_worded_in_german_by_default(city, admin, client):
    a = childminder(city, "A")
    contract(a, "lonely")
    gone = absence(a)
    services.propose([gone], actor=admin)
    client.login(username="admin", password=PASSWORD)
    response = client.get(reverse("substitutes:absence-detail", args=[gone.pk]))
    assert response["Content-Language"] == "de"
    assert response.status_code == 200


def test_reject_offers_the_next_alternative_and_confirm_notifies(city, admin, client):
    a = childminder(city, "A")
    s1 = childminder(city, "S1", lat=52.001)
    s2 = childminder(city, "S2", lat=52.02)
    c = contract(a, "k1", primary=s1, secondary=s2)
    visits(s1, c)
    visits(s2, c)
    gone = absence(a)
    services.propose([gone], actor=admin)
    first = SubstituteAssignment.objects.get(status="proposed")
    assert first.substitute == s1
    english(client, admin)
    url = reverse("substitutes:absence-detail", args=[gone.pk])
    assert client.post(url, {"action": "reject", "assignment": first.pk}).status_code == 302
    second = SubstituteAssignment.objects.get(status="proposed")
    assert (second.substitute, second.role) == (s2, "secondary")
    assert second.distance_km is not None and second.distance_km > 2
    SubstituteProfile.objects.create(childminder=s2, email="s2@example.org")
    ParentContact.objects.create(contract=c, email="eltern-k1@example.org", consent=True)
    assert client.post(url, {"action": "confirm", "assignment": second.pk}).status_code == 302
    second.refresh_from_db()
    assert second.status == "confirmed" and second.notified_at is not None
    assert second.decided_by == admin
    assert set(Notification.objects.values_list("audience", "childminder_id", "status")) == {
        ("substitute", s2.pk, "sent"),
        ("parents", None, "sent"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["eltern-k1@example.org", "s2@example.org"]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert AuditAction.SUBSTITUTE_REJECTED.value in actions
    assert AuditAction.SUBSTITUTE_CONFIRMED.value in actions
    # proposing again keeps the confirmed substitute and adds nothing
    services.propose([gone], actor=admin)
    assert SubstituteAssignment.objects.filter(status="confirmed").count() == 1
    assert not SubstituteAssignment.objects.filter(status="proposed").exists()


def test_rejecting_every_alternative_records_the_reason(city, admin):
    a = childminder(city, "A")
    s1 = childminder(city, "S1")
    c = contract(a, "k1", primary=s1)
    visits(s1, c)
    gone = absence(a)
    services.propose([gone], actor=admin)
    new = services.reject(assignment=SubstituteAssignment.objects.get(), actor=admin)
    assert (new.status, new.reason) == ("uncovered", services.ALTERNATIVES_EXHAUSTED)
    services.propose([gone], actor=admin)  # the rejected substitute is not proposed again
    assert not SubstituteAssignment.objects.filter(status="proposed").exists()


def test_a_childminder_sees_only_her_own_absences_and_cannot_confirm(wave, admin, client):
    user = make_user("tagesmutter", Role.CHILDMINDER)
    wave["a"].user = user
    wave["a"].save()
    services.propose(wave["absences"], actor=admin)
    mine, other = wave["absences"]
    english(client, user)
    page = client.get(reverse("substitutes:absence-list")).content.decode()
    assert reverse("substitutes:absence-detail", args=[mine.pk]) in page
    assert reverse("substitutes:absence-detail", args=[other.pk]) not in page
    assert client.get(reverse("substitutes:absence-detail", args=[other.pk])).status_code == 404
    row = SubstituteAssignment.objects.filter(absence=mine).first()
    url = reverse("substitutes:absence-detail", args=[mine.pk])
    assert client.post(url, {"action": "confirm", "assignment": row.pk}).status_code == 403
    row.refresh_from_db()
    assert row.status == "proposed"
    with pytest.raises(PermissionDenied):
        services.confirm(assignment=row, actor=user)
    # she reports her own absence, not somebody else's
    later = services.report_absence(
        childminder=wave["a"],
        start=MONDAY + dt.timedelta(days=30),
        end=MONDAY + dt.timedelta(days=32),
        kind="training",
        actor=user,
    )
    assert later.status == "planned"
    assert AuditEvent.objects.filter(action=AuditAction.ABSENCE_REPORTED).count() == 1
    with pytest.raises(PermissionDenied):
        services.report_absence(
            childminder=wave["b"],
            start=MONDAY + dt.timedelta(days=30),
            end=MONDAY + dt.timedelta(days=32),
            kind="illness",
            actor=user,
        )
    assert client.get(reverse("substitutes:report")).status_code == 403


def test_a_substitute_sees_where_she_is_proposed(wave, admin, client):
    user = make_user("springer", Role.CHILDMINDER)
    wave["s1"].user = user
    wave["s1"].save()
    services.propose(wave["absences"], actor=admin)
    english(client, user)
    b_absence = wave["absences"][1]
    page = client.get(reverse("substitutes:absence-detail", args=[b_absence.pk])).content.decode()
    assert "b1" in page
    a_absence = wave["absences"][0]
    assert client.get(reverse("substitutes:absence-detail", args=[a_absence.pk])).status_code == 404


def test_adviser_of_another_service_gets_404(city, wave, admin, client):
    stranger = make_user("fremd", Role.CHILDMINDER_ADVISER)
    other = service(city, "Fachberatung Süd")
    other.advisers.add(stranger)
    own = make_user("nord", Role.CHILDMINDER_ADVISER)
    wave["service"].advisers.add(own)
    gone = wave["absences"][0]
    english(client, stranger)
    assert client.get(reverse("substitutes:absence-detail", args=[gone.pk])).status_code == 404
    assert client.get(reverse("substitutes:contacts", args=[wave["a"].pk])).status_code == 404
    assert client.get(reverse("substitutes:absence-list")).status_code == 200
    with pytest.raises(PermissionDenied):
        services.propose([gone], actor=stranger)
    english(client, own)
    assert client.get(reverse("substitutes:absence-detail", args=[gone.pk])).status_code == 200
    planner = make_user("planer", Role.PLANNER)
    english(client, planner)
    assert client.get(reverse("substitutes:absence-list")).status_code == 403


def test_record_contact_is_audited(wave, client):
    own = make_user("nord", Role.CHILDMINDER_ADVISER)
    wave["service"].advisers.add(own)
    english(client, own)
    url = reverse("substitutes:contacts", args=[wave["a"].pk])
    assert "a1" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "contact-contract": wave["a1"].pk,
            "contact-substitute": wave["s1"].pk,
            "contact-day": (MONDAY - dt.timedelta(days=20)).isoformat(),
            "contact-note": "Spielplatz",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.SUBSTITUTE_CONTACT_RECORDED).count() == 1


def test_report_counts_match_an_independent_count(city, wave, admin, client):
    SubstituteSettings.objects.create(territory=wave["a"].territory, day_rate_cents=5000)
    # a third absence whose family arranges care itself, two days Mon/Wed contract
    f = childminder(city, "F", area=wave["a"].area)
    SubstituteProfile.objects.create(childminder=f, model="family")
    contract(f, "f1", slots=[[0, "08:00", "12:00"], [2, "08:00", "12:00"]])
    absence(f)
    services.propose(wave["absences"], actor=admin)
    b_row = SubstituteAssignment.objects.get(contract=wave["b1"])
    services.confirm(assignment=b_row, actor=admin)  # b1 covered, a1 only proposed
    # period Mon..Wed clips the absences to three calendar days each
    end = MONDAY + dt.timedelta(days=2)
    result = selectors.period_report(
        Absence.objects.all(), start=MONDAY, end=end, day_rate=Decimal("50")
    )
    # independent count: a1, b1 Mon–Fri → 3 days each in the period; f1 Mon+Wed → 2 days
    assert result.total.childminder_absence_days == 3 * 3
    assert result.total.child_days == 3 + 3 + 2
    assert result.total.own_arrangement_days == 2
    assert result.total.covered_days == 3
    assert result.total.uncovered_days == 3
    assert result.total.coverage_rate == pytest.approx(0.5)
    assert result.total.cost == Decimal("150.00")
    by_label = {row.label: row.report for row in result.rows}
    area_a = f"{wave['a'].area.official_code} {wave['a'].area.name}"
    area_b = f"{wave['b'].area.official_code} {wave['b'].area.name}"
    assert by_label[area_a].uncovered_days == 3 and by_label[area_a].covered_days == 0
    assert by_label[area_b].covered_days == 3 and by_label[area_b].uncovered_days == 0
    assert result.by_reason == {"not_decided": 3}
    # the page and the CSV export
    english(client, admin)
    url = reverse("substitutes:report")
    query = {"start": MONDAY.isoformat(), "end": end.isoformat()}
    assert client.get(url, query).status_code == 200
    csv = client.get(url, {**query, "format": "csv"}).content.decode()
    assert "150.00" in csv
    assert client.get(url, {**query, "format": "xlsx"}).status_code == 200


def test_pages_render_for_admin(wave, admin, client):
    services.propose(wave["absences"], actor=admin)
    services.confirm(
        assignment=SubstituteAssignment.objects.filter(status="proposed").first(), actor=admin
    )
    english(client, admin)
    for url in (
        reverse("substitutes:absence-list"),
        reverse("substitutes:absence-detail", args=[wave["absences"][0].pk]),
        reverse("substitutes:contacts", args=[wave["a"].pk]),
        reverse("substitutes:report"),
        reverse("substitutes:notifications"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url
    assert FRIDAY.weekday() == 4
