"""Method comparison: k-means raw, AE + k-means, DEC, IDEC, N2D; the Compare page."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dec_core.baselines import kmeans_raw_labels, n2d_labels
from dec_core.presets import IDEC_GAMMA, method_of
from dec_core.runs import load_run
from explorer.analysis import compare
from explorer.charts import compare as compare_charts
from explorer.charts import explore as explore_charts
from explorer.charts.theme import class_color, color
from explorer.jobs import JobManager
from explorer.session.state import ensure_defaults

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "compare.py")
OWNER = "alice" * 4


def tiny_config(**train) -> dict:
    state: dict = {}
    ensure_defaults(state)
    state["data"].update(name="digits", n_samples=300)
    state["model"].update(hidden=[16, 10])  # dims [64, 16, 10]
    state["train"].update({"pretrain_epochs": 2, "max_iter": 50, "update_interval": 10,
                           "batch_size": 64, **train})
    return {k: state[k] for k in ("data", "model", "train")}


def train(jobs: JobManager, config: dict):
    job = jobs.submit(OWNER, config)
    assert jobs.wait(job, 120), "the job did not finish"
    assert job.state == "done", job.error
    return job


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A DEC run and its IDEC companion, trained by one job manager."""
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path_factory.mktemp("cmp_runs"), in_process=True)
    dec = train(jobs, tiny_config())
    run = load_run(dec.run_path, with_model=False)
    config, key, _ = compare.companion_config(run.config["extra"]["app"])
    assert key == "idec"
    assert (config["train"]["method"], config["train"]["gamma"]) == ("idec", 0.1)
    idec = train(jobs, config)
    return {"jobs": jobs, "dec": dec, "idec": idec, "run": run, "config": config}


# ------------------------------------------------------------------ pure functions


def test_align_to_maps_permuted_labels_back():
    y = np.repeat(np.arange(5), 20)
    perm = np.array([3, 0, 4, 1, 2])
    np.testing.assert_array_equal(compare.align_to(y, perm[y]), y)
    # one class split in two clusters: the bigger half keeps the class, the rest is new
    labels = perm[y].copy()
    labels[:5] = 9
    out = compare.align_to(y, labels)
    np.testing.assert_array_equal(out[5:], y[5:])
    assert set(out[:5]) == {5}


