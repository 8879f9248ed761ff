"""The numbers behind the live DEC map, computed in the training worker (NumPy only).

At each target update the worker (:class:`explorer.jobs.worker._Recorder`) asks
:class:`LiveMap` for a few small arrays and sends them in
``DecUpdate.step_info``; pages draw them with :mod:`explorer.live_map.figure`.

The frame is honest: :class:`Frame` is fitted once, on the tracked rows'
embedding at update 0 (the k-means initialisation), and every later update
and every centroid goes through the same affine map, so a point that moves on
screen moved in z. Keys added to ``step_info`` (all float32 unless said):

``xy`` (m, 2)
    the tracked rows (``recorder.index``) in the frame;
``xy_prev`` (m, 2) or None
    the same rows at the previous update;
``centers_xy`` (k, 2), ``centers_trail`` (u, k, 2)
    the centroids now, and at every update so far (update 0 first);
``frame`` dict
    ``explained`` (share of the initial embedding's variance on each axis);
``xy_range`` ((x0, x1), (y0, y1))
    the map's axes, fixed at update 0: the box of the points and centroids
    there, widened about its centre to :data:`ROOM` times its size, since
    DEC spreads the clusters apart (:func:`fixed_range`); a later update only
    changes it when something would leave it (then by :data:`WIDEN` per axis);
``xy_range_since`` int
    the update at which ``xy_range`` was last set (0 unless it had to widen);
``grad`` (m,)
    ``|dKL(p_i||q_i)/dz_i|`` of the tracked rows (:mod:`dec_core.gradients`);
``pull_xy`` (m, 2)
    the pull ``-dKL(p_i||q_i)/dz_i`` of the tracked rows through the frame's
    linear part (:meth:`Frame.project_vector`): the part of it in the map's plane;
``pull_scale`` float or None, ``pull_scale_since`` int
    map units per unit of gradient for drawing a pull, fixed for the run at the
    first update with a pull (``pull_scale_since``, see :data:`PULL_SHARE`), so
    arrows compare across points and updates; None before any pull;
``grad_share`` dict
    ``edges`` (b + 1,), and per confidence bin the share of the total
    gradient (``gradient``) and of the points (``points``), over all rows,
    and ``p_gap``, the largest ``|p_ij - q_ij|`` (below :data:`P_EQUALS_Q`
    the target is Q itself and every norm is 0);
``prototypes`` (k, d), only for images
    the decoded centroids ``inverse_transform(mu_j)``, clipped to [0, 1],
    with ``prototypes_change`` (float, the mean absolute pixel change since
    update 0) and ``decoder_trained`` (bool: IDEC trains the decoder, DEC not);
``data_xy`` (m, 2) and ``grid`` dict, only for 2-D data
    the tracked rows in the data's own space, and the soft assignment of a
    ``G x G`` grid pushed through the encoder and the centroids: ``x`` (G,),
    ``y`` (G,), ``label`` (G, G) int16 argmax and ``conf`` (G, G) max q.
"""

from __future__ import annotations

import numpy as np

from dec_core.gradients import (
    embedding_gradient,
    gradient_norms,
    share_by_confidence,
    soft_assign,
)

GRID = 60        # the 2-D data panel's background: GRID x GRID cells through the encoder
P_EQUALS_Q = 1e-6
"""Largest ``|p_ij - q_ij|`` under which the target is Q itself (float32 rounding)."""
GRAD_BINS = 5    # confidence bins of the gradient-share chart
# The map's axes at update 0 span ROOM times the box of what is drawn there. DEC pushes the
# clusters apart: with the default settings the tracked points' box grew to 1.62 times its
# width (1.31 times its height, about the same centre) on digits over 18 updates. Measured
# with the default settings: digits and moons keep their axes to the end; blobs (whose box
# grows 3.5x) widen them three times (updates 3, 4 and 13), each time doubling (WIDEN) the
# axis that points left, and the page says so.
ROOM = 1.8
WIDEN = 2.0
PULL_SHARE = 0.2
"""The pull arrows' one scale per run: at the first update with a pull, the strongest
in-plane pull among the tracked points spans this share of the map's width."""


