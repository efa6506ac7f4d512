"""The shared web helpers of issue 18: the valid-on filter and the page's territory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from kitaplan.web.core.validity import ValidityQuerySet, valid_from_on, valid_on
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.models import Territory
from kitaplan.web.territory.requests import territory_from_request
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


def _numbers(queryset) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(queryset.values_list("official_number", flat=True))


def test_valid_on_includes_both_ends_and_open_ends() -> None:
    city = make_city()
    f1, f2, f3 = city.facilities
    Facility.objects.filter(pk=f1.pk).update(valid_from=dt.date(2024, 8, 1))
    Facility.objects.filter(pk=f2.pk).update(valid_to=dt.date(2024, 7, 31))
    facilities = Facility.objects.filter(territory=city.territory)
    assert _numbers(facilities.filter(valid_on(dt.date(2024, 7, 31)))) == ["F2", "F3"]
    assert _numbers(facilities.filter(valid_on(dt.date(2024, 8, 1)))) == ["F1", "F3"]
    # Without an open start, a facility with no opening date does not count.
    assert _numbers(facilities.filter(valid_on(dt.date(2024, 8, 1), open_start=False))) == ["F1"]
    assert _numbers(facilities.filter(valid_from_on(dt.date(2024, 8, 1)))) == ["F1", "F3"]


def test_valid_on_reaches_related_records() -> None:
    city = make_city()
    f1 = city.facilities[0]
    FacilityPlaces.objects.filter(facility=f1).update(valid_to=dt.date(2024, 12, 31))
    FacilityPlaces.objects.create(
        facility=f1, valid_from=dt.date(2025, 1, 1), places_u3=99, places_ue3=0
    )
    on = Facility.objects.filter(valid_on(dt.date(2025, 6, 1), "places_history__"))
    assert on.filter(places_history__places_u3=99).get() == f1
    places = ValidityQuerySet(FacilityPlaces).filter(facility=f1)
    assert [p.places_u3 for p in places.valid_on(dt.date(2024, 6, 1))] == [10]
    assert [p.places_u3 for p in places.valid_on(dt.date(2025, 6, 1))] == [99]
    assert sorted(p.places_u3 for p in places.not_ended_on(dt.date(2024, 6, 1))) == [10, 99]


def _anonymous_get(path: str) -> HttpRequest:
    # the authentication middleware always sets a user; an anonymous visitor has no scope
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def test_territory_from_request_prefers_the_named_then_the_one_with_data() -> None:
    city = make_city("zeta")
    Territory.objects.create(code="alpha", name="Alpha")
    assert territory_from_request(_anonymous_get("/")).code == "alpha"
    assert territory_from_request(_anonymous_get("/"), having=("facilities",)).code == "zeta"
    assert territory_from_request(
        _anonymous_get("/?territory=alpha"), having=("facilities",)
    ).code == ("alpha")
    with pytest.raises(Http404):
        territory_from_request(_anonymous_get("/?territory=nowhere"))
    only_zeta = Territory.objects.filter(pk=city.territory.pk)
    with pytest.raises(Http404):
        territory_from_request(_anonymous_get("/?territory=alpha"), among=only_zeta)
    assert territory_from_request(_anonymous_get("/"), having=("payment_runs",)).code == "alpha"
