"""The demo's earlier period 2018 of S1, S3, S4 is derived exactly from the MSS 2021 changes."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "src/kitaplan/demo/data/berlin"


def test_the_2018_status_values_are_the_2020_values_less_the_published_change():
    values: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    with (DEMO / "indicator_values.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values[(row["indicator_code"], int(row["year"]))][row["area_code"]] = row["value"]
    years = {year for _code, year in values}
    assert years == {2018, 2020}
    derived = 0
    for status, change in (("mss_s1", "mss_d1"), ("mss_s3", "mss_d3"), ("mss_s4", "mss_d4")):
        earlier = values[(status, 2018)]
        assert set(earlier) == set(values[(status, 2020)])
        for area, text in earlier.items():
            expected = Decimal(values[(status, 2020)][area]) - Decimal(values[(change, 2020)][area])
            assert Decimal(text) == expected
            assert Decimal(text) >= 0
            derived += 1
    assert derived == 1608  # 536 PLR × 3
    # only S1, S3, S4 have the earlier period
    assert {code for code, year in values if year == 2018} == {"mss_s1", "mss_s3", "mss_s4"}
    # Stülerstraße: 4.22594 − 1.46443
    assert values[("mss_s1", 2018)]["01100101"] == "2.76151"
    with (DEMO / "indicators.csv").open(encoding="utf-8") as handle:
        descriptions = {r["code"]: r["description"] for r in csv.DictReader(handle)}
    assert "2018" in descriptions["mss_s4"] and "S4 − D4" in descriptions["mss_s4"]
