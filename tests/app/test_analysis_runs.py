"""Runs side by side (explorer.analysis.runs, explorer.charts.runs): the differing settings as columns, overlays named by what differs;
projector mode's large type in every chart."""

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis import runs as sbs
from explorer.charts import runs as run_charts
from explorer.charts.theme import PROJECTOR, layout

ROOT = Path(__file__).resolve().parents[2]
BASE = {"n_clusters": 10, "alpha": 1.0, "dims": [64, 16, 4], "pretrain_epochs": 1,
        "method": "dec", "gamma": 0.1, "tol": 0.0, "update_interval": 5, "batch_size": 64,
        "learning_rate": 0.01, "random_state": 0}


def test_differing_settings_and_names():
    runs = [sbs.run_settings(BASE, "digits"),
            sbs.run_settings({**BASE, "alpha": 10.0}, "digits"),
            sbs.run_settings({**BASE, "alpha": 10.0, "normalize_frequency": False}, "digits")]
    assert sbs.differing(runs) == ["alpha", "target"]
    names = sbs.run_names(runs, ["t1", "t2", "t3"])
    assert names == ["α = 1 · p ∝ q^2 / f_j", "α = 10 · p ∝ q^2 / f_j",
                     "α = 10 · p ∝ q^2 (no / f_j)"]
    # k, epochs, network, method each become a column when they differ
    other = [sbs.run_settings(BASE, "digits"),
             sbs.run_settings({**BASE, "n_clusters": 5, "pretrain_epochs": 3,
                               "dims": [64, 32, 10], "method": "idec"}, "digits")]
    assert sbs.differing(other) == ["method", "k", "epochs", "network", "gamma"]
    assert sbs.run_names(other, ["a", "b"])[1] == (
        "IDEC · k = 5 · pretrain epochs = 3 · d-32-10 · γ = 0.1")
    # the same settings twice: the fallback tells them apart; one run has no columns
    assert sbs.run_names(runs[:1] * 2, ["08:00", "09:00"]) == ["08:00", "09:00"]
    assert sbs.differing(runs[:1]) == []
    # a run saved before the switches existed trains towards the paper's target
    assert sbs.run_settings({k: v for k, v in BASE.items()})["target"] == "p ∝ q^2 / f_j"


def test_overlaid_curves_and_confidence():
    hist = [{"iteration": [0, 5, 10], "loss": [float("nan"), 0.2, 0.1], "acc": [0.5, 0.6, 0.7],
             "delta_label": [0.0, 0.1, 0.01]},
            {"iteration": [0, 5], "loss": [float("nan"), 0.3], "acc": [0.4, 0.45],
             "delta_label": [0.0, 0.2]}]
    names = ["α = 1", "α = 10"]
    loss = run_charts.curves_figure(hist, names, "loss")
    assert [t.name for t in loss.data] == names
    assert list(loss.data[0].x) == [5, 10]  # update 0 has no loss yet
    delta = run_charts.curves_figure(hist, names, "delta_label")
    assert delta.layout.yaxis.type == "log" and list(delta.data[1].y) == [0.2]
    empty = run_charts.curves_figure([{}, {}], names, "acc")
    assert not empty.data and empty.layout.annotations
    rng = np.random.default_rng(0)
    q = rng.dirichlet(np.ones(4), size=100)
    conf = run_charts.confidence_by_run_figure([q, None], names)
    assert [t.name for t in conf.data] == ["α = 1"]
    assert sum(conf.data[0].y) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def lab_runs(tmp_path_factory):
    """Three tiny runs in one owner's folder: the default, alpha=10, and no f_j division."""
    from explorer.jobs import owner_dir
    from tests.helpers.fake_run import make_fake_run

    root = tmp_path_factory.mktemp("runs")
    owner = "teach16-owner-token-abcdef"
    folder = root / owner_dir(owner)
    for name, params in (("a", {}), ("b", {"alpha": 10.0}),
                         ("c", {"normalize_frequency": False})):
        make_fake_run(folder / name, n=200, n_updates=3, params=params)
    return root, owner


def _runs_page(lab_runs, monkeypatch, selection=None, projector=False):
    import explorer.jobs as jobs_module

    root, owner = lab_runs
    monkeypatch.setattr(jobs_module, "_MANAGER", jobs_module.JobManager(runs_dir=root,
                                                                        in_process=True))
    at = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180)
    at.session_state["owner"] = owner
    at.session_state["projector"] = projector
    if selection is not None:
        at.session_state["runs_table"] = {"selection": {"rows": selection, "columns": [],
                                                        "cells": []}}
    return at.run()


def test_runs_page_columns_and_side_by_side(lab_runs, monkeypatch):
    at = _runs_page(lab_runs, monkeypatch)
    assert not at.exception
    table = at.dataframe[0].value
    assert {"alpha", "target"} <= set(table.columns)
    assert "k" not in table.columns and "network" not in table.columns  # the same in all
    assert sorted(table["alpha"]) == ["1", "1", "10"]
    at = _runs_page(lab_runs, monkeypatch, selection=[0, 1, 2])
    assert not at.exception
    charts = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert {"compare", "sbs_loss", "sbs_acc", "sbs_delta", "sbs_conf"} <= set(charts)
    names = {t["name"] for t in charts["sbs_acc"]["data"]}
    assert names == {"α = 1 · p ∝ q^2 / f_j", "α = 10 · p ∝ q^2 / f_j",
                     "α = 1 · p ∝ q^2 (no / f_j)"}
    assert {t["name"] for t in charts["sbs_conf"]["data"]} == names
    assert {t["name"] for t in charts["compare"]["data"]} == names  # scores: one colour per run
    assert not any("2026" in n or ":" in n for n in names)  # never a timestamp


def test_projector_mode_in_every_chart(lab_runs, monkeypatch):
    fig = layout(go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="markers")), "t", 300,
                 projector=True)
    assert fig.layout.xaxis.tickfont.size >= 16 and fig.layout.yaxis.title.font.size >= 16
    assert fig.layout.xaxis.tickfont.color == PROJECTOR["ink"]
    assert fig.data[0].marker.size > 6 and fig.layout.height > 300
    plain = layout(go.Figure(go.Scatter(x=[0], y=[0])), "t", 300)  # outside a page: off
    assert plain.layout.xaxis.tickfont.size is None and plain.layout.height == 300
    # a page in projector mode: every chart has large dark ticks, one chart per row
    at = _runs_page(lab_runs, monkeypatch, selection=[0, 1], projector=True)
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 5
    for spec in specs:
        axis = spec["layout"]["xaxis"]
        assert axis["tickfont"]["size"] >= 16 and axis["tickfont"]["color"] == PROJECTOR["ink"]
    plain = _runs_page(lab_runs, monkeypatch, selection=[0, 1])
    assert len(plain.columns) > len(at.columns)  # the charts' columns are gone


def test_projector_mode_comes_from_the_link(tmp_path, monkeypatch):
    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    at.query_params["projector"] = "1"
    at.run()
    assert not at.exception
    assert at.session_state["projector"] is True
    # the kernel explorer's charts (drawn without a job) are in projector type too
    kernel = json.loads(next(c for c in at.get("plotly_chart") if c.key == "kx_kernel").proto.spec)
    assert kernel["layout"]["yaxis"]["tickfont"]["size"] >= 16
    assert kernel["data"][0]["line"]["width"] > 1.5
