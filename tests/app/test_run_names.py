"""Runs are named by what they are (time, data, method, mode), step-mode runs are marked,
and a run saved under the old random names still lists and loads."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dec_core.presets import apply_variant
from dec_core.runs import list_runs, load_run
from explorer.analysis import runs as run_analysis
from explorer.jobs import worker
from explorer.session.state import TRAIN_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
WHEN = 1796000000.0  # a fixed time, so the names are known


def test_run_name_says_time_data_method_and_mode():
    stamp = __import__("time").strftime("%Y%m%d-%H%M%S", __import__("time").localtime(WHEN))
    train = dict(TRAIN_DEFAULTS)
    assert worker.run_name({"train": train}, "digits", False, WHEN) == f"{stamp}-digits-dec-train"
    assert worker.run_name({"train": {**train, "method": "idec"}}, "moons", True, WHEN) == (
        f"{stamp}-moons-idec-step")
    assert worker.run_name({"train": apply_variant(train, "dec-da")}, "digits", False, WHEN) == (
        f"{stamp}-digits-dec-da-train")
    # an upload's file name is made safe for a folder
    name = worker.run_name({"train": train}, "../my data;rm.csv", False, WHEN)
    assert "/" not in name and " " not in name and ";" not in name and name.endswith("-dec-train")


def test_same_name_in_the_same_second_gets_a_number(tmp_path, monkeypatch):
    monkeypatch.setattr(worker.time, "time", lambda: WHEN)
    spec = {"run_dir": str(tmp_path / "owner"), "config": {"train": dict(TRAIN_DEFAULTS)},
            "step_mode": False}
    first, claim1 = worker._run_folder(spec, "digits")
    second, claim2 = worker._run_folder(spec, "digits")  # claimed, not yet saved
    assert second.name == first.name + "-2"
    claim1.rmdir()
    first.mkdir()  # saved
    claim2.rmdir()
    third, claim3 = worker._run_folder(spec, "digits")
    assert third.name == first.name + "-2"  # free again: the claim was given back
    assert claim3.name.startswith(".")  # a claim is hidden from the run listing
    assert [r.name for r in list_runs(tmp_path / "owner")] == [first.name]


def test_run_mode_new_and_old_records():
    assert run_analysis.run_mode({"job": {"mode": "step"}}) == "step"
    assert run_analysis.run_mode({"job": {"mode": "train"}, "app": {"name": "x (step mode)"}}) == "train"
    # saved before the mode was recorded: the Step by step page's job name said it
    assert run_analysis.run_mode({"app": {"name": "digits (step mode)"}, "job": {"id": "x"}}) == "step"
    assert run_analysis.run_mode({"app": {"name": "digits"}}) == "train"
    assert run_analysis.run_mode(None) == "train"


def _set_extra(folder: Path, **extra) -> None:
    path = folder / "config.json"
    config = json.loads(path.read_text())
    config["extra"].update(extra)
    path.write_text(json.dumps(config))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["config.json"] = path.stat().st_size
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_runs_page_marks_step_runs_and_lists_old_names(tmp_path, monkeypatch):
    import explorer.jobs as jobs_module
    from explorer.jobs import owner_dir
    from tests.helpers.fake_run import make_fake_run

    owner = "run-names-owner-token-abc"
    folder = tmp_path / owner_dir(owner)
    stamp = "20261206-013000"
    step = make_fake_run(folder / f"{stamp}-digits-dec-step", n=200, n_updates=2)
    _set_extra(step, job={"id": "a", "mode": "step"})
    train = make_fake_run(folder / f"{stamp}-digits-dec-train", n=200, n_updates=2)
    _set_extra(train, job={"id": "b", "mode": "train"})
    old = make_fake_run(folder / "20261101-120000-digits-D14-Wr", n=200, n_updates=2)
    _set_extra(old, app={**json.loads((old / "config.json").read_text())["extra"]["app"],
                         "name": "digits (step mode)"})
    assert load_run(old).labels.shape == (200,)  # an old name still loads
    monkeypatch.setattr(jobs_module, "_MANAGER", jobs_module.JobManager(runs_dir=tmp_path,
                                                                        in_process=True))
    at = AppTest.from_file(str(ROOT / "pages/runs.py"), default_timeout=180)
    at.session_state["owner"] = owner
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    modes = dict(zip(table["run"], table["mode"]))
    assert modes == {step.name: run_analysis.MODES["step"], train.name: run_analysis.MODES["train"],
                     old.name: run_analysis.MODES["step"]}
