"""The app shell: the owner token stays off screen, the sidebar keeps its layout.

The owner token lets a browser see and stop its jobs, so it must never be shown
(a projector shows the page, the address bar and the share link to a class).
These tests run the whole app (``app.py`` with its navigation and sidebar) with
AppTest, open every page, and search everything drawn.
"""

import time
from pathlib import Path

import pytest
import tomllib
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

import explorer.jobs as jobs_module
import explorer.session.owner as session_owner
from explorer.jobs import Job, JobManager, owner_dir
from explorer.jobs import events as ev
from explorer.session.state import ensure_defaults
from explorer.text import states

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Tok3n-teacher_0123456789abc"
PAGES = ["pages/data.py", "pages/model.py", "pages/train.py", "pages/explore.py",
         "pages/runs.py", "pages/learn.py", "pages/lockstep.py", "pages/compare.py"]


@pytest.fixture
def jobs(tmp_path, monkeypatch):
    """A fresh job manager whose runs live in ``tmp_path``."""
    manager = JobManager(max_jobs=1, runs_dir=tmp_path / "runs")
    monkeypatch.setattr(jobs_module, "_MANAGER", manager)
    return manager


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory):
    from tests.helpers.fake_run import make_fake_run

    return make_fake_run(tmp_path_factory.mktemp("run") / "run", n=150, n_updates=2)


def finished_job(manager: JobManager, owner: str, run_folder: Path) -> Job:
    """A finished job of ``owner`` whose run is saved where the worker saves it."""
    import shutil

    folder = manager.runs_dir / owner_dir(owner) / "20261123-101500-digits-abc123"
    shutil.copytree(run_folder, folder)
    state = {}
    ensure_defaults(state)
    state["data"]["n_samples"] = 150
    scores = {"acc": 0.5, "nmi": 0.4, "ari": 0.3}
    dec = [{"update": u, "iteration": 15 * u, "loss": 0.1 - 0.01 * u, "kl": 0.1 - 0.01 * u,
            "delta_label": 0.02 / (u + 1), **scores} for u in range(3)]
    job = Job(id="job-abc123", owner=owner, config={k: state[k] for k in ("data", "model", "train")},
              name="digits", state="done", phase="finished", started=time.time() - 5,
              finished=time.time(), run_path=str(folder), scores=scores, kmeans=dict(scores),
              pretrain=[{"epoch": e, "stage": "end_to_end", "loss": 0.2 / e, "seconds": 0.1}
                        for e in (1, 2)], pretrain_epochs=2, dec=dec,
              dataset_info={"name": "digits", "n_samples": 150, "n_classes": 10})
    register(manager, job)
    return job


def register(manager: JobManager, job: Job) -> None:
    """Index a hand-made job as submit() would (by id and by owner)."""
    manager._jobs[job.id] = job
    manager._by_owner[job.owner_key].append(job)  # keyed by the owner's digest, as submit()


def drawn_text(node) -> str:
    """Everything an element tree carries: protos, and table cells as text."""
    if isinstance(node, Block) or not hasattr(node, "proto"):  # a block, or the tree's root
        own = str(node.proto) if hasattr(node, "proto") else ""
        return own + "\n".join(drawn_text(c) for c in node.children.values())
    if node.type in ("arrow_data_frame", "dataframe"):
        return node.value.to_csv()
    return str(node.proto)


def leaves(node):
    """Every element (not block) of a tree."""
    if hasattr(node, "children") and not hasattr(node, "type") or isinstance(node, Block):
        for child in node.children.values():
            yield from leaves(child)
    else:
        yield node


def test_owner_dir_is_a_digest_not_the_token():
    name = owner_dir(TOKEN)
    assert len(name) == 16 and int(name, 16) >= 0 and TOKEN not in name
    assert owner_dir(TOKEN) == name and owner_dir(TOKEN + "x") != name


