"""One owner of the defaults: dec_core.presets, with the CLI, the benchmarks and the app."""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from dec_core import bench, cli, presets
from dec_core.datasets import SYNTHETIC_NOISE, load_dataset
from explorer.data import load as app_load
from explorer.session import state

ROOT = Path(__file__).resolve().parents[2]
CSV = b"a,b,c,label\n" + b"".join(
    b"%.3f,%.3f,%.3f,%s\n" % (i % 7 / 3, i % 5 / 2, i % 3, b"xyz"[i % 3:i % 3 + 1])
    for i in range(60))


def _dec_core_imports() -> dict[str, set[str]]:
    """dec_core module -> the dec_core modules it imports (anywhere in the file)."""
    graph = {}
    for path in sorted((ROOT / "dec_core").glob("*.py")):
        name = path.stem
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    if node.module:
                        found.add(node.module.split(".")[0])
                    else:
                        found.update(a.name for a in node.names)
                elif (node.module or "").startswith("dec_core."):
                    found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[1] for a in node.names
                             if a.name.startswith("dec_core."))
        graph[name] = found - {name}
    return graph


def test_no_import_cycle_in_dec_core():
    graph = _dec_core_imports()
    assert "presets" in graph["cli"] and "presets" in graph["bench"]

    def reaches(start, goal, seen):
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = [m for m in graph if reaches(m, m, {m})]
    assert cycles == []


def test_full_dims_is_the_one_rule():
    assert presets.full_dims([500, 500, 2000, 10], 784) == [784, 500, 500, 2000, 10]
    # Hidden sizes that happen to start with the width stay hidden sizes, in the CLI ...
    config = {"dims": [64, 64, 10], "n_clusters": 0}
    assert presets.estimator_params(config, 64, 10)["dims"] == [64, 64, 64, 10]
    # ... and in the app.
    model = {**state.MODEL_DEFAULTS, "hidden": [64, 64, 10]}
    assert state.dec_params(model, state.TRAIN_DEFAULTS, 64, 10)["dims"] == [64, 64, 64, 10]


@pytest.mark.parametrize("kind", sorted(presets.PRESETS))
def test_every_preset_is_complete_and_accepted_by_dec(kind):
    from dec_core import DEC

    preset = presets.PRESETS[kind]
    assert set(preset) == set(presets.DIGITS)  # every kind sets every key
    assert set(preset) - {"dims"} <= set(presets.DEC_KEYS)
    assert preset["method"] == "dec" and preset["gamma"] == 0.1
    params = presets.estimator_params(preset, 4, 3)
    assert DEC(**params).get_params()["n_clusters"] == 3


def test_app_defaults_come_from_the_digits_preset():
    for key, value in presets.DIGITS.items():
        if key == "dims":
            assert state.MODEL_DEFAULTS["hidden"] == value
        elif key == "alpha":
            assert state.MODEL_DEFAULTS["alpha"] == value
        else:
            assert state.TRAIN_DEFAULTS[key] == value, key
    # app-only keys: the seed, and where the autoencoder comes from (not a DEC parameter)
    assert set(state.TRAIN_DEFAULTS) == (set(presets.DIGITS) - {"dims", "alpha"}
                                         | {"seed", "autoencoder"})
    assert state.TRAIN_DEFAULTS["method"] == "dec" and state.TRAIN_DEFAULTS["gamma"] == 0.1


def _app_side(name: str, upload: dict | None):
    data = {**state.DATA_DEFAULTS, "name": name, "noise": SYNTHETIC_NOISE.get(name)}
    model, train = state.model_defaults(name), state.train_defaults(name)
    ds = app_load(data, upload)
    return ds, state.dec_params(model, train, ds.n_features, ds.n_classes), (data, model, train)


def _cli_side(argv: list[str]):
    config = cli.resolve_config(cli.build_parser().parse_args(["run", *argv]))
    ds = load_dataset(config["dataset"], **cli.data_options(config))
    params = presets.estimator_params(config, ds.n_features, ds.n_classes)
    params["random_state"] = config["seed"]
    return ds, params


