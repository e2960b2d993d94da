"""``planner scenarios weigh``: an expert panel's pairwise judgements -> an ordinary scenario.

1. :func:`planner.inputs.judgements.read_judgements` reads the judgements (TOML, or the
   XLSX form of ``planner scenarios template``);
2. :func:`planner.config.weighting.parse_pairwise` checks every expert's matrix, refuses a
   consistency ratio above 0.10 naming the judgements to revise, and pools the experts by
   the geometric mean; the weights are the principal eigenvector (Saaty's AHP);
3. the new scenario takes the transforms, needs and aggregation method of a base scenario
   for the compared criteria, the derived weights, and records the matrices, each
   expert's CR and the pooled CR in ``[weights.pairwise]``;
4. the TOML text is loaded back through :func:`planner.config.scenarios.scenario_from_dict`
   (so it is hashed and validated like any scenario) before :func:`write_weighed` writes
   it atomically.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from planner import i18n
from planner._atomic import atomic_output
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario, scenario_from_dict
from planner.config.weighting import Pairwise, format_judgement, parse_pairwise
from planner.errors import ScenarioError
from planner.inputs.judgements import read_judgements

__all__ = ["WeighResult", "weigh", "write_weighed"]

_NAME_BAD = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True)
class WeighResult:
    """The derived scenario, its TOML text, the pairwise analysis and notes for the user."""

    scenario: Scenario
    base: Scenario
    pairwise: Pairwise
    toml: str
    notes: list[str] = field(default_factory=list)


def _scenario_name(text: str) -> str:
    name = _NAME_BAD.sub("-", text.casefold()).strip("-_")[:64]
    return name if name and name[0].isalnum() else "expert-weights"


def _printable(text: str) -> str:
    """One line for a TOML comment: control characters (a newline would end it) -> '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _matrix_lines(key: str, matrix) -> str:
    rows = ",\n".join(
        "    [" + ", ".join(tomli_w.dumps({"v": format_judgement(float(v))})[4:].strip()
                          for v in row) + "]"
        for row in matrix
    )  # fmt: skip
    return f"{key} = [\n{rows},\n]\n"


def _pairwise_toml(pw: Pairwise) -> str:
    head = {
        "criteria": list(pw.criteria),
        "pooling": "geometric_mean" if len(pw.experts) > 1 else "single",
        "cr": round(pw.pooled.cr, 4),
        "lambda_max": round(pw.pooled.lambda_max, 4),
    }
    out = "[weights.pairwise]\n" + tomli_w.dumps(head)
    for e in pw.experts:
        out += "\n[[weights.pairwise.experts]]\n"
        out += tomli_w.dumps({"name": e.name, "cr": round(e.result.cr, 4)})
        out += _matrix_lines("matrix", e.matrix)
    return out


def _build_toml(base: Scenario, pw: Pairwise, meta: dict[str, str], name: str, source: str,
                lang: str = "en") -> str:  # fmt: skip
    w = pw.weights
    top: dict[str, Any] = {
        "name": name,
        "title_en": meta.get("title_en") or i18n.t("weigh.title", "en", base=base.title_en),
        "title_ru": meta.get("title_ru") or i18n.t("weigh.title", "ru", base=base.title_ru),
        "title_kk": meta.get("title_kk") or i18n.t("weigh.title", "kk", base=base.title("kk")),
        **{
            key: meta.get(key) or i18n.t("out.weigh.description", lg, base=base.name,
                                         n=len(pw.experts))
            for key, lg in (("description", "en"), ("description_ru", "ru"),
                            ("description_kk", "kk"))
        },
    }  # fmt: skip
    if base.method != "wlc":
        top["method"] = base.method
        top["aggregation"] = {
            k: v for k, v in base.aggregation.model_dump(exclude_none=True).items() if k != "method"
        }
    top["criteria"] = {
        k: {
            "weight": round(w[k], 6),
            **{
                kk: vv
                for kk, vv in base.criteria[k].model_dump(exclude_none=True).items()
                if kk != "weight"
            },
        }
        for k in pw.criteria
    }
    top["needs"] = base.needs.model_dump(exclude_none=True)
    if base.terrain != type(base.terrain)():  # the base's own DEM limits travel with it
        top["terrain"] = base.terrain.model_dump(exclude_none=True)
    n = len(pw.experts)
    text = i18n.t("out.weigh.header_many" if n > 1 else "out.weigh.header", lang,
                  source=_printable(source), date=dt.date.today().isoformat(), n=n,
                  cr=i18n.format_number(pw.pooled.cr, lang, 3),
                  limit=i18n.format_number(0.10, lang, 2), base=_printable(base.name))  # fmt: skip
    header = "".join(f"# {line}\n" for line in text.splitlines()) + "\n"
    return header + tomli_w.dumps(top) + "\n" + _pairwise_toml(pw)


def weigh(
    pairs: str | Path,
    *,
    base: str | Path | Scenario | None = None,
    name: str | None = None,
    lang: str | None = None,
) -> WeighResult:
    """Derive a scenario from the judgements in ``pairs`` (see the module docstring).

    ``base`` (default: the file's ``base``, else the default scenario) gives transforms,
    needs and method; ``name`` the new scenario's name (default: the file's, else its
    stem). ``lang`` is the language of the "judgements to revise" message, the notes and
    the comment heading the TOML (default: the message language, :func:`i18n.tr`).
    """
    lang = lang or i18n.message_lang()
    jf = read_judgements(pairs)
    base_sc = load_scenario(base if base is not None else jf.meta.get("base", DEFAULT_SCENARIO))
    crit = jf.pairwise.get("criteria") or list(base_sc.criteria)
    if not isinstance(crit, list):
        raise ScenarioError(i18n.tr("err.judgements.base_criteria", file=jf.path))
    missing = [c for c in crit if c not in base_sc.criteria]
    if missing:
        raise ScenarioError(i18n.tr("err.judgements.base_missing", file=jf.path,
                                    keys=", ".join(map(str, missing)), name=base_sc.name,
                                    choices=", ".join(base_sc.criteria)))  # fmt: skip
    raw = {**jf.pairwise, "criteria": crit}
    pw = parse_pairwise(raw, crit, where=i18n.t("err.pairwise.in_file", lang, path=jf.path),
                        lang=lang)  # fmt: skip
    final_name = _scenario_name(name or jf.meta.get("name") or jf.path.stem)
    text = _build_toml(base_sc, pw, jf.meta, final_name, jf.path.name, lang)
    sc = scenario_from_dict(tomllib.loads(text), source=f"weighed from {jf.path}", name=final_name)
    notes = list(jf.notes)
    dropped = [k for k in base_sc.criteria if k not in crit]
    if dropped:
        notes.append(i18n.t("warn.config.not_compared", lang, name=base_sc.name,
                            keys=", ".join(dropped)))  # fmt: skip
    return WeighResult(scenario=sc, base=base_sc, pairwise=pw, toml=text, notes=notes)


def write_weighed(result: WeighResult, out: str | Path, overwrite: bool = False) -> Path:
    """Write the scenario TOML atomically (never over an existing file without overwrite)."""
    p = Path(out)
    if p.suffix.lower() != ".toml":
        raise ScenarioError(i18n.tr("err.judgements.out_suffix", file=p))
    with atomic_output(p, overwrite=overwrite) as tmp:
        Path(tmp).write_text(result.toml, encoding="utf-8")
    return p
