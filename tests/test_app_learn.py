"""AppTest: step mode on the Learn page advances exactly one update per Step."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_manager(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module

    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(jobs_module, "_MANAGER",
                        jobs_module.JobManager(runs_dir=tmp_path / "runs", in_process=True))


def button(at, label):
    return next(b for b in at.button if b.label == label)


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_formulas_are_shown():
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180).run()
    assert not at.exception
    assert len(at.latex) == 6  # AE loss, k-means, q, p, KL, stop rule
    assert any("Start in step mode" in i.value for i in at.info)


def test_step_mode_one_update_per_step():
    from explorer.jobs import manager

    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    at.session_state["data"] = {"name": "digits", "n_samples": 300, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 0, "alpha": 1.0}
    at.session_state["train"] = {"pretrain_epochs": 3, "max_iter": 2000, "update_interval": 10,
                                 "tol": 0.0}
    at.run()
    button(at, "Start in step mode").click().run()
    job = manager().get(at.session_state["step_job_id"], at.session_state["owner"])
    end = time.time() + 90
    while not job.dec and time.time() < end:
        time.sleep(0.2)
    time.sleep(0.5)
    at.run()
    assert not at.exception
    assert metric(at, "Target update") == "0"
    # the map, the gradient shares and the prototypes (digits are images), then
    # confidence, sharpening, q vs p, sizes
    assert [c.key for c in at.get("plotly_chart")] == [
        "learn_map", "learn_grad", "learn_protos", "conf_hist", "sharpen", "qp", "sizes"]
    for expected in ("1", "2"):
        before = len(job.dec)
        button(at, "Step").click().run()
        end = time.time() + 30
        while len(job.dec) == before and time.time() < end:
            time.sleep(0.1)
        time.sleep(0.5)
        assert len(job.dec) == before + 1  # exactly one
        at.run()
        assert metric(at, "Target update") == expected
    button(at, "Stop").click().run()
    assert manager().wait(job, 60)
    assert job.state == "stopped"


def test_formulas_follow_the_method_and_the_defaults(monkeypatch):
    """IDEC as published; the stop rule's default tol is read from TRAIN_DEFAULTS."""
    from explorer import state, teach

    panels = teach.panels()
    assert "0.1 % by default" not in panels[5][2]
    assert f"{teach.percent(state.TRAIN_DEFAULTS['tol'])} by default" in panels[5][2]
    assert "no point changes cluster" in panels[5][2]  # 1 of 1,797 is above 0.01 %
    monkeypatch.setitem(state.TRAIN_DEFAULTS, "tol", 0.002)
    assert "(0.2 % by default)" in teach.panels()[5][2]
    dec, idec = teach.panels("dec")[4], teach.panels("idec", 0.1)[4]
    assert r"L = \mathrm{KL}(P\,\|\,Q)" in dec[1]
    assert r"L = L_r + \gamma\,\mathrm{KL}(P\,\|\,Q)" in idec[1] and r"\gamma = 0.1" in idec[1]
    assert "weight 1" in idec[2]
    assert teach.stop_text("converged: delta_label=0.00000 < tol=0.0001", 1797) == (
        "converged: 0 of 1,797 points changed cluster at the last update, below tol = 0.01 %")


def test_learn_page_shows_the_idec_loss():
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    at.session_state["train"] = {"method": "idec", "gamma": 0.1}
    at.run()
    assert not at.exception
    assert any(r"L = L_r + \gamma" in x.value for x in at.latex)
    assert not any(r"\mathrm{KL}(P\,\|\,Q) + \gamma" in x.value for x in at.latex)


def test_idec_formula_has_one_text_with_the_mean_over_features():
    """L_r is Keras' "mse" (mean over samples and features), as DEC(method="idec") trains it."""
    import inspect

    from explorer import teach

    latex = teach.idec_loss_latex(0.1)
    assert r"\frac{1}{n\,d}" in latex and r"\gamma = 0.1" in latex
    assert teach.loss_panel("idec", 0.1)[1] == latex
    page = (Path(__file__).parents[1] / "pages" / "compare.py").read_text()
    assert "teach.idec_loss_latex(" in page and "L_r =" not in page
    assert "idec_loss_latex" in inspect.getsource(teach.loss_panel)
