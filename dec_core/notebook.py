"""A run as a Jupyter notebook that reproduces it with ``dec_core``.

:func:`build_notebook` turns a run's config (the JSON ``python -m dec_core run
--config`` reads, e.g. what the app's "Config (JSON for the CLI)" download
holds) into an nbformat-4 notebook: load the same data, build the same
estimator, fit, then print the scores and draw the confusion matrix and the
map of the embedding. It is plain JSON written here, so the app needs no
Jupyter package to offer it; ``nbformat`` validates it in the tests and
``nbclient`` executes one.

The data are loaded by :func:`dec_core.cli.data_options` and the estimator's
parameters come from :func:`dec_core.presets.estimator_params`, the functions
the CLI uses, so the notebook, ``python -m dec_core run --config`` and the app
train the same model from the same config.

Examples
--------
>>> from dec_core.notebook import build_notebook
>>> nb = build_notebook({"dataset": "blobs", "seed": 0, "n_samples": 300})
>>> nb["nbformat"], nb["cells"][0]["cell_type"]
(4, 'markdown')
"""

from __future__ import annotations

import json
import pprint

from .presets import preset_for

NBFORMAT_MINOR = 5
"""nbformat 4.5: every cell carries an ``id``."""

DATA_PATH_NAME = "DATA_PATH"
"""The notebook's variable naming a user file, set in a cell of its own."""


def _lines(text: str) -> list[str]:
    """A cell's ``source`` as nbformat stores it: lines that keep their newline."""
    lines = text.strip("\n").split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _markdown(text: str, index: int) -> dict:
    return {"cell_type": "markdown", "id": f"cell-{index}", "metadata": {},
            "source": _lines(text)}


def _code(text: str, index: int) -> dict:
    return {"cell_type": "code", "id": f"cell-{index}", "metadata": {},
            "execution_count": None, "outputs": [], "source": _lines(text)}


def _call(func: str, first: str, kwargs: dict) -> str:
    """``func(first, key=value, ...)`` with Python literals, one argument a line when long."""
    args = [first, *(f"{k}={v}" for k, v in kwargs.items())]
    one = f"{func}({', '.join(args)})"
    if len(one) <= 88:
        return one
    return f"{func}(\n" + "".join(f"    {a},\n" for a in args) + ")"


def _scores_text(reported: dict | None) -> str:
    figures = [f"{m.upper()} {float(reported[m]):.4f}" for m in ("acc", "nmi", "ari")
               if isinstance((reported or {}).get(m), (int, float))]
    if not figures:
        return ""
    return ("The run reported " + ", ".join(figures) + ". The same config on the same "
            "machine gives the same figures; other hardware or thread counts round "
            "floating-point sums differently, and the figures can then differ a little.")


_IMPORTS = ("code", "import numpy as np\n"
                    "import plotly.graph_objects as go\n"
                    "from sklearn.decomposition import PCA\n\n"
                    "from dec_core import DEC, load_dataset\n"
                    "from dec_core.metrics import clustering_scores, matched_confusion_matrix\n"
                    "from dec_core.presets import estimator_params")

_ESTIMATOR = [
    ("md", "## 2. The estimator\n\n"
           "`estimator_params` turns the config into `DEC`'s keyword arguments, as the "
           "CLI and the app do: the network's sizes start with the data's width, and "
           "`n_clusters` defaults to the number of classes."),
    ("code", "params = estimator_params(config, data.n_features, data.n_classes)\n"
             "dec = DEC(random_state=config['seed'], **params)\n"
             "params"),
]

_SHIPPED = [
    ("md", "The run's config asks for the autoencoder shipped with `dec_core` "
           "(`'autoencoder': 'shipped'`, the app's default), pretrained on the "
           "built-in digits with the default settings. As in the app and the CLI, "
           "`find` returns it only when the data and every setting that shapes "
           "pretraining match its record, and `fit` then skips pretraining; "
           "otherwise it returns None and `fit` pretrains here. The cell says which."),
    ("code", "from dec_core.pretrained import find\n\n"
             "shipped = find(data.x, dec.get_params())\n"
             "autoencoder = shipped.autoencoder() if shipped is not None else None\n"
             "print('autoencoder:', 'shipped' if shipped is not None else "
             "'pretrained here')"),
]