def test_panel_colors_follow_the_class_colours():
    """One rule: a class has class_color(c) in every panel; a cluster, its matched class's."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    dec = (y + 1) % 4                   # DEC's ids: a permutation of the classes
    km = np.array([2, 3, 0, 1])[y]      # another permutation, same groups
    km[:10] = 7                         # plus a cluster matched to no class
    colors, matched = compare_charts.panel_colors({"dec": dec, "kmeans_raw": km}, y)
    assert colors["truth"] == {c: class_color(c) for c in range(4)}
    for c in range(4):
        assert colors["dec"][(c + 1) % 4] == class_color(c)   # not DEC's own cluster colour
    assert matched["dec"] == {(c + 1) % 4: c for c in range(4)}
    assert colors["kmeans_raw"][7] not in {class_color(c) for c in range(4)}
    # the colours of the Explore page for the same clustering
    assert colors["dec"] == explore_charts.cluster_palette(dec, y)[0]
    no_labels, _ = compare_charts.panel_colors({"dec": dec, "kmeans_raw": np.array([2, 3, 0, 1])[y]})
    assert no_labels["dec"] == {j: color(j) for j in range(4)}
    assert {no_labels["kmeans_raw"][c] for c in range(4)} == set(no_labels["dec"].values())
    assert "truth" not in no_labels


def test_method_of_reads_new_and_old_settings():
    assert method_of({"method": "idec", "gamma": 0.1}) == "idec"
    assert method_of({"method": "dec", "gamma": 0.1}) == "dec"
    assert method_of({"gamma": 0.0}) == "dec"       # an old DEC run
    assert method_of({"gamma": 0.2}) == "idec"      # an old "IDEC" run
    assert method_of(None) == "dec"


def test_companion_of_a_dec_run_is_idec_as_published():
    config, key, _ = compare.companion_config(tiny_config(method="dec", gamma=0.1))
    assert key == "idec"
    assert config["train"]["method"] == "idec" and config["train"]["gamma"] == 0.1
    legacy = tiny_config(gamma=0.0)
    legacy["train"].pop("method", None)  # saved before `method` existed
    old, key, _ = compare.companion_config(legacy)
    assert key == "idec" and old["train"]["gamma"] == IDEC_GAMMA == 0.1


def test_companion_of_an_idec_run_is_dec():
    config, key, gamma = compare.companion_config(tiny_config(method="idec", gamma=0.2))
    assert (key, gamma, config["train"]["method"]) == ("dec", 0.2, "dec")
    assert config["train"]["gamma"] > 0  # a valid estimator parameter, unused by DEC
    legacy = tiny_config(gamma=0.2)
    legacy["train"].pop("method", None)  # saved before `method` existed: gamma > 0 was IDEC
    old, key, _ = compare.companion_config(legacy)
    assert key == "dec" and old["train"]["method"] == "dec"


def test_table_marks_missing_methods_and_highlights_the_best():
    y = np.repeat(np.arange(3), 10)
    table = compare.comparison_table(
        y, {"dec": y, "kmeans_raw": np.zeros(30, int), "n2d": None},
        {"dec": 1.0}, status={"n2d": "press Compute"})
    assert table.loc["DEC", "ACC"] == 1.0 and np.isnan(table.loc["N2D (UMAP + GMM)", "ACC"])
    assert table.loc["N2D (UMAP + GMM)", "Status"] == "press Compute"
    html = compare_charts.style_table(table).to_html()
    assert html.count("font-weight: 700") == 1  # one CSS rule for the three best cells
    unlabelled = compare.comparison_table(None, {"dec": y}, reference=y)
    assert list(unlabelled.columns[:2]) == ["NMI vs ref", "ARI vs ref"]


# ----------------------------------------------------------------- on real runs


def test_all_five_methods_on_digits(runs):
    run, idec = runs["run"], runs["idec"]
    assert idec.reused_autoencoder  # only gamma changed
    idec_run = load_run(idec.run_path, with_model=False)
    np.testing.assert_array_equal(idec_run.kmeans_labels, run.kmeans_labels)
    z, pretrained = compare.pretrained_embedding(run)
    assert pretrained and z.shape == (300, 10)
    x = compare.run_features(run)
    assert x.shape == (300, 64)
    results = {
        "kmeans_raw": kmeans_raw_labels(x, 10, 0),
        "ae_kmeans": run.kmeans_labels,
        "dec": run.labels,
        "idec": idec_run.labels,
        "n2d": n2d_labels(z, 10, seed=0, max_fit=200),  # fit on 200, transform 100
    }
    table = compare.comparison_table(run.y_true, results, {"dec": 1.0})
    assert len(table) == 5
    scores = table[["ACC", "NMI", "ARI"]].to_numpy(dtype=float)
    assert np.isfinite(scores).all()
    assert ((scores >= 0) & (scores <= 1)).all()
    assert table.loc["k-means on raw data", "ACC"] > 0.5  # digits are easy for k-means
    assert set(compare_charts.panel_colors(results, run.y_true)[0]) == {*results, "truth"}


def test_find_run_finds_the_companion(runs):
    jobs, dec, idec = runs["jobs"], runs["dec"], runs["idec"]
    root = jobs.owner_path(OWNER)
    assert compare.find_run(root, runs["config"], 300) == Path(idec.run_path)
    assert compare.find_run(root, runs["config"], 299) is None
    assert compare.find_run(root, tiny_config(gamma=0.3)) is None
    dec_cfg = tiny_config()
    assert compare.find_run(root, dec_cfg, exclude=dec.run_path) is None


# ---------------------------------------------------------------------- the page


def test_page_without_a_run_points_to_train():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("Train" in i.value for i in at.info)


def test_page_compares_all_five(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module

    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "runs", in_process=True)
    monkeypatch.setenv("DEC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(jobs_module, "_MANAGER", jobs)
    dec = train(jobs, tiny_config())

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = dec.run_path
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    rows = 5 + len(compare.VARIANT_ROWS)  # the five methods, then a row per DEC variant
    # AE + k-means and DEC, and raw k-means as the run saved it (Explore's Metrics figure)
    assert len(table) == rows and table["ACC"].notna().sum() == 3
    names = compare.method_names()
    run = load_run(dec.run_path, with_model=False)
    saved = run.config["extra"]["baselines"]["kmeans_raw"]
    explore = explore_charts.metrics_table(run.config["extra"]["baselines"])
    raw = table.loc[names["kmeans_raw"]]
    assert raw["Status"].startswith("saved with the run")
    assert raw["ACC"] == saved["acc"] == explore.loc[names["kmeans_raw"], "ACC"]
    for v in compare.VARIANT_ROWS:
        assert table.loc[compare.method_names()[compare.variant_key(v)], "Status"] \
            == "press “Train the variants”"
    assert not at.button(key="cmp_variants").disabled
    assert len(at.get("plotly_chart")) == 3  # truth, AE + k-means, DEC (PCA frame)

    at.button(key="cmp_compute").click().run()
    assert not at.exception, at.exception
    at.button(key="cmp_train").click().run()
    assert not at.exception, at.exception
    end = time.time() + 120
    while time.time() < end:
        table = at.dataframe[0].value
        if table["ACC"].iloc[:5].notna().all():
            break
        time.sleep(0.5)
        at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.iloc[:5]
    assert len(table) == 5
    # every listed score is clustering_scores(y, labels) of the saved runs' labels
    from dec_core.metrics import clustering_scores

    idec_path = jobs.get(at.session_state["cmp_jobs"][dec.run_path], OWNER).run_path
    for key, labels in (("dec", run.labels), ("ae_kmeans", run.kmeans_labels),
                        ("idec", load_run(idec_path, with_model=False).labels)):
        want = clustering_scores(run.y_true, labels)
        got = table.loc[names[key], ["ACC", "NMI", "ARI"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, [want["acc"], want["nmi"], want["ari"]], atol=1e-12)
    np.testing.assert_allclose(table.loc[names["kmeans_raw"], ["ACC", "NMI", "ARI"]]
                               .to_numpy(dtype=float), [saved["acc"], saved["nmi"], saved["ari"]],
                               atol=1e-12)  # Compute's k-means with the run's seed: the same
    assert at.button(key="cmp_train").disabled  # IDEC done: nothing left to train
    assert any("reused" in s.value for s in at.success)
    assert len(at.get("plotly_chart")) == 6  # truth + five methods
    at.radio(key="cmp_frame").set_value("PCA (instant)").run()
    assert not at.exception, at.exception


def test_page_on_an_unlabelled_older_run(tmp_path):
    from tests.helpers.fake_run import make_fake_run

    path = make_fake_run(tmp_path / "nolabels", n=150, labels=False, n_updates=2)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = str(path)
    at.run()
    assert not at.exception, at.exception
    assert any("pretrained embedding" in w.value for w in at.warning)  # falls back to DEC's
    assert any("no true labels" in i.value for i in at.info)
    at.button(key="cmp_compute").click().run()
    assert not at.exception, at.exception
    table = run_until(at, lambda t: "computing…" not in set(t["Status"]))
    assert list(table.columns[:2]) == ["NMI vs ref", "ARI vs ref"]
    filled = table["NMI vs ref"].notna()
    assert filled.sum() == 4  # all but the IDEC run, not trained here
    assert table.loc["DEC", "NMI vs ref"] == pytest.approx(1.0)


def run_until(at, done, timeout: float = 180):
    """Rerun the page (as its polling fragment would) until ``done(table)``; the table."""
    end = time.time() + timeout
    while True:
        table = at.dataframe[0].value
        if done(table) or time.time() > end:
            return table
        time.sleep(0.3)
        at.run()
        assert not at.exception, at.exception


def test_compute_runs_in_the_background(tmp_path, monkeypatch):
    """Compute returns at once: the page shows PCA and "computing…" until N2D is done."""
    import threading

    from tests.helpers.fake_run import make_fake_run

    path = make_fake_run(tmp_path / "labelled", n=150, n_updates=2)
    release = threading.Event()
    real_n2d = compare.n2d_labels

    def slow_n2d(*args, **kwargs):
        assert release.wait(120), "never released"
        return real_n2d(*args, **kwargs)

    monkeypatch.setattr(compare, "n2d_labels", slow_n2d)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = str(path)
    at.run()
    assert at.radio(key="cmp_frame").value == "UMAP"
    assert any("press **Compute k-means and N2D**" in c.value for c in at.caption)
    try:
        at.button(key="cmp_compute").click().run()  # would hang here if computed inline
        assert not at.exception, at.exception
        table = at.dataframe[0].value
        assert table.loc["N2D (UMAP + GMM)", "Status"] == "computing…"
        assert any("Showing **PCA**, although UMAP is selected: it is being computed" in c.value
                   for c in at.caption)
        assert any("Computing k-means on raw data" in c.value for c in at.caption)
    finally:
        release.set()
    table = run_until(at, lambda t: t["ACC"].notna().sum() == 4)
    assert table.loc["N2D (UMAP + GMM)", "Status"] == "done"
    assert at.get("subheader")[-1].value.endswith("UMAP")


def test_umap_neighbours_come_from_scikit_learn(monkeypatch):
    """No n² Python-callback distances (slow, and they hold the GIL the server needs)."""
    import sklearn.metrics.pairwise as pairwise

    from explorer.analysis import projection

    def forbidden(*args, **kwargs):
        raise RuntimeError("UMAP computed all pairwise distances through a Python callback")

    monkeypatch.setattr(pairwise, "_pairwise_callable", forbidden)
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(size=(60, 5)) + 6 * c for c in range(3)]).astype(np.float32)
    coords = projection.project(z, "umap", 2, 0)
    assert coords.shape == (180, 2) and np.isfinite(coords).all()
    labels = n2d_labels(z, 3, seed=0)
    assert compare.align_to(np.repeat(np.arange(3), 60), labels).tolist() == \
        np.repeat(np.arange(3), 60).tolist()
    idx, dist = projection.knn(z, 4)
    assert (idx[:, 0] == np.arange(180)).all() and (dist[:, 0] == 0).all()


def test_page_names_the_shipped_autoencoder(tmp_path):
    """A run that started from the shipped autoencoder says so, not "pretrained by an
    earlier run"."""
    import json

    from tests.helpers.fake_run import make_fake_run

    path = make_fake_run(tmp_path / "shipped", n=150, n_updates=2)
    config = json.loads((path / "config.json").read_text())
    config.setdefault("extra", {})["autoencoder"] = "shipped"
    (path / "config.json").write_text(json.dumps(config))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["files"]["config.json"] = (path / "config.json").stat().st_size
    (path / "manifest.json").write_text(json.dumps(manifest))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = str(path)
    at.run()
    assert not at.exception, at.exception
    text = " ".join(c.value for c in at.caption)
    assert "started from the shipped pretrained autoencoder" in text
    assert "earlier run" not in text


