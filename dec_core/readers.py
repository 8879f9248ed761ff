"""Reading the data files people bring: CSV, ``.npy`` and ``.npz`` (never a pickle).

The one CSV parser of the project (:func:`read_csv`, :func:`csv_layout`) and
the NumPy readers (:func:`read_npy`, :func:`read_npz`, :func:`load_keras_npz`);
:func:`dec_core.datasets.load_dataset` picks one by the file's extension.

CSV:

The layout (delimiter, header, width) comes from :class:`csv.Sniffer` and
:mod:`csv` on the first lines; the numbers are parsed by NumPy's C reader
(:func:`numpy.loadtxt`) straight into float32. A file's shape is estimated
from its line count before anything is parsed, so an over-limit file is
refused in well under a second. When the fast reader fails, a streaming
pass with :mod:`csv` finds the first bad line and says what is wrong there.

Examples
--------
>>> from dec_core.readers import csv_layout, read_csv
>>> csv_layout(b"a,b,label\\n1,2,x\\n").header
['a', 'b', 'label']
>>> x, y, names = read_csv(b"a,b,label\\n1,2,x\\n3,4,y\\n", "t.csv")
>>> x.shape, y.tolist(), names
((2, 2), ['x', 'y'], ['a', 'b'])
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass

import numpy as np

LABEL_NAMES = ("label", "labels", "y", "target", "class")
"""Header names taken as the label column under ``label_column="auto"``."""

DELIMITERS = ",;\t "
"""The delimiters the sniffer chooses from (comma when it cannot tell)."""

SAMPLE_BYTES = 65536
"""How much of the file's start the layout is read from."""


class FileTooLarge(ValueError):
    """A file holds more values than allowed; raised before it is parsed.

    Attributes
    ----------
    n_rows, n_cols : int
        The file's shape (rows estimated from its line count).
    limit : int
        The most values allowed.
    """

    def __init__(self, source: str, n_rows: int, n_cols: int, limit: int):
        self.n_rows, self.n_cols, self.limit = int(n_rows), int(n_cols), int(limit)
        super().__init__(
            f"{source}: {n_rows:,} rows x {n_cols:,} columns = {n_rows * n_cols:,} values, "
            f"more than the {limit:,} allowed."
        )


@dataclass
class CsvLayout:
    """What the first lines of a CSV file say about it.

    Attributes
    ----------
    delimiter : str
        ``,``, ``;``, tab or space (space means runs of white space).
    header : list of str or None
        The first row when it is not all numbers.
    width : int
        Fields per row (of the header, else of the first row).
    sample : list of list of str
        Up to the first 100 data rows, split (for the label column choice).
    """

    delimiter: str
    header: list[str] | None
    width: int
    sample: list[list[str]]


