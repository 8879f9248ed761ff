"""Shipped pretrained autoencoders: found only on a match, refused when tampered with."""

import json
import shutil

import numpy as np
import pytest

from dec_core import DEC
from dec_core import pretrained as pt

PARAMS = dict(n_clusters=4, dims=[8, 16, 4], pretrain_epochs=3, pretrain_batch_size=32,
              pretrain_lr=0.01, pretrain_noise=0.1, pretrain_schedule="cosine",
              random_state=0, max_iter=20, update_interval=5, n_init=2)


@pytest.fixture(scope="module")
def shipped_dir(tmp_path_factory):
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(n_samples=120, n_features=8, centers=4, random_state=0)
    x = x.astype(np.float32)
    out = tmp_path_factory.mktemp("assets")
    pt.build(x, PARAMS, name="tiny", out_dir=out)
    return x, out


@pytest.fixture
def ship(shipped_dir, tmp_path):
    """A fresh copy of the tiny shipped pair: (x, path without suffix)."""
    x, src = shipped_dir
    for suffix in (".npz", ".json"):
        shutil.copy(src / f"tiny{suffix}", tmp_path / f"tiny{suffix}")
    return x, tmp_path / "tiny"


def test_match_returns_the_recorded_weights_and_curve(ship):
    x, path = ship
    found = pt.find(x, PARAMS, name=str(path))
    assert found is not None
    assert [row["epoch"] for row in found.history] == [0, 1, 2]
    assert {row["stage"] for row in found.history} == {"end_to_end"}
    assert found.config["dims"] == [8, 16, 4] and found.config["pretrain_epochs"] == 3
    assert [w.shape for w in found.weights] == [(8, 16), (16,), (16, 4), (4,), (4, 16), (16,),
                                                (16, 8), (8,)]
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["data_sha256"] == pt.data_sha256(x)
    assert {"tensorflow", "keras"} <= set(record["versions"])


def test_shipped_weights_are_what_a_live_fit_pretrains(ship):
    x, path = ship
    found = pt.find(x, PARAMS, name=str(path))
    live = DEC(**{**PARAMS, "max_iter": 0}).fit(x)
    np.testing.assert_allclose(live.history_["pretrain"]["loss"],
                               [row["loss"] for row in found.history], rtol=1e-5)
    reused = DEC(**PARAMS).fit(x, autoencoder=found.autoencoder())
    assert reused.history_["pretrain"] == {}
    assert reused.labels_.shape == (120,)


@pytest.mark.parametrize("change", [
    {"pretrain_epochs": 4}, {"pretrain_lr": 0.02}, {"pretrain_noise": 0.0},
    {"pretrain_batch_size": 64}, {"pretrain_schedule": "constant"}, {"random_state": 1},
    {"dims": [8, 16, 5]}, {"init": "dec"}, {"pretrain_optimizer": "sgd"},
    {"augment_shift": 1}, {"pretrain": "layerwise"},
])
def test_any_changed_setting_gives_none(ship, change):
    x, path = ship
    assert pt.find(x, {**PARAMS, **change}, name=str(path)) is None


def test_settings_that_act_after_pretraining_do_not_matter(ship):
    x, path = ship
    later = {"n_clusters": 3, "batch_size": 16, "max_iter": 5, "learning_rate": 0.1,
             "momentum": 0.5}  # momentum: SGD only, the record used Adam
    assert pt.find(x, {**PARAMS, **later}, name=str(path)) is not None


def test_changed_data_gives_none(ship):
    x, path = ship
    other = x.copy()
    other[5, 3] += 1e-3
    assert pt.find(other, PARAMS, name=str(path)) is None
    assert pt.find(x[:-1], PARAMS, name=str(path)) is None


@pytest.mark.parametrize("change", [{"pretrain_noise": 0.0}, {"pretrain_epochs": 4},
                                    {"random_state": 1}, {"dims": [8, 16, 5]}])
def test_mismatch_names_what_differs_as_find_decides(ship, change):
    """mismatch() is find()'s test written out: [] exactly when find() hands it out."""
    x, path = ship
    assert pt.mismatch(x, PARAMS, name=str(path)) == []
    (key, value), = change.items()
    differ = pt.mismatch(x, {**PARAMS, **change}, name=str(path))
    assert differ == [{"key": key, "value": value, "recorded": PARAMS[key]}]
    assert pt.find(x, {**PARAMS, **change}, name=str(path)) is None
    # without the estimator's defaults (no TensorFlow): only the given keys are compared
    assert pt.mismatch(x, {**PARAMS, **change}, name=str(path), defaults=False) == differ


def test_mismatch_says_when_the_data_differ(ship):
    x, path = ship
    other = x.copy()
    other[5, 3] += 1e-3
    assert pt.mismatch(other, PARAMS, name=str(path)) == [
        {"key": "data", "value": [120, 8], "recorded": [120, 8]}]
    assert pt.mismatch(x[:-1], PARAMS, name=str(path))[-1] == {
        "key": "data", "value": [119, 8], "recorded": [120, 8]}
    assert pt.mismatch(x, PARAMS, name=str(path.parent / "absent")) is None


def test_tampered_weights_are_refused(ship):
    x, path = ship
    npz = path.with_suffix(".npz")
    with np.load(npz, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["w0"] = arrays["w0"] + 1.0
    np.savez_compressed(npz, **arrays)
    with pytest.raises(pt.PretrainedFileError, match="does not match its record"):
        pt.load(path)
    with pytest.warns(UserWarning, match="does not match its record"):
        assert pt.find(x, PARAMS, name=str(path)) is None


def test_a_pickle_is_never_loaded(ship):
    x, path = ship
    npz, rec = path.with_suffix(".npz"), path.with_suffix(".json")
    with np.load(npz, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["w0"] = np.array([{"evil": 1}], dtype=object)
    np.savez(npz, **arrays)
    record = json.loads(rec.read_text())
    record["weights_sha256"] = pt._file_sha256(npz)  # a consistent but hostile pair
    rec.write_text(json.dumps(record))
    with pytest.raises(pt.PretrainedFileError, match="Cannot read the arrays"):
        pt.load(path)


def test_record_that_does_not_fit_its_arrays_is_refused(ship):
    x, path = ship
    rec = path.with_suffix(".json")
    record = json.loads(rec.read_text())
    record["config"]["dims"] = [8, 32, 4]
    rec.write_text(json.dumps(record))
    with pytest.raises(pt.PretrainedFileError, match="do not fit dims"):
        pt.load(path)


def test_missing_file_is_none_and_a_clear_error(tmp_path):
    assert pt.find(np.zeros((4, 8), np.float32), PARAMS, name=str(tmp_path / "none")) is None
    with pytest.raises(pt.PretrainedFileError, match="No shipped autoencoder file"):
        pt.load(tmp_path / "none")


def test_shipped_digits_file_matches_the_defaults():
    # Fails when the digits defaults change without `python -m dec_core.pretrained build`.
    if not (pt.ASSETS / f"{pt.DEFAULT_NAME}.npz").is_file():
        pytest.skip("no shipped digits autoencoder in assets/")
    x, params = pt.default_params()
    found = pt.find(x, params)
    assert found is not None, "assets/digits.* is stale: rerun `python -m dec_core.pretrained build`"
    assert len(found.history) == params["pretrain_epochs"]
    assert found.config["dims"] == params["dims"]
