"""Shareable setups: settings in the URL fill every widget; exported configs run in the CLI."""

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from dec_core.datasets import SYNTHETIC_NOISE
from dec_core.presets import preset_for
from explorer.session.state import cli_config, ensure_defaults, from_query, link_changes, to_query

ROOT = Path(__file__).resolve().parents[2]


def test_query_round_trip():
    state = {}
    ensure_defaults(state)
    state["data"].update(name="moons", n_samples=500, noise=0.12)
    state["model"].update(hidden=[64, 32, 2], alpha=2.0)
    state["train"].update(tol=0.01, pretrain="layerwise", gamma=0.1)
    found, problems = from_query(to_query(state))
    assert not problems
    for section in ("data", "model", "train"):
        for key, value in found[section].items():
            assert state[section][key] == value


def _settings(at) -> dict:
    return {section: dict(at.session_state[section]) for section in ("data", "model", "train")}


def test_a_link_naming_a_data_set_gets_its_preset_as_the_selectbox_does():
    linked = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    linked.query_params["data.name"] = "moons"  # no model or train keys
    linked.run()
    assert not linked.exception
    moons = preset_for("moons")
    assert linked.session_state["model"]["hidden"] == moons["dims"] != preset_for("digits")["dims"]
    assert linked.session_state["train"]["pretrain_noise"] == moons["pretrain_noise"]
    assert linked.session_state["data"]["noise"] == SYNTHETIC_NOISE["moons"]
    chosen = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180).run()
    chosen.selectbox(key="data.name").set_value("moons").run()
    assert not chosen.exception
    assert _settings(linked) == _settings(chosen)


def test_a_link_that_sets_model_or_train_keys_keeps_them():
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    at.query_params.update({"data.name": "moons", "model.hidden": "256,256,512,10",
                            "train.pretrain_noise": "0.4", "data.noise": "0.2"})
    at.run()
    assert not at.exception
    assert at.session_state["model"]["hidden"] == [256, 256, 512, 10]
    assert at.session_state["train"]["pretrain_noise"] == 0.4
    assert at.session_state["data"]["noise"] == 0.2
    # settings the link leaves out follow the data set
    assert at.session_state["train"]["pretrain_epochs"] == preset_for("moons")["pretrain_epochs"]


def test_links_reopen_the_experiment_they_were_copied_from():
    state = {}
    ensure_defaults(state)
    for section, key, value in link_changes(state, {"data": {"name": "file"}}):
        state[section][key] = value
    assert state["model"]["hidden"] == preset_for("file")["dims"]
    assert to_query(state) == {"data.name": "file"}  # the data set's own preset: nothing else
    state["model"]["hidden"] = list(preset_for("digits")["dims"])  # the user's choice
    query = to_query(state)
    assert query["model.hidden"] == ",".join(str(h) for h in preset_for("digits")["dims"])
    fresh = {}
    ensure_defaults(fresh)
    found, problems = from_query(query)
    assert not problems
    for section, key, value in link_changes(fresh, found):
        fresh[section][key] = value
    assert fresh == state


def test_train_widgets_show_url_values():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    at.query_params.update({"train.tol": "0.02", "train.pretrain_epochs": "7",
                            "train.pretrain": "layerwise", "train.learning_rate": "0.005",
                            "train.update_interval": "40", "train.gamma": "0.1",
                            "train.pretrain_batch_size": "128", "train.seed": "3"})
    at.run()
    assert not at.exception
    assert at.number_input(key="train.tol").value == 0.02
    assert at.number_input(key="train.pretrain_epochs").value == 7
    assert at.radio(key="train.pretrain").value == "layerwise"
    assert at.number_input(key="train.learning_rate").value == 0.005
    assert at.number_input(key="train.update_interval").value == 40
    assert at.number_input(key="train.gamma").value == 0.1
    assert at.select_slider(key="train.pretrain_batch_size").value == 128
    assert at.number_input(key="train.seed").value == 3


def test_data_and_model_widgets_show_url_values():
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    at.query_params.update({"data.name": "blobs", "data.n_samples": "400", "data.seed": "5",
                            "data.scale": "minmax", "data.noise": "0.7"})
    at.run()
    assert not at.exception
    assert at.selectbox(key="data.name").value == "blobs"
    assert at.number_input(key="data.n_samples").value == 400
    assert at.number_input(key="data.seed").value == 5
    assert at.selectbox(key="data.scale").value == "minmax"
    assert at.slider(key="data.noise").value == 0.7
    assert at.metric[0].value == "400"
    model = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=180)
    model.query_params.update({"model.hidden": "32,8", "model.alpha": "2.5",
                               "model.n_clusters": "4"})
    model.run()
    assert not model.exception
    assert model.text_input(key="model_hidden_text").value == "32,8"
    assert model.number_input(key="model.alpha").value == 2.5
    assert model.number_input(key="model.n_clusters").value == 4


def test_bad_url_values_are_reported_not_fatal():
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    at.query_params.update({"train.tol": "lots", "train.max_iter": "12"})
    at.run()
    assert not at.exception
    assert any("train.tol" in w.value for w in at.warning)
    assert at.number_input(key="train.max_iter").value == 12


def test_exported_config_reproduces_labels_in_the_cli(tmp_path, capsys):
    from dec_core.cli import main
    from dec_core.runs import load_run
    from explorer.jobs import JobManager

    state = {}
    ensure_defaults(state)
    state["data"].update(n_samples=300, seed=4)
    state["model"].update(hidden=[32, 10])
    state["train"].update(pretrain_epochs=3, max_iter=60, update_interval=15, seed=2)
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True)
    job = jobs.submit("teacher" * 3, {k: state[k] for k in ("data", "model", "train")})
    assert jobs.wait(job, 180) and job.state == "done", job.error
    config = cli_config(state["data"], state["model"], state["train"])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert main(["run", "--config", str(path), "--out", str(tmp_path / "cli-run"), "--quiet"]) == 0
    app_labels = load_run(job.run_path).labels
    cli_labels = load_run(tmp_path / "cli-run").labels
    np.testing.assert_array_equal(app_labels, cli_labels)


def _query(link: str) -> dict:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(link).query))


def _open(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params.update(query)
    return at.run()


def test_share_gives_the_presenter_and_the_students_each_their_own_link():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params.update({"train.tol": "0.02", "present": "train_settings,charts_metrics",
                            "projector": "1"})
    at.run()
    assert not at.exception
    presenter, students = (_query(c.value) for c in at.sidebar.code)
    assert presenter == {"train.tol": "0.02", "present": "train_settings,charts_metrics",
                         "projector": "1"}
    assert students == {"train.tol": "0.02"}  # the experiment, in normal mode
    # each link opens what it says: the students' in normal mode with every control
    student = _open(students)
    assert not student.exception
    assert not student.session_state["projector"] and student.session_state["present"] == []
    assert student.session_state["train"]["tol"] == 0.02
    room = _open(presenter)
    assert room.session_state["projector"]
    assert room.session_state["present"] == ["train_settings", "charts_metrics"]
    assert room.session_state["train"]["tol"] == 0.02


def test_the_presenters_link_opens_the_projector_even_from_a_normal_screen():
    at = _open({"model.alpha": "10"})
    presenter, students = (_query(c.value) for c in at.sidebar.code)
    assert presenter.pop("projector") == "1" and float(presenter["model.alpha"]) == 10
    assert students == presenter
