"""Small synthetic cities for web tests: a territory of 2 districts × 2 areas, unit squares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces, Provider
from kitaplan.web.territory.models import Area, AreaLevel, PopulationCount, Territory

PASSWORD = "secret-test-pw-1"


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, object]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class SmallCity:
    territory: Territory
    districts: list[Area]
    areas: list[Area]
    providers: list[Provider]
    facilities: list[Facility]


def make_city(code: str = "testcity") -> SmallCity:
    """Districts D1 (areas 0101, 0102) and D2 (0201, 0202); provider P1 runs F1, F2; P2 runs F3."""
    territory = Territory.objects.create(code=code, name=code.title())
    top = AreaLevel.objects.create(territory=territory, code="district", name="District", rank=1)
    fine = AreaLevel.objects.create(territory=territory, code="area", name="Area", rank=2)
    districts, areas = [], []
    for d in (1, 2):
        district = Area.objects.create(
            territory=territory,
            level=top,
            official_code=f"0{d}",
            name=f"District {d}",
            path=f"0{d}",
            geometry=square(13.0 + 0.02 * (d - 1), 52.0, 0.02),
        )
        districts.append(district)
        for a in (1, 2):
            code_ = f"0{d}0{a}"
            areas.append(
                Area.objects.create(
                    territory=territory,
                    level=fine,
                    parent=district,
                    official_code=code_,
                    name=f"Area {code_}",
                    path=f"0{d}/{code_}",
                    geometry=square(13.0 + 0.02 * (d - 1) + 0.01 * (a - 1), 52.0, 0.01),
                )
            )
    for area in areas:
        for age in range(7):
            PopulationCount.objects.create(area=area, year=2024, age=age, count=10 + age)
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
    facilities = []
    for number, provider, area, places in (
        ("F1", providers[0], areas[0], (10, 20)),
        ("F2", providers[0], areas[1], (5, 15)),
        ("F3", providers[1], areas[2], (12, 30)),
    ):
        facility = Facility.objects.create(
            territory=territory,
            official_number=number,
            name=f"Kita {number}",
            provider=provider,
            area=area,
            lat=52.005,
            lon=area.geometry["coordinates"][0][0][0] + 0.005,  # type: ignore[index]
        )
        FacilityPlaces.objects.create(
            facility=facility,
            valid_from=dt.date(2020, 1, 1),
            places_u3=places[0],
            places_ue3=places[1],
            integration_places=2,
        )
        facilities.append(facility)
    return SmallCity(territory, districts, areas, providers, facilities)


def make_user(
    username: str,
    role: Role | None,
    *,
    provider: Provider | None = None,
    facility: Facility | None = None,
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        RoleAssignment.objects.create(
            user=user, role=role.value, provider=provider, facility=facility
        )
    return user