class Frame:
    """A fixed 2-D linear view of the embedding: PCA of one set of points.

    Parameters
    ----------
    z0 : array-like of shape (m, e)
        The points that define the frame (the tracked rows at the k-means start).
    """

    def __init__(self, z0) -> None:
        z0 = np.asarray(z0, dtype=np.float64)
        self.mean = z0.mean(axis=0)
        # rows of vt are the principal axes; an embedding narrower than 2 is padded
        _, s, vt = np.linalg.svd(z0 - self.mean, full_matrices=False)
        comps = np.zeros((2, z0.shape[1]))
        comps[: min(2, vt.shape[0])] = vt[:2]
        # a fixed sign (largest loading positive), so the same data gives the same picture
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
        self.components = comps * np.where(signs == 0, 1.0, signs)[:, None]
        var = s**2
        total = var.sum()
        self.explained = [float(var[i] / total) if i < len(var) and total > 0 else 0.0
                          for i in range(2)]

    def project(self, z) -> np.ndarray:
        """``(n, e) -> (n, 2)`` float32 through the fixed map."""
        return ((np.asarray(z, dtype=np.float64) - self.mean) @ self.components.T).astype(
            np.float32)

    def project_vector(self, v) -> np.ndarray:
        """``(n, e) -> (n, 2)`` float32: a displacement (no shift), e.g. a gradient.

        The map is affine, so a point moved by ``v`` in z moves by this on screen.
        """
        return (np.asarray(v, dtype=np.float64) @ self.components.T).astype(np.float32)


