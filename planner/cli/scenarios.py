"""`planner scenarios ...`: list and show the scoring scenarios."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.config import scenarios as _scenarios

from .app import app, command, out_console

scenarios_app = typer.Typer(
    help="List and inspect scoring scenarios (weights, transforms).", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")


ScenarioArg = Annotated[
    str, typer.Argument(help="Built-in scenario name (e.g. bakad-perimeter) or a .toml path.")
]


def _params(spec: dict) -> str:
    skip = {"transform", "weight"}
    parts = []
    for k, v in spec.items():
        if k in skip:
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{kk}={vv:g}" for kk, vv in v.items())
            parts.append(f"{k}: {v}")
        else:
            parts.append(f"{k}={v:g}" if isinstance(v, float | int) else f"{k}={v}")
    return "; ".join(parts)


@command(scenarios_app, "list")
def list_cmd() -> None:
    """Table of the built-in scenarios: name, title, criteria with weights, hash."""
    table = Table(title="planner scenarios (built-in)")
    for col in ("name", "title", "criteria (weight %)", "hash"):
        table.add_column(col, overflow="fold")
    for sc in _scenarios.list_scenarios():
        crit = ", ".join(
            f"{k} {w * 100:.0f}" for k, w in sorted(sc.weights.items(), key=lambda kv: -kv[1])
        )
        name = sc.name + (" (default)" if sc.name == _scenarios.DEFAULT_SCENARIO else "")
        table.add_row(escape(name), escape(f"{sc.title_en}\n{sc.title_ru}"), escape(crit), sc.hash)
    out_console.print(table)
    out_console.print(
        "Details: planner scenarios show NAME   (or a path to your own .toml)", highlight=False
    )


@command(scenarios_app, "show")
def show_cmd(name: ScenarioArg) -> None:
    """Weights, transforms, needs and hash of one scenario (validates a .toml file too)."""
    sc = _scenarios.load_scenario(name)
    info = sc.describe()
    out_console.print(
        f"[bold]{escape(sc.name)}[/]  hash {sc.hash}  ({escape(sc.source)})", highlight=False
    )
    out_console.print(escape(sc.title_en), highlight=False)
    out_console.print(escape(sc.title_ru), highlight=False)
    if sc.description.strip():
        out_console.print(escape(" ".join(sc.description.split())), highlight=False)
    table = Table(title="criteria")
    for col in ("criterion", "column", "weight %", "transform", "parameters"):
        table.add_column(col, overflow="fold")
    for key, spec in sorted(info["criteria"].items(), key=lambda kv: -kv[1]["weight"]):
        table.add_row(
            key,
            _scenarios.CRITERIA[key],
            f"{spec['weight'] * 100:.1f}",
            spec["transform"],
            escape(_params(spec)),
        )
    out_console.print(table)
    needs = ", ".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else f'{v:g}'}"
        for k, v in info["needs"].items()
        if v is not None
    )
    out_console.print(f"needs: {escape(needs)}", highlight=False)
