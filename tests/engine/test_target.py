"""The target distribution's two ingredients: the power on q and the division by f_j."""

import numpy as np
import pytest

from dec_core import DEC
from dec_core.callbacks import Callback
from dec_core.cli import build_parser, resolve_config
from dec_core.presets import DEC_KEYS, preset_for
from dec_core.runs import load_run, save_run
from dec_core.target import target_distribution

TINY = dict(dims=[8, 32, 16, 4], pretrain_epochs=2, batch_size=64, update_interval=5,
            max_iter=15, n_init=2, random_state=0)


def random_q(n=300, k=5, seed=0):
    """Rows summing to 1, with unequal soft cluster sizes f_j."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 2 + np.linspace(0, 2, k)  # later clusters bigger
    q = np.exp(logits)
    return q / q.sum(axis=1, keepdims=True)


def paper_p(q):
    """Xie et al. 2016, eq. 3, written out loop by loop (an independent reference)."""
    n, k = q.shape
    f = [sum(q[i, j] for i in range(n)) for j in range(k)]
    p = np.zeros_like(q)
    for i in range(n):
        den = sum(q[i, jj] ** 2 / f[jj] for jj in range(k))
        for j in range(k):
            p[i, j] = (q[i, j] ** 2 / f[j]) / den
    return p


def test_defaults_are_the_papers_formula():
    q = random_q()
    np.testing.assert_allclose(target_distribution(q), paper_p(q), atol=1e-6)
    np.testing.assert_allclose(target_distribution(q, 2.0, True), paper_p(q), atol=1e-6)


@pytest.mark.parametrize("power", [0.5, 1.0, 3.0, 6.0])
@pytest.mark.parametrize("normalize", [True, False])
def test_each_switch_changes_p_as_its_formula_says(power, normalize):
    q = random_q(seed=1)
    f = q.sum(axis=0)
    weight = q**power / (f if normalize else 1.0)
    expected = weight / weight.sum(axis=1, keepdims=True)
    p = target_distribution(q, power, normalize)
    np.testing.assert_allclose(p, expected, atol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)


def test_power_one_without_frequency_is_q_itself():
    q = random_q(seed=2)
    np.testing.assert_allclose(target_distribution(q, 1.0, False), q, atol=1e-6)


def test_higher_power_sharpens_and_frequency_division_protects_small_clusters():
    q = random_q(seed=3)
    conf = {pw: target_distribution(q, pw).max(axis=1).mean() for pw in (1.0, 2.0, 4.0)}
    assert conf[1.0] < conf[2.0] < conf[4.0]
    # without the division by f_j, the target gives the biggest cluster a larger share
    big = int(np.argmax(q.sum(axis=0)))
    small = int(np.argmin(q.sum(axis=0)))
    with_f, without_f = target_distribution(q, 2.0, True), target_distribution(q, 2.0, False)
    assert without_f[:, big].sum() > with_f[:, big].sum()
    assert without_f[:, small].sum() < with_f[:, small].sum()


def test_large_power_stays_finite():
    q = random_q(k=40, seed=4)
    p = target_distribution(q, 200.0)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)
    # the limit of a huge power: all weight on each row's most likely cluster
    assert np.mean(p.argmax(axis=1) == q.argmax(axis=1)) == 1.0


class TargetRecorder(Callback):
    def __init__(self):
        super().__init__()
        self.pairs = []

    def on_dec_update(self, update, logs=None):
        self.pairs.append((np.array(logs["q"]), np.array(logs["p"])))


@pytest.mark.parametrize("power, normalize", [(2.0, True), (3.0, False)])
def test_estimator_trains_towards_the_switched_target(power, normalize, blobs, tmp_path):
    x, y = blobs
    rec = TargetRecorder()
    dec = DEC(4, target_power=power, normalize_frequency=normalize, **TINY)
    dec.fit(x, y, callbacks=[rec])
    assert rec.pairs
    for q, p in rec.pairs:
        np.testing.assert_allclose(p, target_distribution(q, power, normalize), atol=1e-6)
    # recorded in the saved run, and back in the loaded estimator
    run = load_run(save_run(tmp_path / "run", dec, x, y), with_model=False)
    assert run.config["params"]["target_power"] == power
    assert run.config["params"]["normalize_frequency"] is normalize


@pytest.mark.parametrize("params, match", [
    ({"target_power": 0}, "target_power"),
    ({"target_power": -2.0}, "target_power"),
    ({"target_power": float("nan")}, "target_power"),
    ({"normalize_frequency": "yes"}, "normalize_frequency"),
    ({"normalize_frequency": 1}, "normalize_frequency"),
])
def test_invalid_target_params(params, match, blobs):
    x, _ = blobs
    with pytest.raises(ValueError, match=match):
        DEC(4, **{**TINY, **params}).fit(x)


def test_presets_cli_and_config_carry_the_switches(tmp_path):
    assert {"target_power", "normalize_frequency"} <= set(DEC_KEYS)
    preset = preset_for("digits")
    assert (preset["target_power"], preset["normalize_frequency"]) == (2.0, True)
    args = build_parser().parse_args(["run", "--target-power", "3", "--no-normalize-frequency"])
    config = resolve_config(args)
    assert (config["target_power"], config["normalize_frequency"]) == (3.0, False)
    path = tmp_path / "c.json"
    path.write_text('{"target_power": 1.5, "normalize_frequency": false}')
    config = resolve_config(build_parser().parse_args(["run", "--config", str(path)]))
    assert (config["target_power"], config["normalize_frequency"]) == (1.5, False)
    config = resolve_config(build_parser().parse_args(["run"]))
    assert (config["target_power"], config["normalize_frequency"]) == (2.0, True)


def test_app_state_passes_the_switches_to_the_estimator():
    from explorer.session import state

    model, train = state.model_defaults(), state.train_defaults()
    assert (train["target_power"], train["normalize_frequency"]) == (2.0, True)
    train.update(target_power=3.0, normalize_frequency=False)
    params = state.dec_params(model, train, n_features=64, n_labels=10)
    assert (params["target_power"], params["normalize_frequency"]) == (3.0, False)
    cli = state.cli_config(state.DATA_DEFAULTS, model, train)
    assert (cli["target_power"], cli["normalize_frequency"]) == (3.0, False)
    found, problems = state.from_query({"train.normalize_frequency": "0",
                                        "train.target_power": "3"})
    assert not problems
    assert found["train"] == {"normalize_frequency": False, "target_power": 3.0}
