"""Columns of the balance table in the layout of a Fachplan table (page, Excel, CSV, GeoJSON)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.exports import Column
from kitaplan.web.planning.selectors import BalanceRow, balance_value


def _figure(key: str, digits: int = 0) -> Callable[[BalanceRow], float | None]:
    def get(row: BalanceRow) -> float | None:
        value = balance_value(row.balance, key)
        return None if value is None else round(value, digits)

    return get


BALANCE_COLUMNS = [
    Column("official_code", _("Code"), lambda r: r.area.official_code),
    Column("name", _("Area"), lambda r: r.area.name),
    Column("level", _("Level"), lambda r: r.area.level.name),
    Column("year", _("Year"), lambda r: r.year),
    Column("children_u3", _("Children under 3"), _figure("u3:children")),
    Column("demand_u3", _("Demand under 3"), _figure("u3:demand")),
    Column("places_u3", _("Places under 3"), _figure("u3:places")),
    Column("childminder_places", _("of which in Kindertagespflege"), _figure("childminder:places")),
    Column("balance_u3", _("Balance under 3"), _figure("u3:balance")),
    Column("coverage_u3", _("Coverage under 3 (places per child)"), _figure("u3:coverage", 3)),
    Column("children_ue3", _("Children 3 to under 6"), _figure("ue3:children")),
    Column("demand_ue3", _("Demand 3 to under 6"), _figure("ue3:demand")),
    Column("places_ue3", _("Places 3 and over"), _figure("ue3:places")),
    Column("balance_ue3", _("Balance 3 to under 6"), _figure("ue3:balance")),
    Column(
        "coverage_ue3", _("Coverage 3 to under 6 (places per child)"), _figure("ue3:coverage", 3)
    ),
    Column(
        "unplaced_u3",
        _("Without an offer under 3 (allocation)"),
        lambda r: r.unplaced.get("u3") if r.unplaced is not None else None,
    ),
    Column(
        "unplaced_ue3",
        _("Without an offer 3 to under 6 (allocation)"),
        lambda r: r.unplaced.get("ue3") if r.unplaced is not None else None,
    ),
    Column("integration_demand", _("Integration demand"), _figure("integration:demand", 1)),
    Column("integration_places", _("Integration places"), _figure("integration:places")),
    Column("integration_balance", _("Integration balance"), _figure("integration:balance", 1)),
]