_FIT_AND_RESULTS = [
    ("md", "## 3. Fit\n\n"
           "Pretraining, k-means in the embedding, then DEC's self-training on "
           "KL(P‖Q) until fewer than `tol` of the labels change between target updates "
           "(or `max_iter` batches)."),
    ("code", "dec.fit(data.x, data.y, autoencoder=autoencoder)\n"
             "print(dec.stop_reason_)\n"
             "print('DEC batches:', dec.n_iter_)"),
    ("md", "## 4. The scores\n\n"
           "ACC matches clusters to classes one to one (Hungarian); NMI and ARI compare "
           "the two partitions."),
    ("code", "if data.y is None:\n"
             "    print('No true labels: nothing to score.')\n"
             "else:\n"
             "    scores = clustering_scores(data.y, dec.labels_)\n"
             "    for key, value in scores.items():\n"
             "        print(f'{key.upper()} {value:.4f}')"),
    ("md", "## 5. The confusion matrix\n\n"
           "A row per true class, a column per cluster; column j holds the cluster "
           "matched to class j, so the diagonal holds the points ACC counts."),
    ("code", "if data.y is not None:\n"
             "    matrix, classes, clusters = matched_confusion_matrix(data.y, dec.labels_)\n"
             "    rows = [data.class_name(int(c)) for c in classes]\n"
             "    cols = [f'cluster {c}' if c >= 0 else '(none)' for c in clusters]\n"
             "    width = max(len(t) for t in rows + cols) + 1\n"
             "    print(' ' * width + ''.join(c.rjust(width) for c in cols))\n"
             "    for r, counts in zip(rows, matrix):\n"
             "        print(r.rjust(width) + ''.join(str(int(v)).rjust(width) "
             "for v in counts))"),
    ("md", "## 6. The map\n\n"
           "The embedding z (`dec.transform`) projected on its first two principal "
           "components, each point coloured by its cluster, the centroids μ_j as "
           "crosses through the same projection."),
    ("code", "z = dec.transform(data.x)\n"
             "pca = PCA(n_components=2, random_state=0).fit(z)\n"
             "xy, mu = pca.transform(z), pca.transform(dec.cluster_centers_)\n"
             "fig = go.Figure()\n"
             "for j in range(dec.n_clusters):\n"
             "    member = dec.labels_ == j\n"
             "    fig.add_scatter(x=xy[member, 0], y=xy[member, 1], mode='markers',\n"
             "                    marker={'size': 4}, name=f'cluster {j}')\n"
             "fig.add_scatter(x=mu[:, 0], y=mu[:, 1], mode='markers', name='centroids',\n"
             "                marker={'symbol': 'x', 'size': 14, 'color': 'black'})\n"
             "fig.update_layout(width=640, height=480, xaxis_title='PC 1',\n"
             "                  yaxis_title='PC 2', title='The embedding z (PCA)')\n"
             "fig.show()"),
]


def _intro(name: str, title: str | None, reported: dict | None) -> tuple[str, str]:
    """The first cell: what the notebook does, and the scores the run reported."""
    intro = (f"# {title or f'DEC on {name}'}\n\n"
             "This notebook reproduces a DEC Explorer run with `dec_core`, the app's engine: "
             "the same data, the same settings, the same seed. It needs the `dec-explorer` "
             "package installed (it holds `dec_core`; run `pip install -e .` in its "
             "checkout).\n\n"
             "1. load the data, 2. build the estimator from the run's config, 3. pretrain the "
             "autoencoder, initialise the centroids with k-means and run DEC, 4. score the "
             "clusters against the true labels, 5. the confusion matrix, 6. the map of the "
             "embedding.")
    said = _scores_text(reported)
    return ("md", intro + ("\n\n" + said if said else ""))


def _data_cells(config: dict, data_file: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The data set's name, and the cells that show the config and load the data."""
    from .cli import data_options

    is_file = config["dataset"] == "file"
    shown = {k: repr(v) for k, v in data_options(config).items() if v is not None}
    if is_file:
        data_file = data_file or config.get("data_path") or "data.csv"
        shown["path"] = DATA_PATH_NAME
    cells = [
        ("md", "## The run's config\n\n"
               "Every setting of the run, as `python -m dec_core run --config` reads it "
               "(the app's *Config (JSON for the CLI)* download holds the same). Change one "
               "and run the notebook again to see what it does."),
        ("code", "config = " + pprint.pformat(config, sort_dicts=False, width=88)),
    ]
    if is_file:
        cells.append(("md", "## Your file\n\nThe run clustered an uploaded file. Point "
                            f"`{DATA_PATH_NAME}` at your copy of it."))
        cells.append(("code", f"{DATA_PATH_NAME} = {data_file!r}  # the path to your copy"))
    cells += [
        ("md", "## 1. The data\n\n"
               "`x` is float32 of shape (n_samples, n_features), scaled as the run scaled it; "
               "`y` holds the true labels (or None), used only to score."),
        ("code", _call("data = load_dataset", repr(config["dataset"]), shown) + "\n"
                 "print(data.description)\n"
                 "print('x:', data.x.shape, ' classes:', data.n_classes)"),
    ]
    return (data_file if is_file else config["dataset"]), cells


def build_notebook(config: dict, *, data_file: str | None = None,
                   reported: dict | None = None, title: str | None = None) -> dict:
    """A notebook (nbformat 4, as a dict) that reproduces a run from its config.

    Parameters
    ----------
    config : dict
        The run's config, as ``python -m dec_core run --config`` reads it: at
        least ``dataset``; keys it lacks take the data set's preset
        (:func:`dec_core.presets.preset_for`), as in the CLI.
    data_file : str, optional
        For ``dataset="file"``: the file's name (an upload's), written into
        a cell of its own for the reader to point at their copy. Default: the
        config's ``data_path``, else ``"data.csv"``.
    reported : dict, optional
        The scores the run reported (``acc``, ``nmi``, ``ari``), quoted in the
        introduction so the reader can check the notebook's against them.
    title : str, optional
        The first heading; default names the data set.

    Returns
    -------
    dict
        JSON-ready; write it with :func:`dumps`.
    """
    config = dict(config)
    config.setdefault("dataset", "digits")
    config.setdefault("seed", 0)
    for key, value in preset_for(config["dataset"]).items():
        config.setdefault(key, value)
    name, data = _data_cells(config, data_file)
    if config.get("autoencoder") == "shipped":
        autoencoder = _SHIPPED
    else:
        autoencoder = [("code", "autoencoder = None  # None: fit pretrains it")]
    cells = [_intro(name, title, reported), _IMPORTS, *data, *_ESTIMATOR, *autoencoder,
             *_FIT_AND_RESULTS]
    return {
        "cells": [(_markdown if kind == "md" else _code)(text, i)
                  for i, (kind, text) in enumerate(cells)],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3",
                           "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def dumps(notebook: dict) -> str:
    """The ``.ipynb`` text of a notebook from :func:`build_notebook`."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
