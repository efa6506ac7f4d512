"""Inclusion: checklist evaluation, the planning metric and target, Kita staff qualification,
the resource pool with its conflicts, scoping and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.domain.planning.targets import Light, TargetMetric
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.inclusion import selectors, services
from kitaplan.web.inclusion.models import Booking, ChecklistItem, FacilityConfirmation, PoolItem
from kitaplan.web.planning import selectors as planning_selectors
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.qualification.models import Enrolment
from kitaplan.web.territory.models import AreaLevel
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.inclusion.helpers import inclusion_objects, make_checklist, make_programme

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 5, 4)


@pytest.fixture
def city():
    return make_city()


def login(client, role, city, **scope):
    if role == Role.FACILITY_MANAGER and not scope:
        scope = {"provider": city.providers[0]}
    user = make_user(f"u-{role.value}", role, **scope)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def qualify(facility, name="Fachkraft A", status="completed"):
    _programme, course = make_programme(facility.territory)
    return Enrolment.objects.create(
        course=course,
        facility=facility,
        participant_name=name,
        status=status,
        result="passed" if status == "completed" else "",
    )


def make_able(facility, items, *, confirmed=True):
    Facility.objects.filter(pk=facility.pk).update(step_free_entrance=True, accessible_toilet=True)
    facility.refresh_from_db()
    qualify(facility)
    FacilityConfirmation.objects.create(
        facility=facility, item=items["THER"], confirmed=confirmed, date=DAY
    )


def codes(results):
    return {r.item.code: (r.met, r.code) for r in results}


def test_the_checklist_is_evaluated_with_reasons(city):
    f1, f2, _f3 = city.facilities
    assert selectors.facility_meets_all(f1) == (False, [])  # no criteria: not met by default
    items = make_checklist(city.territory)
    make_able(f1, items)
    met, results = selectors.facility_meets_all(f1)
    assert met is True
    assert codes(results) == {
        "BF": (True, "feature_present"),
        "HPZ": (True, "completions_enough"),
        "THER": (True, "confirmed"),
    }
    Facility.objects.filter(pk=f2.pk).update(step_free_entrance=True)  # no accessible toilet
    f2.refresh_from_db()
    qualify(f2, status="enrolled")  # not completed: does not count
    met, results = selectors.facility_meets_all(f2)
    assert met is False
    assert codes(results) == {
        "BF": (False, "feature_missing"),
        "HPZ": (False, "completions_short"),
        "THER": (False, "not_confirmed"),
    }
    hpz = next(r for r in results if r.item.code == "HPZ")
    assert hpz.params["count"] == 0 and hpz.params["needed"] == 1
    # The latest confirmation counts: a withdrawal makes the item unmet again.
    services.confirm_item(facility=f1, item=items["THER"], confirmed=False, date=DAY, actor=SYSTEM)
    met, results = selectors.facility_meets_all(f1)
    assert met is False and codes(results)["THER"] == (False, "withdrawn")
    # An inactive item is left out; two completions needed are not met by one.
    ChecklistItem.objects.filter(pk=items["THER"].pk).update(active=False)
    ChecklistItem.objects.filter(pk=items["HPZ"].pk).update(min_completions=2)
    met, results = selectors.facility_meets_all(f1)
    assert [r.item.code for r in results] == ["BF", "HPZ"]
    assert met is False and codes(results)["HPZ"] == (False, "completions_short")
    qualify(f1, name="Fachkraft B")
    assert selectors.facility_meets_all(f1)[0] is True


def test_the_planning_metric_counts_the_facilities_meeting_the_checklist(city):
    items = make_checklist(city.territory)
    f1, f2, f3 = city.facilities
    make_able(f1, items)
    make_able(f3, items)
    make_able(f2, items, confirmed=False)  # withdrawn: does not count
    metrics, areas = planning_selectors.area_metrics(territory=city.territory, year=2024, day=DAY)
    got = {
        areas[pk].official_code: values[TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL]
        for pk, values in metrics.items()
    }
    # Independent count: which facility meets everything and where it lies.
    meets = {f1.pk: True, f2.pk: False, f3.pk: True}
    expected: dict[str, float] = {a.official_code: 0.0 for a in areas.values()}
    for f in Facility.objects.filter(pk__in=meets).select_related("area", "area__parent"):
        if meets[f.pk]:
            expected[f.area.official_code] += 1
            expected[f.area.parent.official_code] += 1
    assert got == expected == {"01": 1, "0101": 1, "0102": 0, "02": 1, "0201": 1, "0202": 0}
    # A closed facility does not count.
    f3.valid_to = DAY - dt.timedelta(days=1)
    f3.save(update_fields=["valid_to"])
    metrics, areas = planning_selectors.area_metrics(territory=city.territory, year=2024, day=DAY)
    assert metrics[city.districts[1].pk][TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL] == 0


def test_a_target_rule_with_the_new_metric_evaluates(city, client):
    items = make_checklist(city.territory)
    make_able(city.facilities[0], items)
    TargetRule.objects.create(
        territory=city.territory,
        code="KFA",
        name="Kitas für alle",
        metric="facilities_able_to_care_for_all",
        level=AreaLevel.objects.get(territory=city.territory, code="district"),
        threshold=1,
    )
    evaluated, areas = planning_selectors.evaluate_rules(territory=city.territory, year=2024)
    ((rule, results),) = evaluated
    assert rule.code == "KFA"
    assert {areas[r.area].official_code: r.light for r in results} == {
        "01": Light.GREEN,
        "02": Light.RED,
    }
    assert rule.get_metric_display() == "Einrichtungen, die alle Kinder betreuen können (Anzahl)"


def test_a_booking_that_overlaps_is_refused(city, client):
    objects = inclusion_objects(city)
    item = PoolItem.objects.get(pk=objects["pool_item"])
    f1, f2, _f3 = city.facilities
    first = services.book(
        item=item, facility=f1, start=DAY, end=DAY + dt.timedelta(days=9), actor=SYSTEM
    )
    with pytest.raises(services.InclusionError) as error:
        services.book(
            item=item,
            facility=f2,
            start=DAY + dt.timedelta(days=9),
            end=DAY + dt.timedelta(days=12),
            actor=SYSTEM,
        )
    assert error.value.code == "conflict"
    # The page says so, too, and stores nothing.
    login(client, Role.PLANNER, city)
    url = reverse("inclusion:pool-item", args=[item.pk])
    response = client.post(
        url,
        {
            "action": "book",
            "facility": f2.pk,
            "start": DAY.isoformat(),
            "end": DAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The item is booked from" in response.content.decode()
    assert Booking.objects.filter(item=item).count() == 2  # the returned one of the helper + 1
    # After the return the period is free again; a cancelled booking blocks nothing either.
    services.set_booking_status(booking=first, status="lent", actor=SYSTEM, day=DAY)
    services.set_booking_status(booking=first, status="returned", actor=SYSTEM, day=DAY)
    second = services.book(item=item, facility=f2, start=DAY, end=DAY, actor=SYSTEM)
    services.set_booking_status(booking=second, status="cancelled", actor=SYSTEM, day=DAY)
    services.book(item=item, facility=f1, start=DAY, end=DAY, actor=SYSTEM)
    with pytest.raises(services.InclusionError) as error:
        services.set_booking_status(booking=first, status="lent", actor=SYSTEM, day=DAY)
    assert error.value.code == "transition"
    PoolItem.objects.filter(pk=item.pk).update(available=False)
    with pytest.raises(services.InclusionError) as error:
        services.book(
            item=item,
            facility=f1,
            start=DAY.replace(year=2027),
            end=DAY.replace(year=2027),
            actor=SYSTEM,
        )
    assert error.value.code == "not_available"


def test_use_statistics_count_bookings_and_days_lent(city, client):
    objects = inclusion_objects(city)
    item = PoolItem.objects.get(pk=objects["pool_item"])
    booking = services.book(
        item=item, facility=city.facilities[2], start=DAY, end=DAY, actor=SYSTEM
    )
    services.set_booking_status(booking=booking, status="lent", actor=SYSTEM, day=DAY)
    services.set_booking_status(
        booking=booking, status="returned", actor=SYSTEM, day=DAY + dt.timedelta(days=4)
    )
    (row,) = selectors.use_statistics([item], Booking.objects.all(), day=DAY)
    assert (row.bookings, row.days_lent, row.facility_count) == (2, 10 + 5, 2)
    # A facility manager sees the use of the own facilities only.
    login(client, Role.FACILITY_MANAGER, city)
    response = client.get(reverse("inclusion:pool-use"))
    (own,) = [r for r in response.context["rows"] if r.item.pk == item.pk]
    assert (own.bookings, own.days_lent) == (1, 10)


def test_a_facility_manager_confirms_only_for_the_own_facilities(city, client):
    objects = inclusion_objects(city)
    login(client, Role.FACILITY_MANAGER, city)
    data = {"item": objects["checklist_item"], "confirmed": "yes", "date": DAY.isoformat()}
    other = city.facilities[2]  # Provider Two
    response = client.post(reverse("inclusion:facility", args=[other.pk]), data)
    assert response.status_code == 404
    assert client.get(reverse("inclusion:facility", args=[other.pk])).status_code == 404
    own = objects["checklist_facility"]
    response = client.post(reverse("inclusion:facility", args=[own]), data)
    assert response.status_code == 302
    row = FacilityConfirmation.objects.get()
    assert row.facility_id == own and row.confirmed_by.username == "u-facility_manager"
    # Reading roles without the right to edit facilities may not confirm.
    client.logout()
    login(client, Role.ALLOCATION_OFFICE, city)
    assert client.post(reverse("inclusion:facility", args=[own]), data).status_code == 403
    # A facility manager books only for the own facilities.
    client.logout()
    login(client, Role.CHILDMINDER_ADVISER, city)
    url = reverse("inclusion:pool-item", args=[objects["pool_item"]])
    response = client.post(
        url, {"action": "book", "facility": own, "start": "2027-01-04", "end": "2027-01-05"}
    )
    assert response.status_code == 403


def test_a_facility_manager_books_for_the_own_facility_only(city, client):
    objects = inclusion_objects(city)
    login(client, Role.FACILITY_MANAGER, city)
    url = reverse("inclusion:pool-item", args=[objects["pool_item"]])
    other = {
        "action": "book",
        "facility": city.facilities[2].pk,
        "start": "2027-01-04",
        "end": "2027-01-05",
    }
    response = client.post(url, other)
    assert (
        response.status_code == 200
        and not Booking.objects.filter(facility=city.facilities[2]).exists()
    )
    own = dict(other, facility=city.facilities[0].pk)
    assert client.post(url, own).status_code == 302
    booking = Booking.objects.get(start=dt.date(2027, 1, 4))
    assert booking.status == "requested" and booking.booked_by.username == "u-facility_manager"
    # The manager may cancel the own request, not lend it.
    lend = {"action": "status", "booking": booking.pk, "status": "lent"}
    assert client.post(url, lend).status_code == 403
    assert client.post(url, dict(lend, status="cancelled")).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_changes_are_audited(city):
    items = make_checklist(city.territory)
    f1 = city.facilities[0]
    services.confirm_item(facility=f1, item=items["THER"], confirmed=True, date=DAY, actor=SYSTEM)
    item = services.save_pool_item(
        item=PoolItem(
            territory=city.territory,
            name="FM-Anlage",
            kind="aid",
            owner_facility=f1,
            location="Kita",
        ),
        actor=SYSTEM,
    )
    booking = services.book(item=item, facility=f1, start=DAY, end=DAY, actor=SYSTEM)
    services.set_booking_status(booking=booking, status="lent", actor=SYSTEM, day=DAY)
    items["BF"].label = "Barrierefrei (neu)"
    services.save_checklist_item(item=items["BF"], actor=SYSTEM)
    events = list(AuditEvent.objects.filter(action="inclusion.changed").order_by("pk"))
    assert [e.target_type for e in events] == [
        "facilities.facility",
        "inclusion.poolitem",
        "inclusion.booking",
        "inclusion.booking",
        "inclusion.checklistitem",
    ]
    assert events[0].after["confirmation"]["item_id"] == items["THER"].pk
    assert events[3].before["status"] == "requested" and events[3].after["status"] == "lent"
    assert (
        events[4].before["label"] == "Barrierefrei"
        and events[4].after["label"] == "Barrierefrei (neu)"
    )


def test_checklist_items_are_checked(city):
    items = make_checklist(city.territory)
    with pytest.raises(services.InclusionError) as error:
        services.save_checklist_item(
            item=ChecklistItem(territory=city.territory, code="X", label="x", kind="feature"),
            actor=SYSTEM,
        )
    assert error.value.code == "feature_needed"
    with pytest.raises(services.InclusionError) as error:
        services.save_checklist_item(
            item=ChecklistItem(territory=city.territory, code="BF", label="x", kind="confirmation"),
            actor=SYSTEM,
        )
    assert error.value.code == "code_taken"
    with pytest.raises(services.InclusionError) as error:
        services.confirm_item(
            facility=city.facilities[0], item=items["BF"], confirmed=True, date=DAY, actor=SYSTEM
        )
    assert error.value.code == "not_confirmable"


def test_planners_enrol_kita_staff_and_record_completions(city, client):
    items = make_checklist(city.territory)
    _programme, course = make_programme(city.territory)
    login(client, Role.PLANNER, city)
    url = reverse("inclusion:staff")
    response = client.post(
        url,
        {
            "action": "enrol",
            "enrol-course": course.pk,
            "enrol-facility": city.facilities[0].pk,
            "enrol-participant_name": "Fachkraft F1-01",
        },
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(participant_name="Fachkraft F1-01")
    assert enrolment.facility_id == city.facilities[0].pk and enrolment.status == "enrolled"
    response = client.post(
        url,
        {
            "action": "complete",
            "complete-enrolment": enrolment.pk,
            "complete-certificate_date": "2025-11-30",
        },
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.result) == ("completed", "passed")
    result = dict(codes(selectors.facility_meets_all(city.facilities[0])[1]))
    assert result["HPZ"] == (True, "completions_enough")
    assert AuditEvent.objects.filter(action="qualification.changed").count() == 2
    page = client.get(reverse("inclusion:facility", args=[city.facilities[0].pk]))
    assert "Fachkraft F1-01" in page.content.decode()
    assert items["HPZ"].label in page.content.decode()
    # A facility manager sees the own staff, not the others', and cannot enrol.
    Enrolment.objects.create(
        course=course, facility=city.facilities[2], participant_name="Fachkraft F3-01"
    )
    client.logout()
    login(client, Role.FACILITY_MANAGER, city)
    text = client.get(url).content.decode()
    assert "Fachkraft F1-01" in text and "Fachkraft F3-01" not in text
    assert client.post(url, {"action": "enrol"}).status_code == 403


def test_the_overview_filters_and_shows_results(city, client):
    items = make_checklist(city.territory)
    make_able(city.facilities[0], items)
    login(client, Role.PLANNER, city)
    url = reverse("inclusion:overview")
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["met"] == 1
    assert [r.facility.official_number for r in response.context["page_obj"]] == ["F1", "F2", "F3"]
    met = client.get(url, {"territory": city.territory.code, "result": "met"})
    assert [r.facility.official_number for r in met.context["page_obj"]] == ["F1"]
    missing = client.get(url, {"missing": items["THER"].pk, "district": city.districts[0].pk})
    assert [r.facility.official_number for r in missing.context["page_obj"]] == ["F2"]
    text = response.content.decode()
    assert "Kita for all children" in text and "1 facility meets all criteria." in text
    client.logout()
    login(client, Role.FACILITY_MANAGER, city)
    mine = client.get(url)
    assert [r.facility.official_number for r in mine.context["page_obj"]] == ["F1", "F2"]


@pytest.mark.parametrize(
    ("name", "key", "allowed"),
    [
        ("inclusion:overview", None, "staff"),
        ("inclusion:facility", "checklist_facility", "staff"),
        ("inclusion:checklist", None, "stewards"),
        ("inclusion:checklist-item", "checklist_item", "stewards"),
        ("inclusion:staff", None, "staff"),
        ("inclusion:pool", None, "staff"),
        ("inclusion:pool-item", "pool_item", "staff"),
        ("inclusion:pool-use", None, "staff"),
    ],
)
@pytest.mark.parametrize("role", list(Role))
def test_pages_answer_each_role(city, client, name, key, allowed, role):
    user = login(client, role, city)
    objects = inclusion_objects(city, user=user)
    url = reverse(name, kwargs={"pk": objects[key]} if key else {})
    roles = (
        {Role.PLANNER, Role.ADMIN}
        if allowed == "stewards"
        else {
            Role.PLANNER,
            Role.ADMIN,
            Role.ALLOCATION_OFFICE,
            Role.CHILDMINDER_ADVISER,
            Role.FACILITY_MANAGER,
        }
    )
    response = client.get(url)
    assert response.status_code == (200 if role in roles else 403)


def test_planners_configure_the_checklist(city, client):
    programme, _course = make_programme(city.territory)
    login(client, Role.PLANNER, city)
    url = reverse("inclusion:checklist") + f"?territory={city.territory.code}"
    response = client.post(
        url,
        {
            "code": "HPZ2",
            "label": "Zwei Fachkräfte",
            "kind": "staff_qualification",
            "programme": programme.pk,
            "min_completions": 2,
            "position": 3,
            "active": "on",
        },
    )
    assert response.status_code == 302
    item = ChecklistItem.objects.get(code="HPZ2")
    assert item.programme_id == programme.pk and item.min_completions == 2
    edit = reverse("inclusion:checklist-item", args=[item.pk])
    response = client.post(
        edit,
        {
            "code": "HPZ2",
            "label": "Zwei Fachkräfte",
            "kind": "staff_qualification",
            "programme": programme.pk,
            "min_completions": 2,
            "position": 3,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.active is False
