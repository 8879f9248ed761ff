"""The k sweep in the app (explorer.analysis.k_sweep, its words in explorer.text.teach, its
figures in explorer.charts.sweep): Train's header, and the CLI's agreement."""

import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.analysis import k_sweep
from explorer.charts import sweep as sweep_charts
from explorer.data import load
from explorer.session.state import DATA_DEFAULTS, cli_config, model_defaults, train_defaults
from explorer.text import teach

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))


def _csv(x) -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, x, delimiter=",", fmt="%.5f")
    return buf.getvalue().encode()


NOISE = _csv(np.random.default_rng(0).standard_normal((300, 4)))


def _file_state(content: bytes, name: str = "noise.csv") -> dict:
    data = {**copy.deepcopy(DATA_DEFAULTS), "name": "file", "label_column": "none"}
    return {"data": data, "model": model_defaults("file"), "train": train_defaults("file"),
            "upload": {"name": name, "bytes": content}}


def _sweep(**changes) -> dict:
    sw = {"ks": [2, 3, 4, 5], "silhouette": [0.30, 0.45, 0.62, 0.40],
          "stability": [0.7, 0.8, 0.97, 0.6], "bic": [10.0, 8.0, 5.0, 6.0],
          "gap": {"ks": [1, 2, 3, 4, 5], "gap": [0.2, 0.5, 0.8, 1.4, 1.3],
                  "s": [0.01, 0.02, 0.02, 0.03, 0.02], "log_w": [0] * 5, "ref_log_w": [0] * 5},
          "gap_k": 4, "suggested_k": 4, "rule": "peak", "structure": "found", "n_used": 500,
          "n_total": 500, "seconds": 1.2, "space": "the data"}
    sw.update(changes)
    return sw


def test_train_header_says_where_k_comes_from():
    # no labels, no sweep: the default, said as such (never "as many clusters as labels")
    words = teach.header_clusters(0, None, None)
    assert words.startswith("10 clusters: the default without labels")
    assert "labels'" not in words and "as many" not in words
    assert teach.header_clusters(0, 10, None) == "10 clusters (as many as the labels' classes)"
    assert teach.header_clusters(0, None, _sweep()) == (
        "10 clusters: the default without labels; the k sweep suggests 4")
    assert teach.header_clusters(4, None, _sweep()) == "4 clusters (the k sweep's suggestion)"
    assert teach.header_clusters(3, None, _sweep()) == (
        "3 clusters (set on the Model page; the k sweep suggests 4)")
    assert teach.header_clusters(0, 10, _sweep()) == (
        "10 clusters (as many as the labels' classes; the k sweep suggests 4)")
    assert teach.header_clusters(3, None, None) == "3 clusters (set on the Model page)"


def test_verdicts_quote_the_gap_figures():
    found = teach.structure_text(_sweep())
    assert found.startswith("**Structure found.**")
    assert "Gap(4) = 1.40 exceeds Gap(1) = 0.20" in found and "(0.03)" in found
    none = _sweep(structure="none", gap={"ks": [1, 2, 3], "gap": [1.30, 1.29, 1.28],
                                         "s": [0.01] * 3, "log_w": [0] * 3, "ref_log_w": [0] * 3})
    text = teach.structure_text(none)
    assert text.startswith("**These data have no more structure than noise.**")
    assert "Gap(1) = 1.30 is the highest; the best split, k = 2, reaches 1.29" in text
    assert teach.suggestion_text(none).endswith("this k is a cut like any other.")
    # the suggestion reads the curve it is given
    assert teach.suggestion_text(_sweep()).startswith(
        "**Suggested k = 4**: the highest silhouette (0.62); every larger k separates worse. "
        "Fits on resampled data agree with ARI 0.97")