def test_token_is_nowhere_on_any_page_nor_in_the_url_or_share_link(jobs, fake_run, monkeypatch):
    """A returning browser (cookie sent): the token is in no element of any page."""
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    job = finished_job(jobs, TOKEN, fake_run)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["owner"] = TOKEN  # an old link that still carries it
    at.query_params["job"] = job.id
    at.run()
    assert not at.exception
    assert at.session_state["owner"] == TOKEN  # from the cookie
    at.session_state["job_id"] = job.id
    at.session_state["run_path"] = job.run_path
    assert "owner" not in at.query_params
    share = next(c.value for c in at.sidebar.code)
    assert TOKEN not in share and "job=" not in share
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        text = drawn_text(at._tree)
        assert TOKEN not in text, page
        assert owner_dir(TOKEN) not in text, page  # no run path either
        assert all(TOKEN not in str(v) for v in at.query_params.values()), page
    # the Runs page names the run by its folder's short name
    assert "20261123-101500-digits-abc123" in drawn_text(at.switch_page("pages/runs.py").run()._tree)


def test_first_visit_writes_the_token_only_into_a_cookie_script(jobs):
    """No cookie yet: a new token, kept in the session, written by a script."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    assert not at.exception
    token = at.session_state["owner"]
    assert session_owner._valid_token(token)
    carriers = [el for el in leaves(at._tree) if token in drawn_text(el)]
    assert len(carriers) == 1 and carriers[0].type == "html"
    body = carriers[0].proto.body
    assert body.startswith("<script>") and body.endswith("</script>")
    assert f"{session_owner.OWNER_COOKIE}={token}" in body and carriers[0].proto.unsafe_allow_javascript
    assert all(token not in str(v) for v in at.query_params.values())


def test_a_refresh_with_the_cookie_sees_its_jobs_a_stranger_does_not(jobs, fake_run, monkeypatch):
    job = finished_job(jobs, TOKEN, fake_run)
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    mine = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=240)
    mine.query_params["job"] = job.id
    mine.run()
    assert not mine.exception and mine.session_state["job_id"] == job.id
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: None)
    stranger = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=240)
    stranger.query_params["job"] = job.id
    stranger.query_params["owner"] = TOKEN  # a token seen in an old URL is not adopted
    stranger.run()
    assert not stranger.exception
    assert stranger.session_state["owner"] != TOKEN and "job_id" not in stranger.session_state


class _FakeJob:
    id = "running-job"
    active = True
    state = "running"

    def view(self):
        return {"progress": 0.25, "phase": "loading"}


class _FakeManager:
    def __init__(self, job, folder):
        from explorer.jobs.cache import AutoencoderCache

        self.job = job
        self.autoencoders = AutoencoderCache(folder)  # none pretrained yet

    def get(self, job_id, owner):
        return self.job if job_id else None

    def interrupted_for(self, owner):
        return None

    def jobs_for(self, owner):
        return []


def _sidebar_types(at) -> list[str]:
    return [getattr(el, "type", "block") for el in at.sidebar.children.values()]


def test_sidebar_layout_is_the_same_with_and_without_a_running_job(monkeypatch, tmp_path):
    """The Share panel never moves: a moved element showed twice during a rerun."""
    monkeypatch.setattr(jobs_module, "_MANAGER", _FakeManager(_FakeJob(), tmp_path / "cache"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    assert not at.exception
    idle = _sidebar_types(at)
    at.session_state["job_id"] = "running-job"
    at.run()
    assert not at.exception
    assert _sidebar_types(at) == idle
    status = [p for p in at.sidebar.get("progress")]
    assert len(status) == 1 and status[0].proto.text == "Training: Loading data"


def test_phase_text_reads_like_the_train_page():
    assert states.phase_text("loading") == "Loading data"
    assert states.phase_text("dec") == "3/3 DEC self-training"
    assert states.phase_text("some_new_phase") == "Some new phase"


def test_streamlit_menu_is_off_and_the_app_draws_its_own():
    """client.showSidebarNavigation = false: no raw page-file names on a fresh server."""
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showSidebarNavigation"] is False
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    assert not at.exception
    links = [el.proto.label for el in at.sidebar.get("page_link")]
    assert links == ["Data", "Model", "Train", "Explore", "Runs", "Step by step", "Lockstep",
                     "Compare methods"]


def test_ensure_navigation_leaves_the_old_pages_mode_and_reruns(tmp_path):
    """The one private-API workaround: isolated, and it must keep working.

    An app with a ``pages/`` folder starts in Streamlit's old multipage mode
    (AppTest recomputes the flag from the folder on every run).
    """
    from streamlit.runtime.pages_manager import PagesManager

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "other.py").write_text("import streamlit as st\nst.write('other')\n")
    (tmp_path / "app.py").write_text(
        "import streamlit as st\n"
        "from streamlit.runtime.pages_manager import PagesManager\n"
        "from explorer.session.page import ensure_navigation\n"
        "st.session_state.setdefault('modes', []).append(PagesManager.uses_pages_directory)\n"
        "ensure_navigation()\n")
    at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60).run()
    assert not at.exception
    # first run in the old mode; flipped, the script ran again in the new one
    assert at.session_state["modes"] == [True, False]
    assert PagesManager.uses_pages_directory is False


def test_runs_page_says_it_in_words(jobs, fake_run, monkeypatch):
    """Statuses and phases as people read them; a run is named by its folder, not its path."""
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    done = finished_job(jobs, TOKEN, fake_run)
    running = Job(id="job-def456", owner=TOKEN, config=done.config, name="digits",
                  state="running", phase="pretraining", started=time.time())
    register(jobs, running)
    at = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=240).run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("status")
    assert list(table.index) == ["running: 1/3 Pretraining the autoencoder", "finished"]
    assert table.loc["finished", "data"] == "digits, 150 samples"
    assert table.loc["finished", "run"] == "20261123-101500-digits-abc123"
    header = next(m.value for m in at.markdown if m.value.startswith("**20261123"))
    assert "150 samples" in header and "ACC" in header


def test_a_bad_url_value_is_reported_once(jobs):
    """app.py sets up state without drawing; the page shows the warning, once."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.query_params["train.tol"] = "lots"
    at.run()
    assert not at.exception
    assert sum("train.tol" in w.value for w in at.warning) == 1


