"""The benchmark command: result files, summaries, resuming (tiny budgets)."""

import json

import numpy as np
import pytest

from dec_core import bench
from dec_core.cli import main
from dec_core.cost import pretrain_flops_per_sample

TINY = ["--set", "n_samples=300", "--set", "dims=[32,10]", "--set", "pretrain_epochs=2",
        "--set", "max_iter=20", "--set", "n_init=2", "--matmul-size", "256", "--quiet"]


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def test_bench_digits_writes_json_and_markdown(tmp_path, capsys):
    code = main(["bench", "--protocol", "digits", "--seeds", "0,1", "--out-dir", str(tmp_path),
                 *TINY])
    assert code == 0
    summary = last_json(capsys.readouterr().out)
    assert summary["protocol"] == "digits"
    result = json.loads((tmp_path / "digits.json").read_text())
    assert [r["seed"] for r in result["runs"]] == [0, 1]
    assert result["data"]["n_samples"] == 300 and result["dims"] == [64, 32, 10]
    for run in result["runs"]:
        assert 0 <= run["acc"] <= 1 and 0 <= run["kmeans"]["acc"] <= 1
        assert set(run["seconds"]) == {"pretrain", "kmeans", "dec", "total"}
        # 300 samples x 2 epochs over the measured pretraining time, and the FLOPs of dims
        rate = 300 * 2 / run["seconds"]["pretrain"]
        assert run["pretrain_samples_per_s"] == pytest.approx(rate)
        assert run["pretrain_gflops"] == pytest.approx(
            rate * pretrain_flops_per_sample([64, 32, 10]) / 1e9)
        # CPU seconds of pretraining over its wall seconds: the cores it kept busy
        assert run["pretrain_cpu_seconds"] > 0
        assert run["pretrain_cores_busy"] == pytest.approx(
            run["pretrain_cpu_seconds"] / run["seconds"]["pretrain"])
    assert set(result["machine"]["tf_threads"]) == {"intra", "inter", "env"}
    s = result["summary"]
    accs = [r["acc"] for r in result["runs"]]
    assert s["acc"]["mean"] == pytest.approx(np.mean(accs))
    assert s["acc"]["std"] == pytest.approx(np.std(accs, ddof=1))
    assert s["pretrain_fraction_of_matmul"] == pytest.approx(
        s["pretrain_gflops"]["mean"] / result["matmul"]["best"])
    assert result["matmul"]["best"] == max(result["matmul"]["tensorflow"], result["matmul"]["numpy"])
    md = (tmp_path / "digits.md").read_text()
    assert "| seed | ACC | NMI | ARI" in md and "mean ± std" in md and "GFLOP/s" in md
    assert "cores busy" in md and "TF threads intra" in md
    assert result["command"].startswith("python -m dec_core bench --protocol digits")


def test_digits_protocol_is_the_cli_default():
    from dec_core.cli import build_parser, resolve_config
    from dec_core.presets import DIGITS

    config = bench.protocol_config("digits")
    cli_config = resolve_config(build_parser().parse_args(["run", "--dataset", "digits"]))
    for key, value in DIGITS.items():
        assert config[key] == value == cli_config[key]


def test_mnist_paper_takes_nothing_from_the_presets():
    # its finished seeds are matched by config when resuming: a preset change must not
    # invalidate them
    assert bench.protocol_config("mnist-paper") == bench.PROTOCOLS["mnist-paper"]["config"]


def test_flops_per_sample():
    # 12 * (4*3 + 3*2) - 2 * 4 * 3
    assert pretrain_flops_per_sample([4, 3, 2]) == 12 * 18 - 24


def test_unknown_protocol_and_bad_override(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--protocol", "nope"])
    assert main(["bench", "--protocol", "digits", "--set", "novalue", "--out-dir",
                 str(tmp_path), "--quiet"]) == 2


def test_mnist_paper_resumes(tmp_path, mnist_path, capsys):
    args = ["bench", "--protocol", "mnist-paper", "--seeds", "0", "--data-path", str(mnist_path),
            "--out-dir", str(tmp_path), *TINY[:-1]]
    assert main(args) == 0
    work = tmp_path / "mnist-paper-work"
    assert (work / "seed0-autoencoder.npz").is_file() and (work / "seed0-result.json").is_file()
    first = json.loads((tmp_path / "mnist-paper.json").read_text())["runs"][0]
    capsys.readouterr()
    # Same command: the finished seed is reused.
    assert main(args) == 0
    assert "already done" in capsys.readouterr().err
    again = json.loads((tmp_path / "mnist-paper.json").read_text())["runs"][0]
    assert again == first
    # One more epoch: pretraining continues from the 2-epoch checkpoint.
    assert main([*args, "--set", "pretrain_epochs=3"]) == 0
    err = capsys.readouterr().err
    assert "resuming" in err and "epoch 3/3" in err and "epoch 1/3" not in err
    with np.load(work / "seed0-autoencoder.npz") as npz:
        assert int(npz["epochs_done"]) == 3 and len(npz["losses"]) == 3


def test_bench_variant_files_and_n2d(tmp_path, capsys):
    code = main(["bench", "--protocol", "digits", "--seeds", "0", "--out-dir", str(tmp_path),
                 "--variant", "dec-restarts", "--set", "n_restarts=2", "--n2d", *TINY])
    assert code == 0
    result = json.loads((tmp_path / "digits.dec-restarts.json").read_text())
    assert result["variant"] == "dec-restarts" and result["config"]["n_restarts"] == 2
    run = result["runs"][0]
    assert len(run["restarts"]) == 2 and 0 <= run["n2d"]["acc"] <= 1
    assert "n2d_acc" in result["summary"] and "restart_correlation" in result["summary"]
    md = (tmp_path / "digits.dec-restarts.md").read_text()
    assert "(dec-restarts)" in md and "N2D on the same autoencoders" in md


def test_restart_correlations_sign_and_choice():
    def run(*rows):
        return {"restarts": [{"acc": a, "kl": kl, "silhouette": s, "inertia": i}
                             for a, kl, s, i in rows]}
    # kl tracks ACC perfectly (lower kl, higher ACC); silhouette the other way round
    runs = [run((0.9, 0.1, 0.1, 0.5), (0.8, 0.2, 0.2, 0.5), (0.7, 0.3, 0.3, 0.5)),
            run((0.6, 0.4, 0.4, 0.5), (0.95, 0.05, 0.05, 0.5))]
    c = bench.restart_correlations(runs)
    assert c["kl"]["spearman"] == pytest.approx(1.0)
    assert c["silhouette"]["spearman"] == pytest.approx(-1.0)
    assert c["kl"]["chosen_acc"] == pytest.approx((0.9 + 0.95) / 2)
    assert c["oracle_acc"] == pytest.approx((0.9 + 0.95) / 2)
    assert c["first_acc"] == pytest.approx((0.9 + 0.6) / 2)