def is_number(text: str) -> bool:
    """Whether ``float(text)`` succeeds."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    if delimiter == " ":
        return [ln.split() for ln in lines]
    return [[c.strip() for c in row]
            for row in csv.reader(lines, delimiter=delimiter, skipinitialspace=True)]


def csv_layout(raw: bytes, source: str = "file") -> CsvLayout:
    """Sniff a CSV file's delimiter, header and width from its first lines.

    Parameters
    ----------
    raw : bytes
        The file's content (only the first :data:`SAMPLE_BYTES` are read).
    source : str, default="file"
        The name used in error messages.

    Returns
    -------
    CsvLayout

    Raises
    ------
    ValueError
        The file is empty, not UTF-8 text, or holds binary data.
    """
    head = raw[:SAMPLE_BYTES]
    if len(raw) > len(head) and head.count(b"\n") < 3:
        # a wide file (a 5,000-column header is ~65 KB): read whole lines, the header
        # and at least two rows, however long they are
        end = 0
        for _ in range(3):
            nxt = raw.find(b"\n", end)
            if nxt < 0:
                end = len(raw)
                break
            end = nxt + 1
        head = raw[:end]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut at the sample's end
            raise ValueError(
                f"{source}: not a text CSV file (it is not UTF-8: {err}).") from err
        text = head[:err.start].decode("utf-8-sig")
    if "\x00" in text:
        raise ValueError(f"{source}: not a text CSV file (it holds binary data).")
    lines = text.splitlines()
    if len(raw) > len(head) and lines:
        lines = lines[:-1]  # the last line may be cut
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise ValueError(f"{source}: the file is empty.")
    try:
        delimiter = csv.Sniffer().sniff(lines[0], delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    rows = _split(lines[:101], delimiter)
    header = None
    if not all(is_number(c) for c in rows[0] if c):
        header, rows = rows[0], rows[1:]
    width = len(header) if header is not None else len(rows[0])
    return CsvLayout(delimiter=delimiter, header=header, width=width, sample=rows[:100])


def count_rows(raw: bytes) -> int:
    """Data lines in a file, from its line breaks, without parsing (blank lines not counted)."""
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    blank = raw.count(b"\n\n") + raw.count(b"\n\r\n")
    return max(0, lines - blank - (1 if raw.startswith((b"\n", b"\r\n")) else 0))


def label_column_index(layout: CsvLayout, label_column, source: str = "file") -> int | None:
    """The index of the label column that ``label_column`` picks, or None.

    Parameters
    ----------
    layout : CsvLayout
    label_column : "auto", "none", None, int or str
        ``auto``: a column named as in :data:`LABEL_NAMES`, else a last column
        whose first values are text; an int: that column (negative from the
        end); a str: the column with that header name.
    source : str, default="file"

    Returns
    -------
    int or None
    """
    width, header = layout.width, layout.header
    is_index = isinstance(label_column, (int, np.integer)) and not isinstance(label_column, bool)
    if not is_index and label_column in (None, "none", False):
        return None
    if is_index:
        if not -width <= label_column < width:
            raise ValueError(f"{source}: label_column {label_column} is outside 0..{width - 1}.")
        return int(label_column) % width
    if label_column == "auto":
        if header:
            for j, name in enumerate(header):
                if name.lower() in LABEL_NAMES:
                    return j
        last = [row[-1] for row in layout.sample if len(row) == width]
        if width > 1 and not all(is_number(v) for v in last):
            return width - 1
        return None
    if not header or label_column not in header:
        names = header or [f"column {j}" for j in range(width)]
        raise ValueError(f"{source}: no column named {label_column!r}; columns are {names}.")
    return header.index(label_column)


def _loadtxt(raw: bytes, layout: CsvLayout, skip: int, usecols, dtype) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "line N contained no data": blank lines are fine
        return np.loadtxt(io.BytesIO(raw), dtype=dtype, delimiter=None if layout.delimiter == " "
                          else layout.delimiter, skiprows=skip, usecols=usecols,
                          quotechar='"', comments=None, encoding="utf-8-sig", ndmin=2)


def _header_line(raw: bytes, layout: CsvLayout) -> int:
    """Physical lines to skip: leading blank lines and the header."""
    if layout.header is None:
        return 0
    skip = 0
    for line in io.BytesIO(raw[:SAMPLE_BYTES]):
        skip += 1
        if line.strip(b"\xef\xbb\xbf \t\r\n"):
            return skip
    return skip


def _slow_read(raw: bytes, layout: CsvLayout, col: int | None, names: list[str], source: str,
               auto: bool):
    """Parse row by row with :mod:`csv`; name the first bad line. Slow, exact."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{source}: not a text CSV file (it is not UTF-8: {err}).") from err
    if "\x00" in text:
        raise ValueError(f"{source}: not a text CSV file (it holds binary data).")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    del text
    if layout.header is not None:
        lines = lines[1:]
    width = layout.width
    if auto and col is None and width > 1:
        last = (row[-1] for row in _split(lines, layout.delimiter) if len(row) == width)
        if not all(is_number(v) for v in last):
            col = width - 1  # a last column of text among numbers holds labels
            names = [n for j, n in enumerate(names) if j != col]
    feats = [j for j in range(width) if j != col]
    x = np.empty((len(lines), len(feats)), dtype=np.float32)
    y = [] if col is not None else None
    first = 1 + (layout.header is not None)
    for i, row in enumerate(_split(lines, layout.delimiter)):
        if len(row) != width:
            raise ValueError(
                f"{source}: ragged rows: line {i + first} has {len(row)} fields, "
                f"expected {width}.")
        for k, j in enumerate(feats):
            try:
                x[i, k] = float(row[j])
            except ValueError:
                raise ValueError(
                    f"{source}: non-numeric value {row[j]!r} in column {names[k]!r} at line "
                    f"{i + first}.") from None
        if y is not None:
            y.append(row[col])
    return x, (None if y is None else np.asarray(y, dtype=str)), names


