"""Check stability (explorer.analysis.stability): reseeded configs, ARI and per-cluster survival."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from explorer.analysis import stability
from explorer.text import teach


def test_reseeded_configs_change_only_the_training_seed():
    app = {"data": {"name": "digits", "seed": 4}, "model": {"n_clusters": 3},
           "train": {"seed": 7, "tol": 0.001}, "name": "digits"}
    configs = stability.reseeded_configs(app)
    assert [c["train"]["seed"] for c in configs] == [8, 9]
    for c in configs:
        assert c["data"] == app["data"] and c["model"] == app["model"]
        assert c["train"]["tol"] == 0.001 and set(c) == {"data", "model", "train"}
    assert app["train"]["seed"] == 7  # the run's own config is left alone


def test_compare_flags_a_cluster_that_splits_in_the_other_runs():
    run = np.array([0] * 10 + [1] * 10 + [2] * 10)
    same = run.copy()
    # cluster 2 breaks into halves that join clusters 0 and 1
    torn = np.array([0] * 10 + [1] * 10 + [0] * 5 + [1] * 5)
    out = stability.compare(run, [same, torn])
    assert out["ari"] == [pytest.approx(1.0), pytest.approx(adjusted_rand_score(run, torn))]
    assert out["ari_between"] == pytest.approx(adjusted_rand_score(same, torn))
    # cluster 2 (10 rows) against torn's cluster 0 (15 rows): overlap 5, union 20
    np.testing.assert_allclose(out["jaccard"][1], [10 / 15, 10 / 15, 5 / 20])
    np.testing.assert_allclose(out["mean_jaccard"], [(1 + 2 / 3) / 2] * 2 + [(1 + 1 / 4) / 2])
    assert out["dissolved"] == [] and out["stable"] == [0, 1]
    assert stability.cluster_flags(out) == {0: "stable", 1: "stable", 2: "survives partly"}
    gone = stability.compare(run, [torn, torn])
    assert gone["dissolved"] == [2]
    text = teach.stability_summary_text(gone, stability.DISSOLVED, stability.STABLE)
    assert "1 of 3 clusters do not survive reseeding (cluster 2:" in text
    two = stability.compare(run, [np.zeros(30, dtype=int)] * 2)
    assert "3 of 3 clusters do not survive reseeding (clusters 0, 1, 2:" in (
        teach.stability_summary_text(two, stability.DISSOLVED, stability.STABLE))
    assert "0 of 3 are stable" in text  # the others keep only 2/3 of their rows


def test_compare_refuses_runs_on_different_rows():
    with pytest.raises(ValueError, match="different rows: 3 against 2"):
        stability.compare([0, 1, 1], [[0, 1]])