def test_variant_rows_configs_and_names():
    from dec_core.presets import VARIANTS

    assert compare.VARIANT_ROWS == tuple(v for v in VARIANTS if v != "dec")
    names = compare.method_names()
    for v in compare.VARIANT_ROWS:
        assert names[compare.variant_key(v)] == VARIANTS[v]["label"]
    app = {"data": {"name": "digits"}, "train": {"method": "idec", "gamma": 0.2,
                                                 "learning_rate": 0.1, "momentum": 0.99,
                                                 "pretrain_epochs": 7}}
    cfg = compare.variant_config(app, "dec-da")
    train = cfg["train"]
    # the run's settings, plain DEC with its optimiser, and the variant's settings
    assert train["pretrain_epochs"] == 7 and train["method"] == "dec"
    assert train["learning_rate"] == 0.01 and train["augment"] == 1.0
    assert train["centroid_init"] == "kmeans" and train["n_restarts"] == 1
    assert compare.run_variant(app) is None  # IDEC is no DEC variant
    assert compare.run_variant({"train": cfg["train"]}) == "dec-da"
    assert compare.variant_seconds({"pretrain": 3.0, "kmeans": 1.0, "dec": 2.0,
                                    "total": 6.5}) == 6.5


def test_notes_explain_empty_clusters_and_restarts_from_the_tables_numbers():
    y = np.repeat(np.arange(3), 10)
    three = y.copy()
    two = np.where(y == 2, 1, y)  # one cluster ended empty
    names = compare.method_names()
    table = compare.comparison_table(y, {"dec": three, "variant:dec-da": two}, names=names)
    notes = compare.table_notes(table, 3)
    assert notes == [f"{names['variant:dec-da']} uses 2 of the k = 3 clusters: 1 ended empty "
                     "(no point has its highest q there), so its ACC counts at most 2 classes."]
    rows = [{"restart": 0, "kl": 0.20, "acc": 0.91, "chosen": False},
            {"restart": 1, "kl": 0.10, "acc": 0.80, "chosen": True},
            {"restart": 2, "kl": 0.15, "acc": 0.85, "chosen": False}]
    label = names["variant:dec-restarts"]
    (note,) = compare.table_notes(table.iloc[:1], 3, restarts={label: rows})
    assert note.startswith(f"{label}: its 3 fits ended at KL 0.200 → ACC 0.910, KL 0.100 → "
                           "ACC 0.800, KL 0.150 → ACC 0.850.")
    assert "(0.800 kept, 0.910 possible)" in note
    rows[0]["acc"] = rows[2]["acc"] = 0.5  # the kept fit is the most accurate: nothing to say
    assert compare.table_notes(table.iloc[:1], 3, restarts={label: rows}) == []


