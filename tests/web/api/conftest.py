"""A tiny territory for the API tests: two levels, three areas, two providers, three facilities.

District ``1`` contains the areas ``11`` and ``12``. Provider P1 runs F1 (in 11) and F2 (in 12),
provider P2 runs F3 (in 12). Users: one per role, the facility manager scoped to P1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken
from rest_framework.test import APIClient

from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces, Provider
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
    Territory,
)

PLACES_FROM = dt.date(2020, 1, 1)


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Town:
    territory: Territory
    district: Area
    areas: list[Area]  # 11, 12
    providers: list[Provider]  # P1, P2
    facilities: list[Facility]  # F1, F2 (P1), F3 (P2)
    indicator: IndicatorDefinition


def add_facility(
    territory: Territory, number: str, provider: Provider, area: Area, u3: int = 10, ue3: int = 20
) -> Facility:
    facility = Facility.objects.create(
        territory=territory,
        official_number=number,
        name=f"Kita {number}",
        provider=provider,
        area=area,
        lat=52.005,
        lon=13.005,
        street="Hauptstraße",
        house_number="1",
        postcode="01067",
        city="Apitown",
    )
    FacilityPlaces.objects.create(
        facility=facility,
        valid_from=PLACES_FROM,
        places_u3=u3,
        places_ue3=ue3,
        integration_places=1,
    )
    return facility


@pytest.fixture
def town(db: Any) -> Town:
    territory = Territory.objects.create(code="apitown", name="Apitown")
    top = AreaLevel.objects.create(territory=territory, code="district", name="District", rank=1)
    fine = AreaLevel.objects.create(territory=territory, code="area", name="Area", rank=2)
    district = Area.objects.create(
        territory=territory,
        level=top,
        official_code="1",
        name="District 1",
        path="1",
        geometry=square(13.0, 52.0, 0.02),
    )
    areas = [
        Area.objects.create(
            territory=territory,
            level=fine,
            parent=district,
            official_code=code,
            name=f"Area {code}",
            path=f"1/{code}",
            geometry=square(lon, 52.0),
        )
        for code, lon in (("11", 13.0), ("12", 13.01))
    ]
    providers = [
        Provider.objects.create(
            territory=territory,
            official_number="P1",
            name="Provider One",
            provider_type="non_profit",
        ),
        Provider.objects.create(
            territory=territory,
            official_number="P2",
            name="Provider Two",
            provider_type="municipal",
        ),
    ]
    facilities = [
        add_facility(territory, "F1", providers[0], areas[0], 10, 20),
        add_facility(territory, "F2", providers[0], areas[1], 5, 15),
        add_facility(territory, "F3", providers[1], areas[1], 12, 30),
    ]
    for area in areas:
        for age in range(3):
            PopulationCount.objects.create(area=area, year=2024, age=age, count=100 + age)
    indicator = IndicatorDefinition.objects.create(
        code="poverty", name="Child poverty", unit="%", direction="higher_is_worse"
    )
    for area, value in zip(areas, (12.5, 30.0), strict=True):
        IndicatorValue.objects.create(indicator=indicator, area=area, year=2023, value=value)
    return Town(territory, district, areas, providers, facilities, indicator)


def make_user(username: str, role: Role | None, *, provider: Provider | None = None) -> User:
    user = User.objects.create_user(username=username, password="api-test-pw-1")
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role.value, provider=provider)
    return user


@pytest.fixture
def users(town: Town) -> dict[str, User]:
    return {
        "planner": make_user("planner", Role.PLANNER),
        "admin": make_user("admin", Role.ADMIN),
        "office": make_user("office", Role.ALLOCATION_OFFICE),
        "manager": make_user("manager", Role.FACILITY_MANAGER, provider=town.providers[0]),
        "parent": make_user("parent", Role.PARENT),
        "nobody": make_user("nobody", None),
    }


def token_client(user: User) -> APIClient:
    """An API client that authenticates with a new token of the user (no session, no CSRF)."""
    _, key = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(users: dict[str, User]) -> dict[str, APIClient]:
    """Token clients by role name, plus ``anonymous``."""
    clients = {name: token_client(user) for name, user in users.items()}
    clients["anonymous"] = APIClient()
    return clients
