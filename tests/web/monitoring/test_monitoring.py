"""The social monitoring page: index per area, published check, exports, access."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kitaplan.domain.indicators.index import MSS_2021_STATUS, compute_index
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    Territory,
)
from tests.web.factories import PASSWORD, make_user, square

pytestmark = pytest.mark.django_db

# code: S1, S3, S4, D1, D3, D4, published status class
VALUES = {
    "0101": (2.0, 4.0, 8.0, -0.5, -1.0, -3.0, 1),
    "0102": (4.0, 9.0, 20.0, 0.2, 0.1, 0.5, 2),
    "0103": (5.0, 11.0, 25.0, 0.1, -0.2, 0.0, 2),
    "0201": (6.0, 13.0, 30.0, 0.4, 0.3, 1.0, 2),
    "0202": (9.0, 20.0, 50.0, 1.5, 2.0, 6.0, 4),
    "0203": (4.5, 10.0, 22.0, 0.0, 0.0, 0.2, 3),  # published differs on purpose
}


@pytest.fixture
def territory():
    territory = Territory.objects.create(code="mini", name="Mini")
    top = AreaLevel.objects.create(territory=territory, code="district", name="District", rank=1)
    fine = AreaLevel.objects.create(territory=territory, code="plr", name="PLR", rank=2)
    districts = {
        d: Area.objects.create(territory=territory, level=top, official_code=d, name=f"D{d}")
        for d in ("01", "02")
    }
    codes = ("mss_s1", "mss_s3", "mss_s4", "mss_d1", "mss_d3", "mss_d4", "mss_status_class")
    indicators = {
        c: IndicatorDefinition.objects.create(code=c, name=c.upper(), direction="higher_is_worse")
        for c in codes
    }
    for i, (code, values) in enumerate(VALUES.items()):
        area = Area.objects.create(
            territory=territory,
            level=fine,
            parent=districts[code[:2]],
            official_code=code,
            name=f"Area {code}",
            geometry=square(13.0 + 0.01 * i, 52.0),
        )
        for indicator_code, value in zip(codes, values, strict=True):
            IndicatorValue.objects.create(
                indicator=indicators[indicator_code], area=area, year=2020, value=value
            )
    return territory


def expected_classes() -> dict[str, str]:
    table = {
        c: {k: v[i] for k, v in VALUES.items()}
        for i, c in enumerate(("mss_s1", "mss_s3", "mss_s4"))
    }
    return {s.area: s.band.key for s in compute_index(MSS_2021_STATUS, table).scores}


def login(client, role):
    user = make_user(f"u-{role.value}", role)
    client.login(username=user.username, password=PASSWORD)


def test_planner_sees_index_classes_as_the_domain_computes_them(client, territory):
    login(client, Role.PLANNER)
    response = client.get(reverse("monitoring:index"), {"territory": "mini"})
    assert response.status_code == 200
    rows = {item["row"].area.official_code: item for item in response.context["table_rows"]}
    assert set(rows) == set(VALUES)
    expected = expected_classes()
    for code, item in rows.items():
        assert item["row"].score.band.key == expected[code]
    agreement = response.context["agreement"]
    assert agreement.compared == 6
    assert agreement.identical == 5
    differences = response.context["differences"]
    assert [d["area"].official_code for d in differences] == ["0203"]
    content = response.content.decode()
    assert "Agreement with the published classification" in content or "Übereinstimmung" in content
    assert "5 of 6" in content or "5 von 6" in content


def test_the_dynamics_index_is_selectable_and_sorts(client, territory):
    login(client, Role.PLANNER)
    response = client.get(
        reverse("monitoring:index"), {"territory": "mini", "index": "dynamics", "sort": "-index"}
    )
    assert response.status_code == 200
    indices = [item["row"].score.index for item in response.context["table_rows"]]
    assert indices == sorted(indices, reverse=True)
    assert response.context["agreement"] is None  # no published dynamics class stored


def test_parent_gets_403(client, territory):
    login(client, Role.PARENT)
    assert client.get(reverse("monitoring:index")).status_code == 403
    assert client.get(reverse("monitoring:index-geojson")).status_code == 403


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "geojson"])
def test_export_has_one_row_per_area(client, territory, export_format):
    login(client, Role.PLANNER)
    response = client.get(
        reverse("monitoring:index"), {"territory": "mini", "format": export_format}
    )
    assert response.status_code == 200
    if export_format == "csv":
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if ";" in text[:200] else ","))
        assert len(rows) == 6
        assert (
            {r["official_code"] for r in rows} == set(VALUES)
            if "official_code" in rows[0]
            else True
        )
    elif export_format == "geojson":
        assert len(json.loads(response.content)["features"]) == 6
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 7  # header + 6 areas


def test_map_data_carries_the_index_as_value(client, territory):
    login(client, Role.PLANNER)
    response = client.get(reverse("monitoring:index-geojson"), {"territory": "mini"})
    features = response.json()["features"]
    assert len(features) == 6
    assert all(isinstance(f["properties"]["value"], float) for f in features)
