"""AppTest: step mode on the Learn page advances exactly one update per Step."""

import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.live_map import figure as map_figure

ROOT = Path(__file__).resolve().parents[2]


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
    job = _step_job(at)
    assert metric(at, "Target update") == "0"
    # the q-and-p chart opens where p differs most from q (not on a flat row), and a click
    # on the map chooses a point (plotly's point selection)
    info = job.view()["step_info"]
    first = map_figure.default_point(info["q"], info["p"])
    assert chart(at, "qp")["layout"]["title"]["text"].startswith(f"Point #{first}:")
    assert np.abs(info["p"][first] - info["q"][first]).sum() > 0.05
    the_map = next(c for c in at.get("plotly_chart") if c.key == "learn_map")
    assert list(the_map.proto.selection_mode) == [0]  # PlotlyChartProto.SelectionMode.POINTS
    # the lesson's row (the map, q vs p beside it), then the prototypes (digits are images),
    # the gradient shares, confidence, sharpening, sizes (beside the kernel explorer's)
    assert [c.key for c in at.get("plotly_chart") if not c.key.startswith("kx_")] == [
        "learn_map", "qp", "learn_protos", "learn_grad", "conf_hist", "sharpen", "sizes"]
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
    from explorer.session import state
    from explorer.text import teach

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
    from dec_core.stopping import StopRecord

    stop = StopRecord("converged", delta_label=0.0, tol=0.0001)
    assert teach.stop_text(stop, 1797) == (
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

    from explorer.text import teach

    latex = teach.idec_loss_latex(0.1)
    assert r"\frac{1}{n\,d}" in latex and r"\gamma = 0.1" in latex
    assert teach.loss_panel("idec", 0.1)[1] == latex
    page = (Path(__file__).parents[2] / "explorer" / "panels" / "compare.py").read_text()
    assert "teach.idec_loss_latex(" in page and "L_r =" not in page
    assert "idec_loss_latex" in inspect.getsource(teach.loss_panel)


def chart(at, key):
    """The plotly figure (a dict) drawn under ``key``."""
    import json

    return json.loads(next(c for c in at.get("plotly_chart") if c.key == key).proto.spec)


def _step_job(at, **train):
    """Start a tiny step-mode job on the page and wait at update 0; returns the job.

    ``train`` overrides the tiny run's train settings (default: tol 0).
    """
    from explorer.jobs import manager

    at.session_state["data"] = {"name": "digits", "n_samples": 300, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 0, "alpha": 1.0}
    at.session_state["train"] = {"pretrain_epochs": 3, "max_iter": 2000, "update_interval": 10,
                                 **(train or {"tol": 0.0})}
    at.run()
    button(at, "Start in step mode").click().run()
    job = manager().get(at.session_state["step_job_id"], at.session_state["owner"])
    end = time.time() + 90
    while not job.dec and time.time() < end:
        time.sleep(0.2)
    time.sleep(0.3)
    at.run()
    assert not at.exception
    return job


def test_target_switches_and_kernel_explorer():
    """The switches write the train settings the next job uses; the explorer redraws at once."""
    from explorer.text import teach

    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180).run()
    assert not at.exception
    toggle = next(t for t in at.toggle if "cluster size f_j" in t.label)
    assert toggle.value is True
    power = next(s for s in at.select_slider if s.label.startswith("Target power"))
    assert power.value == 2.0
    captions = " ".join(c.value for c in at.caption)
    assert teach.SWITCH_CAPTIONS["normalize_frequency"] in captions
    toggle.set_value(False).run()
    next(s for s in at.select_slider if s.label.startswith("Target power")).set_value(3.0).run()
    assert not at.exception
    assert at.session_state["train"]["normalize_frequency"] is False
    assert at.session_state["train"]["target_power"] == 3.0
    from explorer.session.state import dec_params
    params = dec_params(at.session_state["model"], at.session_state["train"], 64, 10)
    assert (params["target_power"], params["normalize_frequency"]) == (3.0, False)
    # the kernel explorer: the chosen alpha's curve is highlighted, the row follows the sliders
    names = [t["name"] for t in chart(at, "kx_kernel")["data"]]
    assert "α = 1 (chosen)" in names and "α = 0.1" in names and "α = 100" in names
    next(s for s in at.select_slider if s.label.startswith("α")).set_value(10.0).run()
    assert "α = 10 (chosen)" in [t["name"] for t in chart(at, "kx_kernel")["data"]]
    bars = chart(at, "kx_sharpen")["data"]
    assert bars[0]["y"][0] == pytest.approx(0.5)  # q of cluster 0, the slider's default


