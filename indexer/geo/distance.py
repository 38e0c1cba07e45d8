"""Great-circle distances and the bounding box that prefilters them."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), as Elasticsearch and OpenSearch use for arc distance


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, list[tuple[float, float]]]:
    """(min lat, max lat, longitude ranges) holding every point within `radius_km`.

    Two longitude ranges when the box crosses the antimeridian, the full circle near a pole.
    """
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    lo_lat, hi_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if lo_lat <= -90.0 or hi_lat >= 90.0:
        return lo_lat, hi_lat, [(-180.0, 180.0)]
    # The widest longitude span is at the latitude farthest from the equator within the box.
    ratio = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(max(abs(lo_lat), abs(hi_lat))))
    if ratio >= 1:
        return lo_lat, hi_lat, [(-180.0, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    west, east = lon - dlon, lon + dlon
    if west < -180:
        return lo_lat, hi_lat, [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return lo_lat, hi_lat, [(west, 180.0), (-180.0, east - 360)]
    return lo_lat, hi_lat, [(west, east)]
