"""The take-home notebook (dec_core.notebook): valid nbformat 4, and it reproduces a run."""

import re

import nbformat
import numpy as np
from nbclient import NotebookClient

from dec_core.cli import run
from dec_core.notebook import DATA_PATH_NAME, build_notebook, dumps
from dec_core.presets import preset_for

# a run small enough to train twice in a few seconds: 240 blobs, 2 epochs, 60 DEC batches
TINY = {"dataset": "blobs", "n_samples": 240, "seed": 1, "dims": [16, 4],
        "pretrain_epochs": 2, "max_iter": 60, "update_interval": 20, "n_init": 2}


def _code(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def test_the_notebook_of_a_run_prints_the_scores_the_run_reported(tmp_path):
    config = {**preset_for("blobs"), **TINY}
    result = run(config, out=tmp_path / "run", quiet=True)
    text = dumps(build_notebook(config, reported=result))
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert f"ACC {result['acc']:.4f}" in "".join(nb.cells[0].source)  # quoted in the intro

    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "\n".join(_stdout(c) for c in nb.cells if c.cell_type == "code")
    for key in ("acc", "nmi", "ari"):
        assert f"{key.upper()} {result[key]:.4f}" in printed, (key, printed)
    # the confusion matrix: a header and a row per class (blobs: 5 classes)
    table = next(_stdout(c) for c in nb.cells if "matched_confusion_matrix(" in c.source)
    assert len(table.strip("\n").splitlines()) == 1 + 5
    assert "cluster" in table.splitlines()[0]
    # the map: a plotly figure with a trace per cluster and the centroids
    fig = next(o for o in nb.cells[-1].outputs if o.get("output_type") == "display_data")
    traces = fig["data"]["application/vnd.plotly.v1+json"]["data"]
    assert [t["name"] for t in traces] == [f"cluster {j}" for j in range(5)] + ["centroids"]


def test_an_uploaded_file_is_loaded_from_the_path_a_cell_names(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["a,b,c,label"] + [f"{u:.3f},{v:.3f},{w:.3f},{'xy'[i % 2]}"
                              for i, (u, v, w) in enumerate(rng.normal(size=(30, 3)))]
    (tmp_path / "wine.csv").write_text("\n".join(rows) + "\n")
    config = {"dataset": "file", "n_samples": 20, "data_seed": 3, "scale": "standard",
              "label_column": "label", "seed": 0}
    nb = build_notebook(config, data_file="wine.csv")
    code = _code(nb)
    where = next(i for i, c in enumerate(code) if c.startswith(f"{DATA_PATH_NAME} = "))
    assert code[where].startswith(f"{DATA_PATH_NAME} = 'wine.csv'")
    load = next(c for c in code if c.startswith("data = load_dataset("))
    assert f"path={DATA_PATH_NAME}" in load and "random_state=3" in load

    # the cells up to the data, run here against the file: the run's subsample of it
    cells = code[:code.index(load) + 1]
    cells[where] = f"{DATA_PATH_NAME} = {str(tmp_path / 'wine.csv')!r}"
    scope: dict = {}
    for source in cells:
        exec(source, scope)  # noqa: S102  (the notebook's own cells)
    data = scope["data"]
    assert data.x.shape == (20, 3) and data.n_classes == 2


def test_the_config_cell_holds_the_run_config_and_the_preset():
    config = {"dataset": "blobs", "seed": 4, "normalize_frequency": False, "noise": 2.0}
    nb = build_notebook(config)
    scope: dict = {}
    exec(next(c for c in _code(nb) if c.startswith("config = ")), scope)  # noqa: S102
    assert scope["config"] == {**preset_for("blobs"), **config}
    load = next(c for c in _code(nb) if c.startswith("data = load_dataset("))
    assert re.search(r"noise=2\.0\b", load) and "random_state=4" in load
    assert not any("pretrained import find" in c for c in _code(nb))


def test_a_run_on_the_shipped_autoencoder_asks_for_it():
    nb = build_notebook({"dataset": "digits", "autoencoder": "shipped"},
                        reported={"acc": 0.8612, "nmi": 0.85, "ari": None})
    assert any("find(data.x, dec.get_params())" in c for c in _code(nb))
    intro = "".join(nb["cells"][0]["source"])
    assert "ACC 0.8612, NMI 0.8500." in intro and "ARI" not in intro
