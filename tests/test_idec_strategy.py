"""IDEC's loss terms under tf.distribute: a MirroredStrategy over two logical CPUs.

The KL and reconstruction sums are accumulated by each replica; the total
must still equal ``L_r + gamma * KL``. Runs in a fresh interpreter, since
logical devices must be set before TensorFlow initialises.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np

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

    x, _ = make_blobs(n_samples=200, n_features=8, centers=4, random_state=0)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    dec = DEC(4, dims=[8, 16, 4], pretrain_epochs=2, batch_size=32, update_interval=5,
              max_iter=15, tol=0.0, n_init=2, method="idec", gamma=0.5, random_state=0,
              strategy=strategy).fit(x.astype(np.float32))
    print(json.dumps({k: dec.history_["dec"][k][1:] for k in ("loss", "kl", "reconstruction")}))
""")


def test_idec_terms_add_up_under_a_mirrored_strategy():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    hist = json.loads(proc.stdout.strip().splitlines()[-1])
    loss, kl, rec = (np.array(hist[k]) for k in ("loss", "kl", "reconstruction"))
    assert len(loss) == 3 and np.all(kl > 0) and np.all(rec > 0)
    np.testing.assert_allclose(loss, rec + 0.5 * kl, rtol=1e-4)
