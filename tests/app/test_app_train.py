"""AppTest: the Train and Runs pages, end to end on a tiny digits config."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module

    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(jobs_module, "_MANAGER",  # a fresh manager per test
                        jobs_module.JobManager(runs_dir=tmp_path / "runs", in_process=True))
    return tmp_path / "runs"


def tiny(at: AppTest) -> AppTest:
    at.session_state["data"] = {"name": "digits", "n_samples": 300, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.session_state["model"] = {"hidden": [32, 10], "n_clusters": 0, "alpha": 1.0}
    at.session_state["train"] = {"pretrain_epochs": 3, "max_iter": 150, "update_interval": 15}
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def wait_done(at, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        time.sleep(0.5)
        at.run()
        if at.success or at.error:
            return at
    raise AssertionError("training did not finish")


def test_train_page_idle():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    assert any("Start" in i.value for i in at.info)
    assert button(at, "Stop").disabled


def test_train_end_to_end_then_runs_page():
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    assert not at.exception
    assert "job_id" in at.session_state
    assert at.query_params["job"] in (at.session_state["job_id"], [at.session_state["job_id"]])
    wait_done(at)
    assert not at.exception and not at.error
    banner = at.success[0].value
    assert banner.startswith("Finished in")
    # written for people: no raw estimator strings
    assert "delta_label=" not in banner and "max_iter=" not in banner and "tol=" not in banner
    # loss, KL, changed labels, metrics, the map with its gradient shares and the
    # prototypes (digits are images), and the confusion matrix
    assert [c.key for c in at.get("plotly_chart")] == [
        "pretrain_chart", "kl_chart", "delta_chart", "metrics_chart", "train_map", "train_grad",
        "train_protos", "confusion_chart"]
    assert [m.label for m in at.metric] == ["ACC", "NMI", "ARI"]
    run_path = at.session_state["run_path"]
    assert Path(run_path).is_dir()
    # the scores shown are clustering_scores of the saved run's labels
    from dec_core.metrics import clustering_scores
    from dec_core.runs import load_run

    run = load_run(run_path, with_model=False)
    want = clustering_scores(run.y_true, run.labels)
    assert [m.value for m in at.metric] == [f"{want[k]:.3f}" for k in ("acc", "nmi", "ari")]

    runs = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180)
    runs.session_state["owner"] = at.session_state["owner"]
    runs.run()
    assert not runs.exception
    assert len(runs.dataframe) == 2  # the jobs table and the saved runs table
    assert len(runs.get("download_button")) == 4  # labels CSV, model, CLI config, notebook


def _font_sizes(at) -> dict:
    import json

    return {c.key: json.loads(c.proto.spec)["layout"]["font"]["size"]
            for c in at.get("plotly_chart")}


def test_projector_mode_redraws_a_finished_runs_charts():
    """Turning projector mode on after a run finished scales every chart, the cached ones
    (training charts, the map and its panels) included, and turning it off scales them back."""
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    wait_done(at)
    normal = _font_sizes(at)
    assert {"pretrain_chart", "kl_chart", "train_map", "confusion_chart"} <= set(normal)
    at.session_state["projector"] = True
    at.run()
    assert not at.exception
    large = _font_sizes(at)
    assert set(large) == set(normal)
    assert all(large[key] > normal[key] for key in normal), (normal, large)
    at.session_state["projector"] = False
    at.run()
    assert _font_sizes(at) == normal


def test_refresh_reattaches_by_url(monkeypatch):
    import explorer.session.owner as session_owner

    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    owner, job_id = at.session_state["owner"], at.session_state["job_id"]
    # a new session (a refresh) with the same URL and the owner cookie finds the job
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: owner)
    fresh = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    fresh.query_params["job"] = job_id
    fresh.run()
    assert fresh.session_state["job_id"] == job_id
    wait_done(fresh)
    assert fresh.success
    # another browser (another owner) does not see it
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: None)
    stranger = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    stranger.query_params["job"] = job_id
    stranger.run()
    assert "job_id" not in stranger.session_state


def test_runs_page_empty():
    at = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180).run()
    assert not at.exception
    assert any("No saved runs" in i.value for i in at.info)


def test_server_never_imports_keras(tmp_path):
    """Streamlit clears the Keras session (a full gc.collect) after every script run once
    keras is imported: every live-view tick of every session would pay it."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'pages/train.py')!r}, default_timeout=180).run()\n"
        "assert not at.exception, at.exception\n"
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "DEC_RUNS_DIR": str(tmp_path)}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_help_texts_quote_the_defaults():
    from explorer.session.state import TRAIN_DEFAULTS as D
    from explorer.text.teach import percent

    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert f"Default {D['pretrain_noise']:g}" in at.slider(key="train.pretrain_noise").help
    assert f"Default {D['batch_size']}" in at.select_slider(key="train.batch_size").help
    assert f"Default {D['max_iter']:,}" in at.number_input(key="train.max_iter").help
    tol_help = at.number_input(key="train.tol").help
    assert f"tol = {percent(D['tol'])}" in tol_help and "1,797" in tol_help  # digits: 1,797 points
    for old in ("0.1-0.3 often", "Usually 256", "Usually 0.001", "20,000 is plenty"):
        assert all(old not in (w.help or "") for w in at.main.children.values()
                   if hasattr(w, "help")), old


