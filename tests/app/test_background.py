"""explorer.session.background: a page's computations, once per key, outside any session."""

import threading

from explorer.session.background import Tasks


def test_a_key_runs_once_and_wait_all_waits_for_every_task():
    gate = threading.Event()
    calls = []

    def work(x):
        gate.wait(10)
        calls.append(x)
        return x * 2

    tasks = Tasks(max_workers=2)
    first = tasks.submit("a", work, 1)
    assert tasks.submit("a", work, 99) is first  # the same key: the same computation
    tasks.submit("b", work, 2)
    assert not tasks.wait_all(timeout=0.05)  # both still wait for the gate
    gate.set()
    assert tasks.wait_all(timeout=10)
    assert first.result() == 2 and sorted(calls) == [1, 2]


def test_a_failed_task_stays_failed_until_forgotten():
    tasks = Tasks()
    fut = tasks.submit("k", lambda: 1 / 0)
    assert tasks.wait_all(timeout=10) and isinstance(fut.exception(), ZeroDivisionError)
    assert tasks.submit("k", lambda: 3) is fut
    tasks.forget("k")
    assert tasks.submit("k", lambda: 3).result(timeout=10) == 3


def test_outcome_is_none_while_computing_then_the_result_or_the_error():
    tasks = Tasks()
    gate = threading.Event()
    assert tasks.outcome("slow", lambda: gate.wait(10) and 5) == (None, None)
    gate.set()
    assert tasks.wait_all(timeout=10)
    assert tasks.outcome("slow", lambda: 6) == (5, None)  # the first submission's result
    tasks.outcome("bad", lambda: 1 / 0)
    assert tasks.wait_all(timeout=10)
    result, error = tasks.outcome("bad", lambda: 3)
    assert result is None and isinstance(error, ZeroDivisionError)
