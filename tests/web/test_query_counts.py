"""Every list page and list export reads a fixed number of queries, however many rows it shows.

Each case builds its page's rows twice, once with ``FEW`` and once with ``MANY`` rows (each
build inside a savepoint that is rolled back, so both start from the same empty database),
opens the page once to warm per-process caches, then counts the queries of a second request.
The two counts must be equal: a query per row (an N+1) shows as a difference of
``MANY - FEW`` or more. Comparing two sizes pins "a fixed number of queries" without brittle
absolute numbers. Row counts stay below every page size, so pagination cannot hide a row.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.territory.models import Area, AreaLevel, PopulationCount
from tests.web.factories import SmallCity, make_city, make_user, square

pytestmark = pytest.mark.django_db

FEW = 2
MANY = 6

#: Builds the rows of a page (``n`` of them) and answers the URL to open.
Builder = Callable[[SmallCity, User, int], str]


@dataclass(frozen=True)
class Case:
    id: str
    role: Role | None  # None: an anonymous visitor (public pages)
    build: Builder


CASES: list[Case] = []


def case(id_: str, role: Role | None) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        CASES.append(Case(id_, role, build))
        return build

    return register


def cases(ids_roles: list[tuple[str, Role]], build: Builder) -> None:
    for id_, role in ids_roles:
        CASES.append(Case(id_, role, build))


# --- rows -------------------------------------------------------------------------------------


def add_facilities(city: SmallCity, n: int) -> list[Facility]:
    facilities = []
    for i in range(n):
        facility = Facility.objects.create(
            territory=city.territory,
            official_number=f"X{i}",
            name=f"Extra {i}",
            provider=city.providers[i % 2],
            area=city.areas[i % 4],
            lat=52.005,
            lon=13.005 + 0.01 * (i % 4),
        )
        FacilityPlaces.objects.create(
            facility=facility,
            valid_from=dt.date(2020, 1, 1),
            places_u3=1 + i,
            places_ue3=2,
            integration_places=1,
        )
        facilities.append(facility)
    return facilities


def add_areas(city: SmallCity, n: int) -> None:
    fine = AreaLevel.objects.get(territory=city.territory, code="area")
    district = city.districts[0]
    for i in range(n):
        area = Area.objects.create(
            territory=city.territory,
            level=fine,
            parent=district,
            official_code=f"01{50 + i}",
            name=f"Extra area {i}",
            path=f"01/01{50 + i}",
            geometry=square(13.0 + 0.001 * i, 52.01, 0.001),
        )
        for age in range(7):
            PopulationCount.objects.create(area=area, year=2024, age=age, count=5)


# --- territory, facilities, imports, audit ---------------------------------------------------


def _areas(query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_areas(city, n)
        return reverse("territory:area-list") + query

    return build


cases([("areas", Role.PLANNER)], _areas())
cases([("areas-districts", Role.PLANNER)], _areas("?level=district"))
cases([("areas-csv", Role.PLANNER)], _areas("?format=csv"))
cases([("areas-geojson-export", Role.PLANNER)], _areas("?format=geojson"))


@case("area-groups", Role.PLANNER)
def _area_groups(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.territory.models import AreaGroup

    for i in range(n):
        group = AreaGroup.objects.create(territory=city.territory, name=f"Sozialraum {i}")
        group.areas.set([city.areas[i % 4], city.districts[(i + 1) % 2]])
    return reverse("territory:area-group-list") + f"?territory={city.territory.code}"


@case("area-map", Role.PLANNER)
def _area_map(city: SmallCity, user: User, n: int) -> str:
    add_areas(city, n)
    return reverse("territory:area-geojson") + f"?territory={city.territory.code}&level=area"


def _facilities(query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_facilities(city, n)
        return reverse("facilities:facility-list") + query

    return build


cases([("facilities", Role.PLANNER)], _facilities())
cases([("facilities-csv", Role.PLANNER)], _facilities("?format=csv"))
cases([("facilities-xlsx", Role.PLANNER)], _facilities("?format=xlsx"))
cases([("facilities-geojson-export", Role.PLANNER)], _facilities("?format=geojson"))


@case("facility-map", Role.PLANNER)
def _facility_map(city: SmallCity, user: User, n: int) -> str:
    add_facilities(city, n)
    return reverse("facilities:facility-geojson")


@case("imports", Role.PLANNER)
def _imports(city: SmallCity, user: User, n: int) -> str:
    for i in range(n):
        ImportRun.objects.create(
            territory=city.territory,
            kind="facilities",
            mapping="kitaplan",
            file_name=f"f{i}.csv",
            file_sha256="0" * 64,
            status="done",
            actor=user if i % 2 else None,
            actor_label="x",
            problems=[{"code": "missing_value", "row": 2, "column": "name"}],
        )
    return reverse("imports:import-list")


@case("audit", Role.ADMIN)
def _audit(city: SmallCity, user: User, n: int) -> str:
    for i in range(n):
        AuditEvent.objects.create(
            actor=user if i % 2 else None,
            actor_label="x",
            action="facility.updated",
            target_type="facility",
            target_id=str(city.facilities[0].pk),
            target_label="Kita F1",
        )
    return reverse("audit:event-list")


# --- allocation ------------------------------------------------------------------------------


def _round_with_applications(
    city: SmallCity, n: int, *, parent: User | None = None, publish: bool = True
) -> int:
    from kitaplan.web.allocation.services import publish_run, run_round
    from tests.web.allocation.helpers import TODAY, apply, make_round

    round_ = make_round(city, places={"F1": (2, 1), "F2": (1, 0), "F3": (1, 0)})
    for i in range(n):
        apply(
            round_,
            city,
            f"Kind {i}",
            ["F1", "F2", "F3"][: 1 + i % 3],
            area=i % 4,
            parent=parent,
            integration_need=i % 3 == 0,
        )
    run = run_round(round_=round_, actor=SYSTEM)
    if publish:
        publish_run(run=run, actor=SYSTEM, today=TODAY)
    return round_.pk


@case("allocation-rounds", Role.ALLOCATION_OFFICE)
def _rounds(city: SmallCity, user: User, n: int) -> str:
    from tests.web.allocation.helpers import make_round

    for _ in range(n):
        make_round(city)
    return reverse("allocation:round-list")


def _in_round(url_name: str, query: str = "", *, facility: bool = False) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        pk = _round_with_applications(city, n)
        kwargs = {"pk": pk}
        if facility:
            kwargs["facility"] = city.facilities[0].pk
        return reverse(url_name, kwargs=kwargs) + query

    return build


cases([("allocation-round", Role.ALLOCATION_OFFICE)], _in_round("allocation:round-detail"))


@case("allocation-places", Role.ALLOCATION_OFFICE)
def _places(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.allocation.models import RoundProgramme

    pk = _round_with_applications(city, 1)
    for facility in add_facilities(city, n):
        RoundProgramme.objects.create(
            round_id=pk, facility=facility, age_group="u3", capacity=2, integration_places=1
        )
    return reverse("allocation:round-places", kwargs={"pk": pk})


cases(
    [("allocation-applications", Role.ALLOCATION_OFFICE)],
    _in_round("allocation:application-list"),
)
cases(
    [("allocation-applications-xlsx", Role.ALLOCATION_OFFICE)],
    _in_round("allocation:application-list", "?format=xlsx"),
)
cases(
    [("allocation-statistics", Role.ALLOCATION_OFFICE)],
    _in_round("allocation:round-statistics"),
)
cases(
    [("allocation-statistics-csv", Role.ALLOCATION_OFFICE)],
    _in_round("allocation:round-statistics", "?format=csv"),
)
cases(
    [("allocation-facility-applicants", Role.ALLOCATION_OFFICE)],
    _in_round("allocation:facility-applicants", facility=True),
)


@case("allocation-run", Role.ALLOCATION_OFFICE)
def _run(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.allocation.models import AllocationRun

    pk = _round_with_applications(city, n)
    run = AllocationRun.objects.filter(round_id=pk).latest("pk")
    return reverse("allocation:run-detail", kwargs={"pk": run.pk})


@case("allocation-my-applications", Role.PARENT)
def _my_applications(city: SmallCity, user: User, n: int) -> str:
    _round_with_applications(city, n, parent=user)
    return reverse("allocation:my-applications")


# --- childminding, payments, substitutes, qualification ---------------------------------------

WEEKDAYS = [[d, "08:00", "14:00"] for d in range(5)]


def add_childminders(city: SmallCity, n: int, service=None) -> list:  # type: ignore[no-untyped-def]
    from kitaplan.web.childminding.models import CareContract, Childminder, Permit, Proof

    made = []
    for i in range(n):
        cm = Childminder.objects.create(
            territory=city.territory,
            number=f"Q{i}",
            name=f"Tagesmutter {i}",
            care_location="own_home",
            area=city.areas[i % 4],
            service=service,
            experience_group="BG2",
            lat=52.005,
            lon=13.005,
        )
        Permit.objects.create(
            childminder=cm,
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2028, 12, 31),
            max_children=5,
        )
        Proof.objects.create(childminder=cm, kind="first_aid", issued_on=dt.date(2025, 1, 1))
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"K{i}",
            child_birth_date=dt.date(2025, 3, 1),
            valid_from=dt.date(2026, 1, 1),
            weekly_hours=30,
            slots=WEEKDAYS,
        )
        made.append(cm)
    return made


def _registry(url_name: str, query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_childminders(city, n)
        return reverse(url_name) + query

    return build


cases([("childminders", Role.PAYMENT_OFFICE)], _registry("childminding:childminder-list"))
cases(
    [("childminders-xlsx", Role.PAYMENT_OFFICE)],
    _registry("childminding:childminder-list", "?format=xlsx"),
)
cases([("childminding-due", Role.PAYMENT_OFFICE)], _registry("childminding:due"))
cases([("childminding-due-csv", Role.PAYMENT_OFFICE)], _registry("childminding:due", "?format=csv"))
cases([("payments-childminders", Role.PAYMENT_OFFICE)], _registry("payments:childminders"))
cases([("payments-hours", Role.PAYMENT_OFFICE)], _registry("payments:hours"))
cases([("payments-fees", Role.PAYMENT_OFFICE)], _registry("payments:fees"))
cases([("yearly-report", Role.PAYMENT_OFFICE)], _registry("reports:yearly-report"))
cases([("yearly-report-xlsx", Role.PAYMENT_OFFICE)], _registry("reports:yearly-report-xlsx"))
cases([("qualification-behind", Role.ADMIN)], _registry("qualification:behind"))
cases(
    [("qualification-behind-xlsx", Role.ADMIN)],
    _registry("qualification:behind", "?format=xlsx"),
)
cases([("qualification-planning", Role.ADMIN)], _registry("qualification:planning"))


def _payment_run(city: SmallCity, n: int):  # type: ignore[no-untyped-def]
    from kitaplan.web.payments import services
    from tests.web.payments.helpers import upload_table

    upload_table(city)
    add_childminders(city, n)
    from kitaplan.web.childminding.models import Childminder
    from kitaplan.web.payments.models import PayeeAccount

    for cm in Childminder.objects.filter(territory=city.territory):
        PayeeAccount.objects.create(
            childminder=cm, iban=services.make_iban("10000000", str(1000 + cm.pk)), holder=cm.name
        )
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=run, actor=SYSTEM)
    return run


def _in_payment_run(url_name: str) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        run = _payment_run(city, n)
        return reverse(url_name, kwargs={"pk": run.pk})

    return build


cases([("payments-run", Role.PAYMENT_OFFICE)], _in_payment_run("payments:run"))
cases([("payments-run-csv", Role.PAYMENT_OFFICE)], _in_payment_run("payments:run-csv"))
cases([("payments-run-sepa", Role.PAYMENT_OFFICE)], _in_payment_run("payments:run-sepa"))


@case("payments-overview", Role.PAYMENT_OFFICE)
def _payments_overview(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.payments import services

    _payment_run(city, n)
    for month in ("2026-11", "2026-12")[: n // 3]:
        services.create_run(territory=city.territory, month=month, actor=SYSTEM)
    return reverse("payments:overview")


@case("substitutes-absences", Role.ADMIN)
def _absences(city: SmallCity, user: User, n: int) -> str:
    from tests.web.substitutes.helpers import absence, childminder, contract

    for i in range(n):
        cm = childminder(city, f"A{i}")
        contract(cm, f"AK{i}")
        absence(cm)
    return reverse("substitutes:absence-list")


@case("substitutes-contacts", Role.ADMIN)
def _contacts(city: SmallCity, user: User, n: int) -> str:
    from tests.web.substitutes.helpers import childminder, contract, visits

    cm = childminder(city, "C0")
    substitute = childminder(city, "C1")
    for i in range(n):
        visits(substitute, contract(cm, f"CK{i}", primary=substitute), n=1)
    return reverse("substitutes:contacts", kwargs={"pk": cm.pk})


@case("substitutes-parent-contacts", Role.ADMIN)
def _parent_contacts(city: SmallCity, user: User, n: int) -> str:
    from tests.web.substitutes.helpers import childminder, contract

    cm = childminder(city, "P0")
    for i in range(n):
        contract(cm, f"PK{i}")
    return reverse("substitutes:parent-contacts", kwargs={"pk": cm.pk})


def _substitute_report(query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        from tests.web.substitutes.helpers import FRIDAY, MONDAY

        _absences(city, user, n)
        period = f"start={MONDAY.isoformat()}&end={FRIDAY.isoformat()}"
        return reverse("substitutes:report") + (f"{query}&{period}" if query else f"?{period}")

    return build


cases([("substitutes-report", Role.ADMIN)], _substitute_report())
cases([("substitutes-report-csv", Role.ADMIN)], _substitute_report("?format=csv"))


@case("substitutes-notifications", Role.ADMIN)
def _notifications(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.substitutes.models import Notification, SubstituteAssignment
    from tests.web.substitutes.helpers import MONDAY, absence, childminder, contract

    for i in range(n):
        cm = childminder(city, f"N{i}")
        substitute = childminder(city, f"S{i}")
        assignment = SubstituteAssignment.objects.create(
            absence=absence(cm),
            contract=contract(cm, f"NK{i}"),
            substitute=substitute,
            role="other",
            days=[MONDAY.isoformat()],
            status="confirmed",
        )
        Notification.objects.create(
            audience="substitute", childminder=substitute, assignment=assignment, sent_by=user
        )
    return reverse("substitutes:notifications")


@case("qualification-programmes", Role.ADMIN)
def _programmes(city: SmallCity, user: User, n: int) -> str:
    from tests.web.qualification.helpers import make_course

    for i in range(n):
        make_course(city.territory, title=f"Kurs {i}")
    return reverse("qualification:programme-list")


def _enrolled(city: SmallCity, n: int):  # type: ignore[no-untyped-def]
    from kitaplan.web.qualification.models import Attendance, Enrolment
    from tests.web.qualification.helpers import make_course

    course = make_course(city.territory)
    for cm in add_childminders(city, n):
        enrolment = Enrolment.objects.create(course=course, childminder=cm)
        for module in course.modules.all()[:3]:
            Attendance.objects.create(enrolment=enrolment, module=module, units=20)
    return course


@case("qualification-course", Role.ADMIN)
def _course(city: SmallCity, user: User, n: int) -> str:
    return reverse("qualification:course-detail", kwargs={"pk": _enrolled(city, n).pk})


@case("qualification-behind-enrolled", Role.ADMIN)
def _behind_enrolled(city: SmallCity, user: User, n: int) -> str:
    _enrolled(city, n)
    return reverse("qualification:behind")


# --- measures, networks -----------------------------------------------------------------------


@case("measures-plans", Role.PLANNER)
def _plans(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.measures import services
    from tests.web.measures.helpers import ROWS

    for i in range(n):
        services.load_plan(
            territory=city.territory,
            actor=SYSTEM,
            title=f"Plan {i}",
            first_year=2020,
            last_year=2027,
            rows=ROWS,
            source="Test",
        )
    return reverse("measures:plan-list")


def _plan_with_measures(city: SmallCity, n: int) -> int:
    from kitaplan.web.measures import services
    from tests.web.measures.helpers import ROWS

    rows = [r for r in ROWS if r["level"] != "measure"]
    for i in range(n):
        rows.append(
            {
                "level": "measure",
                "code": f"1.1-{i + 1}",
                "parent": "1.1" if i % 2 else "1.7",
                "text": f"Maßnahme {i}",
                "period": "2021 ff.",
                "participants": "Amt 58, Stadtelternrat",
                "organisations": "Amt 58|Stadtelternrat",
            }
        )
    plan = services.load_plan(
        territory=city.territory,
        actor=SYSTEM,
        title="Testplan",
        first_year=2020,
        last_year=2027,
        rows=rows,
        source="Test",
    )
    return plan.pk


def _in_plan(url_name: str) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        return reverse(url_name, kwargs={"pk": _plan_with_measures(city, n)})

    return build


cases([("measures-plan", Role.PLANNER)], _in_plan("measures:plan-detail"))
cases([("measures-report", Role.PLANNER)], _in_plan("measures:report"))
cases([("measures-report-xlsx", Role.PLANNER)], _in_plan("measures:report-xlsx"))


@case("measures-plan-versions", Role.PLANNER)
def _versions(city: SmallCity, user: User, n: int) -> str:
    """The old, read-only version of a plan with n measures, and the list with both versions."""
    from kitaplan.web.measures import plan_services
    from kitaplan.web.measures.models import Plan

    old = Plan.objects.get(pk=_plan_with_measures(city, n))
    plan_services.new_version(actor=SYSTEM, plan=old, year=2027)
    return reverse("measures:plan-detail", kwargs={"pk": old.pk})


@case("measures-organisations", Role.PLANNER)
def _organisations(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.measures.models import Organisation

    for i in range(n):
        Organisation.objects.create(territory=city.territory, short_name=f"O{i}", name=f"Org {i}")
    return reverse("measures:organisation-list")


@case("administration-territories", Role.ADMIN)
def _admin_territories(city: SmallCity, user: User, n: int) -> str:
    for i in range(n):
        made = make_city(f"stadt{i}")
        AreaLevel.objects.create(territory=made.territory, code="block", name="Block", rank=3)
    return reverse("administration:territory-list")


@case("administration-users", Role.ADMIN)
def _admin_users(city: SmallCity, user: User, n: int) -> str:
    for i in range(n):
        make_user(f"nutzer{i}", Role.FACILITY_MANAGER, provider=city.providers[i % 2])
        RoleAssignment.objects.create(
            user=User.objects.get(username=f"nutzer{i}"), role="planner", territory=city.territory
        )
    return reverse("administration:user-list")


@case("networks", Role.PLANNER)
def _networks(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.networks import services

    for i in range(n):
        network = services.create_network(territory=city.territory, actor=SYSTEM, name=f"N {i}")
        services.add_member(
            network=network, actor=SYSTEM, name="M", email="m@example.org", consent_given=True
        )
    return reverse("networks:network-list")


def _network_with(city: SmallCity, n: int) -> int:
    from kitaplan.web.networks import services
    from tests.web.networks.helpers import make_network

    network = make_network(city)
    members = []
    for i in range(n):
        members.append(
            services.add_member(
                network=network,
                actor=SYSTEM,
                name=f"Mitglied {i}",
                email=f"m{i}@example.org",
                consent_given=True,
                facility=city.facilities[i % 3],
            )
        )
    group = services.create_working_group(
        network=network, actor=SYSTEM, name="AG Zählung", members=members
    )
    for i in range(n):
        start = dt.datetime(2025, 1 + i, 10, 9, tzinfo=dt.UTC)
        meeting = services.create_meeting(
            network=network,
            actor=SYSTEM,
            title=f"Treffen {i}",
            start=start,
            end=start + dt.timedelta(hours=2),
            working_group=group if i % 2 else None,
        )
        services.add_action_item(meeting=meeting, actor=SYSTEM, text=f"Aufgabe {i}")
    return network.pk


def _in_network(url_name: str) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        return reverse(url_name, kwargs={"pk": _network_with(city, n)})

    return build


cases([("network", Role.PLANNER)], _in_network("networks:network-detail"))
cases([("network-meetings", Role.PLANNER)], _in_network("networks:meeting-list"))
cases([("network-members-csv", Role.PLANNER)], _in_network("networks:member-export-csv"))
cases([("network-members-xlsx", Role.PLANNER)], _in_network("networks:member-export-xlsx"))


@case("network-meeting", Role.PLANNER)
def _meeting(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.networks.models import Attendance, Meeting, Member

    pk = _network_with(city, n)
    meeting = Meeting.objects.filter(network_id=pk).order_by("start").first()
    assert meeting is not None
    for member in Member.objects.filter(network_id=pk):
        Attendance.objects.get_or_create(meeting=meeting, member=member)
    return reverse("networks:meeting-detail", kwargs={"pk": meeting.pk})


# --- inclusion, budget, monitoring, planning --------------------------------------------------


def _inclusion(url_name: str) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        from kitaplan.web.inclusion.models import Booking, PoolItem
        from tests.web.inclusion.helpers import inclusion_objects

        facilities = add_facilities(city, n)
        inclusion_objects(city)
        for i, facility in enumerate(facilities):
            item = PoolItem.objects.create(
                territory=city.territory, name=f"Hilfsmittel {i}", kind="aid", owner_name="Amt"
            )
            Booking.objects.create(
                item=item,
                facility=facility,
                start=dt.date(2025, 3, 1),
                end=dt.date(2025, 3, 10),
                status="returned",
                lent_on=dt.date(2025, 3, 1),
                returned_at=dt.date(2025, 3, 10),
            )
        return reverse(url_name)

    return build


cases([("inclusion-overview", Role.PLANNER)], _inclusion("inclusion:overview"))
cases([("inclusion-staff", Role.PLANNER)], _inclusion("inclusion:staff"))
cases([("inclusion-pool", Role.PLANNER)], _inclusion("inclusion:pool"))
cases([("inclusion-pool-use", Role.PLANNER)], _inclusion("inclusion:pool-use"))


def _budget(url_name: str, query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        from tests.web.budget.helpers import budget_objects

        add_facilities(city, n)
        keys = budget_objects(city)
        return reverse(url_name) + query.format(**keys)

    return build


cases([("budget-overview", Role.PLANNER)], _budget("budget:overview"))
cases([("budget-run", Role.PLANNER)], _budget("budget:run", "?run={budget_run}"))
cases([("budget-run-csv", Role.PLANNER)], _budget("budget:run", "?run={budget_run}&format=csv"))
cases([("budget-run-xlsx", Role.PLANNER)], _budget("budget:run", "?run={budget_run}&format=xlsx"))
cases([("budget-shares", Role.PLANNER)], _budget("budget:shares"))
cases([("budget-shares-csv", Role.PLANNER)], _budget("budget:shares", "?format=csv"))
cases([("budget-evaluation", Role.PLANNER)], _budget("budget:evaluation"))
cases([("budget-evaluation-csv", Role.PLANNER)], _budget("budget:evaluation", "?format=csv"))


def _by_facility(url_name: str, query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_facilities(city, n)
        return reverse(url_name) + query

    return build


def _facility_index(query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_facilities(city, n)
        add_indexed_areas(city, 0)
        return reverse("monitoring:facility-index") + query

    return build


cases([("monitoring-facility-index", Role.PLANNER)], _facility_index("?basis=own_area"))
cases(
    [("monitoring-facility-index-csv", Role.PLANNER)], _facility_index("?basis=own_area&format=csv")
)
cases([("planning-balance-facilities", Role.PLANNER)], _by_facility("planning:balance"))


def _by_area(url_name: str, query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_areas(city, n)
        return reverse(url_name) + query

    return build


MSS_CODES = ("mss_s1", "mss_s3", "mss_s4", "mss_d1", "mss_d3", "mss_d4", "mss_status_class")


def add_indexed_areas(city: SmallCity, n: int) -> None:
    """``n`` more areas, and the MSS index inputs of every area in two years."""
    from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

    add_areas(city, n)
    indicators = [
        IndicatorDefinition.objects.get_or_create(
            code=code, defaults={"name": code.upper(), "direction": "higher_is_worse"}
        )[0]
        for code in MSS_CODES
    ]
    fine = Area.objects.filter(territory=city.territory, level__code="area").order_by("pk")
    for i, area in enumerate(fine):
        for year in (2020, 2022):
            for k, indicator in enumerate(indicators):
                value = 1 + (i + k + year) % 4 if k == 6 else 5.0 + 3 * ((i * 7 + k + year) % 5)
                IndicatorValue.objects.create(
                    indicator=indicator, area=area, year=year, value=value
                )


def _by_indexed_area(url_name: str, query: str = "") -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        add_indexed_areas(city, n)
        return reverse(url_name) + query

    return build


cases([("monitoring-index", Role.PLANNER)], _by_indexed_area("monitoring:index"))
cases([("monitoring-index-csv", Role.PLANNER)], _by_indexed_area("monitoring:index", "?format=csv"))
cases([("monitoring-index-map", Role.PLANNER)], _by_indexed_area("monitoring:index-geojson"))
cases([("monitoring-indicators", Role.PLANNER)], _by_indexed_area("monitoring:indicators"))
cases(
    [("monitoring-indicators-csv", Role.PLANNER)],
    _by_indexed_area("monitoring:indicators", "?format=csv"),
)
cases([("monitoring-alerts", Role.PLANNER)], _by_indexed_area("monitoring:alerts"))
cases([("planning-balance", Role.PLANNER)], _by_area("planning:balance", "?level=area"))
cases([("planning-balance-map", Role.PLANNER)], _by_area("planning:balance-geojson"))
cases([("planning-targets", Role.PLANNER)], _by_area("planning:targets"))


@case("planning-setup-care-rates", Role.PLANNER)
def _setup_care_rates(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.planning.models import CareRateSet
    from kitaplan.web.territory.models import IndicatorDefinition

    indicator = IndicatorDefinition.objects.create(code="qc-class", name="Klasse")
    for i in range(n):
        CareRateSet.objects.create(
            territory=city.territory,
            valid_from_year=2020 + i,
            rates={"1": 0.5},
            class_indicator=indicator if i % 2 else None,
            class_value=1 if i % 2 else None,
        )
    return reverse("planning:setup-care-rates") + f"?territory={city.territory.code}"


@case("planning-setup-targets", Role.PLANNER)
def _setup_targets(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.planning.models import TargetRule

    for i in range(n):
        TargetRule.objects.create(
            territory=city.territory,
            code=f"Q.{i}",
            name=f"Ziel {i}",
            metric="coverage_u3",
            level=(city.districts[0] if i % 2 else city.areas[0]).level,
            threshold=0.5,
        )
    return reverse("planning:setup-targets") + f"?territory={city.territory.code}"


@case("planning-scenarios", Role.PLANNER)
def _scenarios(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.planning.scenario_models import Scenario

    for i in range(n):
        Scenario.objects.create(
            territory=city.territory, name=f"Szenario {i}", created_by=user, shared=True
        )
    return reverse("planning:scenario-list")


@case("finder", None)
def _finder(city: SmallCity, user: User | None, n: int) -> str:
    add_facilities(city, n)
    return reverse("finder:search")


@case("finder-address", None)
def _finder_address(city: SmallCity, user: User | None, n: int) -> str:
    """The finder sorted by distance from an address of the register."""
    from pathlib import Path

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.imports.services import import_file

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "address_register.csv"
    import_file(territory=city.territory, kind="address_register", path=example, actor=SYSTEM)
    add_facilities(city, n)
    return (
        reverse("finder:search") + f"?territory={city.territory.code}&address=Hauptstr.+12,+10827"
    )


@case("finder-easy-language", None)
def _finder_easy(city: SmallCity, user: User | None, n: int) -> str:
    add_facilities(city, n)
    return reverse("finder:easy-language")


@case("allocation-my-export", Role.PARENT)
def _my_export(city: SmallCity, user: User, n: int) -> str:
    _round_with_applications(city, n, parent=user)
    return reverse("allocation:my-export")


def _budget_provider(url_name: str) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        from tests.web.budget.helpers import budget_objects

        add_facilities(city, n)
        keys = budget_objects(city)
        return reverse(
            url_name, kwargs={"run": keys["budget_run"], "provider": city.providers[0].pk}
        )

    return build


cases([("budget-provider-xlsx", Role.PLANNER)], _budget_provider("budget:provider-xlsx"))
cases([("budget-provider-letter", Role.PLANNER)], _budget_provider("budget:provider-letter"))
cases([("planning-balance-pdf", Role.PLANNER)], _by_area("planning:balance-pdf"))
cases([("monitoring-report-pdf", Role.PLANNER)], _by_indexed_area("monitoring:report-pdf"))
cases([("measures-report-pdf", Role.PLANNER)], _in_plan("measures:report-pdf"))


@case("payments-statement", Role.PAYMENT_OFFICE)
def _statement(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.childminding.models import CareContract, Childminder
    from kitaplan.web.payments.models import PaymentRun

    upload = _payment_run  # one childminder with n contracts, then the run
    cm = add_childminders(city, 1)[0]
    for i in range(1, n):
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"KS{i}",
            child_birth_date=dt.date(2025, 3, 1),
            valid_from=dt.date(2026, 1, 1),
            weekly_hours=20,
            slots=WEEKDAYS,
        )
    run = upload(city, 0)
    assert Childminder.objects.filter(territory=city.territory).count() == 1
    assert PaymentRun.objects.filter(pk=run.pk).exists()
    kwargs = {"pk": run.pk, "childminder": cm.pk}
    return reverse("payments:statement", kwargs=kwargs)


@case("qualification-childminder", Role.ADMIN)
def _qualification_childminder(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.qualification.models import FurtherTraining

    course = _enrolled(city, 1)
    cm = course.enrolments.get().childminder
    for i in range(n):
        FurtherTraining.objects.create(
            childminder=cm, date=dt.date(2025, 1, 1 + i), title=f"Fortbildung {i}", hours=4
        )
    return reverse("qualification:childminder", kwargs={"pk": cm.pk})


@case("inclusion-pool-item", Role.PLANNER)
def _pool_item(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.inclusion.models import Booking
    from tests.web.inclusion.helpers import inclusion_objects

    item = inclusion_objects(city)["pool_item"]
    for i, facility in enumerate(add_facilities(city, n)):
        Booking.objects.create(
            item_id=item,
            facility=facility,
            start=dt.date(2025, 4, 1 + 2 * i),
            end=dt.date(2025, 4, 2 + 2 * i),
            status="returned",
            lent_on=dt.date(2025, 4, 1 + 2 * i),
            returned_at=dt.date(2025, 4, 2 + 2 * i),
        )
    return reverse("inclusion:pool-item", kwargs={"pk": item})


@case("inclusion-facility", Role.PLANNER)
def _inclusion_facility(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.inclusion.models import ChecklistItem
    from tests.web.inclusion.helpers import inclusion_objects

    keys = inclusion_objects(city)
    for i in range(n):
        ChecklistItem.objects.create(
            territory=city.territory,
            code=f"C{i}",
            label=f"Bestätigung {i}",
            kind="confirmation",
            position=10 + i,
        )
    return reverse("inclusion:facility", kwargs={"pk": keys["checklist_facility"]})


@case("inclusion-checklist", Role.PLANNER)
def _checklist(city: SmallCity, user: User, n: int) -> str:
    _inclusion_facility(city, user, n)
    return reverse("inclusion:checklist")


@case("api-tokens", Role.ADMIN)
def _api_tokens(city: SmallCity, user: User, n: int) -> str:
    from knox.models import AuthToken

    for i in range(n):
        AuthToken.objects.create(user=make_user(f"token{i}", Role.PLANNER))
    return reverse("api-token-list")


# --- detail pages with lists ------------------------------------------------------------------


@case("childminder-detail", Role.ADMIN)
def _childminder_detail(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.childminding.models import CareContract, Proof

    cm = add_childminders(city, 1)[0]
    for i in range(n):
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"KD{i}",
            child_birth_date=dt.date(2025, 3, 1),
            valid_from=dt.date(2026, 1, 1),
            weekly_hours=10,
            slots=WEEKDAYS,
        )
        Proof.objects.create(childminder=cm, kind="first_aid", issued_on=dt.date(2024, 1, 1 + i))
    return reverse("childminding:childminder-detail", kwargs={"pk": cm.pk})


@case("measure-detail", Role.PLANNER)
def _measure_detail(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.measures.models import Comment, Measure, StatusChange

    plan = _plan_with_measures(city, 1)
    measure = Measure.objects.get(objective__field__plan_id=plan)
    for i in range(n):
        Comment.objects.create(measure=measure, text=f"Anmerkung {i}", author=user)
        StatusChange.objects.create(
            measure=measure,
            status="ongoing",
            previous_status="planned",
            date=dt.date(2024, 1, 1 + i),
            changed_by=user,
        )
    return reverse("measures:measure-detail", kwargs={"pk": measure.pk})


@case("substitutes-absence", Role.ADMIN)
def _absence_detail(city: SmallCity, user: User, n: int) -> str:
    from tests.web.substitutes.helpers import absence, childminder, contract

    cm = childminder(city, "D0")
    for i in range(n):
        contract(cm, f"DK{i}")
    return reverse("substitutes:absence-detail", kwargs={"pk": absence(cm).pk})


@case("reports-transition", Role.ADMIN)
def _transition(city: SmallCity, user: User, n: int) -> str:
    from kitaplan.web.childminding.models import CareContract

    cm = add_childminders(city, 1)[0]
    born = timezone.localdate().replace(day=1) - dt.timedelta(days=3 * 365 - 60)
    for i in range(n):
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"KT{i}",
            child_birth_date=born,
            valid_from=dt.date(2026, 1, 1),
            weekly_hours=10,
            slots=WEEKDAYS,
        )
    return reverse("reports:transition")


cases([("planning-accessibility", Role.PLANNER)], _by_facility("planning:accessibility"))


# --- API --------------------------------------------------------------------------------------


def _api(path: str, rows: Callable[[SmallCity, int], object]) -> Builder:
    def build(city: SmallCity, user: User, n: int) -> str:
        rows(city, n)
        return f"/api/v1/{path}/?territory={city.territory.code}"

    return build


cases([("api-areas", Role.PLANNER)], _api("areas", add_areas))
cases([("api-facilities", Role.PLANNER)], _api("facilities", add_facilities))
cases([("api-population", Role.PLANNER)], _api("population", add_areas))
cases([("api-territories", Role.PLANNER)], _api("territories", lambda city, n: None))


def add_indicator_values(city: SmallCity, n: int) -> None:
    from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

    for i in range(n):
        indicator = IndicatorDefinition.objects.create(code=f"ind{i}", name=f"Indikator {i}")
        for area in city.areas:
            IndicatorValue.objects.create(indicator=indicator, area=area, year=2024, value=i)


cases([("api-indicators", Role.PLANNER)], _api("indicators", add_indicator_values))
cases([("api-indicator-values", Role.PLANNER)], _api("indicator-values", add_indicator_values))


# --- test -------------------------------------------------------------------------------------


def _queries(client, case_: Case, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The SQL of the second request to the page built with ``n`` rows."""
    with transaction.atomic():
        # The services open durable transactions; like Django's TestCase, this savepoint
        # lets them nest (it is rolled back below, so no row of it survives).
        connection.atomic_blocks[-1]._from_testcase = True
        city = make_city()
        user = make_user("counter", case_.role)
        if case_.role is not None:
            client.force_login(user)
        url = case_.build(city, user, n)
        client.get(url)  # warm per-process caches (content types, translations, settings)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if os.environ.get("QC_DEBUG"):  # prints sizes to see the rows are shown
            body = b"".join(response.streaming_content) if response.streaming else response.content
            print(
                f"\nQC {case_.id} n={n} queries={len(captured.captured_queries)} bytes={len(body)}"
            )
        transaction.set_rollback(True)
    return [query["sql"] for query in captured.captured_queries]


def _shape(sql: str) -> str:
    """The statement with its literals left out, so one query per row counts as one shape."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _repeated(few: list[str], many: list[str]) -> str:
    """The statements the larger page ran more often (the N+1), shortened."""
    extra = Counter(map(_shape, many)) - Counter(map(_shape, few))
    return "\n".join(f"{times}× {sql[:300]}" for sql, times in extra.most_common(5))


@pytest.mark.parametrize("case_", CASES, ids=[c.id for c in CASES])
def test_the_number_of_queries_does_not_grow_with_the_rows(client, case_):
    few = _queries(client, case_, FEW)
    many = _queries(client, case_, MANY)
    assert len(many) == len(few), (
        f"{case_.id}: {len(few)} queries with {FEW} rows, {len(many)} with {MANY}; "
        f"repeated:\n{_repeated(few, many)}"
    )