def test_compare_explainer_ranks_no_method_in_words():
    """Words that rank methods come from the measured table, never from the explainer."""
    from dec_core.presets import VARIANTS

    at = AppTest.from_file(PAGE, default_timeout=120).run()  # no run: the explainer alone
    text = " ".join(m.value for m in at.markdown)
    assert "How the five methods work" in " ".join(e.label for e in at.expander)
    assert "N2D" in text and "DEC-DA (light)" in text
    for word in ("best", "better", "worse", "as good as", "outperform", "wins"):
        assert word not in text.lower(), word
        assert not any(word in v["help"].lower() for v in VARIANTS.values()), word


def test_projector_mode_scales_the_panels_of_a_shown_run(tmp_path):
    """Projector mode turned on after the page drew its panels scales them; off scales back."""
    import json

    from tests.helpers.fake_run import make_fake_run

    path = make_fake_run(tmp_path / "shown", n=150, n_updates=2)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = str(path)
    at.run()

    def sizes() -> dict:
        return {c.key: json.loads(c.proto.spec)["layout"]["font"]["size"]
                for c in at.get("plotly_chart")}

    normal = sizes()
    assert {"cmp_panel_truth", "cmp_panel_dec"} <= set(normal)
    at.session_state["projector"] = True
    at.run()
    assert not at.exception, at.exception
    large = sizes()
    assert set(large) == set(normal)
    assert all(large[key] > normal[key] for key in normal), (normal, large)
    at.session_state["projector"] = False
    at.run()
    assert sizes() == normal


