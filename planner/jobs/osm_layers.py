"""The ``planner layers from-osm`` job: check the outputs, read the extract, write the layers.

:func:`layers_from_osm_job` refuses outputs it could not write before the (long) read, then
runs :func:`planner.inputs.osm.layers_from_osm` and writes the layers' GeoPackage and the
candidate sites with :func:`planner.inputs.osm.write_osm_layers`.
"""

from __future__ import annotations

from pathlib import Path

from planner._atomic import Output, check_outputs
from planner.i18n import tr
from planner.inputs import osm

__all__ = ["layers_from_osm_job"]


def layers_from_osm_job(
    extract: str | Path,
    output: str | Path,
    candidates: str | Path | None = None,
    bakad_relation: int | None = None,
    min_water_ha: float = 1.0,
    clip: bool = True,
    overwrite: bool = False,
    command: list[str] | str | None = None,
) -> tuple[osm.OsmLayers, Path, Path | None]:
    """Layers from an OpenStreetMap extract, written to ``output`` (+ the candidate sites).

    Returns the result (with its report) and the two paths written (the second ``None``
    when the extract has no industrial land).
    """
    output = Path(output)
    cand_path = Path(candidates) if candidates else osm.candidates_path(output)
    check_outputs(
        [
            Output(output, tr("err.jobs.layers_file"), (".gpkg",), "-o official.gpkg",
                   manifest=True),
            Output(cand_path, tr("err.jobs.candidates_file"), (".gpkg",),
                   "--candidates candidates.gpkg", manifest=True),
        ],
        overwrite,
    )
    result = osm.layers_from_osm(extract, bakad_relation=bakad_relation, clip=clip,
                                 min_water_ha=min_water_ha)
    out, cand = osm.write_osm_layers(result, output, cand_path, overwrite=overwrite)
    from planner.render.outputs import write_manifest

    for path in (out, cand):
        if path is not None:
            write_manifest(
                path, inputs={"extract": Path(extract)},
                counts={name: sum(kinds.values()) for name, kinds in result.counts.items()},
                warnings=[*result.missing, *result.broken],
                extra={"osm_timestamp": result.stamp, "layers": list(result.layers),
                       "from_builtin": result.from_builtin, "notes": result.notes,
                       "licence": osm.OSM_LICENCE},
                command=command, overwrite=overwrite,
            )
    return result, out, cand
