"""The registry's lists as pages and exports show them (rows of the childminder list, the
contracts of one childminder, the export columns)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kitaplan.web.childminding import selectors, services
from kitaplan.web.childminding.forms import schedule_text
from kitaplan.web.childminding.models import STATUSES, Childminder
from kitaplan.web.core.exports import Column


def free_today(cm: Childminder, today: dt.date) -> int | None:
    if cm.status != "active":
        return None
    return services.free_places_on(cm, today)


def filtered(rows: QuerySet[Childminder], *, status: str, query: str) -> QuerySet[Childminder]:
    """The list's filters: a status (unknown: all) and a part of the name or number."""
    if status in dict(STATUSES):
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(name__icontains=query) | rows.filter(number__icontains=query)
    return rows


def list_rows(rows: QuerySet[Childminder], today: dt.date) -> list[dict[str, Any]]:
    """One row per childminder: her valid permit, children in care and free places today."""
    return [
        {
            "cm": cm,
            "permit": selectors.valid_permit(cm, today),
            "children": len(selectors.active_contracts(cm, today)),
            "free": free_today(cm, today),
        }
        for cm in rows.prefetch_related("permits", "contracts")
    ]


def list_columns() -> list[Column]:
    def permit(get: Any) -> Any:
        return lambda r: get(r["permit"]) if r["permit"] else ""

    return [
        Column("number", _("Number"), lambda r: r["cm"].number),
        Column("name", _("Name"), lambda r: r["cm"].name),
        Column("area", _("Area"), lambda r: r["cm"].area.official_code if r["cm"].area else ""),
        Column("care_location", _("Care location"), lambda r: r["cm"].care_location),
        Column("status", _("Status"), lambda r: r["cm"].status),
        Column("permit_until", _("Permit until"), permit(lambda p: p.valid_to.isoformat())),
        Column("max_children", _("Permitted children"), permit(lambda p: p.max_children)),
        Column("children", _("Children in care"), lambda r: r["children"]),
        Column(
            "free_places", _("Free places today"), lambda r: "" if r["free"] is None else r["free"]
        ),
    ]


def contract_rows(cm: Childminder, today: dt.date) -> list[dict[str, Any]]:
    active = selectors.active_contracts(cm, today)
    return [
        {"contract": c, "schedule": schedule_text(c.slots), "active": c in active}
        for c in cm.contracts.select_related("primary_substitute", "secondary_substitute")
    ]
