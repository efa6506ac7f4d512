"""Territory and population: areas in a hierarchy, children by age, indicators.

de: Gebietsgliederung (Stadt → Stadtbezirk → Stadtteil/Planungsraum), Einwohner, Indikatoren.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.vocabulary import IndicatorDirection, PopulationMethod


class Territory(models.Model):
    """A municipality whose childcare kitaplan plans (de: Gebietskörperschaft)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    official_code = models.CharField(
        _("official municipality key"),
        max_length=12,
        blank=True,
        help_text=_("Amtlicher Gemeindeschlüssel, e.g. 11000000 for Berlin."),
    )
    attribution = models.TextField(_("data sources"), blank=True)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AreaLevel(models.Model):
    """One level of a territory's hierarchy, rank 1 = top (e.g. Bezirk), highest rank = finest."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="levels", verbose_name=_("territory")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("area level")
        verbose_name_plural = _("area levels")
        ordering = ["territory", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_level_code"),
            models.UniqueConstraint(fields=["territory", "rank"], name="unique_level_rank"),
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """An area of one level (de: Gebiet, e.g. Planungsraum), with its boundary as GeoJSON.

    Geometry is stored as GeoJSON text in WGS84 with a bounding box and a centroid, so that the
    embedded SQLite database needs no spatial extension (ADR 0003); spatial work is done by
    shapely in the domain core.
    """

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="areas", verbose_name=_("territory")
    )
    level = models.ForeignKey(
        AreaLevel, on_delete=models.PROTECT, related_name="areas", verbose_name=_("level")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent area"),
    )
    official_code = models.CharField(_("official code"), max_length=32)
    name = models.CharField(_("name"), max_length=160)
    path = models.CharField(
        _("hierarchy path"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Official codes from the top level down to this area, separated by '/'."),
    )
    geometry = models.JSONField(_("boundary"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    bbox = models.JSONField(_("bounding box"), null=True, blank=True)
    area_km2 = models.FloatField(_("size (km²)"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["level__rank", "official_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "official_code", "valid_from"],
                name="unique_area_code_per_level_and_start",
            ),
            models.CheckConstraint(
                name="area_valid_to_after_valid_from",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            ),
        ]
        indexes = [models.Index(fields=["territory", "official_code"])]

    def __str__(self) -> str:
        return f"{self.official_code} {self.name}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class PopulationCount(models.Model):
    """Residents of one single year of age in an area on the reference date of a year."""

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="population", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    age = models.PositiveSmallIntegerField(_("age"))
    count = models.PositiveIntegerField(_("residents"))
    method = models.CharField(
        _("method"),
        max_length=16,
        default=PopulationMethod.COUNTED.value,
        choices=[(m.value, m.value) for m in PopulationMethod],
    )
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        ordering = ["area", "year", "age"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year", "age"], name="unique_population_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.area.official_code} {self.year} age {self.age}: {self.count}"


class PopulationGridCell(models.Model):
    """One cell of a fine population grid (de: Bevölkerungsraster, e.g. Zensus 2022, 100 m).

    The residents of all ages in the cell serve as a distribution key: the close-to-home
    analysis spreads each area's children of the chosen ages over the area's cells in
    proportion to ``population`` (dasymetric), instead of putting them all on the centroid.
    A territory holds one grid; an import replaces it. Cells are assigned on import to the
    current area of the finest level that covers the cell centre.
    """

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="population_grid",
        verbose_name=_("territory"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="grid_cells", verbose_name=_("area")
    )
    cell_id = models.CharField(_("cell"), max_length=64)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    population = models.FloatField(_("residents"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("population grid cell")
        verbose_name_plural = _("population grid cells")
        ordering = ["territory", "cell_id"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "cell_id"], name="unique_grid_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.cell_id}: {self.population:g}"


class AddressPoint(models.Model):
    """One address of the territory's address register (de: Adressverzeichnis, e.g. the
    official Hauskoordinaten) with its point in WGS84 and the finest area covering it.

    ``street_key`` and ``number_key`` are the normalised forms
    (:mod:`kitaplan.domain.territory.addresses`) the lookup compares, so that "Hauptstr. 8 A"
    finds "Hauptstraße 8a" by an indexed query.
    """

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("territory")
    )
    street = models.CharField(_("street"), max_length=160)
    house_number = models.CharField(_("house number"), max_length=20)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    street_key = models.CharField(_("street key"), max_length=160)
    number_key = models.CharField(_("house number key"), max_length=20)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("area"),
    )
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["territory", "street_key", "number_key", "postcode"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "street_key", "number_key", "postcode"],
                name="unique_register_address",
            ),
        ]
        indexes = [models.Index(fields=["territory", "street_key"], name="address_street_idx")]

    def __str__(self) -> str:
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (f"{self.street} {self.house_number}", town) if p)


class IndicatorDefinition(models.Model):
    """What an indicator measures (de: Indikator), how to read it, and where it comes from."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction"),
        max_length=20,
        choices=[
            (IndicatorDirection.HIGHER_IS_WORSE.value, _("higher is worse")),
            (IndicatorDirection.HIGHER_IS_BETTER.value, _("higher is better")),
            (IndicatorDirection.NEUTRAL.value, _("neutral")),
        ],
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(
        IndicatorDefinition,
        on_delete=models.CASCADE,
        related_name="values",
        verbose_name=_("indicator"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "area", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "year"], name="unique_indicator_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.area.official_code} {self.year}: {self.value}"


class AreaGroup(models.Model):
    """A named set of areas of any level of one territory (de: Sozialraum), e.g. Dresden-Gorbitz
    with its three Stadtteile. Reports and the balance add up the figures of its areas.

    No member lies inside another (the services refuse it), so nothing is counted twice. A
    closed group (``closed_on``) stays for the record but is no longer offered for choice.
    """

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="area_groups",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(Area, related_name="groups", verbose_name=_("areas"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("social area")
        verbose_name_plural = _("social areas")
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="unique_area_group_name"),
        ]

    def __str__(self) -> str:
        return self.name
