"""The house rules a newcomer relies on, checked on the source (AST and text, no imports).

- a page reads top-down and stays short; no function grows past one screen;
- colours are written only in ``explorer/charts/theme.py``;
- private Streamlit names appear only in ``explorer/compat.py``;
- streamlit is imported at module level only where ``explorer/__init__.py`` says, and no
  module without it imports one with it (so workers, the CLI and tests run without a page);
- no import-time cycle inside ``explorer``;
- every file the README's "Where things live" names exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_LINES = 300
MAX_FUNCTION_LINES = 80  # lines of code: docstrings, blank and comment-only lines aside
COLOUR = re.compile(r"""["'](#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?|rgba?\()""")
PRIVATE_STREAMLIT = re.compile(
    r"streamlit\.runtime|streamlit\.web|PagesManager|uploaded_file_mgr|get_script_run_ctx")


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            lines |= set(range(node.lineno, node.end_lineno + 1))
    return lines


def _code_lines(source: list[str], node: ast.AST, docs: set[int]) -> int:
    return sum(1 for i in range(node.lineno, node.end_lineno + 1)
               if i not in docs and source[i - 1].strip()
               and not source[i - 1].strip().startswith("#"))


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module, top_only: bool) -> set[str]:
    """Modules (and ``module.name``) a module imports; ``top_only``: at import time only."""
    nodes = tree.body if top_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _import_edges(tree: ast.Module, modules: set[str]) -> set[str]:
    """The modules of ``modules`` this one imports at import time. ``from pkg import sub``
    names the submodule, not the package being initialised around it."""
    edges: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                edges.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            edges |= {alias.name for alias in node.names}
    return edges & modules


def test_pages_are_short():
    long = {p.name: n for p in _sources("pages")
            if (n := len(p.read_text().splitlines())) > MAX_PAGE_LINES}
    assert not long, f"pages over {MAX_PAGE_LINES} lines: {long}"


def test_no_function_is_longer_than_a_screen():
    long = []
    for path in _sources("pages", "explorer", "dec_core"):
        text = path.read_text()
        tree = ast.parse(text)
        docs, source = _docstring_lines(tree), text.splitlines()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _code_lines(source, node, docs)
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n})")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines of code: {long}"


def test_colours_are_written_only_in_the_theme():
    theme = ROOT / "explorer" / "charts" / "theme.py"
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _sources("pages", "explorer") if p != theme
             for i, line in enumerate(p.read_text().splitlines(), 1)
             if COLOUR.search(line.split("#  ")[0])]
    assert not found, f"colour literals outside {theme.relative_to(ROOT)}: {found}"


def _names_in_code(tree: ast.AST) -> set[str]:
    """What code refers to (imports, names, attributes); docstrings and comments don't count."""
    names = _imports(tree, top_only=False)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def test_private_streamlit_names_live_in_compat():
    compat = ROOT / "explorer" / "compat.py"
    files = [*_sources("pages", "explorer", "dec_core"), ROOT / "app.py"]

    def private(path: Path) -> list[str]:
        return [n for n in _names_in_code(ast.parse(path.read_text()))
                if PRIVATE_STREAMLIT.search(n)]

    found = {str(p.relative_to(ROOT)): private(p) for p in files if p != compat}
    found = {path: names for path, names in found.items() if names}
    assert not found, f"private Streamlit names outside explorer/compat.py: {found}"
    assert private(compat)  # the check itself finds them where they are


def test_streamlit_stays_where_the_package_docstring_says():
    trees = {_module(p): ast.parse(p.read_text()) for p in _sources("explorer")}
    with_st = {m for m, t in trees.items()
               if any(name.split(".")[0] == "streamlit" for name in _imports(t, top_only=True))}
    allowed = {m for m in with_st if m.startswith(("explorer.panels", "explorer.session"))}
    allowed.add("explorer.live_map.panel")
    assert with_st <= allowed, f"streamlit imported at module level by {with_st - allowed}"
    assert "explorer.session.state" not in with_st
    leaks = {m: sorted(n for n in _imports(t, top_only=False) if n in with_st)
             for m, t in trees.items() if m not in with_st}
    leaks = {m: names for m, names in leaks.items() if names}
    assert not leaks, f"modules without streamlit importing one with it: {leaks}"
    assert not [m for m, t in trees.items() if not m.startswith("explorer.panels")
                and any(n.startswith("explorer.panels") for n in _imports(t, top_only=False))]


def test_no_import_time_cycle_in_explorer():
    trees = {_module(p): ast.parse(p.read_text()) for p in _sources("explorer")}
    graph = {m: _import_edges(t, set(trees)) - {m} for m, t in trees.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return path + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    cycles = [c for m in graph if (c := cycle_from(m))]
    assert not cycles, f"import-time cycle: {' -> '.join(cycles[0])}"


def test_every_file_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`([\w.-]+/[\w./-]+\.py)`", section)
    assert len(named) >= 8  # the defaults, CSV, worker events, colours, words, states, map, check
    missing = [n for n in named if not (ROOT / n).is_file()]
    assert not missing, f"README's 'Where things live' names missing files: {missing}"