@pytest.mark.parametrize("name", ["file", "digits", "blobs"])
def test_app_and_cli_resolve_the_same_defaults(name, tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(CSV)
    upload = {"name": "table.csv", "bytes": CSV} if name == "file" else None
    argv = ["--dataset", name] + (["--data-path", str(path)] if name == "file" else [])
    app_ds, app_params, sections = _app_side(name, upload)
    cli_ds, cli_params = _cli_side(argv)
    np.testing.assert_array_equal(app_ds.x, cli_ds.x)
    np.testing.assert_array_equal(app_ds.y, cli_ds.y)
    assert app_params == cli_params
    assert app_params["dims"][0] == app_ds.n_features
    # The config the app exports runs the same way through `--config`.
    exported = tmp_path / "config.json"
    exported.write_text(json.dumps(state.cli_config(*sections)))
    extra = ["--data-path", str(path)] if name == "file" else []
    again_ds, again_params = _cli_side(["--config", str(exported), *extra])
    np.testing.assert_array_equal(again_ds.x, app_ds.x)
    assert again_params == app_params


def test_exported_config_keeps_the_synthetic_noise(tmp_path):
    data = {**state.DATA_DEFAULTS, "name": "moons", "noise": 0.3, "n_samples": 200}
    config = state.cli_config(data, state.MODEL_DEFAULTS, state.TRAIN_DEFAULTS)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    ds, _ = _cli_side(["--config", str(path)])
    np.testing.assert_array_equal(ds.x, app_load(data).x)
    assert not np.array_equal(ds.x, load_dataset("moons", n_samples=200).x)  # 0.3, not 0.08


def test_images_preset_for_mnist_in_cli_bench_and_app():
    args = cli.build_parser().parse_args(["run", "--dataset", "mnist"])
    config = cli.resolve_config(args)
    assert config["dims"] == presets.IMAGES["dims"] == [500, 500, 2000, 10]
    assert config["pretrain_batch_size"] == presets.IMAGES["pretrain_batch_size"]
    quick = bench.protocol_config("mnist-quick")
    assert {k: quick[k] for k in presets.IMAGES} == presets.IMAGES
    assert state.model_defaults("mnist")["hidden"] == presets.IMAGES["dims"]


def test_cli_method_and_gamma_flags():
    parser = cli.build_parser()
    config = cli.resolve_config(parser.parse_args(["run", "--method", "idec", "--gamma", "0.2"]))
    assert config["method"] == "idec" and config["gamma"] == 0.2
    config = cli.resolve_config(parser.parse_args(["run"]))
    assert config["method"] == "dec" and config["gamma"] == 0.1
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--method", "kmeans"])


@pytest.mark.parametrize("old, new", [
    ({"gamma": 0.0}, {"method": "dec"}),
    ({"gamma": 0.1, "tol": 0.01}, {"method": "idec", "gamma": 0.1, "tol": 0.01}),
    ({"method": "dec", "gamma": 0.5}, {"method": "dec", "gamma": 0.5}),
    ({"tol": 0.01}, {"tol": 0.01}),
])
def test_legacy_gamma_without_method(old, new):
    assert presets.legacy_method(old) == new


def test_old_config_file_with_gamma_reads_as_idec(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"dataset": "digits", "gamma": 0.1}))
    config = cli.resolve_config(cli.build_parser().parse_args(["run", "--config", str(path)]))
    assert config["method"] == "idec" and config["gamma"] == 0.1
    path.write_text(json.dumps({"dataset": "digits", "gamma": 0.0}))
    config = cli.resolve_config(cli.build_parser().parse_args(["run", "--config", str(path)]))
    assert config["method"] == "dec" and config["gamma"] == 0.1


def test_links_with_gamma_carry_the_method():
    found, problems = state.from_query({"train.gamma": "0.1"})  # a link from before `method`
    assert not problems and found["train"] == {"method": "idec", "gamma": 0.1}
    found, _ = state.from_query({"train.gamma": "0"})
    assert found["train"] == {"method": "dec"}
    settings = {"train": {**state.TRAIN_DEFAULTS, "gamma": 0.5}}
    query = state.to_query(settings)
    assert query == {"train.gamma": "0.5", "train.method": "dec"}
    found, _ = state.from_query(query)
    assert found["train"] == {"method": "dec", "gamma": 0.5}


