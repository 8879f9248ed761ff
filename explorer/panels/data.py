"""The Data page's panels: the file upload, the preview of tabular data, and the k sweep.

An upload is checked in the uploader's callback, before the page runs; a refused
file is released at once (its bytes, the widget's copy, and the heap they took),
since Streamlit keeps an uploaded file's bytes for as long as its widget holds it.
"""

from __future__ import annotations

import gc

import pandas as pd
import streamlit as st

from dec_core.cost import human_count
from explorer.analysis import k_sweep
from explorer.charts import data as data_charts
from explorer.charts import sweep as sweep_charts
from explorer.compat import forget_upload
from explorer.data import check_upload, upload_digest
from explorer.session.background import poll, tasks
from explorer.session.state import session_upload
from explorer.session.submit import running_job, start_job
from explorer.session.widgets import bind, chart_columns, projector_mode, set_setting, store
from explorer.text import teach

PREVIEW_ROWS = 200  # rows of a table shown under the charts


# ------------------------------------------------------------------ the upload
def _return_freed_memory() -> None:
    """Collect the released upload's objects and hand the freed heap back to the system.

    glibc keeps freed arenas mapped, so without ``malloc_trim`` a refused 196 MB
    file kept the server's resident memory up after its bytes were gone.
    """
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _release_upload(up, message: str) -> None:
    """Forget a refused file at once, so its bytes do not stay on the server.

    Drops the file from the upload manager, closes the widget's own copy (a
    BytesIO over the bytes, held until its state goes), gives the uploader a
    fresh key (an empty widget), frees the heap, and says why on the next run.
    """
    forget_upload(up.file_id)
    up.close()
    st.session_state["upload_refused"] = message
    st.session_state["data_file_gen"] = st.session_state.get("data_file_gen", 0) + 1
    _return_freed_memory()


def _uploader_key() -> str:
    return f"data_file{st.session_state.get('data_file_gen', 0) or ''}"


def _check_key(name: str, content: bytes, data: dict) -> tuple:
    """What an upload check depends on: the file and the data settings it loads with."""
    return name, upload_digest(content), tuple(sorted(data.items(), key=str))


def _check(name: str, content: bytes, data: dict) -> str | None:
    """Load the file with the data settings and remember the outcome; a file that loads
    becomes the session's upload. Returns why it was refused (None: it loads)."""
    _, problem = check_upload(name, content, data)
    st.session_state["upload_check"] = {"key": _check_key(name, content, data), "error": problem}
    if problem is None:
        st.session_state["upload"] = {"name": name, "bytes": content}
    return problem


def _kept_note(problem: str) -> str:
    kept = st.session_state.get("upload")
    return problem + (f" The previous file, {kept['name']}, stays selected." if kept else "")


def _on_upload() -> None:
    """A new file: check it before the page runs; a refused one is released at once.

    A callback, so a refusal gives the uploader its fresh key in this very run
    (no rerun, no stale widget holding the bytes).
    """
    up = st.session_state.get(_uploader_key())
    if up is None:
        return
    content = up.getvalue()
    problem = _check(up.name, content, st.session_state["data"])
    if problem is None:
        st.session_state.pop("upload_refused", None)
        return
    del content
    _release_upload(up, _kept_note(problem))


def _label_column(data: dict, source: bytes | None) -> None:
    """The CSV's label column, offered from its header (or its column numbers)."""
    header = data_charts.csv_header(source) if source else None
    width = min(data_charts.csv_width(source), 1000) if source else 0
    options = ["auto", "none", *(header or range(width))]
    if data["label_column"] not in options:
        set_setting("data", "label_column", "auto")
    st.selectbox(
        "Label column (CSV)", options, key=bind("data", "label_column"),
        format_func=lambda v: {"auto": "auto-detect", "none": "none (no labels)"}.get(
            v, f"column {v}" if isinstance(v, int) else v),
        help=teach.LABEL_COLUMN_HELP)
    store("data", "label_column")


