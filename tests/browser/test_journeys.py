"""What a planner does in the browser: log in, filter facilities, open one, see the map, switch
the language, and get a readable refusal for a broken import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import PopulationCount
from tests.browser.test_accessibility import assert_accessible, log_in
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_planner_filters_facilities_and_opens_one_with_its_map(live_server, page):
    make_city()
    make_user("planer", Role.PLANNER)
    log_in(page, live_server, "planer")
    page.goto(live_server.url + reverse("facilities:facility-list"))
    page.fill("input[name=q]", "F3")
    page.get_by_role("button", name="Anzeigen").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    page.get_by_role("link", name="Kita F3").click()
    page.wait_for_selector(".leaflet-container")
    # the GeoJSON arrives after the map is set up: wait until the area and its facility are drawn
    # (locator waits: wait_for_function evaluates a string, which the CSP forbids)
    page.locator(".leaflet-interactive").first.wait_for(state="attached")
    assert page.locator(".leaflet-interactive").count() >= 1
    assert page.locator("h1").inner_text() == "Kita F3"


def test_the_area_map_draws_every_area_of_the_level(live_server, page):
    make_city()
    make_user("planer", Role.PLANNER)
    log_in(page, live_server, "planer")
    page.goto(live_server.url + reverse("territory:area-list"))
    page.locator("path.leaflet-interactive").nth(3).wait_for(state="attached")
    assert page.locator("path.leaflet-interactive").count() == 4


def test_the_language_can_be_switched_to_english(live_server, page):
    make_city()
    make_user("planer", Role.PLANNER)
    log_in(page, live_server, "planer")
    assert page.locator("html").get_attribute("lang") == "de"
    page.select_option("select[name=language]", "en")
    page.locator("form[action*='setlang'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Facilities").count() >= 1


def test_a_broken_import_is_refused_with_row_and_column_in_german(live_server, page, tmp_path):
    city = make_city()
    make_user("planer", Role.PLANNER)
    before = PopulationCount.objects.count()
    broken = tmp_path / "einwohner.csv"
    broken.write_text(
        "area_code;year;age;count\n0101;2024;0;5\n0102;2024;1;zwölf\n", encoding="utf-8"
    )
    log_in(page, live_server, "planer")
    page.goto(live_server.url + reverse("imports:import-new"))
    page.select_option("select[name=territory]", str(city.territory.pk))
    page.select_option("select[name=kind]", "population")
    page.set_input_files("input[name=file]", str(broken))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_selector("#problems")
    text = page.locator("#problems").inner_text()
    assert "Zeile 3" in text and "count" in text and "zwölf" in text
    assert PopulationCount.objects.count() == before
    assert_accessible(page, "import refused")


def test_a_planner_sets_a_new_facility_by_clicking_the_map(live_server, page):
    from kitaplan.web.planning import scenario_services

    city = make_city()
    planner = make_user("planer", Role.PLANNER)
    scenario = scenario_services.create_scenario(
        territory=city.territory, actor=planner, name="Neue Kita", shared=False
    )
    log_in(page, live_server, "planer")
    page.goto(live_server.url + reverse("planning:scenario-detail") + f"?scenario={scenario.pk}")
    page.locator("#kp-pick-map path.leaflet-interactive").nth(1).wait_for(state="attached")
    box = page.locator("#kp-pick-map").bounding_box()
    page.locator("#kp-pick-map").click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.5})
    lat = float(page.input_value("#id_open-lat"))
    lon = float(page.input_value("#id_open-lon"))
    assert 51.99 < lat < 52.03 and 12.99 < lon < 13.05  # inside the test city
    assert "Standort gewählt" in page.locator("#kp-pick-map-picked").inner_text()
    assert_accessible(page, "scenario with the location map")


def test_the_kita_finder_works_on_a_phone_without_a_login(live_server, browser):
    make_city()
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        for path in (reverse("finder:search") + "?age_group=u3", reverse("finder:easy-language")):
            page.goto(live_server.url + path)
            assert "/login/" not in page.url
            no_sideways = page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
            )
            assert no_sideways, path
            assert_accessible(page, f"{path} at 360 px")
    finally:
        context.close()