def test_settings_follow_the_data_set_unless_changed():
    model = state.model_defaults("digits")
    train = {**state.train_defaults("digits"), "pretrain_epochs": 7}  # the user's choice
    changes = {(s, k): v for s, k, v in state.preset_changes(model, train, "digits", "mnist")}
    assert changes[("model", "hidden")] == presets.IMAGES["dims"]
    assert changes[("train", "pretrain_batch_size")] == presets.IMAGES["pretrain_batch_size"]
    assert ("train", "pretrain_epochs") not in changes
    images = state.model_defaults("mnist")
    assert state.preset_changes(images, train, "mnist", "fashion_mnist") == []  # same preset
    changes = {(s, k): v for s, k, v in state.preset_changes(model, train, "digits", "file")}
    assert changes == {("model", "hidden"): presets.TABULAR["dims"],
                       ("train", "pretrain_noise"): presets.TABULAR["pretrain_noise"]}


@pytest.mark.parametrize("train, method, gamma", [
    ({"gamma": 0.0, "tol": 0.01}, "dec", 0.1),
    ({"gamma": 0.3}, "idec", 0.3),
    ({"method": "dec", "gamma": 0.5}, "dec", 0.5),
])
def test_old_train_settings_in_the_session_get_a_method(train, method, gamma):
    session = {"train": dict(train)}
    state.ensure_defaults(session)
    assert (session["train"]["method"], session["train"]["gamma"]) == (method, gamma)
    assert set(session["train"]) == set(state.TRAIN_DEFAULTS)


def test_exported_config_keeps_the_label_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV)
    data = {**state.DATA_DEFAULTS, "name": "file", "label_column": "3"}  # as a link carries it
    config = state.cli_config(data, state.MODEL_DEFAULTS, state.TRAIN_DEFAULTS)
    assert config["label_column"] == 3
    exported = tmp_path / "c.json"
    exported.write_text(json.dumps(config))
    ds, _ = _cli_side(["--config", str(exported), "--data-path", str(path)])
    app = app_load(data, {"name": "t.csv", "bytes": CSV})
    np.testing.assert_array_equal(ds.x, app.x)
    assert ds.n_features == 3 and ds.n_classes == 3


def test_idec_gets_its_own_optimiser_everywhere():
    from dec_core.bench import protocol_config
    from dec_core.cli import build_parser, resolve_config
    from dec_core.presets import METHOD_OPTIMIZER, preset_for, switch_method

    idec = METHOD_OPTIMIZER["idec"]
    assert idec == {"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.99}
    cli = resolve_config(build_parser().parse_args(["run", "--method", "idec"]))
    bench = protocol_config("digits", {"method": "idec"})
    app = switch_method(preset_for("digits"), "idec")
    for config in (cli, bench, app):
        assert {k: config[k] for k in idec} == idec and config["method"] == "idec"
    # back to DEC restores DEC's optimiser; a value the user chose stays
    assert switch_method(app, "dec")["learning_rate"] == 0.01
    mine = switch_method({**preset_for("digits"), "learning_rate": 0.05}, "idec")
    assert mine["learning_rate"] == 0.05 and mine["momentum"] == 0.99
    # an explicit override wins
    assert protocol_config("digits", {"method": "idec", "learning_rate": 0.2})["learning_rate"] == 0.2


def test_variants_are_documented_options():
    from dec_core import DEC
    from dec_core.presets import COMMON, VARIANTS, apply_variant, variant_of

    assert list(VARIANTS)[0] == "dec" and VARIANTS["dec"]["settings"] == {}
    params = DEC().get_params()
    for name, spec in VARIANTS.items():
        assert spec["label"] and spec["help"].rstrip().endswith((".", ")"))
        assert set(spec["settings"]) <= set(params)  # estimator parameters, nothing else
        assert variant_of(apply_variant(COMMON, name)) == name
    # the default is the paper's DEC
    assert variant_of(COMMON) == "dec"
    assert variant_of({**COMMON, "augment": 0.3}) is None
    with pytest.raises(ValueError, match="Unknown variant"):
        apply_variant(COMMON, "dec-magic")