def test_method_choice_shows_gamma_only_for_idec():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    at.session_state["train"] = {"method": "idec", "gamma": 0.1}
    at.run()
    assert not at.exception
    assert at.radio(key="train.method").value == "idec"
    gamma = at.number_input(key="train.gamma")
    assert gamma.label == "γ (IDEC)" and gamma.min > 0
    assert "coefficient of the clustering loss" in gamma.help.lower()
    at.radio(key="train.method").set_value("dec").run()
    assert not at.exception
    assert not [w for w in at.number_input if w.key == "train.gamma"]


def test_queued_page_draws_one_line(monkeypatch):
    """A page whose job waits in the queue shows where it stands and nothing heavy."""
    import explorer.jobs as jobs_module

    m = jobs_module.JobManager(max_jobs=1)
    m.max_jobs = 0  # no slot: every job stays queued
    monkeypatch.setattr(jobs_module, "_MANAGER", m)
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    button(at, "Start").click().run()
    assert not at.exception
    assert any(i.value.startswith("Queued: position 1") for i in at.info)
    assert len(at.get("plotly_chart")) == 0
    assert button(at, "Start").disabled and not button(at, "Stop").disabled
    button(at, "Stop").click().run()  # a queued job stops at once
    assert not at.exception and button(at, "Start").disabled is False


def test_start_gives_the_job_the_estimate_shown_before_it(monkeypatch):
    """The cost estimate under the settings is the job's plan (its ETA) from Start on."""
    import explorer.jobs as jobs_module

    m = jobs_module.JobManager(max_jobs=1)
    m.max_jobs = 0  # no slot: the job waits, no worker replaces the plan
    monkeypatch.setattr(jobs_module, "_MANAGER", m)
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)).run()
    shown = at.session_state["_cost_plan"]
    button(at, "Start").click().run()
    assert not at.exception
    job = m.get(at.session_state["job_id"], at.session_state["owner"])
    assert job.plan == shown and shown


def test_picking_idec_brings_its_optimiser_and_back():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    assert at.number_input(key="train.learning_rate").value == 0.01
    at.radio(key="train.method").set_value("idec").run()
    assert not at.exception
    train = at.session_state["train"]
    assert (train["learning_rate"], train["momentum"]) == (0.1, 0.99)
    assert at.number_input(key="train.learning_rate").value == 0.1
    at.radio(key="train.method").set_value("dec").run()
    assert (at.session_state["train"]["learning_rate"], at.session_state["train"]["momentum"]) \
        == (0.01, 0.9)


def test_shipped_or_live_autoencoder_is_offered_plainly():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    choice = at.radio(key="train.autoencoder")
    assert choice.value == "shipped" and choice.options == [
        "use the shipped pretrained autoencoder (skip to DEC)", "pretrain live"]


