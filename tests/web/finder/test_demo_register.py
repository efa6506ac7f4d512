"""The demo's address register, derived from the stored facilities' addresses."""

from __future__ import annotations

import pytest

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.demo.addresses import import_demo_registers, register_rows
from kitaplan.web.territory.addresses import AddressMatch, resolve_address
from kitaplan.web.territory.models import AddressPoint
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db


def test_the_demo_register_holds_each_facility_address_once():
    city = make_city("berlin")
    f1, f2, f3 = city.facilities
    for facility, street in ((f1, "Albrechtstr."), (f2, "Albrechtstraße"), (f3, "Birkenweg")):
        facility.street, facility.house_number = street, "20"
        facility.postcode, facility.city = "10117", "Berlin"
        facility.save()
    rows = register_rows(city.territory)
    assert [row[0] for row in rows] == ["Albrechtstr.", "Birkenweg"]  # F2 is F1's address
    assert "Geoportal Berlin / Kindertagesstätten" in rows[0][-1]
    [run] = import_demo_registers(actor=SYSTEM, only=("berlin",))
    assert run.status == "succeeded", run.problems
    assert AddressPoint.objects.filter(territory=city.territory).count() == 2
    found = resolve_address(city.territory, "Albrechtstraße 20")
    assert isinstance(found, AddressMatch)
    assert (found.lat, found.lon, found.area) == (f1.lat, f1.lon, f1.area)
    again = import_demo_registers(actor=SYSTEM, only=("berlin",))
    assert (again[0].added, again[0].unchanged) == (0, 2)
