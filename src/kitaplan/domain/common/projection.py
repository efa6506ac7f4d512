"""Planar coordinates for distances (de: Projektion): the ETRS89 / UTM zone of a place.

German planning data is measured in ETRS89 / UTM: zone 32N (EPSG:25832) west of 12° E,
zone 33N (EPSG:25833) east of it. Which one fits depends on the territory, not on the code:
Berlin and Dresden lie in zone 33, Cologne and Munich in zone 32. Distances computed in the
wrong zone are off by up to a few per cent at the zone's edge, so the zone is chosen from the
territory's own longitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from pyproj import Transformer

WGS84 = "EPSG:4326"


def utm_crs_for(longitude: float) -> str:
    """The ETRS89 / UTM CRS (``EPSG:258zz``) whose 6° zone contains ``longitude``.

    ETRS89 defines UTM zones 28 to 38 (EPSG:25828–25838), which cover Europe; a longitude
    outside them is refused."""
    if not -180 <= longitude <= 180 or math.isnan(longitude):
        raise ValueError(f"not a longitude: {longitude}")
    zone = int((longitude + 180) // 6) + 1
    if not 28 <= zone <= 38:
        raise ValueError(f"longitude {longitude} lies outside ETRS89's UTM zones 28–38")
    return f"EPSG:{25800 + zone}"


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_planar(crs: str) -> Callable[[float, float], tuple[float, float]]:
    """A function ``(lon, lat) → (x, y)`` in metres of ``crs`` (transformers are cached)."""
    transformer = _transformer(WGS84, crs)

    def transform(lon: float, lat: float) -> tuple[float, float]:
        x, y = transformer.transform(lon, lat)
        return float(x), float(y)

    return transform


def to_wgs84(crs: str) -> Callable[[float, float], tuple[float, float]]:
    """A function ``(x, y) in crs → (lon, lat)``."""
    transformer = _transformer(crs, WGS84)

    def transform(x: float, y: float) -> tuple[float, float]:
        lon, lat = transformer.transform(x, y)
        return float(lon), float(lat)

    return transform
