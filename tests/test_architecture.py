"""The package keeps the shape docs/architecture.md describes (issue 10).

Data direction is enforced by import-linter (`make test` runs `lint-imports`), complexity by
ruff C901 (max 20, numba kernels exempt); these tests hold the rest: small modules, and no
JavaScript, CSS or HTML written inside Python strings (they live in planner/render/static and
planner/render/templates).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "planner"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "_vendor" not in p.parts)
MAX_CODE_LINES = 600

# markup in a string constant: an HTML element, a CSS rule body, or a JS function
_MARKUP = re.compile(
    r"<(?:div|span|table|thead|tbody|tr|td|th|ul|ol|li|section|script|style|html|body|svg|"
    r"small|code|b|i|p|a|br|h[1-6])\b[^>]*>"
    r"|[{;]\s*[a-z-]+\s*:\s*[^;{}]+;\s*[a-z-]+\s*:[^;{}]+;"
    r"|\bfunction\s*\([^)]*\)\s*\{"
    r"|=>\s*\{",
    re.IGNORECASE,
)


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(src: str) -> int:
    """Lines holding code: no blank lines, comments or docstrings."""
    skip = _docstring_lines(ast.parse(src))
    ignore = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
              tokenize.DEDENT, tokenize.ENDMARKER}
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type not in ignore:
            lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in skip)
    return len(lines)


def test_code_line_counter_counts_only_code():
    src = (
        '"""Doc\n\nstring."""\n\n# comment\nx = 1\n\n\n'
        'def f():\n    """Doc."""\n    return (\n        x\n    )\n'
    )
    assert code_lines(src) == 5  # x = 1; def; return (; x; )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small(path):
    n = code_lines(path.read_text(encoding="utf-8"))
    assert n <= MAX_CODE_LINES, f"{path.relative_to(PACKAGE)} has {n} lines of code; split it"


def test_markup_detector_catches_html_css_and_js():
    assert _MARKUP.search('<div class="x">')
    assert _MARKUP.search(".a { margin: 0; padding: 2px; }")
    assert _MARKUP.search("(function () { return 1; })")
    assert not _MARKUP.search("2,1 км до развязки БАКАД А-3; в зоне «Кайрат»")
    assert not _MARKUP.search("value < 3 and b > 2")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_markup_in_python_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstring_lines(tree)  # prose about markup is fine; markup itself is not
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
            node.lineno not in docs
        ):
            m = _MARKUP.search(node.value)
            if m:
                found.append(f"line {node.lineno}: {m.group(0)!r}")
    assert not found, (
        f"{path.relative_to(PACKAGE)} writes markup in Python strings (move it to "
        f"planner/render/static or planner/render/templates): {found[:5]}"
    )