def test_finished_in_is_fixed_when_the_job_is_done(jobs):
    """"Finished in X s" must not grow while the worker process winds down."""
    job = Job(id="job-ghi789", owner=TOKEN, config={}, state="running", phase="saving",
              started=time.time() - 3)
    done = ev.Done(run_path="/nowhere", scores={}, message="converged", warnings=[])
    assert job.apply(done)
    assert job.state == "done" and job.phase == "finished" and job.finished is not None
    first = job.elapsed()
    time.sleep(0.05)
    assert job.elapsed() == first


# ------------------------------------------------- settings follow the data set
def _shown_on_mount(el):
    """What a browser shows when it mounts ``el`` afresh (as after a page switch).

    The frontend takes the server's value only when the proto says ``set_value``;
    otherwise it mounts the widget at the proto's default.
    """
    proto = el.proto
    if proto.set_value:
        return el.value
    if el.type in ("radio", "selectbox"):
        return ("index", proto.default)
    if el.type == "select_slider":
        return ("index", proto.default[0])
    default = proto.default
    return default[0] if el.type == "slider" else default


def _expected_on_mount(el, value):
    if el.proto.set_value:
        return value
    if el.type in ("radio", "selectbox"):
        return ("index", el.index)
    if el.type == "select_slider":
        return ("index", el.options.index(el.format_func(value) if el.format_func else str(value)))
    return value


def _bound_widgets(at, section):
    kinds = ("slider", "select_slider", "number_input", "radio", "selectbox", "text_input")
    for kind in kinds:
        for el in getattr(at, kind):
            if el.key and el.key.startswith(f"{section}."):
                yield el


