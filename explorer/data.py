"""Load the session's data set from its spec (no streamlit here).

Pages wrap :func:`load` in ``st.cache_data``; the job runner calls it directly.
"""

from __future__ import annotations

import hashlib

from dec_core.datasets import Dataset, load_dataset
from dec_core.readers import FileTooLarge
from explorer import settings
from explorer.session.state import dataset_options


def upload_digest(data: bytes) -> str:
    """A short content hash: the cache key of an upload."""
    return hashlib.sha256(data).hexdigest()[:16]


def _too_large(n_rows: int, n_cols: int, cap: int) -> str:
    return (f"The upload holds {n_rows:,} rows x {n_cols:,} columns = {n_rows * n_cols:,} "
            f"values; this server accepts at most {cap:,} (DEC_MAX_UPLOAD_CELLS).")


def check_upload_size(n_rows: int, n_cols: int) -> None:
    """Refuse uploads with more values than the server allows."""
    cap = settings.max_upload_cells()
    if n_rows * n_cols > cap:
        raise ValueError(_too_large(n_rows, n_cols, cap))


def load(spec: dict, upload: dict | None = None) -> Dataset:
    """The :class:`Dataset` a data spec describes.

    Parameters
    ----------
    spec : dict
        The ``data`` section of the session state.
    upload : dict, optional
        ``{"name": filename, "bytes": content}``, needed when ``spec["name"] == "file"``.

    Raises
    ------
    ValueError
        With a message for people, for any bad spec or file.
    """
    data_dir = settings.data_dir()
    opts = dataset_options(spec, str(data_dir) if data_dir else None)
    if spec["name"] == "file":
        if not upload:
            raise ValueError("No file uploaded yet: choose a CSV, NPY or NPZ file.")
        cap = settings.max_upload_cells()
        try:  # an over-limit file is refused from its shape, before it is parsed
            ds = load_dataset("file", data=upload["bytes"], filename=upload["name"],
                              max_cells=cap, **opts)
        except FileTooLarge as err:
            raise ValueError(_too_large(err.n_rows, err.n_cols, cap)) from None
        check_upload_size(ds.n_samples, ds.n_features)
        return ds
    return load_dataset(spec["name"], **opts)


def check_upload(name: str, content: bytes, spec: dict) -> tuple[Dataset | None, str | None]:
    """Load an upload with the current options: ``(dataset, None)`` or ``(None, reason)``."""
    try:
        return load({**spec, "name": "file"}, {"name": name, "bytes": content}), None
    except ValueError as err:
        return None, str(err)