def test_sweep_key_ignores_k_but_not_the_seed_or_the_data():
    state = _file_state(NOISE)
    ds = load(state["data"], state["upload"])
    key = k_sweep.session_key(state, ds)
    state["model"]["n_clusters"] = 7  # choosing k keeps the sweep
    assert k_sweep.session_key(state, ds) == key
    state["train"]["seed"] = 1
    assert k_sweep.session_key(state, ds) != key
    other = _file_state(b"\n".join(NOISE.splitlines()[:-1]) + b"\n")  # one row fewer
    assert k_sweep.session_key(other, load(other["data"], other["upload"])) != key


def _wait_for_background() -> None:
    from explorer.session.background import tasks

    assert tasks().wait_all(timeout=240)


def test_train_page_says_no_structure_before_training_without_a_click():
    state = _file_state(NOISE)
    ds = load(state["data"], state["upload"])
    result = k_sweep.compute(ds.x, k_sweep.session_params(state, ds), state["train"]["seed"])
    assert result["structure"] == "none"
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()  # an upload: the sweep starts by itself, in the background
    assert not at.exception
    header = at.caption[0].value
    assert "as many clusters as labels" not in header
    assert "10 clusters: the default without labels; the Data page's k sweep" in header
    _wait_for_background()
    at.run()
    assert not at.exception
    warning = [w.value for w in at.warning if "no more structure than noise" in w.value]
    assert warning == [teach.no_structure_warning(0, None)]
    assert f"the k sweep suggests {result['suggested_k']}" in at.caption[0].value
    stored = at.session_state[k_sweep.STATE_KEY]["result"]  # the same sweep (but its time)
    assert {**stored, "seconds": 0} == {**result, "seconds": 0}


def test_data_page_sweeps_an_upload_by_itself_but_a_built_in_set_on_request():
    state = _file_state(NOISE)
    state["train"]["seed"] = 5  # a sweep no other test ran (the server keeps finished ones)
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Run the k sweep"]
    assert any("It runs by itself for an uploaded file." in c.value for c in at.caption)
    _wait_for_background()
    at.run()
    assert [w.value for w in at.warning if teach.NO_STRUCTURE in w.value]
    assert any(m.value.startswith("**Suggested k =") for m in at.markdown)

    digits = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180).run()
    assert not digits.exception
    assert [b.label for b in digits.button if b.label == "Run the k sweep"] == ["Run the k sweep"]
    assert not k_sweep.runs_by_itself(digits.session_state["data"])


def test_explore_says_no_structure_after_a_run_with_no_sweep_in_the_session(tmp_path):
    from dec_core import DEC
    from dec_core.runs import save_run

    state = _file_state(NOISE)
    ds = load(state["data"], state["upload"])
    params = {**k_sweep.session_params(state, ds), "pretrain_epochs": 1, "max_iter": 20,
              "update_interval": 10, "n_init": 1}
    est = DEC(**params).fit(ds.x)
    app = {k: state[k] for k in ("data", "model", "train")}
    path = save_run(tmp_path / "noise-run", est, ds.x, dataset={"name": "file"},
                    extra={"app": {**app, "name": "noise"}}, arrays={"x": ds.x})

    at = AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=180)
    at.session_state["run_path"] = str(path)  # a fresh session: no upload, no sweep
    at.session_state["explore_method"] = "PCA (fast)"
    at.run()
    assert not at.exception
    _wait_for_background()
    at.run()
    assert not at.exception
    said = [w.value for w in at.warning if teach.NO_STRUCTURE in w.value]
    assert said == [teach.no_structure_warning(est.n_clusters, None, "on this run's data")]
    assert said[0].startswith("The k sweep on this run's data found no more structure")


