"""AppTest: every finished run offers its take-home notebook, on Train and on Runs."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

import explorer.session.owner as session_owner
from dec_core.notebook import build_notebook
from dec_core.runs import MANIFEST
from explorer.session.state import cli_config
from tests.app.test_session import TOKEN, fake_run, finished_job, jobs  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]


def _downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _full_app_config(job) -> dict:
    """Give the job's saved run the whole app config a worker saves (the fake's is partial)."""
    path = Path(job.run_path) / "config.json"
    config = json.loads(path.read_text())
    config["extra"]["app"] = {**job.config, "name": job.name}
    path.write_text(json.dumps(config))
    manifest = path.parent / MANIFEST  # the run's file sizes, checked before it is listed
    files = json.loads(manifest.read_text())
    files["files"]["config.json"] = path.stat().st_size
    manifest.write_text(json.dumps(files))
    return config["extra"]["app"]


def test_a_finished_run_offers_its_notebook_on_train_and_runs(jobs, fake_run, monkeypatch):  # noqa: F811
    job = finished_job(jobs, TOKEN, fake_run)
    _full_app_config(job)
    monkeypatch.setattr(session_owner, "owner_cookie", lambda: TOKEN)
    train = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=240)
    train.query_params["job"] = job.id
    train.run()
    assert not train.exception
    assert "Notebook" in _downloads(train)
    runs = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=240)
    runs.session_state["owner"] = TOKEN
    runs.run()
    assert not runs.exception
    assert _downloads(runs) == ["Labels (CSV)", "Model (.keras)", "Config (JSON for the CLI)",
                                "Notebook"]


def test_the_notebook_reads_the_config_the_cli_download_holds(jobs, fake_run):  # noqa: F811
    """The notebook's config cell is the Runs page's CLI config, key for key."""
    app = _full_app_config(finished_job(jobs, TOKEN, fake_run))
    cli = cli_config(app["data"], app["model"], app["train"])
    nb = build_notebook(cli, reported={"acc": 0.5})
    source = next("".join(c["source"]) for c in nb["cells"]
                  if "".join(c["source"]).startswith("config = "))
    scope: dict = {}
    exec(source, scope)  # noqa: S102  (the notebook's own cell)
    assert {k: scope["config"][k] for k in cli} == cli
