"""A real server is killed and restarted under a real browser; the job survives.

SIGKILL mid-pretraining (a crash), restart: the Train page says the job was
interrupted, Resume continues it; SIGTERM mid-DEC (a redeploy, Ctrl-C): the
job is checkpointed and marked interrupted, no process of the server is left;
restart, Resume, Finished: the saved run has the labels of an uninterrupted
run of the same settings. Screenshots go to ``test-artifacts/``.
"""

import json
import os
import signal
import time
from pathlib import Path

import numpy as np

from tests.helpers.browser import (
    ARTIFACTS,
    free_port,
    launch_chromium,
    owner_folder,
    owner_of,
    skip_without_browser,
    streamlit_server,
)

skip_without_browser()
from playwright.sync_api import sync_playwright  # noqa: E402

SETTINGS = ("data.n_samples=200&model.hidden=16,4&train.autoencoder=live"
            "&train.pretrain_epochs=1000&train.pretrain_batch_size=16&train.max_iter=3000"
            "&train.update_interval=20&train.tol=0&train.batch_size=16")


def wait_for(condition, timeout=120.0, what="condition"):
    end = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def record(runs: Path) -> dict | None:
    files = list((runs / ".jobs").glob("*.json"))
    return json.loads(files[0].read_text()) if files else None


def test_kill_restart_resume_sigterm_resume(tmp_path):
    runs, port = tmp_path / "runs", free_port()
    env = {"DEC_RUNS_DIR": str(runs), "DEC_MAX_JOBS": "1", "DEC_WARM_WORKERS": "0"}
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # 1. Start, then SIGKILL the server mid-pretraining
        with streamlit_server(env, port=port) as (url, proc):
            page.goto(f"{url}/train?{SETTINGS}")
            page.get_by_role("button", name="Start").click(timeout=120_000)
            wait_for(lambda: (r := record(runs)) and r["progress"]["phase"] == "pretraining"
                     and r["progress"]["epoch"] >= 3, 180, "pretraining epochs in the journal")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            # its worker saves a checkpoint at the next epoch and ends by itself
            wait_for(lambda: group_gone(proc.pid), 60, "the orphaned worker to end")
        rec = record(runs)
        assert rec["state"] == "running"  # as the crash left it
        # 2. restart: the page says so in words; Resume
        log = open(tmp_path / "server.log", "w")
        with streamlit_server(env, port=port, log=log) as (url, proc):
            page.goto(f"{url}/train")  # the same browser (cookie), no job link needed
            page.get_by_text("This training was interrupted by a server restart at epoch").\
                first.wait_for(timeout=120_000)
            body = page.inner_text("body")
            assert "of 1000" in body
            assert "Resume queues it again and continues from the checkpoint at pretraining epoch " in body
            page.screenshot(path=str(ARTIFACTS / "restart-interrupted.png"))
            # any other page says it in the sidebar (a fresh load: the menu of a page that
            # lived through the restart was once seen missing on a loaded machine)
            page.goto(f"{url}/data")
            page.get_by_text("Your training was interrupted by a server restart at epoch").\
                first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "restart-interrupted-sidebar.png"))
            page.goto(f"{url}/train")  # the same browser: the page finds the job again
            page.get_by_role("button", name="Resume").click(timeout=60_000)
            wait_for(lambda: (r := record(runs)) and r["progress"]["update"] is not None
                     and r["progress"]["update"] >= 2, 180, "DEC updates after Resume")
            # 3. SIGTERM mid-DEC: checkpoint, interrupted, nothing left
            t0 = time.time()
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            stopped_in = time.time() - t0
            # (multiprocessing's resource tracker ends when its last client has gone)
            wait_for(lambda: group_gone(proc.pid), 10, "no process of the server left: "
                     + os.popen(f"ps -o pid,stat,args -g {proc.pid}").read())
        rec = record(runs)
        assert rec["state"] == "interrupted", rec
        assert rec["resume_from"].startswith("the checkpoint at DEC update ")
        assert (runs / ".jobs" / f"{rec['id']}.ckpt.npz").is_file()
        log.close()
        assert stopped_in < 15, (tmp_path / "server.log").read_text()[-3000:]
        # 4. restart, Resume, Finished
        with streamlit_server(env, port=port) as (url, proc):
            page.goto(f"{url}/train")
            page.get_by_text("interrupted by a server restart at update").first.wait_for(
                timeout=120_000)
            page.get_by_role("button", name="Resume").click()
            page.get_by_text("Finished in").first.wait_for(timeout=240_000)
            page.screenshot(path=str(ARTIFACTS / "restart-resumed-finished.png"),
                            full_page=True)
            owner = owner_of(page)
        browser.close()

    from dec_core.runs import load_run
    from explorer.jobs import JobManager

    saved = [p for p in owner_folder(runs, owner).iterdir() if not p.name.startswith(".")]
    assert len(saved) == 1
    run = load_run(saved[0], with_model=False)
    app = run.config["extra"]["app"]
    jobs = JobManager(max_jobs=1, runs_dir=tmp_path / "reference", in_process=True)
    ref = jobs.submit("reference" * 2, {k: app[k] for k in ("data", "model", "train")})
    assert jobs.wait(ref, 300) and ref.state == "done", ref.error
    # identical, not close: the same arithmetic on the same batches (dec_core.checkpoint)
    np.testing.assert_array_equal(run.labels, load_run(ref.run_path, with_model=False).labels)
    assert len(run.arrays["snapshots"]) == len(load_run(ref.run_path).arrays["snapshots"])
