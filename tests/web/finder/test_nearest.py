"""The finder's distance order read through a growing bounding box equals the order of every
Kita sorted by distance (the box only preselects), on every page and with childminders."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from kitaplan.web.childminding.models import Childminder, Permit
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.finder import selectors
from kitaplan.web.territory.addresses import AddressMatch
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


def _spread_city(n: int = 120):
    """A city with ``n`` more Kitas and a few childminders scattered over about 30 × 30 km, some
    at the same point (ties of distance, broken by name)."""
    city = make_city()
    rng = random.Random(5)
    today = timezone.localdate()
    for i in range(n):
        lat = 52.0 + rng.uniform(-0.15, 0.15) if i % 10 else 52.01
        lon = 13.0 + rng.uniform(-0.25, 0.25) if i % 10 else 13.02
        facility = Facility.objects.create(
            territory=city.territory,
            official_number=f"S{i:03d}",
            name=f"Kita {rng.choice('ABCabc')}{i % 7}",
            lat=lat,
            lon=lon,
        )
        FacilityPlaces.objects.create(
            facility=facility,
            valid_from=dt.date(2020, 1, 1),
            places_u3=i % 3,  # a third of them: no places under 3
            places_ue3=10,
        )
    for i in range(6):
        cm = Childminder.objects.create(
            territory=city.territory,
            number=f"TP{i}",
            name=f"Tagesmutter {i}",
            lat=52.0 + 0.02 * i,
            lon=13.0,
            care_location="own_home",
        )
        Permit.objects.create(
            childminder=cm,
            valid_from=today - dt.timedelta(days=10),
            valid_to=today + dt.timedelta(days=100),
            max_children=5,
        )
    return city


def _keys(results) -> list[tuple[str, int, float | None]]:
    return [(r.kind, r.obj.pk, r.distance_km) for r in results]


@pytest.mark.parametrize("age_group", ["", selectors.AGE_U3])
def test_the_box_gives_the_order_of_all_kitas_on_every_page(monkeypatch, age_group):
    city = _spread_city()
    origin = AddressMatch("Hauptstr.", "1", "", 52.02, 13.05, None)
    criteria = selectors.Criteria(
        territory=city.territory, day=timezone.localdate(), origin=origin, age_group=age_group
    )
    monkeypatch.setattr(selectors, "BBOX_FROM_KITAS", 10**9)  # every Kita read, then sorted
    expected = selectors.find(criteria)
    everything = _keys(expected[0 : len(expected)])
    monkeypatch.setattr(selectors, "BBOX_FROM_KITAS", 0)  # the box, however many Kitas
    assert len(selectors.find(criteria)) == len(expected) > 80
    for start in range(0, len(expected), 10):
        page = selectors.find(criteria)[start : start + 10]  # a fresh search per page, as a request
        assert _keys(page) == everything[start : start + 10]
    assert [k for k, _pk, _d in everything].count(selectors.KIND_CHILDMINDER) == 6


def test_the_box_holds_every_point_within_its_radius():
    rng = random.Random(2)
    for _ in range(2000):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-170, 170)
        radius = rng.uniform(0.5, 300)
        box = selectors.bounding_box(lat, lon, radius)
        # a point at the radius in any direction lies inside the box
        for _k in range(5):
            dlat, dlon = rng.uniform(-1, 1) * 5, rng.uniform(-1, 1) * 5
            point = (lat + dlat, lon + dlon)
            if selectors.distance_km((lat, lon), point) <= radius:
                assert box["lat__gte"] <= point[0] <= box["lat__lte"]
                if "lon__gte" in box:
                    assert box["lon__gte"] <= point[1] <= box["lon__lte"]
