"""dec_core.cost: FLOPs, the step budget, the time estimate, the ETA, settings that fit."""

import numpy as np
import pytest

from dec_core import cost
from dec_core.presets import (
    DEC_UPDATE_BUDGET,
    PRETRAIN_STEPS,
    estimator_params,
    preset_for,
)


def params_for(dataset, d, k, **changes):
    return {**estimator_params(preset_for(dataset), d, k), **changes}


def test_pretrain_flops_exact_count():
    # forward 4S, weight gradients 4S, input gradients 4S less the first layer's
    assert cost.pretrain_flops_per_sample([4, 3, 2]) == 12 * 18 - 24
    assert cost.dec_flops_per_sample([4, 3, 2], 5) == 6 * 18 - 24 + 6 * 5 * 2
    assert cost.dec_flops_per_sample([4, 3, 2], 5, "idec") == 12 * 18 - 24 + 60


@pytest.mark.parametrize("n, batch, epochs, budget, plan", [
    (1797, 64, 200, None, (29, 5800, 200)),
    (1797, 64, 200, PRETRAIN_STEPS, (29, 5800, 200)),   # the digits preset: untouched
    (1_000_000, 64, 200, PRETRAIN_STEPS, (15625, 20000, 2)),  # capped: 1.3 epochs
    (10, 64, 3, 2, (1, 2, 2)),                          # batch larger than the data
    (100, 10, 0, 5, (10, 0, 0)),
])
def test_pretrain_plan(n, batch, epochs, budget, plan):
    assert cost.pretrain_plan(n, batch, epochs, budget) == plan


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_bad_budget_names_the_fix(bad):
    with pytest.raises(ValueError, match="pretrain_epochs=0"):
        cost.check_pretrain_steps(bad)


@pytest.mark.parametrize("n, interval, max_iter, budget, used", [
    (1797, 60, 3000, DEC_UPDATE_BUDGET, 60),          # digits: untouched
    (10_000, 40, 20000, DEC_UPDATE_BUDGET, 40),       # MNIST-10k: untouched
    (70_000, 40, 20000, DEC_UPDATE_BUDGET, 140),      # all of MNIST: DEC-keras's 140
    (1_000_000, 60, 3000, DEC_UPDATE_BUDGET, 300),    # 10 updates instead of 50
    (1_000_000, 60, 3000, None, 60),                  # no cap
    (10, 5, 0, 1, 5),                                 # no batches, nothing to widen
])
def test_dec_update_interval(n, interval, max_iter, budget, used):
    assert cost.dec_update_interval(n, interval, max_iter, budget) == used
    if budget is not None and used > interval:
        assert n * max_iter / used <= budget


def test_the_update_budget_leaves_every_tuned_preset_alone():
    from dec_core.presets import PRESETS

    sizes = {"digits": 1797, "images": 10_000, "synthetic": 1500, "tabular": 5000}
    for kind, n in sizes.items():
        pre = PRESETS[kind]
        assert pre["update_budget"] == DEC_UPDATE_BUDGET
        assert cost.dec_update_interval(n, pre["update_interval"], pre["max_iter"],
                                        pre["update_budget"]) == pre["update_interval"], kind


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_bad_update_budget_names_the_fix(bad):
    with pytest.raises(ValueError, match="update_budget.*raise update_interval instead"):
        cost.check_update_budget(bad)


def test_estimate_counts_the_widened_interval():
    p = params_for("file", 3, 4)
    big = cost.estimate(1_000_000, p, gflops=100)
    assert (big.update_interval, big.update_interval_asked) == (300, 60)
    assert "a target update every 300 (update_budget)" in big.summary()
    free = cost.estimate(1_000_000, {**p, "update_budget": None}, gflops=100)
    assert free.update_interval == 60 and "update_budget" not in free.summary()
    # the updates, not the batches, are what the budget saves: 51 against 11 full passes
    assert free.dec_seconds - big.dec_seconds == pytest.approx(40 * big.update_seconds, rel=1e-6)
    with pytest.raises(ValueError, match="update_budget"):
        cost.estimate(1000, {**p, "update_budget": 0}, gflops=100)


def test_expected_dec_iterations_are_a_count_capped_by_max_iter():
    assert cost.expected_dec_iters(20_000) == cost.EXPECTED_DEC_ITERS
    assert cost.expected_dec_iters(500) == 500
    mnist = cost.estimate(10_000, params_for("mnist", 784, 10), gflops=100)
    per_iter = mnist.dec_step_seconds + mnist.update_seconds / mnist.update_interval
    assert mnist.dec_expected_seconds == pytest.approx(
        cost.DEC_FIXED_S + cost.EXPECTED_DEC_ITERS * per_iter + mnist.update_seconds)


