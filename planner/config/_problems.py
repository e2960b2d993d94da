"""Problems of configuration files (scenarios, sector catalogs, road speed tables) in the
message language (:func:`planner.i18n.tr`).

Pydantic's own error texts are English; :func:`value_problem` says the same by the error's
type, from the catalog (``err.cfgvalue.*``), with the value as the user wrote it
(:func:`shown`). Our validators raise ``ValueError(tr(...))``, so a ``value_error`` is
already in the message language and passes through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from planner.i18n import tr

__all__ = ["shown", "toml_where", "value_problem", "where"]

#: pydantic error type -> catalog key (``err.cfgvalue.<key>``), fields value/limit/expected
_BY_TYPE = {
    "missing": "missing",
    "extra_forbidden": "extra",
    "greater_than_equal": "ge",
    "greater_than": "gt",
    "less_than_equal": "le",
    "less_than": "lt",
    "float_type": "number",
    "float_parsing": "number",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "finite_number": "finite",
    "bool_type": "bool",
    "bool_parsing": "bool",
    "string_type": "text",
    "dict_type": "table",
    "model_type": "table",
    "model_attributes_type": "table",
    "list_type": "list",
    "tuple_type": "list",
    "literal_error": "choice",
    "enum": "choice",
    "string_pattern_mismatch": "pattern",
    "too_short": "empty",
    "string_too_short": "empty_text",
    "union_tag_invalid": "transform",
    "union_tag_not_found": "no_transform",
}


def shown(value: Any) -> str:
    """A value as the user wrote it in TOML: text as is, true/false, numbers with ``g``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {shown(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def where(loc: tuple | list) -> str:
    """A pydantic location as a dotted key (``criteria.zone.values.planned``)."""
    return ".".join(str(p) for p in loc) or tr("err.cfgvalue.top_level")


def value_problem(err: Mapping[str, Any]) -> str:
    """What is wrong with the value of one pydantic error, without its location."""
    typ = err["type"]
    if typ in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    ctx = err.get("ctx") or {}
    raw = err.get("input")
    value = shown(raw)
    if typ == "union_tag_invalid" and isinstance(raw, Mapping):
        value = shown(raw.get("transform"))
    limit = next((ctx[k] for k in ("ge", "gt", "le", "lt", "min_length") if k in ctx), "")
    key = _BY_TYPE.get(typ)
    if key is None:
        return tr("err.cfgvalue.other", value=value, type=typ)
    return tr(f"err.cfgvalue.{key}", value=value, limit=shown(limit),
              expected=str(ctx.get("expected", "")).replace("'", ""),
              pattern=ctx.get("pattern", ""))  # fmt: skip


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def toml_where(exc: Exception) -> str:
    """Where :mod:`tomllib` stopped (its message is English): "line 3, column 8"."""
    m = _TOML_AT.search(str(exc))
    if m is None:
        return tr("err.cfgvalue.toml_end")
    return tr("err.cfgvalue.toml_at", line=m.group(1), column=m.group(2))
