"""Docstrings that state a default must state the code's default."""

import inspect
import re

import pytest

from dec_core import callbacks, estimator, layers, runs

DEFAULT = re.compile(r"^\s{4,8}(\w+) : [^\n]*?default=([^\n,]+?)\s*$", re.M)


def _documented_callables():
    for module in (estimator, layers, callbacks, runs):
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj.__doc__ or "", obj.__init__
            elif inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj.__doc__ or "", obj


CASES = [(name, doc, fn) for name, doc, fn in _documented_callables() if DEFAULT.search(doc)]


def test_the_checked_objects_include_the_estimator():
    assert "dec_core.estimator.DEC" in [name for name, _, _ in CASES]


@pytest.mark.parametrize("name, doc, fn", CASES, ids=[c[0] for c in CASES])
def test_documented_defaults_match_the_signature(name, doc, fn):
    params = inspect.signature(fn).parameters
    for param, text in DEFAULT.findall(doc):
        if param not in params:
            continue
        expected = params[param].default
        if text.startswith(("sys.", "None")) and expected is None:
            continue
        try:
            documented = eval(text, {})
        except (NameError, SyntaxError):
            documented = text.strip('"')
        assert documented == expected, f"{name}: {param} documented default={text}, code {expected!r}"