def upload_panel(data: dict) -> None:
    """The file uploader and the CSV label column; stores an upload only when it loads."""
    up = st.file_uploader(
        "CSV, NPY or NPZ file", type=["csv", "tsv", "txt", "npy", "npz"],
        key=_uploader_key(), on_change=_on_upload,
        help=teach.UPLOAD_HELP)
    content = up.getvalue() if up is not None else None
    current = st.session_state.get("upload")
    source = content if content is not None else (current or {}).get("bytes")
    fname = up.name if up is not None else (current or {}).get("name", "")
    if not fname.lower().endswith((".npy", ".npz")):  # CSV (or no file yet)
        _label_column(data, source)

    if up is None:
        st.session_state.pop("upload_check", None)
    elif current is None or current["bytes"] != content or current["name"] != up.name:
        check = st.session_state.get("upload_check")
        if not check or check["key"] != _check_key(up.name, content, data):
            _check(up.name, content, data)
            check = st.session_state["upload_check"]
        if check["error"]:
            st.error(_kept_note(check["error"]), icon=":material/error:")
    if up is None and st.session_state.get("upload_refused"):
        st.error(st.session_state["upload_refused"], icon=":material/error:")
    kept = st.session_state.get("upload")
    if kept and (up is None or kept["name"] != up.name or kept["bytes"] != content):
        st.caption(f"Using {kept['name']} ({len(kept['bytes']):,} bytes), the last good upload.")


# ------------------------------------------------------------------ the preview
def _count(n: int) -> str:
    """A metric's value is cut, never wrapped: past 5 digits it is shortened (740.7 k),
    and its help gives the exact count."""
    return f"{n:,}" if n < 100_000 else human_count(n)


def summary_metrics(ds) -> None:
    """Samples, features, classes and image shape in a row of metrics, and the values' range."""
    m = st.columns(4)
    m[0].metric("Samples", _count(ds.n_samples),
                help=f"n = {ds.n_samples:,}, the rows DEC clusters.")
    m[1].metric("Features (d)", _count(ds.n_features), help=teach.features_help(ds.n_features))
    m[2].metric("Classes", ds.n_classes if ds.n_classes is not None else "none",
                help=teach.CLASSES_HELP)
    m[3].metric("Image", f"{ds.image_shape[0]}x{ds.image_shape[1]}" if ds.image_shape
                else "no", help=teach.IMAGE_HELP)
    st.caption(f"{ds.description}. {data_charts.value_summary(ds)}")


def _feature_names(ds, data: dict) -> list[str]:
    """The columns' names: the CSV header's (without the label column), else ``feature j``."""
    names = [f"feature {j}" for j in range(ds.n_features)]
    upload = st.session_state.get("upload")
    if data["name"] == "file" and upload and not upload["name"].lower().endswith((".npy", ".npz")):
        names = data_charts.feature_names(data_charts.csv_header(upload["bytes"]), ds.n_features,
                                          data["label_column"], ds.y is not None)
    if len(set(names)) < len(names):  # duplicate header names
        names = [f"{n} ({j})" for j, n in enumerate(names)]
    return names


def table_preview(ds, data: dict) -> None:
    """Tabular data: two features against each other, and the first rows."""
    names = _feature_names(ds, data)
    if ds.n_features >= 2:
        for key, default in (("data_fx", 0), ("data_fy", 1)):
            if st.session_state.get(key, default) >= ds.n_features:
                st.session_state[key] = default
        a, b = st.columns(2)
        fx = a.selectbox("x axis", range(ds.n_features), format_func=names.__getitem__,
                         key="data_fx", help="The feature on the horizontal axis "
                         "(after scaling).")
        fy = b.selectbox("y axis", range(ds.n_features), index=1,
                         format_func=names.__getitem__, key="data_fy",
                         help="The feature on the vertical axis (after scaling).")
        st.plotly_chart(data_charts.feature_scatter(ds, fx, fy, names=names,
                                                    projector=projector_mode()),
                        width="stretch", key="data_scatter")
    table = pd.DataFrame(ds.x[:PREVIEW_ROWS], columns=names)
    if ds.y is not None:
        table.insert(0, "label" if "label" not in names else "true label",
                     [ds.class_name(int(c)) for c in ds.y[:PREVIEW_ROWS]])
    with st.expander(f"The first {len(table)} rows (scaled)", expanded=ds.n_features < 2):
        st.dataframe(table, height=260, width="stretch")


