"""The default weighted sum (WLC) gives byte-equal results to the code before issue 17.

tests/data/wlc_reference/demo.json was made by fingerprint.py (same folder) from the code
before aggregation methods, pairwise weights and point tables existed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "data" / "wlc_reference"


@pytest.mark.slow
def test_demo_outputs_are_byte_equal_to_the_reference():
    spec = importlib.util.spec_from_file_location("wlc_fingerprint", HERE / "fingerprint.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = json.loads((HERE / "demo.json").read_text())
    got = mod.fingerprints()
    assert got == expected, (
        "WLC outputs changed; if that is intended (new geodata, a changed built-in scenario), "
        "regenerate tests/data/wlc_reference/demo.json (see its README)"
    )