def test_estimator_refuses_a_bad_budget():
    from dec_core import DEC

    x = np.random.default_rng(0).random((20, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="whole number of gradient steps"):
        DEC(2, dims=[3, 2], pretrain_steps=0).fit(x)


def test_estimate_counts_steps_and_grows_with_them():
    p = params_for("file", 3, 4)
    big = cost.estimate(1_000_000, p, gflops=100)
    assert big.capped and big.pretrain_steps == PRETRAIN_STEPS and big.pretrain_epochs_run == 2
    uncapped = cost.estimate(1_000_000, {**p, "pretrain_steps": None}, gflops=100)
    assert uncapped.pretrain_steps == 200 * 15625
    assert uncapped.pretrain_seconds > 100 * big.pretrain_seconds
    # twice the rate: the matmul share halves, the per-step overhead stays
    fast = cost.estimate(1_000_000, p, gflops=200)
    assert fast.pretrain_seconds < big.pretrain_seconds
    assert big.total_seconds == pytest.approx(
        big.pretrain_seconds + big.kmeans_seconds + big.dec_expected_seconds)
    assert big.dec_seconds > big.dec_expected_seconds
    shipped = cost.estimate(1797, params_for("digits", 64, 10), gflops=100, pretrained=True)
    assert shipped.pretrain_seconds == 0 and shipped.pretrain_steps == 0
    assert "peak memory" in big.summary() and "capped by pretrain_steps" in big.summary()


def test_settings_that_fit_do_fit():
    p = params_for("file", 3, 4, pretrain_steps=None)
    est = cost.estimate(1_000_000, p, gflops=50)
    assert est.total_seconds > cost.WARN_SECONDS
    fix = cost.fitting_settings(est, p)
    assert fix["pretrain_steps"] and fix["n_samples"] and not fix["together"]  # either fits
    capped = cost.estimate(1_000_000, {**p, "pretrain_steps": fix["pretrain_steps"]}, gflops=50)
    assert capped.total_seconds <= cost.WARN_SECONDS
    sub = cost.estimate(fix["n_samples"], p, gflops=50)
    assert sub.total_seconds <= cost.WARN_SECONDS
    small = cost.estimate(1797, params_for("digits", 64, 10), gflops=100)
    assert cost.fitting_settings(small, params_for("digits", 64, 10)) == {
        "pretrain_steps": None, "n_samples": None, "together": False}


def test_remaining_seconds_has_an_eta_from_the_start_and_follows_the_run():
    plan = cost.estimate(1797, params_for("digits", 64, 10), gflops=100).as_dict()
    start = cost.remaining_seconds(plan, "pretraining")
    assert start == pytest.approx(plan["pretrain_seconds"] + plan["kmeans_seconds"]
                                  + plan["dec_expected_seconds"], rel=0.05)
    # half way, running twice as slow as planned: the pretraining half left takes as long
    # again, and the later phases are scaled by the same factor
    half = cost.remaining_seconds(plan, "pretraining", pretrain_done=0.5,
                                  pretrain_elapsed=plan["pretrain_seconds"])
    assert half == pytest.approx(plan["pretrain_seconds"] + 2 * (
        plan["kmeans_seconds"] + plan["dec_expected_seconds"]), rel=0.05)
    # DEC converged (the changed-label share reached tol): nothing left
    assert cost.remaining_seconds(plan, "dec", dec_iteration=600, dec_elapsed=3.0,
                                  phase_elapsed=3.0, dec_convergence=1.0, dec_updates=10) == 0


def test_first_dec_eta_is_not_a_multiple_of_the_time_spent():
    # With the shipped autoencoder DEC's first update comes ~2 s in: after the first update
    # of a run that will stop at ~1,000 of 3,000 batches, the ETA is the plan's, not
    # elapsed x (1 - 2%) / 2% (which would say "33 s left" 2 s before the end).
    plan = cost.estimate(1797, params_for("digits", 64, 10), gflops=100,
                         pretrained=True).as_dict()
    per_iter = plan["dec_step_seconds"] + plan["update_seconds"] / plan["update_interval"]
    eta = cost.remaining_seconds(plan, "dec", dec_iteration=60, dec_elapsed=60 * per_iter,
                                 phase_elapsed=60 * per_iter, dec_convergence=0.1,
                                 dec_updates=2)
    assert eta < 1.2 * cost.expected_dec_iters(3000) * per_iter
    late = cost.remaining_seconds(plan, "dec", dec_iteration=960, dec_elapsed=960 * per_iter,
                                  phase_elapsed=960 * per_iter, dec_convergence=0.95,
                                  dec_updates=17)
    assert late < 100 * per_iter


def test_budget_caps_pretraining_and_reports_progress():
    from dec_core import DEC
    from dec_core.callbacks import Callback

    class Seen(Callback):
        def __init__(self):
            super().__init__()
            self.progress = []

        def on_pretrain_progress(self, steps_done, logs=None):
            self.progress.append((steps_done, logs["total_steps"]))

    x = np.random.default_rng(0).random((40, 3), dtype=np.float32)
    seen = Seen()
    # 3 steps an epoch (batch 16 of 40); a budget of 4 stops 5 epochs after 1 1/3
    dec = DEC(2, dims=[3, 4, 2], pretrain_epochs=5, pretrain_steps=4, pretrain_batch_size=16,
              max_iter=2, n_init=1, random_state=0).fit(x, callbacks=[seen])
    assert len(dec.history_["pretrain"]["loss"]) == 2
    assert seen.progress[-1] == (4, 4)


def test_job_eta_from_the_first_second_of_pretraining():
    # A job's ETA exists from the first second of pretraining, not only after an epoch
    # (one epoch of a 1,000,000-row run takes about 91 s)
    import time

    from explorer.jobs import Job

    cfg = {"data": {"name": "file"}, "model": {"hidden": [64, 64, 128, 10]},
           "train": {**preset_for("file"), "seed": 0}}
    job = Job(id="j", owner="o", config=cfg, state="running", phase="pretraining",
              pretrain_epochs=200)
    now = time.time()
    job.started = now - 2
    job.phase_started = {"pretraining": now - 1}
    assert job.progress()[1] is None  # no plan (a worker that sends none): no ETA
    plan = cost.estimate(1_000_000, params_for("file", 3, 4), gflops=50).as_dict()
    job.plan = plan
    frac, eta = job.progress()
    assert eta == pytest.approx(plan["total_seconds"] - 1, rel=0.1) and 0 < frac < 0.1
    job.pretrain_done = 0.5  # half the steps in half the planned time: on plan
    job.phase_started = {"pretraining": now - plan["pretrain_seconds"] / 2}
    frac, eta = job.progress()
    assert eta == pytest.approx(plan["pretrain_seconds"] / 2 + plan["kmeans_seconds"]
                                + plan["dec_expected_seconds"], rel=0.1)


def test_both_settings_together_when_neither_fits_alone():
    # the digits network on 1,000,000 rows of a slow server: DEC alone takes minutes
    p = params_for("file", 3, 4, dims=[3, 256, 256, 512, 10])
    est = cost.estimate(1_000_000, p, gflops=11)
    fix = cost.fitting_settings(est, p)
    assert fix["pretrain_steps"] and fix["n_samples"] and fix["together"]
    both = cost.estimate(fix["n_samples"], {**p, "pretrain_steps": fix["pretrain_steps"]},
                         gflops=11)
    assert both.total_seconds <= cost.WARN_SECONDS


def test_later_phases_keep_the_measured_speed():
    # pretraining ran 3x slower than planned: k-means and DEC are expected 3x slower too
    plan = cost.estimate(1797, params_for("digits", 64, 10), gflops=100).as_dict()
    left = cost.remaining_seconds(plan, "kmeans", pretrain_done=1.0,
                                  pretrain_elapsed=3 * plan["pretrain_seconds"])
    assert left == pytest.approx(3 * (plan["kmeans_seconds"] + plan["dec_expected_seconds"]),
                                 rel=0.05)


def test_pretrain_epochs_run_counts_every_stage_under_the_budget():
    params = {"dims": [64, 32, 16, 4], "pretrain": "end_to_end", "pretrain_epochs": 7,
              "layer_epochs": 3, "pretrain_batch_size": 100, "pretrain_steps": None}
    assert cost.pretrain_epochs_run(1000, params) == 7
    params["pretrain"] = "layerwise"
    assert cost.pretrain_epochs_run(1000, params) == 7 + 3 * 3  # 3 layer pairs, then fine-tuning
    params["pretrain_steps"] = 25  # 10 steps per epoch: each stage stops within its 3rd epoch
    assert cost.pretrain_epochs_run(1000, params) == 3 + 3 * 3


def test_machine_rate_is_measured_unless_dec_gflops_names_it(monkeypatch):
    cost.machine_gflops.cache_clear()
    try:
        monkeypatch.setenv("DEC_GFLOPS", "42")
        assert cost.machine_gflops() == 42.0
        cost.machine_gflops.cache_clear()
        monkeypatch.setenv("DEC_GFLOPS", "fast")  # not a number: measured
        assert cost.machine_gflops() > 1.0
        cost.machine_gflops.cache_clear()
        monkeypatch.delenv("DEC_GFLOPS")
        measured = cost.machine_gflops()
        assert measured > 1.0 and cost.machine_gflops() == measured  # once per process
    finally:
        cost.machine_gflops.cache_clear()


def test_sweep_seconds_is_bounded_by_the_sweeps_subsample():
    from dec_core.selection import SWEEP_ROWS

    small = cost.sweep_seconds(150, 4)
    assert small == pytest.approx(cost.SWEEP_FIXED_S + cost.SWEEP_PER_CELL_S * 150 * 4)
    # past SWEEP_ROWS rows and the embedding's width only the PCA grows
    at_cap = cost.sweep_seconds(SWEEP_ROWS, 10)
    assert cost.sweep_seconds(70_000, 10) == at_cap
    assert cost.sweep_seconds(70_000, 784) > at_cap
    assert cost.sweep_seconds(1_000_000, 784) == cost.sweep_seconds(20_000, 784)
