"""Lockstep (explorer.analysis.lockstep, pages/lockstep.py): which pairs share their start, the
one-click pairs, and the refusal on screen."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis import lockstep
from explorer.session.state import ensure_defaults

ROOT = Path(__file__).resolve().parents[2]


def config(**changes) -> dict:
    state = {}
    ensure_defaults(state)
    for name, value in changes.items():
        section, key = name.split("__")
        state[section][key] = value
    return {k: state[k] for k in ("data", "model", "train")}


@pytest.mark.parametrize("pair", sorted(lockstep.PAIRS))
def test_each_one_click_pair_differs_in_its_switch_alone_and_qualifies(pair):
    a, b = lockstep.pair_configs(config(), pair)
    spec = lockstep.PAIRS[pair]
    assert [a[spec["section"]][spec["key"]], b[spec["section"]][spec["key"]]] == list(
        spec["values"])
    assert lockstep.differences(a, b) == ([f"{spec['section']}.{spec['key']}"], [])
    assert lockstep.refusal(a, b) is None


@pytest.mark.parametrize("change", [{"train__seed": 1}, {"train__pretrain_epochs": 50},
                                    {"train__autoencoder": "live"}, {"model__hidden": [32, 10]},
                                    {"data__n_samples": 500}, {"model__n_clusters": 5}])
def test_a_pair_that_does_not_share_the_start_is_refused_by_name(change):
    why = lockstep.refusal(config(model__alpha=10.0), config(**change))
    assert why is not None and "do not share their start" in why
    (name,) = change
    assert name.replace("__", ".") in why  # it says which setting


def test_same_settings_or_a_missing_config_are_refused():
    assert "same settings" in lockstep.refusal(config(), config())
    assert "without the app's settings" in lockstep.refusal(config(), None)


def test_the_k_means_start_itself_is_checked():
    a, b = lockstep.pair_configs(config(), "power")
    start = {"xy": np.zeros((5, 2)), "centers_xy": np.ones((3, 2))}
    moved = {"xy": np.zeros((5, 2)), "centers_xy": np.ones((3, 2)) + 0.1}
    assert lockstep.refusal(a, b, [start], [dict(start)]) is None
    assert "k-means starts differ" in lockstep.refusal(a, b, [start], [moved])


def _saved_pair(tmp_path, monkeypatch, app_a: dict, app_b: dict,
                params_b: dict | None = None, updates: tuple = (4, 4)) -> list:
    """Two tiny saved runs (the same fit's start), read as having the given app configs."""
    from tests.helpers.fake_run import make_fake_run

    apps = {}
    for i, (app, params) in enumerate(((app_a, None), (app_b, params_b))):
        apps[str(make_fake_run(tmp_path / f"run{i}", params=params,
                               n_updates=updates[i]))] = app
    monkeypatch.setattr(lockstep, "app_config", lambda path: apps[str(path)])
    return list(apps)


def _lockstep_page(paths: list) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/lockstep.py"), default_timeout=120)
    at.session_state["lockstep"] = {"runs": paths}
    return at.run()


def test_the_page_plays_a_pair_that_shares_the_start(tmp_path, monkeypatch):
    import json

    paths = _saved_pair(tmp_path, monkeypatch, *lockstep.pair_configs(config(), "alpha"),
                        params_b={"alpha": 10.0}, updates=(4, 6))
    at = _lockstep_page(paths)
    assert not at.exception and not at.error
    assert replay_slider(at).max == 5  # updates 0..5: the longer run's
    titles = [json.loads(el.proto.spec)["layout"]["title"]["text"]
              for el in at.get("plotly_chart")]
    # the run that stopped at update 3 stays there beside the other's update 5
    assert titles == ["α = 1: update 3 (its last: it stopped there)", "α = 10: update 5"]


def test_the_page_refuses_a_pair_that_does_not_share_the_start(tmp_path, monkeypatch):
    at = _lockstep_page(_saved_pair(tmp_path, monkeypatch, config(), config(train__seed=1)))
    assert not at.exception
    assert any("train.seed" in e.value for e in at.error)
    assert replay_slider(at) is None


def test_the_lesson_view_and_the_menu_lead_to_lockstep():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    links = [el.proto.page for el in at.get("page_link")]  # url paths: "lockstep"
    assert links.count("lockstep") == 2  # the sidebar's menu and the lesson's link


def replay_slider(at):
    """The replay's slider (its key ends in the update it shows), or None."""
    return next((s for s in at.slider if s.label == "Replay: target update"), None)


def test_a_pair_that_cannot_train_says_why_instead_of_waiting(tmp_path, monkeypatch):
    import time

    import explorer.jobs as jobs_module
    from explorer.jobs import JobManager

    manager = JobManager(runs_dir=tmp_path / "runs", in_process=True)
    monkeypatch.setattr(jobs_module, "_MANAGER", manager)
    at = AppTest.from_file(str(ROOT / "pages/lockstep.py"), default_timeout=120)
    at.session_state["owner"] = "teacher" * 3
    at.run()
    at.session_state["data"]["n_samples"] = 300
    at.session_state["model"]["n_clusters"] = 400  # more clusters than samples: refused
    at.button(key="lockstep_start_alpha").click().run()
    jobs = manager.jobs_for("teacher" * 3)
    assert len(jobs) == 2
    for job in jobs:
        assert manager.wait(job, 120) and job.state == "failed"
    time.sleep(0.1)
    at.run()
    assert not at.exception
    assert [e.value.split("**")[1] for e in at.error] == ["α = 1", "α = 10"]
