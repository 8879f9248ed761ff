"""DEC under tf.distribute: a MirroredStrategy over two logical CPU devices.

Logical devices must be set before TensorFlow initialises, so the check runs in
a fresh interpreter.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent("""
    import json, os
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import numpy as np
    from sklearn.datasets import make_blobs
    from dec_core import DEC
    from dec_core.metrics import cluster_acc

    x, y = make_blobs(n_samples=400, n_features=8, centers=4, cluster_std=1.5,
                      center_box=(-10, 10), random_state=0)
    x = x.astype(np.float32)
    out = {}
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    for name, strat in (("mirrored", strategy), ("none", None)):
        dec = DEC(4, dims=[8, 32, 16, 4], pretrain_epochs=15, pretrain_batch_size=32,
                  batch_size=32, update_interval=10, max_iter=100, tol=0.0, n_init=5,
                  pretrain_noise=0.1, random_state=0, strategy=strat).fit(x, y)
        out[name] = {
            "acc": cluster_acc(y, dec.labels_),
            "replicas": strat.num_replicas_in_sync if strat else 1,
            "pretrain_loss": dec.history_["pretrain"]["loss"],
            "dec_loss": dec.history_["dec"]["loss"][1:],
            "n_iter": dec.n_iter_,
            "proba_rows": float(dec.predict_proba(x).sum(axis=1).mean()),
        }
    # IDEC's loss terms are summed by each replica; the total must still be L_r + gamma * KL.
    xi, _ = make_blobs(n_samples=200, n_features=8, centers=4, random_state=0)
    idec = DEC(4, dims=[8, 16, 4], pretrain_epochs=2, batch_size=32, update_interval=5,
               max_iter=15, tol=0.0, n_init=2, method="idec", gamma=0.5, random_state=0,
               strategy=strategy).fit(xi.astype(np.float32))
    out["idec"] = {k: idec.history_["dec"][k][1:] for k in ("loss", "kl", "reconstruction")}
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def out():
    """Both tests' figures from one fresh interpreter (logical devices precede TF's start)."""
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_idec_terms_add_up_under_a_mirrored_strategy(out):
    loss, kl, rec = (np.array(out["idec"][k]) for k in ("loss", "kl", "reconstruction"))
    assert len(loss) == 3 and np.all(kl > 0) and np.all(rec > 0)
    np.testing.assert_allclose(loss, rec + 0.5 * kl, rtol=1e-4)


def test_mirrored_strategy_matches_single_device(out):
    mirrored, single = out["mirrored"], out["none"]
    assert mirrored["replicas"] == 2 and single["replicas"] == 1
    # Both phases ran under the strategy and learned.
    assert mirrored["n_iter"] == single["n_iter"] == 100
    assert mirrored["pretrain_loss"][-1] < 0.5 * mirrored["pretrain_loss"][0]
    assert abs(mirrored["pretrain_loss"][-1] - single["pretrain_loss"][-1]) < (
        0.25 * single["pretrain_loss"][-1])
    assert all(np.isfinite(v) for v in mirrored["dec_loss"])
    # Same quality as without the strategy.
    assert single["acc"] >= 0.95
    assert mirrored["acc"] >= single["acc"] - 0.02
    assert abs(mirrored["proba_rows"] - 1.0) < 1e-5


