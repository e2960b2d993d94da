"""Maps draw zones whose outline is unknown as the circle of their placement error, and
credit the data's licences in the note; checked on the map's payload."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import shape

from planner import i18n
from planner.render import maps
from planner.render.placeholders import as_placeholders, placeholder_mask

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def payload(layers):
    return maps.build_map(layers, as_of="2026-01-01", lang="en").planner_data


def _zone_feature(payload, name):
    hits = [f for f in payload["layers"]["zones"]["features"] if f["properties"]["h"] == name]
    assert len(hits) == 1, name
    return hits[0]


def test_unknown_outlines_become_circles_of_their_accuracy(layers, payload):
    zones = layers["zones"]
    label = i18n.label("location_approximate", "en")
    for _, z in zones.iterrows():
        own_radius_m = np.sqrt(layers.metric("zones").loc[_, "geometry"].area / np.pi)
        approx = bool(z["estimated"]) and z["accuracy_m"] > own_radius_m
        f = _zone_feature(payload, f"{z['name_en']} ({label})" if approx else z["name_en"])
        geom = shape(f["geometry"])
        if not approx:
            assert f["properties"]["s"].get("dashArray") != "4 6"
            continue
        # every vertex lies accuracy_m from the placeholder point (the ellipse's centre)
        c = z.geometry.centroid
        ring = np.asarray(geom.exterior.coords)
        d = GEOD.inv(np.full(len(ring), c.x), np.full(len(ring), c.y), ring[:, 0], ring[:, 1])[2]
        assert d == pytest.approx(np.full(len(ring), z["accuracy_m"]), rel=0.01), z["id"]
        assert f["properties"]["s"]["dashArray"] == "4 6"


def test_which_zones_are_placeholders(layers):
    mask = placeholder_mask(layers["zones"])
    ids = set(layers["zones"]["id"][mask])
    # every estimated ellipse is a placeholder; the SEZ Alatau stand-in (the public Alatau
    # city outline, 10 km error on a 760 km2 zone) is drawn as the outline it is
    assert ids == {"aiz-1", "aiz-2", "sez-pit", "iz-kairat", "iz-kairat-2", "iz-bereke",
                   "iz-kazybek-bek"}
    cities = as_placeholders(layers["cities"])
    assert cities.loc[cities["id"] == "gate-city", "approximate"].item()
    assert cities.loc[cities["id"] == "gate-city", "name_kk"].item().endswith(
        f"({i18n.label('location_approximate', 'kk')})")
    # only the picture changes: the layers keep their geometry
    assert layers["zones"].geometry.equals(layers["zones"].geometry.copy())
    assert "approximate" not in layers["zones"].columns


def test_note_credits_every_licence(layers, payload):
    credits = [line for line in payload["note"] if line.startswith("Data: ")]
    assert len(credits) == 1
    for lic in layers.licences():
        assert lic in credits[0]
    assert "© OpenStreetMap contributors" in credits[0]
    assert "geokz" in credits[0] and "Natural Earth" in credits[0]