class _TrainingJob:
    """A job in DEC's phase, as the manager hands it to the page."""

    active, state, run_path, step_mode = True, "running", None, False

    def view(self) -> dict:
        return {"state": "running", "phase": "dec", "progress": 0.5, "elapsed": 3.0,
                "reused_autoencoder": True, "error": None}


class _Jobs:
    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, job_id, owner):
        return _TrainingJob() if job_id else None

    def owner_path(self, owner) -> Path:
        return self.root

    def jobs_for(self, owner) -> list:
        return []


def test_training_rows_name_their_phase_in_words(tmp_path, monkeypatch):
    """The IDEC job's bar and a variant's line say "3/3 DEC self-training", not "dec"."""
    import explorer.jobs as jobs_module
    from explorer.text.states import phase_text
    from tests.helpers.fake_run import make_fake_run

    path = make_fake_run(tmp_path / "training", n=150, n_updates=2)
    monkeypatch.setattr(jobs_module, "_MANAGER", _Jobs(tmp_path / "none"))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["owner"] = OWNER
    at.session_state["run_path"] = str(path)
    at.session_state["cmp_jobs"] = {str(path): "idec-job"}
    at.session_state["cmp_variant_jobs"] = {str(path): {"dec-manifold": "variant-job"}}
    at.run()
    assert not at.exception, at.exception
    words = phase_text("dec")
    assert words != "dec"
    bar = " ".join(p.proto.text for p in at.get("progress"))
    assert f"**IDEC**: {words} · 50%" in bar
    (line,) = [c.value for c in at.caption if c.value.startswith("DEC, manifold start: ")]
    assert f" · {words} · 50%" in line
    assert at.button(key="cmp_train").disabled  # its job is training
