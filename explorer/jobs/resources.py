"""Resource checks before training: refuse what would not fit, and say why."""

from __future__ import annotations

import os

from dec_core.cost import human_bytes, peak_bytes


def available_memory() -> int:
    """Bytes of memory available to new allocations (MemAvailable), or a cap.

    ``DEC_MAX_MEMORY_MB`` caps it (a shared server gives each job less).
    """
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 8 * 1024**3
    cap = os.environ.get("DEC_MAX_MEMORY_MB")
    if cap:
        try:
            avail = min(avail, int(cap) * 1024**2)
        except ValueError:
            pass
    return avail


def estimate_bytes(n_samples: int, dims: list[int], n_clusters: int, batch_size: int = 256) -> int:
    """A generous estimate of the memory one DEC job needs: :func:`dec_core.cost.peak_bytes`."""
    return peak_bytes(n_samples, dims, n_clusters, batch_size)


def check_fits(n_samples: int, dims: list[int], n_clusters: int, batch_size: int = 256) -> int:
    """Raise ValueError when a job would not fit in memory; return the estimate."""
    need = estimate_bytes(n_samples, dims, n_clusters, batch_size)
    have = available_memory()
    if need > 0.8 * have:
        raise ValueError(
            f"This job needs about {human_bytes(need)} of memory ({n_samples:,} samples x "
            f"{dims[0]:,} features, dims {dims}); only {human_bytes(have)} is available. "
            "Subsample the data or use smaller layers."
        )
    return need


def check_n_clusters(n_clusters: int, n_samples: int) -> None:
    """Raise ValueError when there are more clusters than samples (the Model page sets k)."""
    if n_clusters > n_samples:
        raise ValueError(f"n_clusters={n_clusters} is more than the "
                         f"{n_samples} samples; lower it on the Model page.")


def job_params(model: dict, train: dict, dataset) -> dict:
    """The estimator parameters of a job on ``dataset``, or ValueError saying what cannot work.

    The one check before training, shared by the Train page (which refuses up
    front) and the worker (which refuses what reaches it anyway): the
    estimator's parameter check (:func:`dec_core.params.check_params`), the
    layer sizes, no more clusters than samples, and memory for the data and the
    network (:func:`check_fits`).

    Parameters
    ----------
    model, train : dict
        The app's model and train sections (:mod:`explorer.session.state`).
    dataset : dec_core.datasets.Dataset
        The loaded data (``n_samples``, ``n_features``, ``n_classes``).

    Returns
    -------
    dict
        Keyword arguments for :class:`dec_core.DEC` (:func:`explorer.session.state.dec_params`).
    """
    from dec_core.dims import check_dims
    from dec_core.params import check_params
    from explorer.session.state import dec_params

    params = dec_params(model, train, dataset.n_features, dataset.n_classes)
    check_params(params)
    check_dims(params["dims"], dataset.n_features)
    check_n_clusters(params["n_clusters"], dataset.n_samples)
    check_fits(dataset.n_samples, params["dims"], params["n_clusters"])
    return params
