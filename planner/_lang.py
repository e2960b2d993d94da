"""The message language's one piece of state, importable without numpy or pandas.

:mod:`planner.i18n.catalog` reads and sets it (``message_lang``, ``use_lang``); the CLI's
entry point sets it from ``--lang`` before any option is parsed, so option callbacks that
refuse a value speak the command's language too, at no import cost for ``--help``.
"""

from __future__ import annotations

import contextvars

__all__ = ["LANGS", "DEFAULT_LANG", "MESSAGE_LANG"]

LANGS = ("ru", "kk", "en")
DEFAULT_LANG = "ru"
#: the language of error messages and warnings (English for the library API)
MESSAGE_LANG: contextvars.ContextVar[str] = contextvars.ContextVar(
    "planner_message_lang", default="en"
)