def test_a_shipped_autoencoder_that_does_not_fit_is_named_before_start():
    """With "use the shipped" chosen, a changed pretraining setting is named
    before Start (the run would pretrain live); the defaults say nothing."""
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    assert not any("shipped autoencoder" in w.value for w in at.warning)
    at.slider(key="train.pretrain_noise").set_value(0.0).run()
    notes = [w.value for w in at.warning if "shipped autoencoder does not fit" in w.value]
    assert len(notes) == 1 and "Input noise is 0.0, it was pretrained with 0.4" in notes[0]
    at.radio(key="train.autoencoder").set_value("live").run()
    assert not any("shipped autoencoder" in w.value for w in at.warning)


def test_the_shipped_autoencoder_cannot_serve_other_data():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    at.session_state["data"] = {"name": "moons", "n_samples": 0, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.run()
    assert not at.exception
    assert any("cannot serve moons (1,000 × 2): Start pretrains live" in i.value
               for i in at.info)


def test_cost_before_start_and_one_click_fit(monkeypatch):
    """The estimate shows before Start; past 2 minutes, a one-click budget fits."""
    monkeypatch.setenv("DEC_GFLOPS", "50")  # the estimate's machine rate, fixed for the test
    from dec_core import cost

    cost.machine_gflops.cache_clear()
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    note = next(c.value for c in at.caption if "Estimated cost" in c.value)
    assert "pretraining" in note and "peak memory" in note and "50 GFLOP/s" in note
    assert not at.warning
    # digits with 100x the epochs and batch 16: ~2.3 hours, over the threshold
    at.number_input(key="train.pretrain_epochs").set_value(2000)
    at.select_slider(key="train.pretrain_batch_size").set_value(16)
    at.number_input(key="train.pretrain_steps").set_value(1_000_000)
    at.radio(key="train.autoencoder").set_value("live")
    at.run()
    assert any("more than" in w.value for w in at.warning)
    fit = next(b for b in at.button if b.label.startswith("Cap pretraining at"))
    steps = int(fit.label.split("at ")[1].split(" ")[0].replace(",", ""))
    fit.click().run()
    assert at.session_state["train"]["pretrain_steps"] == steps
    assert not any("more than" in w.value for w in at.warning)
    note = next(c.value for c in at.caption if "Estimated cost" in c.value)
    assert f"{steps:,} steps, the step budget stops it" in note
    assert "target update every" not in note  # digits' updates embed 89,850 rows: no widening
    at.session_state["train"]["update_budget"] = 10_000  # now they would embed too many
    at.run()
    note = next(c.value for c in at.caption if "Estimated cost" in c.value)
    interval = cost.dec_update_interval(1797, 60, 3000, 10_000)
    assert interval > 60
    assert (f"a target update every {interval:,} batches instead of 60, so that the updates "
            "embed at most 10,000 rows in all") in note
    cost.machine_gflops.cache_clear()


def test_header_counts_clusters_and_surprises_are_answered_before_start():
    """The header says how many clusters and where k comes from; k < classes caps ACC
    (say it, with the number); DEC fails on moons by design (say it, and point to N2D)."""
    from dec_core.datasets import load_dataset
    from dec_core.metrics import max_acc

    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    at.session_state["model"] = {"hidden": [256, 256, 512, 10], "n_clusters": 5, "alpha": 1.0}
    at.run()
    assert not at.exception
    # the number of clusters, and where it comes from (here the Model page's setting)
    assert "· 5 clusters (set on the Model page) ·" in at.caption[0].value
    ceiling = f"{max_acc(load_dataset('digits').y, 5):.3f}"
    assert any(f"ACC can be at most {ceiling}" in c.value for c in at.caption)
    assert not any("What DEC gets wrong" in c.value for c in at.caption)
    at.session_state["model"]["n_clusters"] = 1
    at.session_state["data"] = {"name": "moons", "n_samples": 0, "scale": "auto", "seed": 0,
                                "label_column": "auto", "noise": None}
    at.run()
    assert "· 1 cluster (set on the Model page) ·" in at.caption[0].value
    assert any("What DEC gets wrong on moons" in c.value and "N2D" in c.value
               for c in at.caption)


def test_zero_pretraining_epochs_say_skipped_and_the_kl_rise_is_explained():
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180))
    at.session_state["train"].update(pretrain_epochs=0, autoencoder="live")
    at.run()
    button(at, "Start").click().run()
    wait_done(at)
    assert not at.exception
    import json

    notes = [json.loads(c.proto.spec)["layout"]["annotations"][0]["text"]
             for c in at.get("plotly_chart")
             if "annotations" in json.loads(c.proto.spec)["layout"]]
    assert any(n.startswith("pretraining skipped (0 epochs)") for n in notes), notes
    assert not any("waiting for the first epoch" in n for n in notes)
    assert any("The curve can rise before it falls" in c.value for c in at.caption)


