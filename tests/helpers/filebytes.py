"""File contents built in memory, for upload and loader tests (pickle allowed on purpose:
the loaders must refuse object arrays)."""

import io

import numpy as np


def npy_bytes(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()