def test_kernel_explorer_formulas():
    import numpy as np

    from dec_core.gradients import student_t_kernel
    from dec_core.target import target_distribution
    from explorer.analysis import lesson
    from explorer.text import teach

    d = np.linspace(0, 4, 9)
    for alpha in (0.1, 1.0, 10.0):
        np.testing.assert_allclose(student_t_kernel(d, alpha),
                                   (1 + d**2 / alpha) ** (-(alpha + 1) / 2), rtol=1e-9)
    # a large alpha tends to the Gaussian exp(-d^2/2)
    np.testing.assert_allclose(student_t_kernel(d, 1e6), np.exp(-d**2 / 2), atol=1e-4)
    q, f = lesson.example_row(4, top=0.5, big=4.0)
    assert q.sum() == pytest.approx(1.0) and q[0] == 0.5 and f[0] == pytest.approx(4 * f[1])
    w = q**3 / f
    np.testing.assert_allclose(lesson.sharpen_row(q, f, 3.0, True), w / w.sum(), atol=1e-6)
    np.testing.assert_allclose(lesson.sharpen_row(q, f, 1.0, False), q, atol=1e-6)
    # the row explorer and the engine agree when f is the data's own sizes
    rng = np.random.default_rng(0)
    qq = rng.dirichlet(np.ones(5), size=50)
    full = target_distribution(qq, 2.0, True)
    np.testing.assert_allclose(lesson.sharpen_row(qq[7], qq.sum(axis=0)), full[7], atol=1e-6)
    # a big cluster 0 is held back by the f_j division: p_0 below its q_0
    assert lesson.sharpen_row(q, f, 2.0, True)[0] < lesson.sharpen_row(q, f, 2.0, False)[0]
    assert "holds it back" in teach.kernel_caption(1.0, *lesson.example_row(4, 0.4, 8.0), 2.0,
                                                   True)


def test_play_is_paced_by_the_page_and_every_update_is_drawn():
    """Playing, each page run draws the latest update and lets exactly one more through."""
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    job = _step_job(at)
    assert metric(at, "Target update") == "0"
    next(s for s in at.get("button_group") if True).set_value(0.5).run()  # Play speed
    button(at, "Play").click().run()
    assert job.playing
    seen = [int(metric(at, "Target update"))]  # this run drew an update and let the next go
    for _ in range(4):
        nxt = seen[-1] + 1
        end = time.time() + 30
        while len(job.dec) <= nxt and time.time() < end:  # update nxt arrives...
            time.sleep(0.05)
        time.sleep(0.6)  # time enough for a free-running worker to run far ahead
        assert len(job.dec) == nxt + 1  # ...and the worker holds until the page draws it
        at.run()  # the polling fragment's run: draws the latest, releases one credit
        assert not at.exception
        seen.append(int(metric(at, "Target update")))
        assert seen[-1] == nxt  # it drew the latest update
    assert seen == list(range(seen[0], seen[0] + 5))  # none skipped
    button(at, "Pause").click().run()
    assert not job.playing
    button(at, "Stop").click().run()


def test_pin_keeps_one_point_across_steps():
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    job = _step_job(at)
    at.radio(key="learn_point_mode").set_value("least confident").run()
    first = job.view()["step_info"]
    least = int(first["q"].max(axis=1).argmin())
    button(at, "Pin this point").click().run()
    assert at.session_state["learn_pinned"] == least
    for _ in range(2):
        button(at, "Step").click().run()
        assert not at.exception
    assert int(metric(at, "Target update")) == 2
    assert f"Pinned point #{least}" in chart(at, "qp")["layout"]["title"]["text"]
    ring = [t for t in chart(at, f"learn_map_{least}")["data"]
            if t.get("name") == f"point {least}"]
    xy = job.view()["step_info"]["xy"][least]  # the map rings the same sample at update 2
    assert len(ring) == 1 and ring[0]["x"] == [pytest.approx(float(xy[0]))]
    button(at, f"Unpin point #{least}").click().run()
    assert "learn_pinned" not in at.session_state
    button(at, "Stop").click().run()