def test_sweep_runs_in_the_autoencoder_a_job_already_pretrained(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module
    from dec_core.selection import choose_k
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir

    manager = jobs_module.JobManager(runs_dir=tmp_path / "runs", in_process=True)
    monkeypatch.setattr(jobs_module, "_MANAGER", manager)
    state = {**_file_state(NOISE), "owner": "tok"}
    ds = load(state["data"], state["upload"])
    params, seed = k_sweep.session_params(state, ds), state["train"]["seed"]
    before = k_sweep.session_key(state, ds)
    # none cached: the data's own space, and what pretraining one would cost
    assert k_sweep.cached_autoencoder(state, "tok", state["upload"]) is None
    plain = k_sweep.compute(ds.x, params, seed)
    assert plain["space"].startswith("the data")
    assert "Pretraining an autoencoder for these data and settings would cost about" in (
        teach.space_text(plain))

    # a training job on these data and settings saved its pretrained autoencoder
    rng = np.random.default_rng(0)
    dims = params["dims"]
    layers = [*zip(dims[:-1], dims[1:]), *zip(dims[:0:-1], dims[-2::-1])]
    weights = [w for a, b in layers for w in (rng.normal(0, 0.1, (a, b)), np.zeros(b))]
    key = AutoencoderCache.key({k: state[k] for k in ("data", "model", "train")},
                               owner_dir("tok"), state["upload"])
    path = manager.autoencoders.path(key)
    np.savez(path, *[w.astype(np.float32) for w in weights])
    manager.autoencoders.remember(key, str(path), [])

    assert k_sweep.cached_autoencoder(state, "tok", state["upload"]) == key
    assert k_sweep.session_key(state, ds) != before  # a new sweep, in that embedding
    assert k_sweep.cached_autoencoder(state, "someone else", state["upload"]) is None
    cached = k_sweep.compute(ds.x, params, seed, key)
    assert cached["space"] == teach.CACHED_SPACE and "pretrain_seconds" not in cached
    expected = choose_k(ds.x, params, seed=seed,
                        autoencoder=([w.astype(np.float32) for w in weights], "x")).as_dict()
    assert cached["gap"] == expected["gap"] and cached["silhouette"] == expected["silhouette"]
    assert "would cost" not in teach.space_text(cached)

    # while that sweep runs, the session's sweep of the same data in their own space answers
    import threading

    from explorer.session.background import tasks

    state[k_sweep.STATE_KEY] = {"key": before, "result": plain}
    gate, task = threading.Event(), k_sweep.task_key(k_sweep.session_key(state, ds))
    tasks().submit(task, gate.wait, 60)
    try:
        assert k_sweep.resolve(state, ds) == (plain, task, None)
    finally:
        gate.set()
        _wait_for_background()
        tasks().forget(task)


@pytest.mark.parametrize("kind", ["noise", "blobs"])
def test_app_and_cli_choose_the_same_k_on_the_same_data_and_seed(kind, tmp_path, capsys):
    from sklearn.datasets import make_blobs

    from dec_core.cli import main

    if kind == "noise":
        content = NOISE
    else:
        corners = [[0, 0, 0], [6, 0, 0], [0, 6, 0]]
        content = _csv(make_blobs(240, n_features=3, centers=corners, cluster_std=0.7,
                                  random_state=2)[0])
    state = _file_state(content)
    state["train"]["seed"] = 3
    ds = load(state["data"], state["upload"])
    app = k_sweep.compute(ds.x, k_sweep.session_params(state, ds), state["train"]["seed"])

    csv = tmp_path / "data.csv"
    csv.write_bytes(content)
    config = tmp_path / "config.json"  # the app's own export (Train's "CLI config")
    config.write_text(json.dumps(cli_config(state["data"], state["model"], state["train"])))
    assert main(["run", "--config", str(config), "--data-path", str(csv), "--n-clusters", "auto",
                 "--pretrain-epochs", "1", "--max-iter", "5", "--quiet"]) == 0
    cli = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (cli["k_chosen"], cli["structure"]) == (app["suggested_k"], app["structure"])
    assert cli["n_clusters"] == app["suggested_k"]
    assert app["structure"] == ("none" if kind == "noise" else "found")


def test_figures_mark_the_suggested_k_and_the_classes_without_overprinting():
    sw = _sweep(suggested_k=4)
    fig = sweep_charts.criterion_figure(sw, "silhouette", true_k=5, projector=False)
    notes = {a.text: a.xanchor for a in fig.layout.annotations}
    # the suggested k labelled to the left of its line, the classes to the right of theirs
    assert notes == {"suggested 4": "right", "5 classes": "left"}
    assert fig.layout.yaxis.range[0] == 0.0  # the silhouette from 0: a flat curve looks flat
    same = sweep_charts.criterion_figure(sw, "gap", true_k=4, projector=False)
    assert [a.text for a in same.layout.annotations] == ["suggested 4 = 4 classes"]
    assert list(same.layout.xaxis.range) == [0.5, 5.5]  # the gap starts at k = 1


def test_model_page_says_where_k_comes_from_without_labels():
    at = AppTest.from_file(str(ROOT / "pages/model.py"), default_timeout=120)
    for key, value in _file_state(NOISE).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    said = [c.value for c in at.caption if c.value.startswith("DEC will look for")]
    assert said == ["DEC will look for **10** clusters: the default without labels; the Data "
                    "page's k sweep suggests one."]


class _SubmittedJob:
    """What the fake manager hands back from ``submit``: an active job of its owner."""

    def __init__(self, owner, config, upload):
        import threading

        self.id, self.owner, self.config, self.upload = "pretrain-job", owner, config, upload
        self.active, self.step_mode, self.state, self.plan = True, False, "queued", {}
        self.autoencoder_key = ""  # queued: no worker has taken it yet (Job's default)
        self.lock = threading.Lock()

    def view(self):
        return {"progress": 0.0, "phase": "queued"}


class _RecordingManager:
    """A job manager that records what is submitted and runs nothing."""

    def __init__(self, folder):
        from explorer.jobs.cache import AutoencoderCache

        self.autoencoders = AutoencoderCache(folder)  # none pretrained
        self.submitted: list[_SubmittedJob] = []

    def submit(self, owner, config, upload=None, **kwargs):
        self.submitted.append(_SubmittedJob(owner, copy.deepcopy(config), upload))
        return self.submitted[-1]

    def get(self, job_id, owner):
        return next((j for j in self.submitted if j.id == job_id and j.owner == owner), None)

    def interrupted_for(self, owner):
        return None

    def jobs_for(self, owner):
        return [j for j in reversed(self.submitted) if j.owner == owner]


def _data_page_with_sweep(state: dict, result: dict) -> AppTest:
    """The Data page of a session that already holds ``result`` as its sweep of these data."""
    ds = load(state["data"], state.get("upload"))
    at = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    at.session_state[k_sweep.STATE_KEY] = {"key": k_sweep.session_key(state, ds),
                                           "result": result}
    return at


def test_a_sweep_on_the_data_offers_to_pretrain_an_autoencoder_once(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module
    from dec_core.cost import human_seconds

    fake = _RecordingManager(tmp_path / "cache")
    monkeypatch.setattr(jobs_module, "_MANAGER", fake)
    state = {**_file_state(NOISE), "owner": "tok"}
    state["model"]["n_clusters"] = 4  # a setting of this session, not a default
    at = _data_page_with_sweep(state, _sweep(pretrain_seconds=95.0)).run()
    assert not at.exception
    label = f"Pretrain an autoencoder (~{human_seconds(95.0)})"
    buttons = [b for b in at.button if b.key == "k_sweep_pretrain"]
    assert [b.label for b in buttons] == [label]
    assert f"would cost about {human_seconds(95.0)}" in " ".join(c.value for c in at.caption)
    assert teach.PRETRAIN_OFFER_TEXT in [c.value for c in at.caption]

    buttons[0].click().run()
    assert not at.exception
    assert len(fake.submitted) == 1
    job = fake.submitted[0]
    assert job.owner == "tok" and job.upload == state["upload"]
    assert job.config == {k: state[k] for k in ("data", "model", "train")}
    assert at.session_state["job_id"] == job.id
    # while it runs: no second button, and the panel says the sweep re-runs after pretraining
    assert not [b for b in at.button if b.key == "k_sweep_pretrain"]
    said = teach.pretraining_text(
        k_sweep.job_pretrains_for(job.config, job.upload, at.session_state))
    assert said.startswith("A training run with these data and settings is under way")
    assert said in [c.value for c in at.caption]
    other = {**job.config, "train": {**job.config["train"], "seed": 99}}
    assert "other data or settings" in teach.pretraining_text(
        k_sweep.job_pretrains_for(other, job.upload, state))


def test_no_pretrain_button_when_the_shipped_autoencoder_fits(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module

    fake = _RecordingManager(tmp_path / "cache")
    monkeypatch.setattr(jobs_module, "_MANAGER", fake)
    state = {"data": copy.deepcopy(DATA_DEFAULTS), "model": model_defaults("digits"),
             "train": train_defaults("digits"), "owner": "tok"}
    ds = load(state["data"], None)
    result = k_sweep.compute(ds.x, k_sweep.session_params(state, ds), state["train"]["seed"])
    assert not result["space"].startswith("the data") and "pretrain_seconds" not in result
    assert teach.pretrain_offer(result) is None
    at = _data_page_with_sweep(state, result).run()
    assert not at.exception
    assert any(m.value.startswith("**Suggested k =") for m in at.markdown)
    assert not [b for b in at.button if b.key == "k_sweep_pretrain"]
    assert not fake.submitted


def test_a_sweep_on_the_data_re_runs_by_itself_once_a_job_cached_an_autoencoder(
        tmp_path, monkeypatch):
    import explorer.jobs as jobs_module
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir
    from explorer.session.background import tasks

    fake = _RecordingManager(tmp_path / "cache")
    monkeypatch.setattr(jobs_module, "_MANAGER", fake)
    state = {**copy.deepcopy(_file_state(NOISE)), "owner": "tok"}
    state["data"] = {**state["data"], "name": "blobs"}  # a built-in set: on request only
    state.pop("upload")
    ds = load(state["data"], None)
    plain = _sweep(pretrain_seconds=10.0)
    state[k_sweep.STATE_KEY] = {"key": k_sweep.session_key(state, ds), "result": plain}
    key = AutoencoderCache.key({k: state[k] for k in ("data", "model", "train")},
                               owner_dir("tok"), None)
    fake.autoencoders.path(key).write_bytes(b"")  # the job's pretraining ended
    result, task, error = k_sweep.resolve(state, ds)
    try:
        assert error is None and result == plain  # the older answer, while it re-runs
        assert tasks().get(task) is not None  # started without a click
    finally:
        _wait_for_background()
        tasks().forget(task)


def test_a_running_job_on_an_upload_still_pretrains_for_the_session():
    """Once a worker has an upload's bytes the server drops them (job.upload is None); the key
    the job recorded then says whether it pretrains the autoencoder this sweep waits for."""
    from explorer.jobs.cache import AutoencoderCache
    from explorer.jobs.job import owner_dir

    state = {**_file_state(NOISE), "owner": "tok"}
    config = {k: dict(state[k]) for k in ("data", "model", "train")}
    key = AutoencoderCache.key(config, owner_dir("tok"), state["upload"])
    assert k_sweep.job_pretrains_for(config, None, state, job_key=key)
    assert not k_sweep.job_pretrains_for(config, None, state)  # without the key, bytes gone
    other = {**config, "train": {**config["train"], "seed": 99}}
    other_key = AutoencoderCache.key(other, owner_dir("tok"), state["upload"])
    assert not k_sweep.job_pretrains_for(other, None, state, job_key=other_key)
