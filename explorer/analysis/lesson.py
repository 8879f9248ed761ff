"""The Step-by-step lesson's numbers: the kernel explorer's rows and the sliders' values.

The kernel explorer shows Q's Student's t kernel and P's sharpening on one made-up
point, with no training: pure NumPy, redrawn at once. The formulas are the
engine's (:func:`dec_core.gradients.student_t_kernel`,
:func:`dec_core.target.target_distribution`); this module evaluates them on the
values the sliders give. No streamlit here.
"""

from __future__ import annotations

import numpy as np

from dec_core.gradients import student_t_kernel
from dec_core.presets import COMMON
from dec_core.target import target_distribution

TARGET_POWERS: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 4.0)
"""The target powers the Step-by-step slider offers (the current value is always added)."""
TARGET_DEFAULTS: dict = {k: COMMON[k] for k in ("target_power", "normalize_frequency")}
"""The paper's target (:mod:`dec_core.presets`)."""
KERNEL_ALPHA_CHOICES: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
"""The kernel explorer's α slider (the Model page's α is always added)."""
SIZE_RATIOS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Sizes of cluster 0 against each other cluster, for the sharpening slider."""


def power_options(current: float) -> list[float]:
    """The target-power slider's values, including ``current`` (e.g. from a link)."""
    return sorted({*TARGET_POWERS, float(current)})


def alpha_options(current: float) -> list[float]:
    """The kernel explorer's alpha values, including ``current`` (the Model page's alpha)."""
    return sorted({*KERNEL_ALPHA_CHOICES, float(current)})


def sharpen_row(q, f, power: float = COMMON["target_power"],
                normalize_frequency: bool = COMMON["normalize_frequency"]) -> np.ndarray:
    """One row of DEC's target ``p_j ∝ q_j^power / f_j``, for sizes ``f`` given by sliders.

    :func:`dec_core.target.target_distribution` (the engine's formula) on a
    single point.

    Parameters
    ----------
    q : array-like of shape (k,)
        The point's soft assignment (sums to 1).
    f : array-like of shape (k,)
        Soft cluster sizes ``f_j = sum_i q_ij`` (any positive scale).
    power : float, default=2.0
    normalize_frequency : bool, default=True

    Returns
    -------
    ndarray of shape (k,)
    """
    row = np.asarray(q, dtype=np.float64)[None, :]
    return target_distribution(row, power, normalize_frequency, frequency=f)[0].astype(np.float64)


def example_row(k: int = 4, top: float = 0.5, big: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A point's q over ``k`` clusters and the clusters' sizes f, for the explorer's sliders.

    Parameters
    ----------
    k : int, default=4
        Number of clusters (>= 2).
    top : float, default=0.5
        q of cluster 0, the point's most likely cluster; the rest share
        ``1 - top`` in falling parts.
    big : float, default=1.0
        Size of cluster 0 relative to each of the others (f_0 = big * f_j).

    Returns
    -------
    q, f : ndarray of shape (k,)
    """
    rest = np.arange(k - 1, 0, -1, dtype=np.float64)
    q = np.concatenate([[float(top)], (1.0 - float(top)) * rest / rest.sum()])
    f = np.ones(k)
    f[0] = float(big)
    return q, f / f.sum()


def gaussian_crossing(alpha: float, max_distance: float = 10.0) -> float:
    """The distance beyond which the Student's t kernel is above the Gaussian ``exp(-d^2/2)``.

    Near a centroid the kernel is always below the Gaussian (its curvature at 0 is
    ``(alpha + 1) / (2 alpha) > 1/2``), far away always above (a power law against an
    exponential): they cross once.

    Examples
    --------
    >>> round(gaussian_crossing(1.0), 2)
    1.59
    """
    d = np.linspace(1e-3, max_distance, 10_001)
    above = student_t_kernel(d, alpha) >= np.exp(-d**2 / 2)
    return float(d[np.argmax(above)]) if above.any() else float("inf")
