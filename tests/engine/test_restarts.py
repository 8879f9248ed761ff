"""Restarts chosen without labels (dec_core.restarts, DEC(n_restarts=...))."""

import numpy as np
import pytest

from dec_core import DEC
from dec_core.restarts import (
    RESTART_CRITERIA,
    choose_restart,
    kl_criterion,
    relative_inertia,
    restart_seeds,
)
from dec_core.target import target_distribution


def test_choice_is_the_argmin_or_argmax_of_its_criterion():
    values = [0.4, 0.1, 0.7, 0.2]
    assert choose_restart(values, "kl") == 1 == int(np.argmin(values))
    assert choose_restart(values, "inertia") == 1
    assert choose_restart(values, "silhouette") == 2 == int(np.argmax(values))
    assert choose_restart([np.nan, 0.3, 0.2], "kl") == 2
    assert choose_restart([np.nan, 0.3, 0.2], "silhouette") == 1  # NaN never wins
    assert RESTART_CRITERIA == {"kl": "min", "silhouette": "max", "inertia": "min"}
    with pytest.raises(ValueError, match="Unknown restart criterion"):
        choose_restart(values, "acc")


def test_criteria_match_their_definitions():
    rng = np.random.default_rng(0)
    q = rng.random((50, 4))
    q /= q.sum(1, keepdims=True)
    p = target_distribution(q)
    assert kl_criterion(q) == pytest.approx(np.mean(np.sum(p * np.log(p / q), axis=1)))
    z = np.array([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0], [12.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    centers = np.array([[1.0, 0.0], [11.0, 0.0]])
    # within: 4 x 1 = 4; total about the mean 6: 36 + 16 + 16 + 36 = 104
    assert relative_inertia(z, labels, centers) == pytest.approx(4 / 104)
    assert restart_seeds(5, 3) == [5, 5 + 7919, 5 + 2 * 7919]


@pytest.mark.parametrize("criterion", ["kl", "silhouette"])
def test_dec_keeps_the_restart_its_criterion_picks(blobs, criterion):
    x, y = blobs
    tiny = dict(dims=[8, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=5,
                max_iter=20, n_init=2, random_state=1)
    dec = DEC(4, **tiny, n_restarts=3, restart_criterion=criterion).fit(x, y)
    rows = dec.restarts_
    assert [r["seed"] for r in rows] == restart_seeds(1, 3)
    assert sum(r["chosen"] for r in rows) == 1
    best = choose_restart([r[criterion] for r in rows], criterion)
    assert rows[best]["chosen"]
    assert {"kl", "silhouette", "inertia", "acc", "seconds"} <= set(rows[0])
    # the kept model is the chosen restart itself: a plain fit with its seed gives the same
    single = DEC(4, **{**tiny, "random_state": rows[best]["seed"]}).fit(x, y)
    np.testing.assert_array_equal(dec.labels_, single.labels_)
    np.testing.assert_array_equal(dec.predict(x), single.labels_)
    assert dec.history_["restarts"] == rows
    assert dec.timings_["total"] >= sum(r["seconds"] for r in rows) * 0.99
