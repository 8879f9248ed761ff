"""Headless time of the job the Train page runs: the same JobManager, no browser.

usage (from the project root, in its venv):
    python scripts/headless_job.py ['train.autoencoder=live&train.seed=1'] [--cold]

Settings come as a URL query, exactly as the page reads them. By default a warm
worker (TensorFlow already imported, as on a running server) takes the job;
``--cold`` starts a fresh worker process instead. Prints one JSON line:
seconds from submit to the first chart event and to the job's end (its worker
process gone), when each phase began, and the job's own message. Compare with
``python scripts/demo_timing.py`` for what the browser adds.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time
from urllib.parse import parse_qsl

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.getcwd())

from explorer.jobs import JobManager  # noqa: E402
from explorer.session.state import SECTIONS, from_query, link_changes  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cold = "--cold" in sys.argv
    config = copy.deepcopy(SECTIONS)
    found, problems = from_query(dict(parse_qsl(args[0] if args else "")))
    if problems:
        raise SystemExit("\n".join(problems))
    for section, key, value in link_changes(config, found):  # as the app reads a link
        config[section][key] = value
    manager = JobManager(max_jobs=1, runs_dir=tempfile.mkdtemp(prefix="headless-runs-"),
                         warm_workers=0 if cold else 1)
    if not cold:  # as on a server that has been up a while: the warm worker has imported TF
        time.sleep(15)
    t0 = time.time()
    job = manager.submit("headless" * 3, config)
    phases: dict[str, float] = {}  # the second each phase was first seen (50 ms polls:
    # JobManager.wait sleeps 50 ms between looks)
    while not manager.wait(job, 0.01) and time.time() - t0 < 900:
        phases.setdefault(job.phase, round(time.time() - t0, 2))
    print(json.dumps({
        "phases_s": phases,
        "first_event_s": round(job.first_event - t0, 1) if job.first_event else None,
        "finished_s": round(time.time() - t0, 1), "state": job.state,
        "autoencoder": job.autoencoder_source, "message": job.message, "warm": not cold}))
    manager.close()


if __name__ == "__main__":
    main()
