"""The message catalog: every user-visible text of the planner in ru, kk and en.

The texts live in ``planner/i18n/messages/<lang>.toml`` (package data) and the files of
the folder ``messages/<lang>/`` (one per area, e.g. ``err_sites.toml`` for the messages of
the sites reader's errors), one set per language with the same sections and keys. They
are read once, on first use, through :mod:`importlib.resources` (so they work from a wheel
or a zip as well as from a checkout).
A key is ``"section.name"`` (``"map.title"``, ``"why.status.planned"``); nested TOML tables
give dotted sections. The top-level ``unverified`` array of the Kazakh file is not a
message: it lists the terms that could not be checked against an official source.

Error messages speak the *message language* (:func:`message_lang`, :func:`use_lang`,
:func:`tr`): English for the library API, as Python libraries do, while the CLI sets
the language of ``--lang`` (default Russian) around each command and the web app the
language of its page, so a Kazakh user reads Kazakh errors.

Every lookup fails loudly: a key that is not in the catalog, or a ``{field}`` that is not
passed, raises :class:`planner.errors.CatalogError` naming the key, the language and the
file to fix, instead of showing a key or a half-filled sentence to a user.
"""

from __future__ import annotations

import contextlib
import functools
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from planner._lang import DEFAULT_LANG, LANGS
from planner._lang import MESSAGE_LANG as _MESSAGE_LANG
from planner.errors import CatalogError, InputError

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "check_lang",
    "t",
    "template",
    "section",
    "keys",
    "messages",
    "unverified",
    "message_lang",
    "use_lang",
    "set_message_lang",
    "tr",
]

#: top-level array of a catalog file that holds notes on terms, not messages
_NOTES = "unverified"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(
            f"language {lang!r} is not supported; use one of {', '.join(LANGS)} "
            f"(e.g. --lang {DEFAULT_LANG})"
        )
    return lang


def _path(lang: str) -> str:
    return f"planner/i18n/messages/{lang}.toml"


