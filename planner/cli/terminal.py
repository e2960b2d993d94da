"""Everything the CLI prints is stripped of terminal control sequences (issue 12, item 13).

Company names, site names and file cells are user text. An ``ESC ] 0 ; title BEL`` in a
name would retitle the terminal, an ``ESC [ 31 m`` recolour it, other sequences move the
cursor or hide what follows. The CLI's consoles (:class:`SafeConsole`) clean every piece
of text they render, inside tables too; the log formatter (:class:`SafeFormatter`) does
the same for log lines. The console's own styling (added by rich after the text is
cleaned) is unaffected.

:func:`clean_text` removes whole escape sequences (CSI, OSC, DCS/APC/PM/SOS, two-byte
ESC x), then every remaining C0/C1 control character except newline and tab, and the
Unicode bidirectional overrides that can make text read differently from its bytes.
"""

from __future__ import annotations

import logging
import re

from rich.console import Console
from rich.segment import Segment

__all__ = ["SafeConsole", "SafeFormatter", "clean_text"]

_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/SOS/PM/APC ... BEL or ST
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[ -~]?"  # any other escape (two bytes), or a lone ESC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """``text`` without terminal control sequences or control characters (keeps \\n, \\t)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


class SafeConsole(Console):
    """A rich Console whose rendered text never carries control sequences."""

    def render_str(self, text: str, **kwargs):  # strings, markup and table cells
        return super().render_str(clean_text(text), **kwargs)

    def render(self, renderable, options=None):
        for seg in super().render(renderable, options):
            if seg.control is None and _CONTROLS.search(seg.text):
                seg = Segment(clean_text(seg.text), seg.style, seg.control)
            yield seg


#: log levels a user reads, named in the message language (catalog keys)
_LEVEL_WORDS = {logging.WARNING: "cli.warning", logging.ERROR: "cli.error",
                logging.CRITICAL: "cli.error"}  # fmt: skip


class SafeFormatter(logging.Formatter):
    """A log formatter whose lines never carry control sequences; warnings and errors are
    named in the message language ("предупреждение planner.core.criteria: ...")."""

    def format(self, record: logging.LogRecord) -> str:
        key = _LEVEL_WORDS.get(record.levelno)
        if key is not None:
            from planner.i18n import message_lang, t

            record = logging.makeLogRecord(
                {**record.__dict__, "levelname": t(key, message_lang())}
            )
        return clean_text(super().format(record))