# ------------------------------------------------------------------ the k sweep
@st.fragment(run_every=2.0)
def _rerun_when_cached(job) -> None:
    """While the job runs: the whole page again once an autoencoder for these settings is
    cached (the sweep then re-runs in it) or the job ends (the offer comes back)."""
    state = st.session_state
    upload = session_upload(state)
    if not job.active or k_sweep.cached_autoencoder(state, state.get("owner"), upload):
        st.rerun()


def _pretrain_offer(result: dict) -> None:
    """When the sweep ran on the data (no autoencoder fits): pretrain one, unless a job runs."""
    label = teach.pretrain_offer(result)
    if label is None:
        return
    job = running_job(st.session_state["owner"])
    if job is not None:
        st.caption(teach.pretraining_text(
            k_sweep.job_pretrains_for(job.config, job.upload, st.session_state,
                                      job_key=job.autoencoder_key)))
        try:
            st.page_link("pages/train.py", label="Train", icon=":material/model_training:")
        except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
            pass
        _rerun_when_cached(job)
        return
    st.button(label, key="k_sweep_pretrain", on_click=start_job,
              icon=":material/model_training:")
    st.caption(teach.PRETRAIN_OFFER_TEXT)


def _sweep_failed(ds, task, error) -> None:
    st.error(f"The k sweep failed: {error}", icon=":material/error:")
    if st.button("Run the k sweep again", icon=":material/refresh:", key="k_sweep_retry"):
        tasks().forget(task)
        k_sweep.resolve(st.session_state, ds, start=True)
        st.rerun()


def _sweep_offer(ds, task) -> None:
    """Before a result: what the sweep does and costs, and its button (or its progress)."""
    params = k_sweep.session_params(st.session_state, ds)
    st.caption(teach.sweep_intro_text(
        teach.sweep_cost_text(ds.n_samples, ds.n_features, params["dims"][-1]),
        k_sweep.runs_by_itself(st.session_state["data"])))
    if not poll([task], "Running the k sweep"):
        if st.button("Run the k sweep", icon=":material/query_stats:", key="k_sweep_run"):
            k_sweep.resolve(st.session_state, ds, start=True)
            st.rerun()


def _sweep_result(ds, result: dict) -> None:
    """The verdict, the suggested k (and a button to use it), where it ran, and the curves."""
    verdict = teach.structure_text(result)
    if result["structure"] == "none":
        st.warning(verdict, icon=":material/blur_on:")
    else:
        st.success(verdict, icon=":material/hub:")
    st.markdown(teach.suggestion_text(result))
    k = result["suggested_k"]
    if int(st.session_state["model"]["n_clusters"]) == k:
        st.caption(f"k = {k} is set on the Model page.")
    else:
        st.button(f"Use k = {k}", key="k_sweep_use", on_click=set_setting,
                  args=("model", "n_clusters", k), icon=":material/check:",
                  help="Sets the number of clusters on the Model page.")
    st.caption(teach.space_text(result))
    _pretrain_offer(result)
    criteria = sweep_charts.CRITERIA
    for row in (criteria[:2], criteria[2:]):
        for box, which in zip(chart_columns(2), row):
            box.plotly_chart(sweep_charts.criterion_figure(result, which, ds.n_classes,
                                                           projector=projector_mode()),
                             width="stretch", key=f"k_sweep_{which}")


def k_sweep_panel(ds) -> None:
    """How many clusters, and are they real? The k sweep, in the background: by itself for
    an uploaded file (:func:`explorer.analysis.k_sweep.runs_by_itself`), on request for a
    built-in set."""
    st.subheader(teach.SWEEP_HEADING)
    result, task, error = k_sweep.resolve(st.session_state, ds)
    if error is not None:
        _sweep_failed(ds, task, error)
    elif result is None:
        _sweep_offer(ds, task)
    else:
        poll([task], teach.SWEEP_RERUNNING)
        _sweep_result(ds, result)
