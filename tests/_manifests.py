"""Check a ``<file>.manifest.json`` has what README.md promises (used by several tests)."""

from __future__ import annotations

import json
from pathlib import Path

#: what every manifest holds (README: "input sha256, scenario and hash, as-of date,
#: versions, counts, warnings")
MANIFEST_KEYS = {"output", "inputs", "scenario", "as_of", "versions", "counts", "warnings",
                 "created_utc", "command_line"}  # fmt: skip


def check_manifest(output: Path, edited: bool = False) -> dict:
    """``<output>.manifest.json`` exists, names ``output`` by its sha256 (unless a person
    ``edited`` it since, as experts fill a form) and has every field."""
    from planner.render.outputs import _fingerprint

    man_path = output.with_name(output.name + ".manifest.json")
    assert man_path.is_file(), f"{output.name} has no manifest {man_path.name}"
    man = json.loads(man_path.read_text(encoding="utf-8"))
    assert MANIFEST_KEYS <= set(man), f"{man_path.name} lacks {MANIFEST_KEYS - set(man)}"
    if not edited:
        assert man["output"]["sha256"] == _fingerprint(output, "output")["sha256"], man_path.name
    assert man["versions"].get("planner") and man["versions"].get("python")
    assert str(man["command_line"]).startswith("planner "), man["command_line"]
    for label, spec in man["inputs"].items():
        if "path" in spec:
            assert len(spec["sha256"]) == 64, (man_path.name, label)
    assert isinstance(man["warnings"], list) and isinstance(man["counts"], dict)
    return man