def test_variant_box_sets_its_settings_and_says_what_runs():
    from dec_core.presets import VARIANTS

    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    assert not at.exception
    box = at.selectbox(key="train_variant")
    assert box.value == "dec"  # the default is the paper's DEC
    assert set(VARIANTS) <= set(box.options) or {VARIANTS[v]["label"] for v in VARIANTS} \
        <= set(box.options)
    assert any("What runs: " + VARIANTS["dec"]["help"] in c.value for c in at.caption)
    box.set_value("dec-manifold").run()
    assert not at.exception
    train = at.session_state["train"]
    assert (train["centroid_init"], train["start_target_updates"]) == ("manifold", 5)
    assert any(VARIANTS["dec-manifold"]["help"] in c.value for c in at.caption)
    at.selectbox(key="train_variant").set_value("dec-restarts").run()
    train = at.session_state["train"]
    assert (train["centroid_init"], train["n_restarts"]) == ("kmeans", 3)  # nothing left behind
    assert at.number_input(key="train.n_restarts").value == 3
    at.selectbox(key="train_variant").set_value("dec").run()
    train = at.session_state["train"]
    assert (train["augment"], train["centroid_init"], train["n_restarts"]) == (0.0, "kmeans", 1)


def _annotations(at) -> list[str]:
    import json

    return [json.loads(c.proto.spec)["layout"]["annotations"][0]["text"]
            for c in at.get("plotly_chart") if "annotations" in json.loads(c.proto.spec)["layout"]]


def test_a_default_start_never_says_pretraining_was_skipped_before_the_worker_knows(monkeypatch):
    """The first polls of a default Start (shipped autoencoder) come before the worker says
    which autoencoder it uses: the pretraining chart claims nothing that did not happen."""
    import explorer.jobs as jobs_module

    m = jobs_module.JobManager(max_jobs=1)
    m.max_jobs = 0  # the job stays where the test puts it
    monkeypatch.setattr(jobs_module, "_MANAGER", m)
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180).run()
    button(at, "Start").click().run()
    job = m.get(at.session_state["job_id"], at.session_state["owner"])
    assert job.config["train"]["autoencoder"] == "shipped"
    job.state, job.phase, job.started = "running", "loading", time.time()  # the first poll
    for phase, epochs, said in (("loading", 0, "loading the data"),
                                ("loading", 200, "loading the data"),
                                ("kmeans", 0, "pretraining skipped (0 epochs)")):
        job.phase, job.pretrain_epochs = phase, epochs
        job.version += 1
        at.run()
        assert not at.exception
        notes = _annotations(at)
        assert any(n.startswith(said) for n in notes), (phase, notes)
        if phase == "loading":
            assert not any("skipped" in n or "untrained" in n for n in notes), notes
    job.state = "stopped"
    at.run()


def test_a_moons_run_counts_the_points_its_cut_gets_wrong():
    at = tiny(AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180))
    at.session_state["data"].update(name="moons", n_samples=300)
    at.session_state["model"]["n_clusters"] = 2
    at.run()
    button(at, "Start").click().run()
    wait_done(at)
    assert not at.exception
    from dec_core.metrics import clustering_scores
    from dec_core.runs import load_run

    run = load_run(at.session_state["run_path"], with_model=False)
    acc = clustering_scores(run.y_true, run.labels)["acc"]
    wrong = round((1 - acc) * run.labels.shape[0])
    text = next(c.value for c in at.caption if f"ACC {acc:.3f}:" in c.value)
    assert (f"{wrong:,} of {run.labels.shape[0]:,} points" in text if wrong
            else "no cut went wrong" in text)