def test_switching_data_sets_keeps_every_setting_at_its_preset(jobs, tmp_path, monkeypatch):
    """Data -> every data set -> back: each model and train setting is its preset's,
    in the setting dicts and on the widgets as a browser mounts them (a bug:
    "Input noise" showed 0.00 after Data -> moons -> digits, and the next click
    made 0.0 the setting)."""
    import numpy as np

    from explorer.session.state import model_defaults, train_defaults

    rng = np.random.default_rng(0)
    for kind in ("mnist", "fashion_mnist"):  # tiny stand-ins in the Keras layout
        x = rng.integers(0, 255, size=(30, 28, 28), dtype=np.uint8)
        y = np.arange(30) % 10
        np.savez(tmp_path / f"{kind}.npz", x_train=x[:20], y_train=y[:20], x_test=x[20:],
                 y_test=y[20:])
    monkeypatch.setenv("DEC_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    # the Train and Model widgets are registered first: the bug needed that
    at.switch_page("pages/train.py").run()
    at.switch_page("pages/model.py").run()
    names = ["moons", "digits", "mnist", "blobs", "fashion_mnist", "circles", "file", "digits"]
    for name in names:
        at.switch_page("pages/data.py").run()
        at.selectbox(key="data.name").set_value(name).run()
        assert not at.exception, name
        expected = {"model": model_defaults(name), "train": train_defaults(name)}
        for page, section in (("pages/train.py", "train"), ("pages/model.py", "model")):
            at.switch_page(page).run()
            assert not at.exception, (name, page)
            assert at.session_state[section] == expected[section], (name, section)
            widgets = list(_bound_widgets(at, section))
            if section == "train":  # every train setting drawn (layer-wise/IDEC ones hidden)
                assert len(widgets) >= 14, [w.key for w in widgets]
            for el in widgets:
                field = el.key.partition(".")[2]
                want = expected[section][field]
                assert el.value == want, (name, el.key, el.value, want)
                assert _shown_on_mount(el) == _expected_on_mount(el, want), (name, el.key)
    assert "train.pretrain_noise" not in at.query_params


def test_a_result_from_other_settings_is_greyed_and_named(jobs, fake_run, monkeypatch):
    """After a circles run, with digits chosen, the Train page must not show "digits" above
    the circles run's confusion matrix: the result is marked as the previous run's."""
    job = finished_job(jobs, TOKEN, fake_run)
    job.config["data"].update(name="circles", noise=0.05)
    job.dataset_info.update(name="circles", n_classes=2)
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=240)
    at.query_params["job"] = job.id
    at.run()
    assert not at.exception
    notes = [i.value for i in at.info if "previous run" in i.value]
    assert notes == ["From the previous run: circles, k = 2. The settings have changed since; "
                     "press Start to train with the current ones."]
    css = [h.proto.body for h in at.get("html") if "st-key-train_view" in h.proto.body]
    assert len(css) == 1 and "opacity" in css[0] and "grayscale" in css[0]
    # the same settings again: nothing is marked
    at.session_state["data"] = dict(job.config["data"])
    at.run()
    assert not any("previous run" in i.value for i in at.info)
    assert not any("st-key-train_view" in h.proto.body for h in at.get("html"))


def test_an_interrupted_run_of_other_settings_is_not_greyed(jobs, fake_run, monkeypatch):
    """After a server restart a new session has the default settings: the interrupted
    run's Resume message stays readable, and the note says Resume keeps the run's own."""
    job = finished_job(jobs, TOKEN, fake_run)
    job.config["data"].update(name="circles", noise=0.05)
    job.dataset_info.update(name="circles", n_classes=2)
    job.state, job.message = "interrupted", "interrupted by a server restart at update 2"
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=240)
    at.query_params["job"] = job.id
    at.run()
    assert not at.exception
    notes = [i.value for i in at.info if "circles, k = 2" in i.value]
    assert notes == ["The interrupted run used other settings (circles, k = 2): **Resume** "
                     "goes on with them; Start trains anew with the current ones."]
    assert any("interrupted by a server restart at update 2" in w.value for w in at.warning)
    assert not any("st-key-train_view" in h.proto.body for h in at.get("html"))
