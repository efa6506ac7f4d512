"""The map of the development report: one polygon per area with a boundary, classes coloured
like the web maps, areas without a boundary listed."""

from __future__ import annotations

import pytest
from django.utils import translation
from reportlab.graphics.shapes import Drawing, Path, Polygon, Rect
from reportlab.lib import colors

from kitaplan.domain.indicators.trends import ChangeBasis
from kitaplan.web.monitoring import report, report_map
from kitaplan.web.territory.models import Area, IndicatorDefinition, IndicatorValue
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

#: area: value 2024 (five areas: three in district 01, one of them without a boundary)
VALUES = {"0101": 24.0, "0102": 9.0, "0103": 12.0, "0201": 30.5, "0202": 18.0}


@pytest.fixture
def city():
    city = make_city()
    district = city.districts[0]
    no_boundary = Area.objects.create(
        territory=city.territory,
        level=city.areas[0].level,
        parent=district,
        official_code="0103",
        name="Area 0103",
        path="01/0103",
        geometry=None,
    )
    # a hole in 0102 (an enclave): drawn as one path with the even-odd rule
    area = city.areas[1]
    ring = area.geometry["coordinates"][0]
    x, y = ring[0]
    hole = [[x + 0.003, y + 0.003], [x + 0.006, y + 0.003], [x + 0.006, y + 0.006]]
    area.geometry = {"type": "Polygon", "coordinates": [ring, [*hole, hole[0]]]}
    area.save(update_fields=["geometry"])
    indicator = IndicatorDefinition.objects.create(
        code="single_parents", name="Single-parent households", unit="%"
    )
    for item in [*city.areas, no_boundary]:
        IndicatorValue.objects.create(
            indicator=indicator, area=item, year=2024, value=VALUES[item.official_code]
        )
    return city


def story_of(city, district=0, **kwargs):
    data = report.district_report(
        territory=city.territory,
        district=city.districts[district],
        period=2024,
        compare=None,
        basis=ChangeBasis.RELATIVE,
        threshold=10.0,
        **kwargs,
    )
    return data, report.build_story(data)


def test_the_map_draws_one_polygon_per_area_with_a_boundary(city):
    with translation.override("en"):
        data, story = story_of(city, map_source="single_parents")
    drawings = [f for f in story if isinstance(f, Drawing)]
    assert len(drawings) == 1
    shapes = drawings[0].contents
    polygons = [s for s in shapes if isinstance(s, Polygon)]
    paths = [s for s in shapes if isinstance(s, Path) and not isinstance(s, Polygon)]
    assert len(polygons) == 1 and len(paths) == 1  # 0101, 0102 (with its hole)
    assert [a.code for a in data.map.areas] == ["0101", "0102", "0103"]
    assert [a.code for a in data.map.without_geometry] == ["0103"]
    texts = [f.getPlainText() for f in story if hasattr(f, "getPlainText")]
    assert "Not on the map (without geometry): 0103 Area 0103." in texts
    # five values, five quantile classes over the whole city: 9.0 12.0 18.0 24.0 30.5
    by_code = {a.code: a.number for a in data.map.areas}
    assert by_code == {"0101": 4, "0102": 1, "0103": 2}
    assert polygons[0].fillColor == colors.HexColor(report_map.PALETTE[3])
    assert paths[0].fillColor == colors.HexColor(report_map.PALETTE[0])
    legend = [item.count for item in data.map.legend]
    assert legend == [1, 1, 0, 1, 0]  # areas of the district per class
    assert sum(isinstance(s, Rect) for s in shapes) == 5
    assert drawings[0].width <= report.MAP_WIDTH
    assert report.render_pdf(data).startswith(b"%PDF")


def test_the_map_defaults_to_the_first_indicator_and_colours_like_map_js(city):
    _data, story = story_of(city, district=1)
    assert any(isinstance(f, Drawing) for f in story)
    # map.js: classes spread over the palette (3 classes → colours 1, 3, 5)
    assert [report_map.class_colour(n, 3) for n in (1, 2, 3)] == [
        report_map.PALETTE[0],
        report_map.PALETTE[2],
        report_map.PALETTE[4],
    ]
    assert [report_map.class_colour(n, 4) for n in (1, 2, 3, 4)] == [
        report_map.PALETTE[0],
        report_map.PALETTE[1],
        report_map.PALETTE[3],
        report_map.PALETTE[4],
    ]
    assert report_map.class_colour(1, 1) == report_map.PALETTE[4]


def test_a_district_without_boundaries_has_no_drawing_but_a_list(city):
    Area.objects.filter(territory=city.territory, level__rank=2).update(geometry=None)
    with translation.override("en"):
        data, story = story_of(city)
    assert not any(isinstance(f, Drawing) for f in story)
    texts = " ".join(f.getPlainText() for f in story if hasattr(f, "getPlainText"))
    assert "No area of the district has a boundary" in texts
    assert "0101 Area 0101, 0102 Area 0102, 0103 Area 0103" in texts
