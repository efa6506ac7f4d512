"""The run's totals per district and per provider, by hand (no database)."""

from __future__ import annotations

from kitaplan.domain.budget.summary import DistrictTotal, Total, district_totals, totals_by


def test_district_totals_count_every_facility_and_sum_the_shares():
    facilities = [(1, "Nord"), (2, "Nord"), (3, "Süd"), (4, "–"), (5, "Nord")]
    amounts = {1: 100_00, 3: 250_00, 5: 0}
    assert district_totals(facilities, amounts) == [
        DistrictTotal("Nord", facilities=3, eligible=2, cents=100_00),
        DistrictTotal("Süd", facilities=1, eligible=1, cents=250_00),
        DistrictTotal("–", facilities=1, eligible=0, cents=0),
    ]


def test_district_totals_ignore_shares_outside_the_snapshot():
    assert district_totals([(1, "A")], {1: 5, 9: 7}) == [DistrictTotal("A", 1, 1, 5)]
    assert district_totals([], {1: 5}) == []


def test_totals_by_key_in_order_of_appearance():
    totals = totals_by([("b", 10), ("a", 5), ("b", 1), ("a", 0)])
    assert totals == {"b": Total(2, 11), "a": Total(2, 5)}
    assert list(totals) == ["b", "a"]
    assert totals_by([]) == {}
