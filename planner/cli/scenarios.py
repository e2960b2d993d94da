"""`planner scenarios ...`: list and show scenarios; weigh expert judgements (AHP) into one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.config.defaults import DEFAULT_SCENARIO

from .app import app, command, command_line, err_console, out_console
from .options import Lang, LangOpt, OverwriteOpt

scenarios_app = typer.Typer(
    help="List and inspect scoring scenarios (weights, transforms).", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")


ScenarioArg = Annotated[
    str, typer.Argument(help="Built-in scenario name (e.g. bakad-perimeter) or a .toml path.")
]


def _params(spec: dict, lang: str) -> str:
    """A criterion's parameters as the TOML keys (code) with their values; point-table
    classes as labels in ``lang`` ("0-3 км: 10; ...")."""
    skip = {"transform", "weight"}
    parts = []
    for k, v in spec.items():
        if k in skip:
            continue
        if k == "classes":  # a point table: "0-3 km: 10; 3-8 km: 6; ..."
            from planner.config.weighting import PointTable
            from planner.core.points import class_labels

            t = PointTable.model_validate({**spec, "weight": 1.0}, strict=False)
            labels = class_labels(t, lang)
            parts.append(
                "; ".join(f"{lab}: {c.points:g}" for lab, c in zip(labels, t.classes, strict=True))
            )
            continue
        if isinstance(v, dict):
            parts.append(", ".join(f"{k}.{kk}={vv:g}" for kk, vv in v.items()))
        else:
            parts.append(f"{k}={v:g}" if isinstance(v, float | int) else f"{k}={v}")
    return "; ".join(parts)


@command(scenarios_app, "list")
def list_cmd(lang: LangOpt = Lang.ru) -> None:
    """Table of the built-in scenarios: name, title and description, criteria with weights, hash."""
    from planner import i18n
    from planner.config import scenarios as _scenarios

    lg = lang.value
    w = i18n.section("cli", lg)
    table = Table(title=escape(w["scenarios_title"]))
    for col in ("col_name_key", "col_title", "col_criteria", "col_hash"):
        table.add_column(escape(w[col]), overflow="fold")
    for sc in _scenarios.list_scenarios():
        crit = ", ".join(
            f"{i18n.criterion_label(k, lg)} {i18n.format_number(v * 100, lg)}"
            for k, v in sorted(sc.weights.items(), key=lambda kv: -kv[1])
        )
        name = sc.name + (f" ({w['default']})" if sc.name == _scenarios.DEFAULT_SCENARIO else "")
        text = sc.title(lg) + (f"\n{sc.description_in(lg)}" if sc.description_in(lg) else "")
        table.add_row(escape(name), escape(text), escape(crit), sc.hash)
    out_console.print(table)
    out_console.print(escape(w["scenarios_hint"]), highlight=False)


@command(scenarios_app, "show")
def show_cmd(name: ScenarioArg, lang: LangOpt = Lang.ru) -> None:
    """Weights, transforms, needs and hash of one scenario (validates a .toml file too)."""
    from planner import i18n
    from planner.config import scenarios as _scenarios

    lg = lang.value
    o = i18n.section("out.scenarios", lg)
    num = i18n.format_number
    sc = _scenarios.load_scenario(name)
    info = sc.describe()
    source = o["builtin"] if sc.source == f"built-in {sc.name!r}" else sc.source
    out_console.print(
        f"[bold]{escape(sc.name)}[/]  " + escape(o["head"].format(hash=sc.hash, source=source)),
        highlight=False,
    )
    out_console.print(escape(sc.title(lg)), highlight=False)
    if sc.description_in(lg):
        out_console.print(escape(sc.description_in(lg)), highlight=False)
    table = Table(title=escape(o["criteria"]))
    for col in ("col_criterion", "col_column", "col_weight", "col_transform", "col_params"):
        table.add_column(escape(o[col]), overflow="fold")
    for key, spec in sorted(info["criteria"].items(), key=lambda kv: -kv[1]["weight"]):
        tf = spec["transform"]
        table.add_row(
            key,
            _scenarios.CRITERIA[key],
            num(spec["weight"] * 100, lg, 1),
            escape(i18n.t(f"out.scenarios.transform.{tf}", lg) + f" ({tf})"),
            escape(_params(spec, lg)),
        )
    out_console.print(table)
    needs = ", ".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else f'{v:g}'}"
        for k, v in info["needs"].items()
        if v is not None
    )
    out_console.print(escape(o["needs"].format(needs=needs)), highlight=False)
    if sc.method != "wlc":
        params = ", ".join(f"{k}={v}" for k, v in info["aggregation"].items() if k != "method")
        method = i18n.t(f"method.{sc.method}", lg)
        out_console.print(escape(o["method"].format(method=method, params=params)),
                          highlight=False)  # fmt: skip
    if sc.pairwise is not None:
        rec = sc.pairwise.record()
        out_console.print(
            escape(o["pairwise"].format(n=len(rec["experts"]), cr=num(rec["cr"], lg, 3),
                                        lambda_max=num(rec["lambda_max"], lg, 3))),
            highlight=False,
        )  # fmt: skip


@command(scenarios_app, "weigh")
def weigh_cmd(
    ctx: typer.Context,
    pairs: Annotated[
        Path,
        typer.Argument(
            help="The panel's judgements: a .toml with [weights.pairwise] or the .xlsx form of "
            "`planner scenarios template`, e.g. pairs.xlsx.",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="Write the scenario here, e.g. panel.toml. Default: print it."
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Scenario giving transforms, needs and method (name or .toml). Default: the "
            "file's `base`, else bakad-perimeter.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Name of the new scenario, e.g. panel-2026. Default: the file's."
        ),
    ] = None,
    lang: LangOpt = Lang.ru,
    overwrite: OverwriteOpt = False,
) -> None:
    """Weights from expert pairwise comparisons (Saaty's AHP) -> an ordinary scenario TOML.

    Principal-eigenvector weights; each expert's consistency ratio must be <= 0.10 (else the
    judgements to revise are named, exit 1); several experts are pooled by the geometric mean.
    """
    from planner._atomic import Output, check_outputs
    from planner.jobs.weigh import weigh, write_weighed
    from planner.render.outputs import write_manifest

    if out is not None:  # before any work
        check_outputs([Output(out, "scenario file", (".toml",), "-o panel.toml",
                              manifest=True)], overwrite, inputs=[pairs, base])  # fmt: skip
    from planner import i18n

    lg = lang.value
    o = i18n.section("out.scenarios", lg)
    num = i18n.format_number
    res = weigh(pairs, base=base, name=name, lang=lg)
    pw = res.pairwise
    table = Table(title=escape(o["weights_of"].format(name=res.scenario.name,
                                                      hash=res.scenario.hash)))  # fmt: skip
    for col in ("col_criterion", "col_label", "col_weight"):
        table.add_column(escape(o[col]))
    for k, w in sorted(pw.weights.items(), key=lambda kv: -kv[1]):
        table.add_row(escape(k), escape(i18n.criterion_label(k, lg)), num(100 * w, lg, 1))
    err_console.print(table)
    for e in pw.experts:
        err_console.print(escape(o["expert"].format(name=e.name or o["unnamed"],
                                                    cr=num(e.result.cr, lg, 3))),
                          highlight=False)  # fmt: skip
    pooled = o["pooled_many" if len(pw.experts) > 1 else "pooled_one"]
    err_console.print(
        escape(pooled.format(cr=num(pw.pooled.cr, lg, 3), limit=num(0.10, lg, 2),
                             lambda_max=num(pw.pooled.lambda_max, lg, 3))),
        highlight=False,
    )  # fmt: skip
    for note in res.notes:
        err_console.print(escape(o["note"].format(note=note)), highlight=False)
    if out is None:
        typer.echo(res.toml, nl=False)
        return
    path = write_weighed(res, out, overwrite=overwrite)
    write_manifest(
        path, inputs={"pairs": pairs, "base": base}, scenario=res.scenario,
        counts={"experts": len(pw.experts), "criteria": len(pw.weights)},
        warnings=res.notes,
        extra={"weights": pw.weights, "pooled_cr": pw.pooled.cr,
               "expert_cr": {e.name or f"expert {i}": e.result.cr
                             for i, e in enumerate(pw.experts, 1)}},
        command=command_line(ctx), overwrite=overwrite,
    )
    err_console.print(escape(o["written"].format(path=path)), highlight=False)


@command(scenarios_app, "template")
def template_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", help="The form to write, e.g. pairs.xlsx.")],
    lang: LangOpt = Lang.ru,
    base: Annotated[
        str,
        typer.Option("--base", help="Scenario whose criteria are compared (name or .toml)."),
    ] = DEFAULT_SCENARIO,
    criteria: Annotated[
        str | None,
        typer.Option(
            "--criteria",
            help="Compare only these criteria, comma-separated, e.g. interchange,zone,almaty. "
            "Default: all of the base scenario's.",
        ),
    ] = None,
    experts: Annotated[
        int, typer.Option("--experts", help="Number of expert sheets, 1-50, e.g. 5.")
    ] = 1,
    overwrite: OverwriteOpt = False,
) -> None:
    """An XLSX form for experts to fill in pairwise judgements (ru, kk or en labels)."""
    from planner._atomic import Output, check_outputs
    from planner.config import scenarios as _scenarios
    from planner.render.outputs import write_manifest
    from planner.render.pairs_template import write_template

    check_outputs([Output(out, "form", (".xlsx",), "-o pairs.xlsx", manifest=True)], overwrite,
                  inputs=[base])  # fmt: skip
    sc = _scenarios.load_scenario(base)
    crit = [c.strip() for c in criteria.split(",") if c.strip()] if criteria else None
    path = write_template(
        out, sc, criteria=crit, lang=lang.value, experts=experts, overwrite=overwrite,
        base_ref=base,
    )  # fmt: skip
    write_manifest(path, inputs={"base": base}, scenario=sc,
                   counts={"experts": experts, "criteria": len(crit or sc.criteria)},
                   extra={"criteria": crit or list(sc.criteria), "lang": lang.value,
                          "note": "a blank form: the experts fill it in, so its sha256 changes"},
                   command=command_line(ctx), overwrite=overwrite)  # fmt: skip
    from planner import i18n

    err_console.print(escape(i18n.t("out.scenarios.form_written", lang.value, path=path)),
                      highlight=False)  # fmt: skip
