"""Lookups built on the catalog: map words, labels of data values, names, quoting.

Labels of *data values* (a criterion key, a zone status, a feature kind, an exclusion
reason) show an unknown value as it is, since user layers may bring their own kinds;
every other lookup fails loudly (:func:`planner.i18n.catalog.t`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.errors import CatalogError
from planner.i18n.catalog import DEFAULT_LANG, check_lang, section, t, template

__all__ = [
    "label",
    "labels",
    "criterion_label",
    "status_label",
    "kind_label",
    "exclusion_label",
    "feature_names",
    "quote",
    "fill_array",
]


def label(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The map / UI word ``map.<key>`` in ``lang``, with ``{fields}`` filled in."""
    return t(f"map.{key}", lang, **fields)


def labels(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Every map / UI template of ``lang`` (a new dict, catalog order; fields not filled)."""
    return dict(section("map", lang))


def _value_label(name: str, value: str, lang: str) -> str:
    return section(name, lang).get(value, value)


def criterion_label(key: str, lang: str = DEFAULT_LANG) -> str:
    """Label of scoring criterion ``key`` (unknown keys are shown as they are)."""
    return _value_label("criterion", key, lang)


def status_label(status: str, lang: str = DEFAULT_LANG) -> str:
    """Label of a zone status (operating / under_construction / planned / none)."""
    return _value_label("status", status, lang)


def kind_label(kind: str, lang: str = DEFAULT_LANG) -> str:
    """Label of a layer feature kind (ring_road, sez, ...)."""
    return _value_label("kind", kind, lang)


def exclusion_label(reasons: str, lang: str = DEFAULT_LANG) -> str:
    """Labels of a ``;``-joined ``exclusion_reason`` value, joined with ``, ``."""
    words = section("exclusion", lang)
    return ", ".join(words.get(p, p) for p in str(reasons).split(";") if p)


def quote(name: str, lang: str = DEFAULT_LANG) -> str:
    """A name quoted for a sentence (``style.quote``: guillemets in ru and kk), unless it
    already has guillemets of its own."""
    if "\u00ab" in name or "\u00bb" in name:
        return name
    return t("style.quote", lang, name=name)


def feature_names(df: pd.DataFrame, lang: str = DEFAULT_LANG) -> pd.Series:
    """Each feature's name in ``lang``, falling back to Russian, English, then the id."""
    check_lang(lang)
    cols = [c for c in (f"name_{lang}", "name_ru", "name_en", "id") if c in df.columns]
    # a layer has few features: plain Python costs less than pandas per column
    rows = zip(*(df[c].tolist() for c in cols), strict=True) if cols else ([] for _ in df.index)
    names = [next((v for v in row if _usable(v)), "") for row in rows]
    return pd.Series(names, index=df.index, dtype=object).astype(str)


def _usable(v: object) -> bool:
    """Not missing (None, NaN, NA, NaT) and not blank."""
    try:
        if pd.isna(v):
            return False
    except (TypeError, ValueError):  # a list or array is not a name, but not missing either
        pass
    return str(v).strip() != ""


def fill_array(key: str, lang: str, **fields: np.ndarray | str) -> np.ndarray:
    """Message ``key`` filled row by row: each field an array of texts (or one text).

    The vectorised twin of :func:`~planner.i18n.catalog.t` for columns of reasons: the
    template is split once and the pieces joined with numpy, so a million rows cost a
    few array additions. Returns an object array of ``str``.
    """
    text = template(key, lang)
    cols: Mapping[str, np.ndarray | str] = {
        k: (v if isinstance(v, str) else np.asarray(v, dtype=object)) for k, v in fields.items()
    }
    sizes = {len(v) for v in cols.values() if not isinstance(v, str)}
    if len(sizes) != 1:
        raise ValueError(f"fill_array({key!r}): give fields of one length, got {sorted(sizes)}")
    pieces: list[np.ndarray | str] = []
    for literal, field, spec, conv in string.Formatter().parse(text):
        if literal:
            pieces.append(literal)
        if field is None:
            continue
        if field not in cols or spec or conv:
            raise CatalogError(
                f"message {key!r} ({lang}) needs the field {field!r} as text; given: "
                f"{', '.join(sorted(cols)) or 'none'}"
            )
        pieces.append(cols[field])
    n = sizes.pop()
    out: np.ndarray | str = pieces[0] if pieces else ""
    for piece in pieces[1:]:  # text and columns alternate: each addition is one numpy pass
        out = out + piece
    if isinstance(out, str):  # a message without fields
        return np.full(n, out, dtype=object)
    return np.array(out, dtype=object)  # a copy, never one of the given columns
