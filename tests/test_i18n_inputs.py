"""Issue 13: the input readers, the output checks and `planner layers` / `sites` speak the
command's language (``--lang``, default Russian), and so do the rejects files they write.

Each case is triggered as a user would (the CLI, in ru by default, kk and en): the exit code,
the one paragraph still naming the file, row, column, value and the fix, and no text of
another language (:func:`_lang_check.speaks`) on the terminal or in the rejects file. A
rejects file's own columns are headed in the language and read back in any language.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _lang_check import speaks

from planner import i18n
from planner.inputs.companies import read_companies
from planner.inputs.layers import builtin_geodata_dir
from planner.inputs.rejects import REJECT_COLUMNS, machine_headers

LANGS = ("ru", "kk", "en")
#: the language's word for "row" in a row label, as the rejects and errors write it
ROW_2 = {"ru": "строка 2", "kk": "2-жол", "en": "row 2"}


def _args(lang: str) -> list[str]:
    """No --lang for Russian: it is the default."""
    return [] if lang == "ru" else ["--lang", lang]


def _header(name: str, lang: str) -> str:
    return i18n.t(f"columns.{name}", lang)


def _speaks(text: str, lang: str, tmp_path, allow=()) -> list[str]:
    """:func:`speaks` on ``text`` without the test's folder (its name is English words)."""
    return speaks(text.replace(str(tmp_path), "<tmp>"), lang, allow=allow)


# --------------------------------------------------------------------------- sites files


SITES = "id;lat;lon\nA;76,9;43,2\nB;43,4;77,0\nC;;77,1\n"


@pytest.mark.parametrize("lang", LANGS)
def test_sites_check_rejects_rows_in_the_language(cli, tmp_path, lang):
    src = tmp_path / "sites.csv"
    src.write_text(SITES, encoding="utf-8")
    rejects = tmp_path / "r.csv"
    res = cli("sites", "check", src, "--rejects", rejects, *_args(lang))
    assert res.exit_code == 3, res.output
    err = res.stderr
    # row (as a spreadsheet shows it), id, the values as typed and the fix
    assert ROW_2[lang] in err and ("'A'" in err or "«A»" in err)
    assert "lat=76.9" in err and "lon=43.2" in err
    assert _speaks(res.stdout, lang, tmp_path) == [] and _speaks(err, lang, tmp_path) == []
    text = rejects.read_text(encoding="utf-8-sig")
    assert _speaks(text, lang, tmp_path) == []
    table = pd.read_csv(rejects, sep=";", dtype=str, keep_default_na=False)
    assert list(table.columns[:5]) == [_header(c, lang) for c in REJECT_COLUMNS]
    back = machine_headers(table)
    assert back["row"].tolist() == ["2", "4"] and back["id"].tolist() == ["A", "C"]
    assert back["column"].tolist() == ["lat; lon", "lat"]
    assert back["value"].iat[0] == "76.9; 43.2"
    swap = {"ru": "поменяйте местами", "kk": "орнын ауыстырыңыз", "en": "swap the latitude"}
    assert swap[lang] in back["reason"].iat[0]


@pytest.mark.parametrize("lang", LANGS)
def test_sites_file_with_no_usable_row_is_one_paragraph(cli, tmp_path, lang):
    src = tmp_path / "bad.csv"
    src.write_text("id;lat;lon\nA;76,9;43,2\nB;x;77\n", encoding="utf-8")
    res = cli("sites", "check", src, *_args(lang))
    assert res.exit_code == 1
    err = res.stderr
    assert "bad.csv" in err and ROW_2[lang] in err and "'x'" in err
    fix = {"ru": "десятичные градусы", "kk": "ондық градуспен", "en": "decimal degrees"}
    assert fix[lang] in err
    assert _speaks(err, lang, tmp_path) == []


def test_rejects_file_read_back_keeps_its_own_columns(tmp_path):
    """A Kazakh rejects file of a company list, fixed and read again: nothing is lost and
    its own columns are ours again (``row (file)``...), whatever their language."""
    src = tmp_path / "c.csv"
    src.write_text("name;land_ha\nАльфа;12,5\nБета;много\n", encoding="utf-8")
    from planner.render.outputs import write_table

    table = read_companies(src, lang="kk")
    out = write_table(table.rejects, tmp_path / "r.csv", csv_sep=";", lang="kk",
                      sheet_name="rejects")  # fmt: skip
    first = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith(";".join(_header(c, "kk") for c in REJECT_COLUMNS))
    again = read_companies(out)
    assert again.rejects["row (file)"].tolist() == ["3"]
    assert again.rejects["reason (file)"].tolist() == table.rejects["reason"].tolist()


# --------------------------------------------------------------------------- layers


