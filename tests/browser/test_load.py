"""Load test on the real server: several browser sessions train at once.

Each Playwright context is a separate browser (its own session and owner).
All jobs finish and every page says so, at most ``DEC_MAX_JOBS`` train at the
same time, queued pages keep following their job while they wait, and no
session's folder holds another's run. The full-size run (30 sessions) is
``python -m tests.browser.load_sessions``; this test runs the same code small.
"""

import json

from tests.helpers.browser import skip_without_browser

skip_without_browser()

SESSIONS = 3  # two run at once, the third waits in the queue
CAP = 2
# a tiny run (the full-size script's 600 digits and default loop take ~45 s a job here)
QUERY = ("data.n_samples=300&model.hidden=32,10&train.pretrain_epochs=5"
         "&train.max_iter=300&train.update_interval=15")


def test_concurrent_sessions_queue_follow_and_stay_apart():
    from tests.browser.load_sessions import run

    res = run(SESSIONS, cap=CAP, query=QUERY, deadline=900, idle=2, runs_pages=True)
    print(json.dumps(res))
    assert res["all_finished"], res
    assert res["own_runs_only"], res
    assert res["max_running"] <= CAP, res
    assert res["runs_table_shown"] == SESSIONS, res
    # with more sessions than slots someone waited, and their page kept looking
    assert res["queued_pages"] >= 1, res
    assert all(q["messages"] >= 2 for q in res["queued_updates"]["per_page"].values()), res
