import json
import subprocess
import sys

import numpy as np
import pytest

from dec_core.cli import main
from dec_core.runs import load_run


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def test_cli_run_digits_prints_figures(capsys, tmp_path):
    code = main(["run", "--dataset", "digits", "--n-samples", "300", "--dims", "32,10",
                 "--pretrain-epochs", "2", "--max-iter", "20", "--seed", "1",
                 "--out", str(tmp_path / "run")])
    assert code == 0
    out = capsys.readouterr()
    result = last_json(out.out)
    for key in ("dataset", "n_samples", "acc", "nmi", "ari", "pretrain_seconds", "dec_seconds",
                "total_seconds", "n_iter"):
        assert key in result
    assert result["dataset"] == "digits" and result["n_samples"] == 300
    assert "[pretrain" in out.err  # progress goes to stderr
    # the cost estimate comes first, on stderr, from dec_core.cost
    assert out.err.index("[estimate] pretraining ~") < out.err.index("[pretrain")
    assert "steps" in out.err and "peak memory" in out.err
    run = load_run(tmp_path / "run")
    assert run.labels.shape == (300,)
    # the printed scores are those of the saved run's labels
    from dec_core.metrics import clustering_scores

    want = clustering_scores(run.y_true, run.labels)
    assert {k: result[k] for k in ("acc", "nmi", "ari")} == pytest.approx(want, abs=1e-12)


def test_cli_config_file_and_flags(capsys, tmp_path):
    config = {"dataset": "blobs", "dims": [16, 4], "pretrain_epochs": 1, "max_iter": 10,
              "n_clusters": 3, "seed": 0, "n_init": 2}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    assert main(["run", "--config", str(path), "--quiet"]) == 0
    result = last_json(capsys.readouterr().out)
    assert result["dataset"] == "blobs" and result["n_clusters"] == 3


def test_cli_runs_the_imbalanced_set_on_its_preset(capsys):
    assert main(["run", "--dataset", "imbalanced_blobs", "--n-samples", "105", "--dims", "8,2",
                 "--pretrain-epochs", "1", "--max-iter", "10", "--quiet"]) == 0
    result = last_json(capsys.readouterr().out)
    assert result["dataset"] == "imbalanced_blobs" and result["n_samples"] == 105
    assert result["n_clusters"] == 3  # its three blobs


def test_cli_same_seed_same_result(capsys):
    args = ["run", "--dataset", "digits", "--n-samples", "200", "--dims", "16,10",
            "--pretrain-epochs", "1", "--max-iter", "10", "--seed", "3", "--quiet"]
    main(args)
    first = last_json(capsys.readouterr().out)
    main(args)
    second = last_json(capsys.readouterr().out)
    assert first["acc"] == second["acc"] and first["nmi"] == second["nmi"]


@pytest.mark.parametrize("args, match", [
    (["--dataset", "nope"], "nope"),
    (["--dataset", "digits", "--n-samples", "5", "--n-clusters", "10"], "n_clusters"),
    (["--dataset", "blobs", "--pretrain-steps", "0"], "pretrain_epochs=0"),
    (["--dataset", "blobs", "--pretrain-steps", "-5"], "whole number of gradient steps"),
    (["--dataset", "blobs", "--update-budget", "0"], "raise update_interval instead"),
    (["--dataset", "blobs", "--update-budget", "-5"], "whole number of rows"),
])
def test_cli_bad_input_exits_2(args, match, capsys):
    assert main(["run", *args, "--quiet"]) == 2
    assert match in capsys.readouterr().err


def test_cli_mnist_from_local_file(mnist_path, capsys):
    code = main(["run", "--dataset", "mnist", "--data-path", str(mnist_path), "--n-samples",
                 "500", "--dims", "64,10", "--pretrain-epochs", "1", "--max-iter", "10",
                 "--quiet"])
    assert code == 0
    result = last_json(capsys.readouterr().out)
    assert result["dataset"] == "mnist" and result["n_samples"] == 500


def test_module_entry_point_and_no_streamlit():
    code = ("import sys, dec_core, dec_core.cli, dec_core.estimator, dec_core.runs, "
            "dec_core.datasets; assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    proc = subprocess.run([sys.executable, "-m", "dec_core", "--help"], capture_output=True,
                          text=True, check=True)
    assert "run" in proc.stdout


def test_cli_config_data_seed_picks_the_subsample(monkeypatch):
    import dec_core.datasets as datasets
    from dec_core import cli

    seen = []
    real = datasets.load_dataset

    def spy(name, **opts):
        seen.append(opts["random_state"])
        return real(name, **opts)

    monkeypatch.setattr(datasets, "load_dataset", spy)
    base = {"dataset": "blobs", "dims": [8, 3], "pretrain_epochs": 1, "max_iter": 5,
            "n_clusters": 3, "n_init": 1, "n_samples": 60}
    cli.run({**base, "seed": 4, "data_seed": 7}, quiet=True)
    cli.run({**base, "seed": 4}, quiet=True)
    assert seen == [7, 4]


def _csv(tmp_path, x, name):
    path = tmp_path / name
    np.savetxt(path, x, delimiter=",", fmt="%.5f")
    return path


def test_cli_n_clusters_auto_chooses_k_and_reports_structure(capsys, tmp_path):
    from sklearn.datasets import make_blobs

    corners = [[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]]
    x, _ = make_blobs(300, n_features=3, centers=corners, cluster_std=0.6, random_state=0)
    flags = ["--dims", "16,4", "--pretrain-epochs", "1", "--max-iter", "10", "--seed", "0"]
    code = main(["run", "--dataset", "file", "--data-path", str(_csv(tmp_path, x, "b.csv")),
                 "--n-clusters", "auto", *flags])
    assert code == 0
    out = capsys.readouterr()
    result = last_json(out.out)
    assert (result["k_chosen"], result["structure"], result["n_clusters"]) == (4, "found", 4)
    assert "[estimate] k sweep ~" in out.err
    assert "k_chosen = 4" in out.err and "structure = found" in out.err
    # the sweep's table: one row per k, 2 ... 15
    assert sum(line.startswith("[k sweep] ") and line.split()[2].isdigit()
               for line in out.err.splitlines()) == 14

    noise = np.random.default_rng(0).standard_normal((300, 4))
    assert main(["run", "--dataset", "file", "--data-path", str(_csv(tmp_path, noise, "n.csv")),
                 "--n-clusters", "auto", "--quiet", *flags]) == 0
    result = last_json(capsys.readouterr().out)
    assert result["structure"] == "none" and result["n_clusters"] == result["k_chosen"]
    # without auto the JSON line has no sweep
    assert main(["run", "--dataset", "file", "--data-path", str(tmp_path / "n.csv"),
                 "--n-clusters", "3", "--quiet", *flags]) == 0
    assert "k_chosen" not in last_json(capsys.readouterr().out)


def test_cli_n_clusters_refuses_words_other_than_auto(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--n-clusters", "many"])
    assert "expected a whole number or auto, got 'many'" in capsys.readouterr().err