def read_csv(raw: bytes, source: str = "file", label_column="auto",
             max_cells: int | None = None) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Parse a CSV file of numbers, with an optional header and label column.

    Parameters
    ----------
    raw : bytes
        The file's content, UTF-8 (a byte-order mark is allowed).
    source : str, default="file"
        The name used in error messages.
    label_column : "auto", "none", int or str, default="auto"
        See :func:`label_column_index`.
    max_cells : int, optional
        Refuse, before parsing, a file with more feature values than this
        (:class:`FileTooLarge`, its shape estimated from the line count).

    Returns
    -------
    x : ndarray of shape (n_rows, n_features), float32
    y : ndarray of str of shape (n_rows,), or None
        The label column's values, as text.
    names : list of str
        The feature columns' names (``column j`` without a header).

    Raises
    ------
    ValueError
        With the line and column of the first problem: empty, ragged or
        non-numeric rows, not UTF-8, binary data.
    """
    layout = csv_layout(raw, source)
    col = label_column_index(layout, label_column, source)
    width = layout.width
    n_features = width - (col is not None)
    if max_cells is not None:
        n_rows = count_rows(raw) - (layout.header is not None)
        if n_rows * n_features > max_cells:
            raise FileTooLarge(source, n_rows, n_features, max_cells)
    if not layout.sample:
        raise ValueError(f"{source}: the file has a header but no data rows.")
    names = layout.header or [f"column {j}" for j in range(width)]
    names = [n for j, n in enumerate(names) if j != col]
    skip = _header_line(raw, layout)
    feats = [j for j in range(width) if j != col]
    try:
        x = _loadtxt(raw, layout, skip, feats if col is not None else None, np.float32)
        if x.shape[1] != n_features:
            raise ValueError("width")
        if col is not None and layout.delimiter != " " and b'"' not in raw:
            # usecols skips the width check: count the delimiters instead
            rows = x.shape[0] + (layout.header is not None)
            if raw.count(layout.delimiter.encode()) != rows * (width - 1):
                raise ValueError("ragged")
        y = None if col is None else _loadtxt(raw, layout, skip, [col], str)[:, 0]
    except ValueError:
        return _slow_read(raw, layout, col, names, source, auto=label_column == "auto")
    return x, y, names


# ----------------------------------------------------------------------------
# NumPy files


def open_npz(source_bytes_or_path, source: str):
    """An ``.npz`` archive from bytes or a path, opened without pickle."""
    try:
        obj = source_bytes_or_path
        if isinstance(obj, (bytes, bytearray)):
            obj = io.BytesIO(obj)
        npz = np.load(obj, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{source}: not a readable .npz file ({err}).") from err
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"{source}: expected an .npz archive, found a single array.")
    return npz


def _read_array(npz, key: str, source: str) -> np.ndarray:
    try:
        return npz[key]
    except ValueError as err:  # object arrays need pickle, which we refuse
        raise ValueError(
            f"{source}: array {key!r} holds Python objects and would need pickle to load; "
            "refused for safety. Save plain numeric arrays."
        ) from err
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{source}: array {key!r} is damaged ({err}).") from err


def _check_npy_header(head: bytes, source: str, max_cells: int) -> None:
    """Refuse huge declared shapes before numpy allocates anything."""
    try:
        buf = io.BytesIO(head)
        version = np.lib.format.read_magic(buf)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(buf)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(buf)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{source}: not a valid .npy file ({err}).") from err
    if dtype.hasobject:
        raise ValueError(
            f"{source}: the array holds Python objects (dtype {dtype}) and would need pickle; "
            "refused for safety. Save a plain numeric array."
        )
    cells = int(np.prod(shape, dtype=np.float64)) if shape else 1
    if cells > max_cells:
        raise ValueError(
            f"{source}: the file declares shape {shape} ({cells:,} values), more than the "
            f"{max_cells:,} allowed."
        )


def read_npy(raw: bytes, source: str, max_cells: int) -> np.ndarray:
    """One array from a ``.npy`` file's bytes, its declared size checked first (no pickle)."""
    if not raw.startswith(b"\x93NUMPY"):
        raise ValueError(f"{source}: not a .npy file (it does not start with the NumPy magic).")
    _check_npy_header(raw[:4096], source, max_cells)
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as err:
        raise ValueError(f"{source}: cannot read the array ({err}).") from err