def fixed_range(lo, hi, room: float = ROOM) -> np.ndarray:
    """The box ``[lo, hi]`` (per axis) widened about its centre to ``room`` times its size.

    Returns
    -------
    ndarray of shape (2, 2)
        ``[[x0, x1], [y0, y1]]``.
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    centre, half = (lo + hi) / 2.0, np.maximum((hi - lo) / 2.0, 1e-6) * room
    return np.stack([centre - half, centre + half], axis=1)


def widened(box: np.ndarray, lo, hi, step: float = WIDEN) -> np.ndarray:
    """``box`` (``[[x0, x1], [y0, y1]]``), each axis that does not hold ``[lo, hi]`` widened
    about its centre by ``step`` until it does; the same box when it already holds them."""
    out = np.array(box, dtype=np.float64)
    for a in range(2):
        if out[a, 0] <= lo[a] and hi[a] <= out[a, 1]:
            continue  # untouched: a recomputed centre +- half differs in the last bits
        centre, half = out[a].mean(), (out[a, 1] - out[a, 0]) / 2.0
        while lo[a] < centre - half or hi[a] > centre + half:
            half *= step
        out[a] = centre - half, centre + half
    return out


def frame_snapshots(snapshots, centroids=None) -> tuple[np.ndarray, np.ndarray | None, Frame]:
    """Saved snapshots (and centroids) in the frame of the first snapshot.

    Parameters
    ----------
    snapshots : array-like of shape (u, m, e)
    centroids : array-like of shape (u, k, e), optional

    Returns
    -------
    xy : ndarray of shape (u, m, 2)
    centers : ndarray of shape (u, k, 2) or None
    frame : Frame
    """
    s = np.asarray(snapshots)
    frame = Frame(s[0])
    xy = frame.project(s.reshape(-1, s.shape[-1])).reshape(s.shape[0], s.shape[1], 2)
    centers = None
    if centroids is not None:
        c = np.asarray(centroids)
        centers = frame.project(c.reshape(-1, c.shape[-1])).reshape(c.shape[0], c.shape[1], 2)
    return xy, centers, frame


def confidence_edges(k: int, bins: int = GRAD_BINS) -> np.ndarray:
    """Equal bins of max q from its floor ``1/k`` to 1, rounded to two decimals."""
    if k <= 1:  # one cluster: every point has max q = 1
        return np.linspace(0.0, 1.0, bins + 1)
    lo = 1.0 / int(k)
    edges = np.round(np.linspace(lo, 1.0, bins + 1), 2)
    edges[0], edges[-1] = min(edges[0], lo), 1.0
    return edges


def grid_axes(x2: np.ndarray, size: int = GRID, pad: float = 0.08):
    """Two ``size``-long axes covering the 2-D data with a margin."""
    lo, hi = x2.min(axis=0), x2.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return (np.linspace(lo[0], hi[0], size, dtype=np.float32),
            np.linspace(lo[1], hi[1], size, dtype=np.float32))


class LiveMap:
    """Per-update map arrays for one job (see the module docstring for the keys).

    Parameters
    ----------
    index : ndarray of shape (m,)
        The tracked rows (``_Recorder.index``).
    x : ndarray of shape (n, d), optional
        The data; used when ``d == 2`` (the data-space panel).
    images : bool, default=False
        Whether rows are images (then the prototypes are decoded).
    """

    def __init__(self, index: np.ndarray, x: np.ndarray | None = None,
                 images: bool = False) -> None:
        self.index = np.asarray(index)
        self.images = bool(images)
        self.frame: Frame | None = None
        self.trail: list[np.ndarray] = []
        self.prev: np.ndarray | None = None
        self.first_prototypes: np.ndarray | None = None  # (k, d) decoded at update 0
        self.box: np.ndarray | None = None  # the map's axes, [[x0, x1], [y0, y1]]
        self.box_since = 0
        self.pull_scale: float | None = None  # fixed at the first update with a pull
        self.pull_scale_since = 0
        self.x2 = self.grid_x = None
        if x is not None and x.ndim == 2 and x.shape[1] == 2:
            self.x2 = np.asarray(x[self.index], dtype=np.float32)
            gx, gy = grid_axes(np.asarray(x, dtype=np.float32))
            self.axes = (gx, gy)
            xx, yy = np.meshgrid(gx, gy)  # (G, G): row = y, column = x
            self.grid_x = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)

    def update(self, est, z: np.ndarray, q: np.ndarray, p: np.ndarray,
               centers: np.ndarray) -> dict:
        """The map's ``step_info`` keys for one update.

        Parameters
        ----------
        est : dec_core.DEC
            The estimator being fitted (for ``alpha``, the encoder and the decoder).
        z, q, p : ndarray of shape (n, e), (n, k), (n, k)
            Embedding, soft assignment and target of all rows.
        centers : ndarray of shape (k, e)
            The centroids at this update.
        """
        zt = z[self.index]
        if self.frame is None:
            self.frame = Frame(zt)
        xy = self.frame.project(zt)
        cxy = self.frame.project(centers)
        self.trail.append(cxy)
        both = np.concatenate([xy, cxy])
        lo, hi = both.min(axis=0), both.max(axis=0)
        update = len(self.trail) - 1
        if self.box is None:
            self.box = fixed_range(lo, hi)
        else:
            wider = widened(self.box, lo, hi)
            if not np.array_equal(wider, self.box):
                self.box, self.box_since = wider, update
        alpha = float(est.alpha)
        norms = gradient_norms(z, centers, p, alpha, q)  # (n,)
        # the pull arrows need the gradient of the shown rows only; each row's is its own
        shown = self.index
        grad = embedding_gradient(z[shown], centers, p[shown], alpha, q[shown])  # (m, e)
        gap = float(np.abs(p - q).max())
        if gap < P_EQUALS_Q:  # P is Q (power 1, no / f_j): the norms are rounding noise
            norms, grad = np.zeros_like(norms), np.zeros_like(grad)
        pull_xy = self.frame.project_vector(-grad)
        strongest = float(np.linalg.norm(pull_xy, axis=1).max()) if len(pull_xy) else 0.0
        if self.pull_scale is None and strongest > 0:
            self.pull_scale = PULL_SHARE * float(self.box[0, 1] - self.box[0, 0]) / strongest
            self.pull_scale_since = update
        edges = confidence_edges(q.shape[1])
        g_share, p_share = share_by_confidence(norms, q.max(axis=1), edges)
        out = {
            "xy": xy, "xy_prev": self.prev, "centers_xy": cxy,
            "centers_trail": np.stack(self.trail),
            "frame": {"explained": self.frame.explained, "method": "pca"},
            "xy_range": tuple((float(a), float(b)) for a, b in self.box),
            "xy_range_since": self.box_since,
            "grad": norms[self.index],
            "pull_xy": pull_xy,
            "pull_scale": self.pull_scale, "pull_scale_since": self.pull_scale_since,
            "grad_share": {"edges": edges, "gradient": g_share.astype(np.float32),
                           "points": p_share.astype(np.float32),
                           "p_gap": gap},
        }
        self.prev = xy
        if self.images:
            protos = np.clip(est.inverse_transform(centers), 0.0, 1.0)
            if self.first_prototypes is None:
                self.first_prototypes = protos
            out["prototypes"] = protos
            out["prototypes_change"] = float(np.abs(protos - self.first_prototypes).mean())
            out["decoder_trained"] = est.method == "idec"
        if self.grid_x is not None:
            zg = np.asarray(est.encoder_(self.grid_x, training=False), dtype=np.float32)
            qg = soft_assign(zg, centers, alpha)
            g = len(self.axes[0])
            out["data_xy"] = self.x2
            out["grid"] = {"x": self.axes[0], "y": self.axes[1],
                           "label": qg.argmax(axis=1).reshape(g, g).astype(np.int16),
                           "conf": qg.max(axis=1).reshape(g, g).astype(np.float32)}
        return out