def test_step_page_words_colours_and_the_runs_page(monkeypatch):
    """The status is a badge in words (never a clipped metric), clusters wear
    their matched class's colour, the formulas are the run's (not "(IDEC)" for a DEC
    run), the end is said in words, and Runs says "waiting for Step (update 0)"."""
    import json

    import explorer.session.owner as session_owner
    from explorer.charts.theme import cluster_colors
    from explorer.jobs import manager

    monkeypatch.setattr(session_owner, "owner_cookie", lambda: "Tok3n-learner_0123456789")
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    at.session_state["data"] = {"name": "digits", "n_samples": 300, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 12, "alpha": 1.0}
    at.session_state["train"] = {"pretrain_epochs": 3, "max_iter": 20, "update_interval": 10,
                                 "tol": 0.0}
    at.run()
    button(at, "Start in step mode").click().run()
    job = manager().get(at.session_state["step_job_id"], at.session_state["owner"])
    end = time.time() + 90
    while not job.view()["waiting"] and time.time() < end:
        time.sleep(0.2)
    at.session_state["train"]["method"] = "idec"  # changed after Start
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric][:3] == ["Target update", "Changed labels",
                                                "DEC iteration"]
    assert "Status" not in [m.label for m in at.metric]
    badges = [str(el.proto) for el in at.get("markdown") if "badge" in str(el.proto)]
    assert any("waiting for Step (update 0)" in b for b in badges), badges
    assert any("(DEC)" in e.label for e in at.expander)
    assert not any("(IDEC)" in e.label for e in at.expander)
    info = job.view()["step_info"]
    want = cluster_colors(range(12), info["mapping"], info["n_classes"])
    sizes = next(c for c in at.get("plotly_chart")
                 if "Cluster sizes" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    bars = json.loads(sizes.proto.spec)["data"][0]["marker"]["color"]
    assert bars == [want[j] for j in range(12)]
    assert len(set(bars)) == 12  # two unmatched clusters, colours of their own

    runs = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180).run()
    table = runs.dataframe[0].value
    assert table["status"].tolist() == ["step by step: waiting for Step (update 0)"]
    assert "None" not in table.to_csv()

    job.step(2)  # update 2 reaches max_iter = 20: the last, no wait after it
    assert manager().wait(job, 60) and job.state == "done"
    at.run()
    done = [s.value for s in at.success]
    assert done and done[0].startswith("Finished: reached the iteration limit (20 batches)")
    assert not any("delta_label" in s or "max_iter=" in s for s in done)
    runs.run()
    assert runs.dataframe[0].value["status"].tolist() == ["finished"]


def test_a_target_equal_to_q_is_said_at_every_step_and_at_the_end():
    """Power 1 without / f_j: P = Q, no pull, nothing to learn, in the page's own words."""
    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    job = _step_job(at, target_power=1.0, normalize_frequency=False)
    captions = " ".join(c.value for c in at.caption)
    assert "No pull: the target P equals Q" in captions and "pulled hardest" not in captions
    button(at, "Step").click().run()  # update 1: nothing changed, so the stop rule fires
    end = time.time() + 60
    while job.active and time.time() < end:
        time.sleep(0.2)
    at.run()
    assert not at.exception and job.state == "done"
    banner = " ".join(s.value for s in at.success)
    assert banner.startswith("Finished: converged: 0 of 300 points changed cluster")
    assert "the target P equals Q (power 1, no / f_j)" in banner
    assert "there was nothing to learn, and nothing moved" in banner


def test_projector_mode_rescales_every_chart_of_a_finished_step_job():
    """Projector on after the run ended: the map (cached per update) and every other chart
    of the lesson are rebuilt in large type, not served from a cache of the normal ones."""
    from explorer.charts.theme import PROJECTOR, PROJECTOR_KEY
    from explorer.jobs import manager

    at = AppTest.from_file(str(ROOT / "pages/learn.py"), default_timeout=180)
    job = _step_job(at)
    button(at, "Stop").click().run()
    assert manager().wait(job, 60)
    at.run()
    keys = ("learn_map", "qp", "conf_hist", "sharpen", "sizes", "kx_kernel", "kx_sharpen")
    assert all(chart(at, k)["layout"]["xaxis"].get("tickfont", {}).get("size") is None
               for k in keys)
    at.session_state[PROJECTOR_KEY] = True
    at.run()
    assert not at.exception
    for key in keys:
        tick = chart(at, key)["layout"]["xaxis"]["tickfont"]
        assert tick["size"] >= 16 and tick["color"] == PROJECTOR["ink"], key
