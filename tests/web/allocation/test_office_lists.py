"""The office's list of applications (status, filter and count in the database, paginated) and
the round's statistics read from flat rows, on the small test city."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kitaplan.web.allocation import presenters, selectors
from kitaplan.web.allocation.models import Application, Offer
from kitaplan.web.allocation.services import (
    answer_offer,
    publish_run,
    run_round,
    withdraw_application,
)
from kitaplan.web.allocation.statistics import round_statistics
from kitaplan.web.allocation.views import APPLICATIONS_PER_PAGE
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import TODAY, apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r'href="/allocation/application/\d+/">([^<]+)</a>')


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def office(client, city):
    user = make_user("office", Role.ALLOCATION_OFFICE)
    client.login(username=user.username, password=PASSWORD)
    return client


def round_in_every_state(city):
    """Seven children, each naming all three Kitas (first choices differ), for 4 places (F1 2,
    F2 1, F3 1): after the run four hold an offer, one of them accepts, one declines (left the
    round); of the three without an offer one withdraws, two wait."""
    round_ = make_round(city, places={"F1": (2, 0), "F2": (1, 0), "F3": (1, 0)})
    for i in range(7):
        apply(
            round_,
            city,
            f"Kind {i}",
            ["F1", "F2", "F3"][i % 3 :] + ["F1", "F2", "F3"][: i % 3],
            area=i % 4,
            home_lat=52.0,
            home_lon=13.0,
        )
    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    waiting = Application.objects.filter(round=round_, offers__isnull=True).order_by("pk")
    withdraw_application(application=waiting.first(), actor=SYSTEM)
    accepted, declined = Offer.objects.filter(application__round=round_).order_by("pk")[:2]
    answer_offer(offer=accepted, accept=True, actor=SYSTEM, today=TODAY)
    answer_offer(offer=declined, accept=False, actor=SYSTEM, today=TODAY)
    return round_


def test_the_status_computed_in_the_database_is_the_status_of_the_offers(city):
    round_ = round_in_every_state(city)
    annotated = list(selectors.applications_in_round(round_))
    assert len(annotated) == 7
    seen = set()
    for app in annotated:
        offers = list(app.offers.order_by("run__number", "pk"))
        code, offer = presenters.application_status(app, offers)
        assert app.status_code == code, app.child_name
        assert app.status_offer_id == (offer.pk if offer else None), app.child_name
        assert app.n_choices == app.choices.count()
        seen.add(code)
    assert seen == {"open", "accepted", "left", "registered", "withdrawn"}
    for code in seen:
        assert {a.pk for a in selectors.applications_in_round(round_, status=code)} == {
            a.pk for a in annotated if a.status_code == code
        }


def test_the_status_filter_and_the_count_come_from_the_database(office, city):
    round_ = round_in_every_state(city)
    url = reverse("allocation:application-list", args=[round_.pk])
    page = office.get(url + "?status=left").content.decode()
    (left,) = Application.objects.filter(offers__status=Offer.DECLINED)
    assert REFERENCE.findall(page) == [left.reference]
    assert "1 Anmeldung" in page or "1 application" in page
    export = office.get(url + "?status=registered&format=csv").content.decode()
    rows = [line for line in export.splitlines()[1:] if line]
    assert len(rows) == 2 and all(";registered;" in line for line in rows)


def test_the_list_shows_one_page_of_applications_and_page_two_the_next_rows(office, city):
    round_ = make_round(city)
    for i in range(APPLICATIONS_PER_PAGE + 5):
        apply(round_, city, f"Kind {i:02d}", ["F1"])
    references = list(
        Application.objects.filter(round=round_)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    url = reverse("allocation:application-list", args=[round_.pk])
    first = office.get(url + "?q=Kind").content.decode()
    assert REFERENCE.findall(first) == references[:APPLICATIONS_PER_PAGE]
    # the page links keep the search (and the nav has an accessible name)
    assert 'href="?q=Kind&amp;page=2"' in first
    assert 'aria-label="' in first and "kp-pagination" in first
    second = office.get(url + "?q=Kind&page=2").content.decode()
    assert REFERENCE.findall(second) == references[APPLICATIONS_PER_PAGE:]
    assert 'href="?q=Kind&amp;page=1"' in second
    # the export holds every row, not one page
    export = office.get(url + "?q=Kind&format=csv").content.decode()
    assert len([line for line in export.splitlines()[1:] if line]) == len(references)


def test_the_statistics_count_the_current_state_of_the_offers(city):
    round_ = round_in_every_state(city)
    apps = list(selectors.applications_in_round(round_).filter(withdrawn=False))
    codes = [a.status_code for a in apps]
    total = round_statistics(round_).total
    assert total.applications == 6
    assert total.holding == codes.count("open") + codes.count("accepted") == 3
    assert total.accepted == 1
    assert total.left == 1
    assert total.unplaced == codes.count("registered") == 2
    first_choice = 0
    for app in apps:
        if app.status_code in Offer.HOLDING:
            offer = Offer.objects.get(pk=app.status_offer_id)
            first_choice += offer.facility == app.choices.get(rank=1).facility
    assert total.first_choice == first_choice
    assert len(total.distances) == 3
    # an answer changes the figures at once (nothing cached)
    still_open = Offer.objects.filter(application__round=round_, status=Offer.OPEN).first()
    answer_offer(offer=still_open, accept=True, actor=SYSTEM, today=TODAY)
    assert round_statistics(round_).total.accepted == 2


def test_a_runs_cut_offs_are_paginated_and_the_reproduction_is_checked_once(
    office, city, monkeypatch
):
    from kitaplan.web.allocation import services, views
    from kitaplan.web.allocation.models import RoundProgramme

    round_ = make_round(city, places={"F1": (2, 1), "F2": (1, 1), "F3": (1, 0)})
    RoundProgramme.objects.filter(round=round_, facility__official_number="F3").update(
        integration_places=1
    )
    for i in range(6):
        apply(round_, city, f"Kind {i}", ["F1", "F2", "F3"], integration_need=i % 2 == 0)
    run = run_round(round_=round_, actor=SYSTEM)
    entries = presenters.cutoff_entries(run)
    assert len(entries) >= 3
    monkeypatch.setattr(views, "CUTOFFS_PER_PAGE", 2)
    url = reverse("allocation:run-detail", args=[run.pk])
    row = re.compile(r'<th scope="row" class="kern-table__cell">([^<]+)</th>')
    names = {f.official_number: f.name for f in city.facilities}
    first = office.get(url).content.decode()
    assert row.findall(first) == [names[e[0]] for e in entries[:2]]
    assert 'href="?page=2"' in first and "kp-pagination" in first
    # the stored run was reproduced on the first view; later views read the answer
    monkeypatch.setattr(services, "reproduce", lambda run: pytest.fail("reproduced again"))
    second = office.get(url + "?page=2")
    assert second.context["reproduced"] is True
    assert row.findall(second.content.decode()) == [names[e[0]] for e in entries[2:4]]
