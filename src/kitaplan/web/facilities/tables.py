"""Columns of the facility list exports (page and CLI), over
:class:`~kitaplan.web.facilities.selectors.FacilityRow`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kitaplan.web.core.exports import Column

FACILITY_COLUMNS = [
    Column("official_number", gettext_lazy("Facility number"), lambda f: f.official_number),
    Column("name", gettext_lazy("Name"), lambda f: f.name),
    Column("address", gettext_lazy("Address"), lambda f: f.address),
    Column("area_code", gettext_lazy("Area code"), lambda f: f.area_code),
    Column("area", gettext_lazy("Area"), lambda f: f.area_name),
    Column("provider", gettext_lazy("Provider"), lambda f: f.provider_name),
    Column("provider_type", gettext_lazy("Provider type"), lambda f: f.provider_type_label),
    Column("places_u3", gettext_lazy("Places under 3"), lambda f: f.places_u3),
    Column("places_ue3", gettext_lazy("Places 3 and over"), lambda f: f.places_ue3),
    Column("places_school", gettext_lazy("School-age places"), lambda f: f.places_school),
    Column("places_total", gettext_lazy("Places in total"), lambda f: f.places_total),
    Column(
        "integration_places", gettext_lazy("Integration places"), lambda f: f.integration_places
    ),
    Column(
        "special_needs_group_places",
        gettext_lazy("Special-needs group places"),
        lambda f: f.special_needs_group_places,
    ),
    Column("barrier_free", gettext_lazy("Barrier-free"), lambda f: f.barrier_free),
    Column("inclusion_profile", gettext_lazy("Inclusion profile"), lambda f: f.inclusion_profile),
    Column("lat", gettext_lazy("Latitude"), lambda f: f.lat),
    Column("lon", gettext_lazy("Longitude"), lambda f: f.lon),
]
