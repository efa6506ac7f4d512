"""The office's and the facilities' pages of a round, on the small test city."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from kitaplan import cli
from kitaplan.web.allocation.models import AllocationRound, AllocationRun, Offer
from kitaplan.web.allocation.services import answer_offer, publish_run, run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job
from tests.web.allocation.helpers import TODAY, apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def login(client, role, city, name="office"):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(name, role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    return user


def test_the_office_sets_up_a_round_with_ordered_criteria(client, city):
    login(client, Role.ALLOCATION_OFFICE, city)
    response = client.post(
        reverse("allocation:round-new"),
        {
            "territory": city.territory.pk,
            "name": "Kita-Jahr 2028/29",
            "care_start": "2028-08-01",
            "applications_open": "2027-10-01",
            "applications_close": "2028-01-31",
            "offers_on": "2028-03-01",
            "response_days": "14",
            "max_choices": "5",
            "district_level": "district",
            "mode": "batch",
            "criterion_sibling_at_facility": "2",
            "criterion_integration_need": "1",
            "criterion_age_at_start": "3",
        },
    )
    round_ = AllocationRound.objects.get(name="Kita-Jahr 2028/29")
    assert response.status_code == 302
    assert [c.value for c in round_.criteria] == [
        "integration_need",
        "sibling_at_facility",
        "age_at_start",
    ]
    assert AuditEvent.objects.filter(action="allocation.round_saved").exists()
    page = client.get(reverse("allocation:round-detail", args=[round_.pk]))
    assert "Geschwisterkind besucht die Einrichtung bereits" in page.content.decode()


def test_a_position_used_twice_is_refused_on_its_field(client, city):
    login(client, Role.ALLOCATION_OFFICE, city)
    response = client.post(
        reverse("allocation:round-new"),
        {
            "territory": city.territory.pk,
            "name": "Doppelt",
            "care_start": "2028-08-01",
            "applications_open": "2027-10-01",
            "applications_close": "2028-01-31",
            "offers_on": "2028-03-01",
            "response_days": "14",
            "max_choices": "5",
            "mode": "batch",
            "criterion_sibling_at_facility": "1",
            "criterion_integration_need": "1",
        },
    )
    assert response.status_code == 200
    assert not AllocationRound.objects.filter(name="Doppelt").exists()
    assert "Position 1 ist doppelt vergeben." in response.content.decode()


def test_run_publish_explain_and_audit_from_the_pages(client, city, tmp_path):
    round_ = make_round(city)
    anna = apply(round_, city, "Anna", ["F1", "F2"])
    apply(round_, city, "Ben", ["F1", "F2"])
    apply(round_, city, "Cem", ["F1", "F3"], area=2)
    login(client, Role.ALLOCATION_OFFICE, city)
    response = client.post(reverse("allocation:round-run", args=[round_.pk]))
    run = AllocationRun.objects.get()  # computed by the job (eagerly in the tests)
    job = Job.objects.get(kind="allocation.run")
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    job_page = client.get(response["Location"]).content.decode()
    run_url = reverse("allocation:run-detail", args=[run.pk])
    assert f'href="{run_url}"' in job_page
    page = client.get(run_url).content.decode()
    assert "ergeben genau dieses Ergebnis" in page  # reproduced
    assert str(run.seed) in page

    archive = client.get(reverse("allocation:run-instance", args=[run.pk]))
    bundle = zipfile.ZipFile(io.BytesIO(archive.content))
    names = set(bundle.namelist())
    assert {"facilities.csv", "children.csv", "preferences.csv", "priorities.csv"} <= names
    assert {"assignment.csv", "cutoffs.csv", "lottery.csv", "README.txt"} <= names
    # An auditor reruns the exported instance with the published numbers: same assignment.
    bundle.extractall(tmp_path / "run")
    code = cli.main(
        [
            "allocate",
            "--instance",
            str(tmp_path / "run"),
            "--out",
            str(tmp_path / "check"),
            "--lottery",
            str(tmp_path / "run" / "lottery.csv"),
        ]
    )
    assert code == cli.EXIT_OK
    for name in ("assignment.csv", "cutoffs.csv"):
        assert (tmp_path / "check" / name).read_bytes() == (tmp_path / "run" / name).read_bytes()

    client.post(reverse("allocation:run-publish", args=[run.pk]))
    run.refresh_from_db()
    assert run.is_published and Offer.objects.count() == 3

    # "Why not my child?": the one of Anna/Ben who got F2 is explained at F1.
    loser = anna if run.result["assignment"][anna.reference] == "F2" else None
    if loser is None:
        loser = round_.applications.get(child_name="Ben")
    page = client.get(reverse("allocation:application-detail", args=[loser.pk])).content.decode()
    assert "Kita F1" in page and "Losnummer" in page
    chances = client.get(
        reverse("allocation:application-detail", args=[loser.pk]) + f"?run={run.pk}&chances=1"
    )
    assert "200" in chances.content.decode()


def test_a_facility_manager_sees_waiting_lists_of_own_facilities_only(client, city):
    round_ = make_round(city)
    for k in range(3):
        apply(round_, city, f"K{k}", ["F1"])
    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    login(client, Role.FACILITY_MANAGER, city, name="kita")
    own = client.get(
        reverse("allocation:facility-applicants", args=[round_.pk, city.facilities[0].pk])
    )
    assert own.status_code == 200
    text = own.content.decode()
    assert "2 Kinder warten" in text
    other = client.get(
        reverse("allocation:facility-applicants", args=[round_.pk, city.facilities[2].pk])
    )
    assert other.status_code == 404
    assert client.get(reverse("allocation:application-list", args=[round_.pk])).status_code == 403


def test_facility_criteria_confirmed_by_the_facility_change_the_next_run(client, city):
    round_ = make_round(city)
    from kitaplan.domain.allocation import Criterion
    from kitaplan.web.allocation.services import save_round

    save_round(round_=round_, criteria=[Criterion.FACILITY_CRITERIA], actor=SYSTEM)
    kids = [apply(round_, city, f"K{k}", ["F1"]) for k in range(4)]
    login(client, Role.FACILITY_MANAGER, city, name="kita")
    client.post(
        reverse("allocation:round-places", args=[round_.pk]),
        {
            "action": "criteria",
            "facility": city.facilities[0].pk,
            "criteria": "Kinder von Beschäftigten",
        },
    )
    criterion = round_.facility_criteria.get()
    run = run_round(round_=round_, actor=SYSTEM)
    lucky = next(k for k in kids if run.result["assignment"][k.reference] is None)
    client.post(
        reverse("allocation:facility-applicants", args=[round_.pk, city.facilities[0].pk]),
        {f"met-{lucky.pk}": str(criterion.pk)},
    )
    second = run_round(round_=round_, actor=SYSTEM)
    assert second.result["assignment"][lucky.reference] == "F1"


def test_statistics_count_unplaced_children_by_district(client, city):
    round_ = make_round(city)
    for k in range(3):
        apply(round_, city, f"K{k}", ["F1"])
    run = run_round(round_=round_, actor=SYSTEM)
    publish_run(run=run, actor=SYSTEM, today=TODAY)
    offer = Offer.objects.get()
    answer_offer(offer=offer, accept=True, actor=SYSTEM, today=TODAY)
    login(client, Role.PLANNER, city, name="planer")
    response = client.get(reverse("allocation:round-statistics", args=[round_.pk]) + "?format=csv")
    lines = response.content.decode().splitlines()
    assert lines[1].startswith("01;District 1;u3;3;1;1;0;2;1")
    assert client.get(reverse("allocation:application-list", args=[round_.pk])).status_code == 403


def test_children_without_an_offer_show_in_the_planning_balance(client, city):
    round_ = make_round(city)
    for k in range(3):
        apply(round_, city, f"K{k}", ["F1"])  # home area 0101 in district 01; one place at F1
    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    login(client, Role.PLANNER, city, name="planer")
    response = client.get(reverse("planning:balance") + f"?territory={city.territory.code}")
    text = response.content.decode()
    assert "Ohne Angebot unter 3" in text and "Kita-Jahr 2027/28" in text
    rows = {r.area.official_code: r for r in response.context["rows"]}
    assert rows["01"].unplaced == {"u3": 2.0, "ue3": 0.0}
    assert rows["02"].unplaced == {"u3": 0.0, "ue3": 0.0}
    export = client.get(
        reverse("planning:balance") + f"?territory={city.territory.code}&format=csv"
    ).content.decode()
    assert "Ohne Angebot unter 3 (Platzvergabe)" in export.splitlines()[0]


def test_in_the_iterative_mode_a_facility_composes_its_group_by_its_own_order(client, city):
    from kitaplan.web.allocation.models import AllocationRound
    from kitaplan.web.allocation.services import reproduce

    round_ = make_round(city, places={"F1": (2, 0), "F2": (0, 0), "F3": (0, 0)})
    round_.mode = AllocationRound.ITERATIVE
    round_.save()
    kids = [apply(round_, city, f"K{k}", ["F1"]) for k in range(5)]
    login(client, Role.FACILITY_MANAGER, city, name="kita")
    url = reverse("allocation:facility-applicants", args=[round_.pk, city.facilities[0].pk])
    page = client.get(url).content.decode()
    assert "Ihre Reihenfolge" in page
    # The Kita wants K4 and K2, in this order.
    client.post(url, {"action": "order", f"order-{kids[4].pk}": "1", f"order-{kids[2].pk}": "2"})
    run = run_round(round_=round_, actor=SYSTEM)
    assigned = {ref for ref, f in run.result["assignment"].items() if f == "F1"}
    assert assigned == {kids[4].reference, kids[2].reference}
    assert run.check_problems == [] and reproduce(run)
    assert run.result["rounds_log"][0][1] == 2  # two offers in the first round
    office = login(client, Role.ALLOCATION_OFFICE, city, name="office2")
    assert office
    detail = client.get(reverse("allocation:run-detail", args=[run.pk])).content.decode()
    assert "Angebotsrunden" in detail and "Nr. 2 in der eigenen Reihenfolge" in detail
