"""Layer sizes of the autoencoder: the one check shared by the estimator and the app.

NumPy only, no Keras: the Streamlit server imports this to refuse impossible
settings up front, and must not load TensorFlow (Streamlit then clears the
Keras session, a full garbage collection, after every script run of every
session).
"""

from __future__ import annotations

import numbers

import numpy as np


def check_dims(dims, n_features: int | None = None) -> list[int]:
    """Validate layer sizes ``[n_features, hidden..., embedding_dim]``.

    Parameters
    ----------
    dims : sequence of int
        At least two entries, all positive integers.
    n_features : int, optional
        The data's width; ``dims[0]`` must equal it.

    Returns
    -------
    list of int
    """
    try:
        dims = list(dims)
    except TypeError as err:
        raise ValueError(f"dims must be a list of positive integers. Got {dims!r}.") from err
    if len(dims) < 2:
        raise ValueError(
            f"dims needs at least an input width and an embedding size, e.g. [64, 10]. Got {dims!r}."
        )
    for i, v in enumerate(dims):
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, float, np.floating)):
            raise ValueError(f"dims[{i}]={v!r} is not an integer; dims={dims!r}.")
        if isinstance(v, (float, np.floating)) and not float(v).is_integer():
            raise ValueError(f"dims[{i}]={v!r} is not an integer; dims={dims!r}.")
        if v <= 0:
            raise ValueError(f"dims[{i}]={v!r} must be a positive integer; dims={dims!r}.")
    dims = [int(v) for v in dims]
    if n_features is not None and dims[0] != n_features:
        raise ValueError(
            f"dims[0]={dims[0]} does not match the data's width n_features={n_features}; "
            f"dims must start at the number of input features."
        )
    return dims
