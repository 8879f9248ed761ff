"""explorer.analysis.run_view: what the Explore page reads from a saved run (no streamlit)."""

import numpy as np

from dec_core.runs import load_run
from explorer.analysis.run_view import MAX_TABLE_FEATURES, RunView, evolution_labels
from tests.helpers.fake_run import make_fake_run


def test_a_run_view_ranks_members_and_tables_rows(tmp_path):
    run = load_run(make_fake_run(tmp_path / "r", n=120, images=False, n_updates=2),
                   with_model=False)
    view = RunView.of(tmp_path / "r", run)
    assert view.n == 120 and view.k == run.proba.shape[1] and not view.is_images
    assert set(view.colors) == set(view.names) == set(range(view.k))
    j = int(view.labels[0])
    most, least = view.ranked(j, 3)
    conf = view.confidence
    assert all(view.labels[most] == j) and conf[most[0]] == conf[view.labels == j].max()
    assert conf[least[0]] == conf[view.labels == j].min()
    table = view.table_of(np.array([0, 5]))
    assert list(table["index"]) == [0, 5] and list(table["cluster"]) == list(view.labels[[0, 5]])
    assert "true label" in table and len(table.columns) <= 4 + MAX_TABLE_FEATURES


def test_evolution_labels_name_each_update_and_skip_missing_figures():
    dec = {"update": [0, 1, 2], "iteration": [0, 15, 30], "acc": [0.5, None, 0.75],
           "delta_label": [0.0, 0.1, float("nan")]}
    names, titles, steps = evolution_labels(dec, (0, 2), 3)
    assert names == ["update 0", "update 2"] and steps == ["0", "2"]
    assert titles == ["update 0 of 2 · iteration 0 · ACC 0.500",
                      "update 2 of 2 · iteration 30 · ACC 0.750"]
    assert evolution_labels({}, (1,), 2)[1] == ["update 1 of 1"]
