"""Distances between childminders are measured in the ETRS89 / UTM zone of their territory,
chosen from its own location (issue 18: no hard-coded EPSG:25833)."""

from __future__ import annotations

import math

import pytest

from kitaplan.domain.common.projection import utm_crs_for
from kitaplan.web.substitutes import bridge
from kitaplan.web.territory.models import Area
from tests.web.factories import make_city
from tests.web.substitutes.helpers import childminder

pytestmark = pytest.mark.django_db


def haversine_km(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def test_the_zone_follows_the_territory():
    berlin, cologne = make_city("berlin"), make_city("cologne")
    childminder(berlin, "B1", lat=52.52, lon=13.40)
    childminder(cologne, "K1", lat=50.94, lon=6.96)
    childminder(cologne, "K2", lat=50.95, lon=6.98)
    assert bridge.territory_crs(berlin.territory.pk) == "EPSG:25833"
    assert bridge.territory_crs(cologne.territory.pk) == "EPSG:25832"


def test_without_childminders_the_areas_decide():
    munich = make_city("munich")
    Area.objects.filter(territory=munich.territory).update(centroid_lon=11.58)
    assert bridge.territory_crs(munich.territory.pk) == utm_crs_for(11.58) == "EPSG:25832"


def test_distances_in_the_own_zone_match_the_great_circle():
    cologne = make_city("cologne")
    a = childminder(cologne, "K1", lat=50.94, lon=6.96)
    b = childminder(cologne, "K2", lat=50.98, lon=7.02)
    km = bridge.distance_km(a, b)
    assert km == pytest.approx(haversine_km((50.94, 6.96), (50.98, 7.02)), rel=2e-3)
    nowhere = childminder(cologne, "K3", lat=None, lon=None)
    assert bridge.distance_km(a, nowhere) is None