def read_npz(raw: bytes, source: str, max_cells: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``(x, y)`` from an uploaded ``.npz``: the Keras layout (train and test joined), or
    keys ``x`` (``X``, ``data``, or the only array) and ``y`` (``Y``, ``labels``,
    ``target``; None when absent). Every declared shape is checked before anything is
    read; nothing is unpickled.
    """
    if not raw.startswith(b"PK"):
        raise ValueError(f"{source}: not a .npz file (it is not a zip archive).")
    with open_npz(raw, source) as npz:
        keys = list(npz.files)
        if not keys:
            raise ValueError(f"{source}: the archive is empty.")
        for key in keys:  # check declared shapes before reading anything
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                name = key + ".npy" if key + ".npy" in zf.namelist() else key
                with zf.open(name) as fh:
                    _check_npy_header(fh.read(4096), f"{source}[{key}]", max_cells)
        if {"x_train", "x_test"} <= set(keys):
            x = np.concatenate([_read_array(npz, "x_train", source),
                                _read_array(npz, "x_test", source)])
            y = np.concatenate([_read_array(npz, "y_train", source),
                                _read_array(npz, "y_test", source)]) \
                if {"y_train", "y_test"} <= set(keys) else None
            return x, y
        xkey = next((k for k in ("x", "X", "data") if k in keys), None)
        if xkey is None:
            if len(keys) == 1:
                xkey = keys[0]
            else:
                raise ValueError(
                    f"{source}: expected a key 'x' (and optionally 'y'); found {keys}."
                )
        x = _read_array(npz, xkey, source)
        ykey = next((k for k in ("y", "Y", "labels", "target") if k in keys), None)
        y = _read_array(npz, ykey, source) if ykey else None
    return x, y


def load_keras_npz(path, source: str = "file") -> tuple[np.ndarray, np.ndarray]:
    """Read a Keras-layout ``.npz`` (x_train, y_train, x_test, y_test) without pickle.

    Returns train and test concatenated: ``(x uint8 (n, h, w), y (n,))``.
    """
    with open_npz(path, source) as npz:
        keys = set(npz.files)
        need = {"x_train", "y_train", "x_test", "y_test"}
        if not need <= keys:
            raise ValueError(
                f"{source}: expected the Keras layout with keys {sorted(need)}, found "
                f"{sorted(keys)}."
            )
        x = np.concatenate([npz["x_train"], npz["x_test"]])
        y = np.concatenate([npz["y_train"], npz["y_test"]])
    return x, y