def _bad_layers(folder):
    fc = json.loads((builtin_geodata_dir() / "zones.geojson").read_text(encoding="utf-8"))
    feats = fc["features"]
    feats[0]["properties"]["status"] = "open"
    feats[1]["properties"]["id"] = feats[2]["properties"]["id"]
    feats[3]["properties"]["announced"] = "31.12.2024"
    folder.mkdir()
    (folder / "zones.geojson").write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize("lang", LANGS)
def test_layers_check_lists_problems_in_the_language(cli, tmp_path, lang):
    folder = _bad_layers(tmp_path / "bad")
    res = cli("layers", "check", folder, *_args(lang))
    assert res.exit_code == 1
    err = res.stderr
    assert "zones.geojson" in err and "'open'" in err and "'31.12.2024'" in err
    assert "operating" in err  # the fix names the accepted statuses
    date = {"ru": "ГГГГ-ММ-ДД", "kk": "ЖЖЖЖ-АА-КК", "en": "YYYY-MM-DD"}
    assert date[lang] in err
    statuses = ("operating", "under_construction", "planned", "none")  # values, not words
    assert _speaks(err, lang, tmp_path, allow=statuses) == []
    # a command that loads them refuses with one paragraph in the language
    res = cli("layers", "list", "--layers", folder, *_args(lang))
    assert res.exit_code == 1 and _speaks(res.stderr, lang, tmp_path, allow=statuses) == []


@pytest.mark.parametrize("lang", LANGS)
def test_layers_list_speaks_the_language(cli, lang):
    res = cli("layers", "list", *_args(lang))
    assert res.exit_code == 0, res.output
    assert "bakad" in res.stdout and "zones" in res.stdout  # layer names are code
    assert i18n.t("out.layers.col_features", lang) in res.stdout
    assert speaks(res.stdout, lang) == [] and speaks(res.stderr, lang) == []


# --------------------------------------------------------------------------- company lists


@pytest.mark.parametrize("lang", LANGS)
def test_company_file_in_two_encodings_is_refused_in_the_language(cli, tmp_path, lang):
    src = tmp_path / "mixed.csv"
    src.write_bytes("name;land_ha\nАльфа;12\n".encode() + "Бета;5\n".encode("cp1251"))
    res = cli("companies", "check", src, *_args(lang))
    assert res.exit_code == 1
    err = res.stderr
    assert "mixed.csv" in err and "cp1251" in err and "CSV UTF-8" in err
    line = {"ru": "строка 2", "kk": "2-жол", "en": "line 2"}
    assert line[lang] in err and "3" in err
    assert _speaks(err, lang, tmp_path) == []


@pytest.mark.parametrize("lang", LANGS)
def test_comma_in_a_comma_separated_list_is_a_rejected_row(cli, tmp_path, lang):
    src = tmp_path / "list.csv"
    src.write_text("name,land_ha\nАльфа,12\nБета,12,5\n", encoding="utf-8")
    rejects = tmp_path / "r.csv"
    res = cli("companies", "check", src, "--rejects", rejects, *_args(lang))
    assert res.exit_code == 3, res.output
    names = ("Альфа", "Бета")  # the user's company names
    assert _speaks(res.stderr, lang, tmp_path, allow=names) == []
    back = machine_headers(pd.read_csv(rejects, dtype=str, keep_default_na=False))
    reason = back["reason"].iat[0]
    assert back["row"].tolist() == ["3"] and "\"12,5\"" in reason
    assert ("«;»" if lang != "en" else "';'") in reason
    assert speaks(reason, lang) == []


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("lang", LANGS)
def test_existing_output_needs_overwrite_in_the_language(cli, tmp_path, lang):
    out = tmp_path / "layers.gpkg"
    out.write_bytes(b"old")
    res = cli("layers", "export", "-o", out, *_args(lang))
    assert res.exit_code == 1
    err = res.stderr
    assert "layers.gpkg" in err and "--overwrite" in err
    assert _speaks(err, lang, tmp_path) == []
    assert out.read_bytes() == b"old"
    res = cli("layers", "export", "-o", tmp_path / "no" / "x.gpkg", *_args(lang))
    assert res.exit_code == 1 and "mkdir -p" in res.stderr
    assert _speaks(res.stderr, lang, tmp_path) == []


def test_library_errors_stay_english_without_a_language(tmp_path):
    """The library API speaks English unless told (``use_lang``), as Python libraries do."""
    from planner.errors import InputError
    from planner.inputs.tables import read_table

    with pytest.raises(InputError, match="does not exist; check the path"):
        read_table(tmp_path / "none.csv")
    with i18n.use_lang("kk"), pytest.raises(InputError, match="жолды тексеріңіз"):
        read_table(tmp_path / "none.csv")
