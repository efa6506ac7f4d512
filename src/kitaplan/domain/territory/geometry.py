"""Spatial helpers on GeoJSON geometries in WGS84 (de: Raumbezug).

1. :func:`summarise_geometry` gives the centroid, bounding box and size of a boundary, with the
   size computed in the ETRS89 / UTM projection used by German surveying authorities, in the
   zone of the boundary itself (zone 33, EPSG:25833, for Berlin; zone 32, EPSG:25832, for
   Cologne), so km² are real km².
2. :func:`locate_points` assigns points (e.g. facility locations) to the area whose polygon
   contains them, using shapely's STRtree index (one query per point, not one per area).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from kitaplan.domain.common.projection import WGS84, utm_crs_for
from kitaplan.domain.common.projection import _transformer as transformer

Key = TypeVar("Key")


@dataclass(frozen=True, slots=True)
class GeometrySummary:
    centroid_lat: float
    centroid_lon: float
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    area_km2: float


def summarise_geometry(geometry: Mapping[str, Any], *, crs: str | None = None) -> GeometrySummary:
    """Centroid, bounding box and size (km²) of a GeoJSON polygon in WGS84.

    The size is measured in ``crs``; without it in the ETRS89 / UTM zone of the polygon's own
    centroid (:func:`kitaplan.domain.common.projection.utm_crs_for`).
    """
    geom = shape(geometry)
    point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    to_metres = transformer(WGS84, crs or utm_crs_for(geom.centroid.x))
    projected = shapely.transform(
        geom, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1]))
    )
    min_x, min_y, max_x, max_y = geom.bounds
    return GeometrySummary(
        centroid_lat=round(point.y, 6),
        centroid_lon=round(point.x, 6),
        bbox=(round(min_x, 6), round(min_y, 6), round(max_x, 6), round(max_y, 6)),
        area_km2=round(projected.area / 1_000_000, 4),
    )


def locate_points(
    points: Sequence[tuple[float, float]],
    areas: Sequence[tuple[Key, Mapping[str, Any]]],
) -> list[Key | None]:
    """For each (lon, lat) point, the key of the area whose polygon covers it, else ``None``.

    When polygons overlap (they should not within one level) the first area in ``areas`` wins,
    so the result is deterministic.
    """
    if not points:
        return []
    keys = [key for key, _ in areas]
    polygons: list[BaseGeometry] = [shape(geometry) for _, geometry in areas]
    tree = shapely.STRtree(polygons)
    point_geoms = shapely.points([(lon, lat) for lon, lat in points])
    point_idx, area_idx = tree.query(point_geoms, predicate="covered_by")
    found: dict[int, int] = {}
    for p, a in zip(point_idx.tolist(), area_idx.tolist(), strict=True):
        if p not in found or a < found[p]:
            found[p] = a
    return [keys[found[i]] if i in found else None for i in range(len(points))]


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS84 points in km (straight line, no routing)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
