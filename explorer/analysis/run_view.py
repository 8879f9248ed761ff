"""A saved run as the Explore page reads it: its arrays, names and colours (no streamlit).

:class:`RunView` gathers what every Explore tab needs from a
:class:`dec_core.runs.Run` once: the labels and confidences, the true
labels and class names, the images (or the table), the cluster colours under
the one colour rule (:func:`explorer.charts.explore.cluster_palette`), and the
hover texts and tables of any set of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dec_core.datasets import class_name
from dec_core.presets import method_of
from explorer.charts.explore import cluster_names, cluster_palette

MAX_TABLE_FEATURES = 16  # columns of a selection's table (features, or embedding dims)


@dataclass
class RunView:
    """What the Explore page shows of one saved run.

    Build it with :meth:`of`. ``labels`` (n,) int64, ``proba`` (n, k) and
    ``confidence`` (n,) (the largest q of each row) describe the clustering;
    ``y_true`` (n,) or None the classes; ``colors`` and ``names`` each cluster's
    colour and legend name, ``matched`` ``{cluster: class}``.
    """

    run_path: str
    run: object
    labels: np.ndarray
    proba: np.ndarray
    k: int
    method: str
    y_true: np.ndarray | None
    class_names: list | None
    image_shape: tuple[int, int] | None
    extra: dict = field(default_factory=dict)
    colors: dict = field(default_factory=dict)
    matched: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)

    @classmethod
    def of(cls, run_path, run) -> RunView:
        """The view of ``run`` (saved with its embedding and soft assignments)."""
        extra = run.config.get("extra") or {}
        app_cfg = extra.get("app") or {}
        labels = np.asarray(run.labels, dtype=np.int64)
        proba = np.asarray(run.proba)
        k = int(run.config.get("params", {}).get("n_clusters") or proba.shape[1])
        y_true = None if run.y_true is None else np.asarray(run.y_true)
        shape = extra.get("image_shape") or run.config.get("dataset", {}).get("image_shape")
        view = cls(run_path=str(run_path), run=run, labels=labels, proba=proba, k=k,
                   method=method_of(run.config.get("params") or app_cfg.get("train")),
                   y_true=y_true, class_names=extra.get("class_names"),
                   image_shape=None if shape is None else tuple(int(v) for v in shape),
                   extra=extra)
        view.colors, view.matched = cluster_palette(labels, y_true, k)
        view.names = cluster_names(range(k), view.matched, view.class_names,
                                   has_labels=y_true is not None)
        return view

    # ------------------------------------------------------------ what the run holds
    @property
    def app_config(self) -> dict:
        """The app's data, model and train sections the run was trained with (or {})."""
        return self.extra.get("app") or {}

    @property
    def history(self) -> dict:
        hist = self.run.history
        return hist.get("history", hist) or {}

    @property
    def n(self) -> int:
        return int(self.labels.shape[0])

    @property
    def confidence(self) -> np.ndarray:
        return self.proba.max(axis=1)

    @property
    def is_images(self) -> bool:
        return self.run.arrays.get("x_images") is not None and self.image_shape is not None

    @property
    def name(self) -> str:
        return self.app_config.get("name") or Path(self.run_path).name

    @property
    def stop(self):
        """The run's stop record (or the reason an older save kept), for :func:`teach.stop_text`."""
        hist = self.history
        return hist.get("stop") or self.extra.get("stop_reason") or hist.get("stop_reason")

    def class_name(self, c) -> str:
        """The original label of class ``c`` (:func:`dec_core.datasets.class_name`)."""
        return class_name(self.class_names, c)

    def prototypes(self) -> np.ndarray | None:
        """The decoded centroids (k, d) of an image run, when it saved one per cluster."""
        protos = self.run.arrays.get("prototypes") if self.is_images else None
        return protos if protos is not None and len(protos) == self.k else None

    # ------------------------------------------------------------ rows
    def images_of(self, rows: np.ndarray) -> np.ndarray:
        """The images of ``rows``, (m, h, w)."""
        h, w = self.image_shape
        return np.asarray(self.run.arrays["x_images"][rows]).reshape(len(rows), h, w)

    def hover_of(self, rows: np.ndarray) -> list[str]:
        """A hover text per row: index, cluster, true label, confidence."""
        conf, out = self.confidence, []
        for r in rows:
            t = ("" if self.y_true is None
                 else f"<br>true label {self.class_name(self.y_true[r])}")
            out.append(f"index {r}<br>cluster {self.labels[r]}{t}<br>confidence {conf[r]:.3f}")
        return out

    def table_of(self, rows: np.ndarray) -> pd.DataFrame:
        """``rows`` as a table: index, cluster, confidence, true label, then the first
        :data:`MAX_TABLE_FEATURES` features (or embedding dimensions when the run kept no table)."""
        df = pd.DataFrame({"index": rows})
        df["cluster"] = self.labels[rows]
        df["confidence"] = self.confidence[rows]
        if self.y_true is not None:
            df["true label"] = [self.class_name(c) for c in self.y_true[rows]]
        x_table = self.run.arrays.get("x")
        if x_table is not None:
            feats = np.asarray(x_table[rows])[:, :MAX_TABLE_FEATURES]
            for j in range(feats.shape[1]):
                df[f"x{j}"] = feats[:, j]
        else:
            emb = self.run.embedding
            for j in range(min(emb.shape[1], MAX_TABLE_FEATURES)):
                df[f"z{j}"] = emb[rows, j]
        return df

    def ranked(self, j: int, per: int) -> tuple[np.ndarray, np.ndarray]:
        """Cluster ``j``'s ``per`` most and ``per`` least confident members."""
        members = np.flatnonzero(self.labels == j)
        order = members[np.argsort(-self.confidence[members], kind="stable")]
        return order[:per], order[::-1][:per]


def evolution_labels(dec_history: dict, chosen, n_snaps: int
                     ) -> tuple[list[str], list[str], list[str]]:
    """Each chosen snapshot's frame name, its title line and its slider label.

    Parameters
    ----------
    dec_history : dict
        ``history["dec"]``: per update ``update``, ``iteration``, ``acc``, ``nmi``,
        ``delta_label`` (lists aligned with the snapshots; a value may be missing).
    chosen : sequence of int
        The snapshots drawn.
    n_snaps : int
        The snapshots recorded.

    Returns
    -------
    names, titles, steps : list of str
        ``"update 3"``; ``"update 3 of 9 · iteration 450 · ACC 0.812 ..."``; ``"3"``.
    """
    def at(key: str, i: int):
        values = dec_history.get(key) or []
        v = values[i] if i < len(values) else None
        return v if v is not None and np.isfinite(v) else None

    last = int(at("update", n_snaps - 1) or n_snaps - 1)
    names, titles, steps = [], [], []
    for i in chosen:
        u = at("update", i)
        u = int(u) if u is not None else i
        names.append(f"update {u}")
        steps.append(str(u))
        parts = [f"update {u} of {last}"]
        if at("iteration", i) is not None:
            parts.append(f"iteration {int(at('iteration', i)):,}")
        for key in ("acc", "nmi"):
            if at(key, i) is not None:
                parts.append(f"{key.upper()} {at(key, i):.3f}")
        if at("delta_label", i) is not None and i > 0:
            parts.append(f"labels changed {at('delta_label', i):.1%}")
        titles.append(" · ".join(parts))
    return names, titles, steps
