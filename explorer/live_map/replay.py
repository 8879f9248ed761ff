"""Every target update of a run, kept so the map can be replayed (NumPy only, no streamlit).

While a job trains, the server keeps one compact frame per target update
(:func:`compact`, from the worker's ``step_info``): what the map of that
update needs, without the all-rows arrays. A saved run gives the same frames
from its files (:func:`frames_from_run`: ``arrays/snapshots.npy`` and
``arrays/centroids.npy`` through the same fixed frame). :func:`info_at` turns
frame ``i`` back into a ``step_info`` that :func:`explorer.live_map.figure.embedding_map_figure`
and :func:`explorer.live_map.panel.draw` draw: the centroids' trail up to ``i``, the
points' previous positions, and axes fixed over the whole replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dec_core.gradients import soft_assign
from dec_core.presets import COMMON
from explorer.live_map.frame import frame_snapshots

# Left out of a replay frame: the all-rows arrays (n values each, the rest is per
# tracked row or per cluster), and what info_at rebuilds (the trail grows with u).
DROPPED = ("labels", "confidence", "centers_trail", "xy_prev")
MAX_FRAMES = 1000
"""Updates a job keeps for its replay (about 100 kB each for 1,000 tracked points and
k = 10): a default run has 10 to 50; past this many the replay holds the first ones."""
PLAY_SPEEDS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
"""Seconds each target update stays on screen while a replay or Step by step plays."""
DEFAULT_PLAY_SPEED = 1.0


def compact(step_info: Mapping) -> dict | None:
    """The replay frame of one update's ``step_info``; None when it has no map."""
    if not step_info or "xy" not in step_info or "centers_xy" not in step_info:
        return None
    return {key: value for key, value in step_info.items() if key not in DROPPED}


def _box(frames: Sequence[Mapping]) -> tuple:
    """Axes that hold every frame: the live map's last ones (they only ever widen, so
    they hold every earlier update too), else the smallest box around every point and
    centroid (frames read back from a saved run)."""
    if frames and frames[-1].get("xy_range") is not None:
        return tuple(tuple(float(v) for v in axis) for axis in frames[-1]["xy_range"])
    both = np.concatenate([np.concatenate([np.asarray(f["xy"]), np.asarray(f["centers_xy"])])
                           for f in frames])
    lo, hi = both.min(axis=0), both.max(axis=0)
    return tuple((float(a), float(b)) for a, b in zip(lo, hi))


def info_at(frames: Sequence[Mapping], i: int, box: tuple | None = None) -> dict:
    """Frame ``i`` as a ``step_info`` the map figures draw.

    Parameters
    ----------
    frames : sequence of dict
        From :func:`compact` (in update order) or :func:`frames_from_run`.
    i : int
        The position in ``frames`` (update ``frames[i]["update"]``).
    box : ((x0, x1), (y0, y1)), optional
        The axes' ranges; default: the box of all ``frames``, so the axes stay
        still while the replay moves (lockstep passes :func:`shared_box`).

    Returns
    -------
    dict
        ``frames[i]`` with ``centers_trail`` (i + 1, k, 2), ``xy_prev`` and ``xy_range``.
    """
    i = int(np.clip(i, 0, len(frames) - 1))
    info = dict(frames[i])
    info["centers_trail"] = np.stack([np.asarray(f["centers_xy"]) for f in frames[: i + 1]])
    info["xy_prev"] = frames[i - 1]["xy"] if i > 0 else None
    info["xy_range"] = box if box is not None else _box(frames)
    return info


def frames_from_run(run) -> list[dict]:
    """The replay frames of a saved run, from its snapshots and centroids.

    The frame is the live map's (PCA of the tracked rows at update 0); q is the
    Student's t kernel of each update's embedding and centroids (the run's
    ``alpha``), which is the q the worker computed. Without labels there is no
    cluster-to-class matching (colours by cluster).

    Parameters
    ----------
    run : dec_core.runs.Run
        Loaded with its arrays (``with_model=False`` is enough).

    Returns
    -------
    list of dict
        Empty when the run kept no snapshots or centroids (runs saved before
        the map existed).
    """
    arrays = run.arrays or {}
    snaps, cents = arrays.get("snapshots"), arrays.get("centroids")
    if snaps is None or cents is None or len(snaps) == 0:
        return []
    u = min(len(snaps), len(cents))
    snaps, cents = np.asarray(snaps)[:u], np.asarray(cents)[:u]
    xy, centers, frame = frame_snapshots(snaps, cents)
    alpha = float((run.config.get("params") or {}).get("alpha", COMMON["alpha"]))
    labels = arrays.get("snapshot_labels")
    index = arrays.get("snapshot_index")
    y = None
    if run.y_true is not None and index is not None and labels is not None:
        y = np.asarray(run.y_true)[np.asarray(index)]
    frames = []
    for i in range(u):
        q = soft_assign(snaps[i], cents[i], alpha).astype(np.float32)
        out = {"update": i, "xy": xy[i], "q": q, "centers_xy": centers[i],
               "frame": {"explained": frame.explained, "method": "pca"},
               "mapping": None, "n_classes": None}
        if y is not None and y.size:
            from dec_core.metrics import cluster_acc

            _, mapping = cluster_acc(y, np.asarray(labels[i]), return_mapping=True)
            out["mapping"] = {int(c): int(k) for c, k in mapping.items()}
            out["n_classes"] = int(np.asarray(run.y_true).max()) + 1
        frames.append(out)
    return frames


def shared_box(*runs: Sequence[Mapping]) -> tuple:
    """One box holding every frame of several runs: the axes of maps drawn side by side."""
    boxes = np.array([_box(frames) for frames in runs if frames])  # (r, 2, 2)
    return tuple((float(lo), float(hi)) for lo, hi in zip(boxes[:, :, 0].min(axis=0),
                                                          boxes[:, :, 1].max(axis=0)))
