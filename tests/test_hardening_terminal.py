"""Issue 12 item 13: control sequences in user text never reach the terminal.

Names with ``ESC ] 0 ; title BEL`` (retitles the terminal) or ANSI colours used to reach
it raw in --top tables and compare. Every CLI console renders through
:class:`planner.cli.terminal.SafeConsole`, log lines through ``SafeFormatter``.
"""

from __future__ import annotations

import io
import json
import logging

from rich.table import Table

from planner.cli.app import err_console, out_console
from planner.cli.terminal import SafeConsole, SafeFormatter, clean_text

EVIL = "\x1b]0;PWNED\x07Evil \x1b[31mRed\x1b[0m \x9b2J\u202eCo\x08\x00"


def test_clean_text_removes_sequences_and_controls():
    assert clean_text(EVIL) == "Evil Red Co"
    assert clean_text("ТОО «Қазақ»\tline\nnext") == "ТОО «Қазақ»\tline\nnext"
    assert clean_text("a\x1bPdcs\x1b\\b") == "ab"


def test_console_cleans_tables_and_text_but_keeps_its_own_styles():
    buf = io.StringIO()
    con = SafeConsole(file=buf, force_terminal=True, color_system="standard", width=120)
    table = Table("rank", "name")
    table.add_row("1", EVIL)
    con.print(table)
    con.print(f"[bold red]error:[/] {EVIL}", highlight=False)
    out = buf.getvalue()
    assert "PWNED" not in out and "\x07" not in out and "\x9b" not in out
    assert "\x1b[31m" not in out and "\u202e" not in out
    assert "Evil Red Co" in out and "\x1b[1;31m" in out  # rich's own bold red stays


def test_cli_consoles_and_log_lines_are_safe():
    assert isinstance(err_console, SafeConsole)
    assert isinstance(out_console, SafeConsole)
    rec = logging.LogRecord("planner", logging.WARNING, __file__, 1, "site %s", (EVIL,), None)
    assert SafeFormatter("%(message)s").format(rec) == "site Evil Red Co"


def test_score_sites_top_table_from_geojson_names(cli, tmp_path):
    feats = [
        {"type": "Feature", "properties": {"id": f"s{i}", "name": EVIL if i == 0 else f"S{i}"},
         "geometry": {"type": "Point", "coordinates": [76.9 + i / 100, 43.4]}}
        for i in range(5)
    ]
    src = tmp_path / "s.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    res = cli("score-sites", src, "-o", tmp_path / "o.csv", "--as-of", "2026-01-01",
              "--top", "5", "--no-why")
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output and "Evil" in res.output
