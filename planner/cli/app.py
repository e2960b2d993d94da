"""The root typer app, its global options and error handling.

Options shared by several commands are in :mod:`planner.cli.options`; the subcommands
live beside this module.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import logging
import os
import re
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any

import typer
from rich.markup import escape

from planner.cli.terminal import SafeConsole, SafeFormatter
from planner.errors import PlannerError

try:  # typer >= 0.2x carries its own click
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - typer on the installed click
    from click import get_current_context

#: what typer handles itself: exits with a code, aborts, usage errors (exit 2)
_PASS_THROUGH = (
    typer.Exit,
    typer.Abort,
    next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
)

app = typer.Typer(
    name="planner",
    help=(
        "Site selection for companies relocating to the Almaty region: layers, explainable "
        "scoring along BAKAD, batch ranking, offline maps.\n\n"
        "Exit codes: 0 ok, 1 error, 2 usage error, 3 some input rows rejected (score)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

err_console = SafeConsole(stderr=True, soft_wrap=True)
out_console = SafeConsole(soft_wrap=True)

#: subcommand modules registered on the app, in help order
COMMAND_MODULES = (
    "layers", "scenarios", "sites", "companies", "score", "maps", "compare", "surface",
    "network",
    "webapp",
)


class State:
    debug: bool = False


def _version_callback(value: bool) -> None:
    if value:
        from planner._version import __version__

        typer.echo(f"planner {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what the library does (to stderr).")
    ] = False,
) -> None:
    """Planner for the BAKAD perimeter, Konaev and Gate City."""
    State.debug = debug
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    # distributed configures its own INFO logging at import; keep a Dask run quiet by default
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", logging.getLevelName(level).lower())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def print_error(message: str, lang: str | None = None) -> None:
    """One-paragraph error on stderr (markup in ``message`` is escaped), the word "error" in
    ``lang`` or else the message language of the command (catalog ``cli.error``)."""
    from planner import i18n

    word = escape(i18n.t("cli.error", lang or i18n.message_lang()))
    err_console.print(f"[bold red]{word}:[/] {escape(message)}", highlight=False)


def command_lang(kwargs: dict[str, Any]) -> str:
    """The language a command speaks: its ``--lang``, else the default (Russian)."""
    from planner.i18n import DEFAULT_LANG

    lang = kwargs.get("lang")
    if lang is None:
        return DEFAULT_LANG
    return str(lang.value if isinstance(lang, enum.Enum) else lang)


def handle_errors(func: Callable) -> Callable:
    """Turn any exception of a command into one paragraph on stderr and exit 1.

    The command runs in its language (:func:`command_lang`, ``planner.i18n.use_lang``), so
    the errors and warnings the library raises are written in it. Planner errors (bad
    input, existing outputs) and OS errors on user files print their own message; any
    other exception (a bug, or an input the planner does not handle yet)
    prints what failed, on which input, and to run again with ``--debug``, which shows
    the traceback instead. Exits and usage errors pass through (codes 0, 2, 3); Ctrl-C
    exits 130 (the shell's code for SIGINT) after the writers removed their temporaries.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        from planner.i18n import tr, use_lang

        with use_lang(command_lang(kwargs)):
            try:
                return func(*args, **kwargs)
            except _PASS_THROUGH:
                raise
            except KeyboardInterrupt:
                print_error(tr("cli.interrupted"))
                raise typer.Exit(130) from None
            except Exception as exc:
                if State.debug:
                    raise
                print_error(error_message(exc, get_current_context(silent=True)))
                raise typer.Exit(1) from None

    return wrapper


def command(group: typer.Typer, name: str, **settings: Any) -> Callable:
    """Register a command on ``group`` (``@command(app, "score")``) with the planner's
    error handling (:func:`handle_errors`): every command gets it, none is left out."""

    def register(func: Callable) -> Callable:
        group.command(name, **settings)(handle_errors(func))
        return func

    return register


def error_message(exc: BaseException, ctx: typer.Context | None = None) -> str:
    """The one-paragraph message for ``exc`` raised by the command of ``ctx``, in the
    message language (the exception's own text, e.g. Python's, is quoted as it is)."""
    from planner.i18n import tr

    if isinstance(exc, PlannerError | OSError):
        return str(exc)
    what = ctx.command_path if ctx is not None else "planner"
    given = " ".join(typed_arguments(ctx)) if ctx is not None else ""
    text = " ".join(str(exc).split()) or "-"
    where = tr("cli.unexpected_on", command=what, given=given) if given else what
    return tr("cli.unexpected", where=where, error=f"{type(exc).__name__}: {text}")


def typed_arguments(ctx: typer.Context, defaults: bool = False) -> list[str]:
    """A command's arguments, then its options as parsed (``-o out.csv``, ``--allocate``),
    options left at their default only with ``defaults``; options not given are left out."""
    by_name = {p.name: p for p in ctx.command.params}
    args: list[str] = []
    opts: list[str] = []
    for name, value in ctx.params.items():
        param = by_name.get(name)
        if param is None or value is None or value is False or value in ((), []):
            continue
        values = value if isinstance(value, list | tuple) else [value]
        shown = [str(v.value if isinstance(v, enum.Enum) else v) for v in values]
        if param.param_type_name == "argument":
            args.extend(shown)
        elif defaults or value != param.default:
            flag = param.opts[0]
            opts.extend([flag] if value is True else [x for v in shown for x in (flag, v)])
    return [*args, *opts]


def command_line(ctx: typer.Context) -> list[str]:
    """The command as typed, with every option's value (defaults too): for manifests."""
    return ["planner", *ctx.command_path.split()[1:], *typed_arguments(ctx, defaults=True)]


def job_args(
    ctx: typer.Context, *takers: Callable, skip: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    """What a command passes to the job it runs: its parameters by name (choices as plain
    values) plus ``extra``.

    Every parameter must be taken by one of ``takers`` (functions or dataclasses) or be
    named in ``skip`` (used by the command itself): a parameter that the job no longer
    takes raises TypeError instead of being dropped silently.
    """
    names = {
        name
        for taker in takers
        for name, p in inspect.signature(taker).parameters.items()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    lost = sorted(set(ctx.params) - names - set(skip))
    if lost:
        raise TypeError(f"{ctx.command_path}: option(s) {', '.join(lost)} reach no job")
    args = {k: v.value if isinstance(v, enum.Enum) else v for k, v in ctx.params.items()
            if k in names}  # fmt: skip
    return {**args, **extra}


def print_written(written: dict[str, Any], lang: str = "en") -> None:
    """``wrote <path> (<label>)`` in ``lang`` for every file written (manifests go
    unmentioned; catalog ``cli.wrote``, labels ``cli.output.*``)."""
    from planner import i18n

    words = i18n.section("cli.output", lang)
    for label, path in written.items():
        if not label.endswith("_manifest"):
            line = i18n.t("cli.wrote", lang, path=path, what=words.get(label, label))
            out_console.print(escape(line), highlight=False)


def print_warning(message: str, lang: str = "en") -> None:
    """``warning: <message>`` on stderr, the word in ``lang`` (catalog ``cli.warning``)."""
    from planner import i18n

    word = escape(i18n.t("cli.warning", lang))
    err_console.print(f"[yellow]{word}:[/] {escape(message)}", highlight=False)


def register_commands() -> None:
    """Import every subcommand module present so it registers itself on :data:`app`."""
    for mod in COMMAND_MODULES:
        name = f"planner.cli.{mod}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def _hint_takes_ctx(param: Any) -> bool:
    return len(inspect.signature(param.get_error_hint).parameters) > 0


def print_usage_error(exc: Exception) -> None:
    """A usage error (exit 2) in the message language: what is wrong with which option or
    argument (our own refusals keep their text; click's common ones are translated), then
    the command's usage and where its help is. Help shown for a bare command passes as is."""
    try:  # typer >= 0.2x carries its own click
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - typer on the installed click
        from click import exceptions as click

    from planner.i18n import tr

    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as click shows it
        exc.show()
        return
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        hint = exc.param.get_error_hint(*([ctx] if _hint_takes_ctx(exc.param) else []))
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    if isinstance(exc, click.MissingParameter):
        text = tr("cli.usage_missing", param=hint or "-")
    elif isinstance(exc, click.BadParameter):
        # typer's refusal of a choice ("'xx' is not one of 'ru', 'kk', 'en'.") in our words
        choice = re.search(r"'(.*)' is not one of (.*?)\.?$", exc.message)
        message = (tr("cli.usage_choice", value=choice[1], choices=choice[2]) if choice
                   else exc.message)  # fmt: skip
        text = tr("cli.usage_bad_value", param=hint or "-", message=message)
    elif isinstance(exc, click.NoSuchOption):
        text = tr("cli.usage_no_option", option=exc.option_name)
        if exc.possibilities:
            text += " " + tr("cli.usage_did_you_mean", options=", ".join(sorted(exc.possibilities)))
    else:  # click's own wording (extra arguments, option needs a value...)
        text = exc.format_message()
    print_error(text)
    if ctx is not None:
        usage = ctx.get_usage().removeprefix("Usage:").strip()
        line = tr("cli.usage_line", usage=usage, command=ctx.command_path)
        err_console.print(escape(line), highlight=False)


def main() -> None:
    """Console-script entry point.

    The message language is set from ``--lang`` (default Russian) before typer parses
    anything, so an option callback's refusal and a usage error speak it too; each command
    then runs in its own ``--lang`` (:func:`handle_errors`). Exit codes: the command's, 2
    for a usage error, 1 for an error that escaped the commands' handling.
    """
    from planner._lang import DEFAULT_LANG, LANGS, MESSAGE_LANG

    register_commands()
    argv = sys.argv[1:]
    asked = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    MESSAGE_LANG.set(asked if asked in LANGS else DEFAULT_LANG)
    try:
        code = app(standalone_mode=False)
    except _PASS_THROUGH[2] as exc:  # click's usage errors: our words, exit 2
        print_usage_error(exc)
        sys.exit(exc.exit_code)
    except typer.Abort:
        from planner.i18n import tr

        print_error(tr("cli.aborted"))
        sys.exit(1)
    except Exception as exc:  # escaped the commands' handling: startup, a plugin
        if State.debug:
            raise
        print_error(error_message(exc))
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
