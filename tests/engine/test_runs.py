import json

import numpy as np
import pytest

from dec_core import DEC
from dec_core.runs import list_runs, load_run, sanitize_run_name, save_run

TINY = dict(dims=[8, 32, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=5,
            max_iter=20, n_init=2, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=120, n_features=8, centers=3, random_state=1)
    x = x.astype(np.float32)
    return DEC(3, **TINY).fit(x, y), x, y


def test_save_load_predicts_identically(fitted, tmp_path):
    dec, x, y = fitted
    snaps = np.zeros((2, 5, 4), np.float32)
    path = save_run(tmp_path / "run1", dec, x, y, dataset={"name": "blobs"},
                    arrays={"snapshots": snaps})
    run = load_run(path)
    np.testing.assert_array_equal(run.estimator.predict(x), dec.predict(x))
    np.testing.assert_allclose(run.estimator.predict_proba(x), dec.predict_proba(x), atol=1e-6)
    np.testing.assert_array_equal(run.labels, dec.labels_)
    assert run.embedding.shape == (120, 4) and run.proba.shape == (120, 3)
    np.testing.assert_array_equal(run.y_true, y)
    assert run.arrays["snapshots"].shape == (2, 5, 4)
    assert run.config["dataset"]["name"] == "blobs"
    assert set(run.scores) == {"acc", "nmi", "ari"}
    assert run.history["history"]["dec"]["delta_label"]
    # The folder is plain files anyone can read.
    assert json.loads((path / "config.json").read_text())["dims"] == [8, 32, 16, 4]
    assert (path / "labels.csv").read_text().startswith("index,cluster,true_label\n0,")


def test_overwrite_is_whole_and_leaves_no_temporaries(fitted, tmp_path):
    dec, x, y = fitted
    save_run(tmp_path / "r", dec, x)
    save_run(tmp_path / "r", dec, x, y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    np.testing.assert_array_equal(load_run(tmp_path / "r").y_true, y)


def test_incomplete_runs_are_flagged(fitted, tmp_path):
    dec, x, _ = fitted
    save_run(tmp_path / "good", dec, x)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    truncated = tmp_path / "truncated"
    save_run(truncated, dec, x)
    with open(truncated / "labels.npy", "r+b") as fh:
        fh.truncate(10)
    (tmp_path / ".tmp-inprogress-1234").mkdir()
    runs = {r.name: r for r in list_runs(tmp_path)}
    assert set(runs) == {"good", "broken", "truncated"}
    assert runs["good"].complete
    assert not runs["broken"].complete and "manifest" in runs["broken"].problem
    assert not runs["truncated"].complete and "labels.npy" in runs["truncated"].problem
    with pytest.raises(ValueError, match="not a complete run"):
        load_run(broken)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc_passwd"),
    ("/abs/path", "abs_path"),
    ("my run #1", "my_run_1"),
    ("digits-2026", "digits-2026"),
])
def test_sanitize_run_name(name, expected):
    assert sanitize_run_name(name) == expected


@pytest.mark.parametrize("name", ["", "..", "/", "...///"])
def test_sanitize_rejects_empty(name):
    with pytest.raises(ValueError, match="usable"):
        sanitize_run_name(name)


def test_save_unfitted_raises(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_run(tmp_path / "x", DEC(2))


def test_crash_between_renames_restores_the_old_run(fitted, tmp_path):
    """The one window where no folder has the run's name: old moved aside, new not in."""
    import os

    from dec_core.runs import list_runs, load_run, save_run

    est, x, y = fitted
    path = save_run(tmp_path / "r", est, x, y)
    os.replace(path, tmp_path / ".old-r-0123abcd")          # the first rename happened
    save_run(tmp_path / "scratch", est, x, y)
    os.replace(tmp_path / "scratch", tmp_path / ".tmp-r-89abcdef")  # the new one, complete
    infos = list_runs(tmp_path)
    assert [i.name for i in infos if i.name == "r"] == ["r"]
    assert load_run(tmp_path / "r").labels.shape == (x.shape[0],)
    assert not (tmp_path / ".old-r-0123abcd").exists()  # the old state came back


def _make_old_run(path, params_edit):
    """Rewrite a saved run's config as a version without ``method`` would have."""
    config_path = path / "config.json"
    config = json.loads(config_path.read_text())
    config["params"].pop("method")
    config["params"].update(params_edit)
    config_path.write_text(json.dumps(config, indent=2))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["config.json"] = config_path.stat().st_size
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("old_gamma, method, gamma", [
    (0.0, "dec", 0.1),    # gamma=0 meant plain DEC
    (0.3, "idec", 0.3),   # gamma>0 meant IDEC (the old weighting can't be reproduced)
])
def test_runs_saved_before_method_existed(fitted, tmp_path, old_gamma, method, gamma):
    dec, x, y = fitted
    path = save_run(tmp_path / "old", dec, x, y)
    _make_old_run(path, {"gamma": old_gamma})
    for run in (load_run(path), load_run(path, with_model=False)):
        assert run.config["params"]["method"] == method
        assert run.config["params"]["gamma"] == gamma
    est = load_run(path).estimator
    assert (est.method, est.gamma) == (method, gamma)
    np.testing.assert_array_equal(est.predict(x), dec.predict(x))
    # the loaded parameters are valid: the estimator can be refitted
    est.set_params(max_iter=5).fit(x)
    assert est.labels_.shape == (120,)


def test_stop_record_round_trips_and_old_runs_without_one_still_load(fitted, tmp_path):
    """history_["stop"] is saved and read back; a run saved before it loads with None."""
    from explorer.text.teach import stop_text

    dec, x, y = fitted
    run = load_run(save_run(tmp_path / "new", dec, x, y))
    assert run.estimator.stop_record_ == dec.stop_record_
    assert run.estimator.stop_record_.reason == dec.stop_reason_
    assert stop_text(run.history["history"]["stop"]) == stop_text(dec.stop_record_) == (
        "converged: 0 of 120 points changed cluster at the last update, below tol = 0.1 %")
    path = save_run(tmp_path / "old", dec, x, y)
    hist_path = path / "history.json"
    hist = json.loads(hist_path.read_text())
    del hist["history"]["stop"]
    hist_path.write_text(json.dumps(hist, indent=2))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["history.json"] = hist_path.stat().st_size
    (path / "manifest.json").write_text(json.dumps(manifest))
    old = load_run(path)
    assert old.estimator.stop_record_ is None
    assert old.estimator.stop_reason_ == dec.stop_reason_
    # the page's fallback: the record, else the saved text as it is (never parsed)
    hist = old.history["history"]
    assert stop_text(hist.get("stop") or hist.get("stop_reason"), 120) == dec.stop_reason_


def test_idec_run_round_trip(fitted, tmp_path):
    _, x, y = fitted
    idec = DEC(3, method="idec", gamma=0.2, **TINY).fit(x, y)
    run = load_run(save_run(tmp_path / "idec", idec, x, y))
    assert (run.estimator.method, run.estimator.gamma) == ("idec", 0.2)
    assert run.history["history"]["dec"]["reconstruction"][1] > 0
    np.testing.assert_allclose(run.estimator.predict_proba(x), idec.predict_proba(x), atol=1e-6)


def test_upgrade_uses_the_estimators_default_gamma():
    from dec_core.runs import upgrade_params

    assert upgrade_params({"gamma": 0.0})["gamma"] == DEC().gamma
    assert upgrade_params({})["method"] == "dec"
    assert upgrade_params({"method": "dec", "gamma": 0.5}) == {"method": "dec", "gamma": 0.5}
