"""The parameter check: what each :class:`dec_core.DEC` parameter may be, checked in one place.

:data:`PARAMETER_CONSTRAINTS` is scikit-learn's ``_parameter_constraints``
table (``DEC._parameter_constraints`` is this dict, so scikit-learn's own
``_validate_params`` accepts what this check accepts), and
:func:`check_params` checks a parameter dict against it with DEC's messages,
which name the value received and the fix. ``DEC.fit``, the CLI and the
app's job check (``explorer.jobs.resources.job_params``) all call it, so a
bad setting is refused with the same words everywhere. Rules that depend on
the data (``dims`` against ``n_features``, ``n_clusters`` against
``n_samples``) are checked where the data is.

TensorFlow-free, so the app can check settings without loading it.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, make_constraint

from .cost import check_pretrain_steps, check_update_budget
from .restarts import RESTART_CRITERIA


def _at_least(low: int) -> Interval:
    return Interval(Integral, low, None, closed="left")


def _positive() -> Interval:
    return Interval(Real, 0, None, closed="neither")


def _non_negative() -> Interval:
    return Interval(Real, 0, None, closed="left")


PARAMETER_CONSTRAINTS: dict[str, list] = {
    "n_clusters": [_at_least(1)],
    "alpha": [_positive()],
    "target_power": [_positive()],
    "normalize_frequency": ["boolean"],
    "pretrain": [StrOptions({"end_to_end", "layerwise"})],
    "pretrain_epochs": [_at_least(0)],
    "pretrain_steps": [_at_least(1), None],
    "layer_epochs": [_at_least(0)],
    "pretrain_batch_size": [_at_least(1)],
    "pretrain_optimizer": [StrOptions({"adam", "sgd"})],
    "pretrain_lr": [_positive()],
    "pretrain_noise": [_non_negative()],
    "pretrain_schedule": [StrOptions({"constant", "cosine"})],
    "augment_shift": [_at_least(0)],
    "augment": [_non_negative()],
    "init": [StrOptions({"glorot_uniform", "dec"})],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "batch_size": [_at_least(1)],
    "optimizer": [StrOptions({"adam", "sgd"})],
    "learning_rate": [_positive()],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "update_interval": [_at_least(1)],
    "update_budget": [_at_least(1), None],
    "tol": [Interval(Real, 0, 1, closed="both")],
    "max_iter": [_at_least(0)],
    "method": [StrOptions({"dec", "idec"})],
    "gamma": [_positive()],
    "n_init": [_at_least(1)],
    "centroid_init": [StrOptions({"kmeans", "manifold"})],
    "n_restarts": [_at_least(1)],
    "start_target_updates": [_at_least(0)],
    "restart_criterion": [StrOptions(set(RESTART_CRITERIA))],
    "random_state": [Interval(Integral, None, None, closed="neither"), None],
    "verbose": [_at_least(0)],
}
"""Parameter -> the values it may take (scikit-learn's constraint objects; ``None`` allows None).

``dims`` and ``strategy`` are absent: ``dims`` is checked against the data
(:func:`dec_core.dims.check_dims`), and ``strategy`` is any
``tf.distribute.Strategy`` or None."""

# Budgets, whose message names what to set instead (dec_core.cost).
_OWN_MESSAGE = {"pretrain_steps": check_pretrain_steps, "update_budget": check_update_budget}


def _satisfied(rule, value) -> bool:
    """scikit-learn's test, stricter where DEC is: no bool for a number, numbers finite."""
    constraint = make_constraint(rule)
    if not constraint.is_satisfied_by(value):
        return False
    if isinstance(rule, Interval):
        if isinstance(value, (bool, np.bool_)):
            return False
        return rule.type is Integral or bool(np.isfinite(value))
    return True


def _message(name: str, value, rules: list) -> str:
    """DEC's words for a value none of ``rules`` allows."""
    allowed = [r for r in rules if r is not None]
    rule = allowed[0]
    got = f"Got {value!r}."
    if rule == "boolean":
        return f"The '{name}' parameter must be True or False. {got}"
    if isinstance(rule, StrOptions):
        return f"The '{name}' parameter must be one of {sorted(rule.options)}. {got}"
    what = "an int" if rule.type is Integral else "a real number"
    if rule.left is None and rule.right is None:
        text = f"The '{name}' parameter must be {what}"
    elif rule.type is Integral:
        text = f"The '{name}' parameter must be an int >= {rule.left}"
    else:
        lo = "[" if rule.closed in ("left", "both") else "("
        hi = "]" if rule.closed in ("right", "both") and rule.right is not None else ")"
        high = "inf" if rule.right is None else rule.right
        text = f"The '{name}' parameter must be a real number in {lo}{rule.left}, {high}{hi}"
    return f"{text}{' or None' if None in rules else ''}. {got}"


def _plain(rules: list, value):
    """A checked value as a plain Python number (Keras refuses e.g. an int learning rate)."""
    if value is None:
        return None
    rule = rules[0]
    if rule == "boolean":
        return bool(value)
    if isinstance(rule, Interval):
        return int(value) if rule.type is Integral else float(value)
    return value


def check_params(params: Mapping) -> SimpleNamespace:
    """Check DEC's parameters; return them as plain Python ints, floats and strings.

    Parameters
    ----------
    params : mapping
        ``DEC.get_params(deep=False)``, or the keyword arguments for
        :class:`dec_core.DEC`; a parameter left out is not checked (and is
        left out of the result).

    Returns
    -------
    types.SimpleNamespace
        Every constrained parameter of ``params``, checked.

    Raises
    ------
    ValueError
        Naming the first parameter out of range, the rule and the value.

    Examples
    --------
    >>> check_params({"tol": 0.01, "n_clusters": 3}).n_clusters
    3
    >>> check_params({"tol": 2})
    Traceback (most recent call last):
    ...
    ValueError: The 'tol' parameter must be a real number in [0, 1]. Got 2.
    """
    values = {}
    for name, rules in PARAMETER_CONSTRAINTS.items():
        if name not in params:
            continue
        value = params[name]
        if not any(_satisfied(rule, value) for rule in rules):
            if name in _OWN_MESSAGE:
                _OWN_MESSAGE[name](value)  # raises with the budget's own words
            raise ValueError(_message(name, value, rules))
        values[name] = _plain(rules, value)
    return SimpleNamespace(**values)
