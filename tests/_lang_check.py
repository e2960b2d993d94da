"""Does a text the planner wrote speak one language? Helpers for the issue-13 tests.

Two complementary checks, both on text with the user's own strings removed first
(:func:`without_user_text`: company names, the example's cells, data citations):

* :func:`foreign_in` finds phrases of another language's *catalog*: it catches a Russian
  catalog sentence left in a Kazakh output, but cannot see a text that is in no catalog.
* :func:`stray_words` finds text that is in no catalog, by its script: English sentences
  (three or more English words in a row) in a Russian or Kazakh output, Cyrillic words in an
  English one, Kazakh letters in a Russian one, and Russian function words (``и``, ``для``,
  ``или``...) in a Kazakh one. Code is not words: paths, ``--options``, ``machine_names``,
  ``file.ext``, ``key=value``, backticked text, URLs and a short list of technical words
  (units, formats, method names, ``planner``) are removed before looking.

:func:`speaks` runs both and returns every problem found, for an assertion
``assert speaks(text, "kk") == []``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable

from planner import i18n

# --------------------------------------------------------------------------- catalog phrases

#: where a catalog text is cut into phrases: its fields and punctuation
_CUT = re.compile(r"\{[^}]*\}|[;:,.()\[\]«»\"'!?—–·/→+=|<>*%№\n]|\s-\s")
#: the shortest phrase that counts (shorter ones are units, articles, abbreviations)
_MIN_LEN = 6


@functools.cache
def _catalog_text(lang: str) -> str:
    return "\n".join(i18n.messages(lang).values()).casefold()


@functools.cache
def foreign_phrases(lang: str) -> frozenset[str]:
    """Phrases of the other languages' catalogs that never occur in ``lang``'s catalog."""
    own = _catalog_text(lang)
    out = set()
    for other in i18n.LANGS:
        if other == lang:
            continue
        for text in i18n.messages(other).values():
            for piece in _CUT.split(text):
                phrase = " ".join(piece.split()).casefold()
                if len(phrase) >= _MIN_LEN and re.search(r"[^\W\d_]{3}", phrase) and (
                    phrase not in own
                ):
                    out.add(phrase)
    return frozenset(out)


@functools.cache
def _phrases_by_first_word(lang: str) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """:func:`foreign_phrases` indexed by their first word (the rest: no leading word)."""
    by_word: dict[str, list[str]] = {}
    rest = []
    for phrase in foreign_phrases(lang):
        m = re.match(r"\w+", phrase)
        if m:
            by_word.setdefault(m.group(0), []).append(phrase)
        else:
            rest.append(phrase)
    return {k: tuple(v) for k, v in by_word.items()}, tuple(rest)


def foreign_in(text: str, lang: str) -> list[str]:
    """The foreign catalog phrases found in ``text`` as words (not inside a longer word).

    Each word of ``text`` is tried only against the phrases that start with it, so a check
    costs about one dictionary lookup per word (the catalogs hold thousands of phrases)."""
    low = " ".join(text.split()).casefold()
    by_word, rest = _phrases_by_first_word(lang)

    def whole(start: int, end: int) -> bool:
        before = low[start - 1] if start else " "
        after = low[end] if end < len(low) else " "
        return not (before.isalnum() or after.isalnum())

    hits = set()
    for m in re.finditer(r"\w+", low):
        for phrase in by_word.get(m.group(0), ()):
            if low.startswith(phrase, m.start()) and whole(m.start(), m.start() + len(phrase)):
                hits.add(phrase)
    for phrase in rest:
        if any(whole(m.start(), m.end()) for m in re.finditer(re.escape(phrase), low)):
            hits.add(phrase)
    return sorted(hits)


# --------------------------------------------------------------------------- stray words

#: code and data that are not words of any language
_CODE = re.compile(
    r"""
      https?://\S+
    | `[^`\n]*`
    | (?<![\w'])'[^'\n]{1,80}'(?![\w'])   # 'quoted' values and names, shown as typed
    | «[^«»\n]{1,80}»
    | \S*[/\\]\S*                       # paths (and a/b fractions)
    | (?<![\w-])--?[A-Za-z][\w-]*       # --options, -o
    | [\w.-]*\w[_=@][\w.=@-]*           # machine_names, key=value, e-mail-like
    | \b\w+(?:\.\w+)+\b                 # file.ext, module.attr, 1.5, dotted keys
    | \b[A-Za-z]*\d[\w-]*               # ids and codes with digits: A-3, cp1251, r2, 43N
    | \b[A-Z]{2,}\b                     # acronyms: CSV, XLSX, TOPSIS, EPSG, SEZ, CR
    """,
    re.X,
)
#: technical words that read the same in every language's text (lower case)
TECHNICAL = frozenset(
    """
    km min ha m s ms mb gb kb px pt planner python pip make excel openpyxl libreoffice
    openstreetmap osm geojson gpkg geopackage shapefile parquet toml json html csv xlsx
    xls tsv png svg pdf leaflet folium dask chromium streamlit numba gdal ogr osmium pyosmium
    gate city alatau almaty konaev bakad utf bom wgs utm epsg dem srtm copernicus geotiff
    tif tiff wlc topsis promethee ahp saaty id lon lat ok http https www ru kk en
    """.split()
)
_ASCII_WORD = re.compile(r"\b[A-Za-z][A-Za-z']*\b")
_CYRILLIC_WORD = re.compile(r"[^\W\d_]*[\u0400-\u04ff][^\W\d_]*")
#: letters of Kazakh that Russian does not have
_KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
#: Russian words that Kazakh text does not use (prepositions, conjunctions, particles)
RUSSIAN_WORDS = frozenset(
    "и в во для или что это если нет из при от по на с со к ко у же как только также либо "
    "чтобы все всех должен должна должно должны нужно можно файле строке столбце".split()
)
#: English words in a row that make an English sentence
_MIN_RUN = 3


def strip_code(text: str) -> str:
    """``text`` with code and data (paths, options, machine names, numbers...) blanked."""
    return _CODE.sub(" ", text)


def _english_runs(text: str) -> list[str]:
    """Runs of :data:`_MIN_RUN`+ English words (technical words break no run but don't count)."""
    out = []
    for line in re.split(r"[\n;:.!?()«»\"|]", text):
        run: list[str] = []
        for token in re.findall(r"\S+", line):
            word = token.strip(",'’()[]{}<>").casefold()
            if _ASCII_WORD.fullmatch(word) and word not in TECHNICAL:
                run.append(word)
                continue
            if word in TECHNICAL:
                continue
            if len(run) >= _MIN_RUN:
                out.append(" ".join(run))
            run = []
        if len(run) >= _MIN_RUN:
            out.append(" ".join(run))
    return out


def stray_words(text: str, lang: str) -> list[str]:
    """Text of another language found in ``text`` by its script (see module docstring)."""
    plain = strip_code(text)
    hits: list[str] = []
    if lang in ("ru", "kk"):
        hits += [f"English: {run!r}" for run in _english_runs(plain)]
    if lang == "en":
        hits += [f"Cyrillic: {w!r}" for w in _CYRILLIC_WORD.findall(plain)]
    if lang == "ru":
        hits += [f"Kazakh: {w!r}" for w in _CYRILLIC_WORD.findall(plain)
                 if _KAZAKH_LETTERS.search(w)]  # fmt: skip
    if lang == "kk":
        for sentence in re.split(r"[\n;:.!?]", plain):
            words = [w.casefold() for w in _CYRILLIC_WORD.findall(sentence)]
            russian = [w for w in words if w in RUSSIAN_WORDS]
            if len(russian) >= 2:
                hits.append(f"Russian: {' '.join(sentence.split())!r}")
    return sorted(set(hits))


def speaks(text: str, lang: str, allow: Iterable[str] = ()) -> list[str]:
    """Every problem with ``text`` as a ``lang`` text: foreign catalog phrases and stray
    words, after removing the user's texts and the strings in ``allow``."""
    text = without_user_text(text)
    for a in sorted(allow, key=len, reverse=True):
        text = text.replace(a, " ")
    words = strip_code(text)  # paths and machine names hold no phrase of a language
    return [*(f"catalog: {p!r}" for p in foreign_in(words, lang)), *stray_words(text, lang)]


# --------------------------------------------------------------------------- user texts


@functools.cache
def user_texts() -> tuple[str, ...]:
    """Texts that are data, not ours, longest first: the example's user-supplied cells
    (company names, sectors, notes) and the built-in features' ``source`` and ``licence``
    notes (citations of the data, kept as their publishers wrote them)."""
    import planner
    from planner.inputs.companies import example_path, read_companies

    table = read_companies(example_path())
    vals = {h for h in table.columns.values() if len(h) > 2}  # the file's own headers
    for col in table.valid.columns:
        if table.valid[col].dtype == object or str(table.valid[col].dtype).startswith("str"):
            vals |= {str(v) for v in table.valid[col].dropna() if len(str(v)) > 2}
    layers = planner.load_layers()
    for name in ("bakad", "cities", "zones", "transport", "constraints"):
        gdf = layers[name]
        for col in ("source", "licence"):
            if col in gdf:
                vals |= {str(v) for v in gdf[col].dropna() if len(str(v)) > 2}
    return tuple(sorted(vals, key=len, reverse=True))


def without_user_text(text: str) -> str:
    """``text`` with :func:`user_texts` blanked."""
    for v in user_texts():
        text = text.replace(v, " ")
    return text


#: a string literal of the page's own script (its data and labels are JSON strings)
_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def page_text(path) -> str:
    """The words of an HTML page: its visible text and, from the page's own script (the
    map, its layer control and data), the string literals that are texts (with a space or
    a non-ASCII letter: labels, names, reasons), not identifiers (``"number"``)."""
    raw = path.read_text("utf-8")
    texts = []
    for code in re.findall(r"<script[^>]*>(.*?)</script>", raw, flags=re.S):
        if "plannerMap(map_" not in code:  # a library (Leaflet, planner.js, plugins)
            continue
        for m in _LITERAL.finditer(code):
            lit = m.group(1)
            lit = re.sub(r"\\u([0-9a-fA-F]{4})", lambda u: chr(int(u.group(1), 16)), lit)
            if re.search(r"\s", lit) or re.search(r"[^\x00-\x7f]", lit):
                texts.append(lit)
    # scripts, styles and <code> (machine names: criterion keys, hashes) are not words
    page = re.sub(r"<(script|style|code)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    texts.append(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return "\n".join(texts)
