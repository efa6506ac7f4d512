"""The derived-data cache (core.derived): pages read cached results, and every change of an
input (a saved record, a bulk import) shows on the next view."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.web.core import derived
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.imports.services import import_file
from kitaplan.web.planning.models import TargetRule
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

BALANCE = reverse("planning:balance") + "?level=district&sort=code"


@pytest.fixture
def planner(client):
    city = make_city()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def u3(client, district: int = 0):
    return client.get(BALANCE).context["rows"][district].balance.groups["u3"]


def test_a_second_view_reads_the_cached_balance(planner):
    first = u3(planner)
    calls = []
    original = derived.caches[derived.CACHE_ALIAS].get

    def counting_get(key, default=None, version=None):
        found = original(key, default, version)
        calls.append((key, found is not default))
        return found

    derived.caches[derived.CACHE_ALIAS].get = counting_get
    try:
        second = u3(planner)
    finally:
        del derived.caches[derived.CACHE_ALIAS].get
    assert second == first
    assert any(key.startswith("derived:planning.balance:") and hit for key, hit in calls)


def test_saved_places_change_the_balance_on_the_next_view(planner):
    before = u3(planner)
    places = FacilityPlaces.objects.filter(facility__area__parent=planner.city.districts[0]).first()
    places.places_u3 += 7
    places.save()
    assert u3(planner).places == before.places + 7


def test_deleted_places_change_the_balance_on_the_next_view(planner):
    before = u3(planner)
    places = FacilityPlaces.objects.filter(facility__area__parent=planner.city.districts[0]).first()
    removed = places.places_u3
    places.delete()
    assert u3(planner).places == before.places - removed


def test_an_import_changes_the_balance_on_the_next_view(planner, tmp_path: Path):
    """The population import writes in bulk (no signals): the import service bumps."""
    before = u3(planner)
    assert before.children == 66  # two areas with 10, 11, 12 children aged 0-2 (make_city)
    path = tmp_path / "population.csv"
    rows = ["area_code,year,age,count,method,source"]
    rows += [f"0101,2024,{age},{100 + age},counted,test" for age in range(7)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = import_file(territory=planner.city.territory, kind="population", path=path, actor=SYSTEM)
    assert run.status == "succeeded", run.problems
    # area 0101 now has 100 + 101 + 102 children under 3, area 0102 keeps 33
    assert u3(planner).children == 303 + 33


def test_a_refused_import_keeps_the_cached_version(planner, tmp_path: Path):
    u3(planner)
    version = derived.data_version(planner.city.territory.pk)
    path = tmp_path / "population.csv"
    path.write_text("area_code,year,age,count\n9999,2024,0,1\n", encoding="utf-8")
    run = import_file(territory=planner.city.territory, kind="population", path=path, actor=SYSTEM)
    assert run.status == "refused"
    assert derived.data_version(planner.city.territory.pk) == version


def test_a_changed_rule_shows_on_the_targets_page(planner):
    city = planner.city
    rule = TargetRule.objects.create(
        territory=city.territory,
        code="Z.1",
        name="U3 places",
        metric="coverage_u3",
        level=city.territory.levels.get(code="district"),
        comparison="at_least",
        threshold=0.0,
        tolerance=0.0,
    )
    url = reverse("planning:targets") + "?territory=testcity&year=2024"

    def lights():
        item = next(i for i in planner.get(url).context["evaluated"] if i["rule"].pk == rule.pk)
        return {r.light.value for _area, r in item["results"]}

    assert lights() == {"green"}
    # a bulk update sends no signal: the rule's definition is part of the key
    TargetRule.objects.filter(pk=rule.pk).update(threshold=100.0)
    assert lights() == {"red"}


def test_each_territory_has_its_own_version(planner):
    other = make_city("othercity")
    first = derived.data_version(planner.city.territory.pk)
    derived.bump(other.territory.pk)
    assert derived.data_version(planner.city.territory.pk) == first
    derived.bump(planner.city.territory.pk)
    assert derived.data_version(planner.city.territory.pk) != first
