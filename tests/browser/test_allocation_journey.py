"""A round from set-up to an accepted offer in the browser: the office, a Kita manager and a
parent, with an axe-core check of every page on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.allocation.models import AllocationRound, Offer
from kitaplan.web.core.roles import Role
from tests.browser.test_accessibility import assert_accessible, log_in
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_round_from_set_up_to_an_accepted_offer(live_server, page):
    city = make_city()
    make_user("vergabe", Role.ALLOCATION_OFFICE)
    make_user("kita", Role.FACILITY_MANAGER, provider=city.providers[0])
    make_user("mutter", Role.PARENT)
    today = timezone.localdate()
    url = live_server.url

    # The office sets up the round with its criteria and releases places at F3.
    log_in(page, live_server, "vergabe")
    page.goto(url + reverse("allocation:round-new"))
    assert_accessible(page, "round form")
    page.select_option("select[name=territory]", str(city.territory.pk))
    page.fill("input[name=name]", "Kita-Jahr Test")
    page.fill("input[name=care_start]", dt.date(today.year + 1, 8, 1).isoformat())
    page.fill("input[name=applications_open]", (today - dt.timedelta(days=5)).isoformat())
    page.fill("input[name=applications_close]", (today + dt.timedelta(days=30)).isoformat())
    page.fill("input[name=offers_on]", today.isoformat())
    page.fill("input[name=max_choices]", "3")
    page.select_option("select[name=district_level]", "district")
    page.fill("input[name=criterion_sibling_at_facility]", "1")
    page.fill("input[name=criterion_residence_in_district]", "2")
    page.locator("#main form button[type=submit]").click()
    page.wait_for_url("**/allocation/round/*/")
    round_ = AllocationRound.objects.get(name="Kita-Jahr Test")
    assert_accessible(page, "round detail (office)")
    page.goto(url + reverse("allocation:round-places", args=[round_.pk]))
    page.select_option("select[name=facility]", str(city.facilities[2].pk))
    page.select_option("select[name=age_group]", "u3")
    page.fill("input[name=capacity]", "1")
    page.get_by_role("button", name="Plätze speichern").click()
    page.wait_for_selector("text=Die Plätze wurden gespeichert.")
    assert_accessible(page, "places (office)")

    # The Kita manager releases one place at F1.
    page.context.clear_cookies()
    log_in(page, live_server, "kita")
    page.goto(url + reverse("allocation:round-places", args=[round_.pk]))
    options = page.locator("select[name=facility] option").all_inner_texts()
    assert not any("Kita F3" in o for o in options)  # another provider's facility
    page.select_option("select[name=facility]", str(city.facilities[0].pk))
    page.select_option("select[name=age_group]", "u3")
    page.fill("input[name=capacity]", "1")
    page.get_by_role("button", name="Plätze speichern").click()
    page.wait_for_selector("text=Die Plätze wurden gespeichert.")
    assert_accessible(page, "places (Kita manager)")

    # A parent registers a child, F1 first, F3 second.
    page.context.clear_cookies()
    log_in(page, live_server, "mutter")
    page.goto(url + reverse("allocation:my-applications"))
    assert_accessible(page, "my applications (empty)")
    page.get_by_role("link", name="Ein Kind für Kita-Jahr Test anmelden").click()
    assert_accessible(page, "application form")
    page.fill("input[name=child_name]", "Lena Beispiel")
    page.fill("input[name=birth_date]", dt.date(today.year, 1, 10).isoformat())
    page.select_option("select[name=home_area]", str(city.areas[0].pk))
    page.select_option("select[name=choice_1]", f"f{city.facilities[0].pk}")
    page.select_option("select[name=choice_2]", f"f{city.facilities[2].pk}")
    page.locator("#main form button[type=submit]").last.click()
    page.wait_for_selector("text=Lena Beispiel")

    # The office registers a second child on behalf of a family, then computes and sends offers.
    page.context.clear_cookies()
    log_in(page, live_server, "vergabe")
    page.goto(url + reverse("allocation:application-new", args=[round_.pk]))
    page.fill("input[name=child_name]", "Ali Beispiel")
    page.fill("input[name=birth_date]", dt.date(today.year, 2, 10).isoformat())
    page.select_option("select[name=home_area]", str(city.areas[2].pk))
    page.select_option("select[name=choice_1]", f"f{city.facilities[0].pk}")
    page.locator("#main form button[type=submit]").last.click()
    page.wait_for_url("**/allocation/application/*/")
    page.goto(url + reverse("allocation:round-detail", args=[round_.pk]))
    page.get_by_role("button", name="Ersten Lauf berechnen").click()
    page.wait_for_url("**/jobs/*/")  # the run is a background job (eager in the tests)
    assert_accessible(page, "job page")
    page.locator("#job-result").click()
    page.wait_for_url("**/allocation/run/*/")
    assert_accessible(page, "run detail")
    page.get_by_role("button", name="Angebote dieses Laufs versenden").click()
    page.wait_for_selector("text=1 Angebot wurde versandt.")
    # Lena lives in F1's district and wins F1; Ali (district 2) is explained.
    ali = round_.applications.get(child_name="Ali Beispiel")
    page.goto(url + reverse("allocation:application-detail", args=[ali.pk]))
    assert "Alle Plätze dieser Art" in page.locator("#why ~ div").first.inner_text()
    assert_accessible(page, "application detail with explanation")
    page.goto(url + reverse("allocation:round-statistics", args=[round_.pk]))
    assert_accessible(page, "figures")

    # The parent accepts the offer.
    page.context.clear_cookies()
    log_in(page, live_server, "mutter")
    page.goto(url + reverse("allocation:my-applications"))
    page.get_by_role("link", name="Lena Beispiel").click()
    assert_accessible(page, "parent's application with offer")
    page.get_by_role("button", name="Platz annehmen").click()
    page.wait_for_load_state()
    lena = round_.applications.get(child_name="Lena Beispiel")
    assert lena.offers.get().status == Offer.ACCEPTED
    assert_accessible(page, "parent's application accepted")

    # The Kita manager sees the accepted offer and the waiting list at F1.
    page.context.clear_cookies()
    log_in(page, live_server, "kita")
    page.goto(
        url + reverse("allocation:facility-applicants", args=[round_.pk, city.facilities[0].pk])
    )
    text = page.locator("#main").inner_text()
    assert "Lena Beispiel" in text and "angenommen" in text
    assert "1 Kind wartet" in text
    assert_accessible(page, "facility applicants")