def _flatten(table: Mapping[str, Any], prefix: str, where: str, out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            _flatten(value, f"{key}.", where, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise CatalogError(
                f"{where}: {key} = {value!r} is not a text; every message is a string"
            )


def _files(lang: str) -> list[Any]:
    """The catalog files of ``lang``: ``<lang>.toml``, then ``<lang>/*.toml`` by name."""
    root = resources.files(__package__).joinpath("messages")
    folder = root.joinpath(lang)
    extra = sorted(
        (p for p in folder.iterdir() if p.name.endswith(".toml")) if folder.is_dir() else (),
        key=lambda p: p.name,
    )
    return [root.joinpath(f"{lang}.toml"), *extra]


@functools.cache
def _load(lang: str) -> tuple[dict[str, str], tuple[dict[str, Any], ...]]:
    """(flat key -> text, notes on unverified terms) of one language, read once."""
    flat: dict[str, str] = {}
    notes: list[dict[str, Any]] = []
    for path in _files(lang):
        data = tomllib.loads(path.read_text("utf-8"))
        notes.extend(data.pop(_NOTES, ()))
        part: dict[str, str] = {}
        where = _path(lang) if path.name == f"{lang}.toml" else f"{_path(lang)[:-5]}/{path.name}"
        _flatten(data, "", where, part)
        twice = sorted(set(part) & set(flat))
        if twice:
            raise CatalogError(
                f"{where}: {', '.join(twice)} already defined in another {lang} catalog file; "
                "each key lives in one file"
            )
        flat.update(part)
    return flat, tuple(notes)


def messages(lang: str) -> Mapping[str, str]:
    """Every message of ``lang``: flat key -> text, in file order (read-only view)."""
    return _Section("", check_lang(lang), _load(lang)[0])


def unverified() -> tuple[dict[str, Any], ...]:
    """Kazakh terms not verified against an official source (``term``, ``kk``, and the
    catalog ``keys`` and/or package-data ``files`` that use the term, ``note``)."""
    return _load("kk")[1]


def _missing(key: str, lang: str) -> CatalogError:
    return CatalogError(
        f"message {key!r} is not in the {lang} catalog ({_path(lang)}); add it to "
        f"{', '.join(_path(x).rsplit('/', 1)[1] for x in LANGS)} in planner/i18n/messages"
    )


def t(key: str, lang: str = DEFAULT_LANG, /, **fields: object) -> str:
    """The message ``key`` in ``lang`` with its ``{fields}`` filled in.

    Raises :class:`~planner.errors.CatalogError` when the key is not in the catalog or a
    field of the message is not given, :class:`~planner.errors.InputError` for an unknown
    language.
    """
    text = template(key, lang)
    try:
        return text.format(**fields)
    except (KeyError, IndexError) as exc:
        raise CatalogError(
            f"message {key!r} ({lang}) needs the field {exc}; given: "
            f"{', '.join(sorted(fields)) or 'none'}"
        ) from exc


def template(key: str, lang: str = DEFAULT_LANG) -> str:
    """The message ``key`` with its ``{fields}`` not filled in (e.g. for vectorised filling)."""
    text = _load(check_lang(lang))[0].get(key)
    if text is None:
        raise _missing(key, lang)
    return text


class _Section(Mapping[str, str]):
    """The messages directly under one section (``section("compare", "kk")["best"]``).

    A read-only mapping of templates (not filled in) whose missing keys raise
    :class:`CatalogError`; ``.get(key, default)`` is there for labels of data values
    that may have no message (a user layer's own feature kind).
    """

    __slots__ = ("_name", "_lang", "_items")

    def __init__(self, name: str, lang: str, items: dict[str, str]) -> None:
        self._name = name
        self._lang = lang
        self._items = items

    def __getitem__(self, key: str) -> str:
        try:
            return self._items[key]
        except KeyError:
            raise _missing(f"{self._name}.{key}" if self._name else key, self._lang) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<messages {self._name or '*'} ({self._lang}): {len(self)} keys>"


@functools.cache
def _section_items(name: str, lang: str) -> dict[str, str]:
    prefix = f"{name}."
    items = {
        k[len(prefix) :]: v
        for k, v in _load(lang)[0].items()
        if k.startswith(prefix) and "." not in k[len(prefix) :]
    }
    if not items:
        raise CatalogError(f"section {name!r} is not in the {lang} catalog ({_path(lang)})")
    return items


def section(name: str, lang: str = DEFAULT_LANG) -> Mapping[str, str]:
    """The templates directly under section ``name`` in ``lang`` (file order)."""
    return _Section(name, lang, _section_items(name, check_lang(lang)))


def keys(name: str) -> tuple[str, ...]:
    """The keys directly under section ``name``, in catalog order (e.g. every criterion)."""
    return tuple(_section_items(name, DEFAULT_LANG))


# --------------------------------------------------------------------------- message language

def message_lang() -> str:
    """The language errors and warnings are written in now (default ``"en"``)."""
    return _MESSAGE_LANG.get()


def set_message_lang(lang: str) -> None:
    """Write errors and warnings in ``lang`` from now on in this context (e.g. a notebook)."""
    _MESSAGE_LANG.set(check_lang(lang))


@contextlib.contextmanager
def use_lang(lang: str) -> Iterator[str]:
    """Write errors and warnings in ``lang`` inside the ``with`` block (the CLI's commands,
    a web app page, a worker task); the previous language afterwards."""
    token = _MESSAGE_LANG.set(check_lang(lang))
    try:
        yield lang
    finally:
        _MESSAGE_LANG.reset(token)


def tr(key: str, /, **fields: object) -> str:
    """The message ``key`` in the message language (:func:`message_lang`): for errors,
    warnings and problem lists built deep in the library (``raise InputError(tr(...))``)."""
    return t(key, _MESSAGE_LANG.get(), **fields)
