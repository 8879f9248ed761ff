"""The Compare page's Streamlit pieces: the explainer, the jobs that fill rows, the table, the maps.

The rows themselves come from :func:`explorer.analysis.compare.compare_rows`; the
figures from :mod:`explorer.charts.compare`; the words from
:mod:`explorer.text.teach` (Compare section) and :mod:`explorer.text.states`.
k-means, N2D and the UMAP view run in background threads
(:mod:`explorer.session.background`), so the page never waits on them.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import numpy as np
import streamlit as st

from dec_core.baselines import KMEANS_N_INIT, N2D_MAX_FIT
from dec_core.presets import IDEC_GAMMA, VARIANTS
from explorer.analysis import compare, projection
from explorer.analysis.compare import Rows, Subject, Trained
from explorer.charts import compare as charts
from explorer.data import upload_digest
from explorer.jobs import manager
from explorer.session.background import poll, tasks
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.widgets import chart_columns, projector_mode
from explorer.text import teach
from explorer.text.states import phase_text, queue_place

MAX_POINTS = 5000  # points drawn per panel (a fixed random sample)
FRAMES = {"UMAP": "umap", "PCA (instant)": "pca"}
COMPANION_JOBS = "cmp_jobs"          # session: {run path: companion job id}
VARIANT_JOBS = "cmp_variant_jobs"    # session: {run path: {variant: job id}}


def explain() -> None:
    """The "How the five methods work" expander."""
    with st.expander("How the five methods work", icon=":material/school:"):
        st.markdown(teach.COMPARE_INTRO)
        st.markdown(teach.compare_kmeans_text(KMEANS_N_INIT))
        st.latex(teach.KMEANS_OBJECTIVE_LATEX)
        st.markdown(teach.COMPARE_AE_KMEANS)
        st.markdown(teach.COMPARE_DEC)
        st.latex(teach.DEC_OBJECTIVE_LATEX)
        st.markdown(teach.COMPARE_IDEC)
        st.latex(teach.idec_loss_latex(IDEC_GAMMA))
        st.markdown(teach.COMPARE_N2D)
        st.markdown(teach.compare_variants_text({v: VARIANTS[v] for v in compare.VARIANT_ROWS}))
        st.markdown(teach.COMPARE_SCORES)


def header(sub: Subject) -> None:
    """Which run this is, the explainer, and a warning when the run lacks its pretrained embedding."""
    names = compare.method_names()
    dataset = sub.run.config.get("dataset", {}).get("name", "")
    on = "" if not dataset or dataset.lower() in sub.name.lower() else f" on {dataset}"
    st.caption(teach.compare_header_text(
        sub.name, on, sub.n, sub.k, sub.embedding.shape[1], names[sub.run_key],
        sub.run_gamma if sub.run_key == "idec" else None))
    explain()
    if not sub.pretrained:
        st.warning(teach.COMPARE_NOT_PRETRAINED)


# ---------------------------------------------------------------- the rows' jobs


def _job(job_id: str | None):
    return manager().get(job_id, st.session_state["owner"])


def _find(sub: Subject, config: dict):
    owner_root = manager().owner_path(st.session_state["owner"])
    return lambda: compare.find_run(owner_root, config, sub.n, exclude=sub.path)


def companion_row(sub: Subject, button: str) -> Trained:
    """The DEC / IDEC row: this session's job for it, or a run trained earlier."""
    job = _job(st.session_state.setdefault(COMPANION_JOBS, {}).get(sub.path))
    return compare.trained(sub.companion_key, job, _find(sub, sub.companion), button)


def variant_rows(sub: Subject, variants: list[str]) -> list[Trained]:
    """The variant rows, in table order (see :func:`companion_row`)."""
    ids = st.session_state.setdefault(VARIANT_JOBS, {}).setdefault(sub.path, {})
    return [compare.trained(compare.row_key(v), _job(ids.get(v)),
                            _find(sub, compare.variant_config(sub.app, v)),
                            "Train the variants",
                            own_path=sub.path if v == sub.own_variant else None)
            for v in variants]


def start_companion(sub: Subject, upload: dict | None) -> None:
    """Button callback: submit the DEC / IDEC job."""
    job = manager().submit(st.session_state["owner"], sub.companion, upload,
                           name=f"{sub.name} · {compare.method_names()[sub.companion_key]}")
    st.session_state.setdefault(COMPANION_JOBS, {})[sub.path] = job.id


def start_variants(sub: Subject, missing: list[str], upload: dict | None) -> None:
    """Button callback: submit a job for each variant not trained yet."""
    ids = st.session_state.setdefault(VARIANT_JOBS, {}).setdefault(sub.path, {})
    for v in missing:
        job = manager().submit(st.session_state["owner"], compare.variant_config(sub.app, v),
                               upload, name=f"{sub.name} · {VARIANTS[v]['label']}")
        ids[v] = job.id


def companion_status(sub: Subject, row: Trained) -> None:
    """Progress of the DEC / IDEC job; re-run by the fragment timer while it trains."""
    job = _job(st.session_state.get(COMPANION_JOBS, {}).get(sub.path))
    what = compare.method_names()[sub.companion_key]
    if job is None:
        if row.path is not None:
            st.caption(teach.compare_reused_text(what, Path(row.path).name))
        return
    v = job.view()
    if v["state"] == "queued":
        st.info(f"{what}: {queue_place(manager().queue_position(job))}.")
    elif v["state"] == "running":
        reuse = " · reusing the pretrained autoencoder" if v["reused_autoencoder"] else ""
        st.progress(v["progress"], text=f"**{what}**: {phase_text(v['phase'])} · "
                    f"{v['progress']:.0%} · {v['elapsed']:.0f} s{reuse}")
    elif v["state"] == "failed":
        st.error(f"{what} failed: {v['error']}")
    else:
        reuse = " (pretrained autoencoder reused)" if v["reused_autoencoder"] else ""
        st.success(f"{what} finished in {v['elapsed']:.1f} s{reuse}.")
    if row.active and not job.active:
        st.rerun()  # the job ended: redraw the table with its row


def variant_progress(run_path: str, variants: list[str]) -> None:
    """One line per variant job still training; reruns the page when they all end."""
    ids = st.session_state.get(VARIANT_JOBS, {}).get(run_path, {})
    active = False
    for v in variants:
        job = _job(ids.get(v))
        if job is None or not job.active:
            continue
        active = True
        view = job.view()
        st.caption(f"{VARIANTS[v]['label']}: {view['state']} · {phase_text(view['phase'])} · "
                   f"{view['progress']:.0%} · {view['elapsed']:.0f} s")
    if not active:
        st.rerun()


# ------------------------------------------------------------- computed rows, views


def _umap_view(z: np.ndarray, idx: np.ndarray, seed: int) -> np.ndarray:
    return projection.project(z[idx], "umap", 2, seed)


def compute(sub: Subject, mtime: float, seed: int, idx: np.ndarray,
            upload: dict | None) -> dict[str, Future]:
    """Start (once per server) raw k-means, N2D and the UMAP view; poll until they end.

    The tasks are keyed by run, save time, k and seed, so they run once and
    survive reruns.
    """
    upload_key = upload_digest(upload["bytes"]) if upload else None
    base = (sub.path, mtime, sub.k, seed)
    keys = {"kmeans_raw": ("cmp_kmeans_raw", *base, upload_key), "n2d": ("cmp_n2d", *base),
            "umap": ("cmp_umap_view", sub.path, mtime, seed)}
    futures = {
        "kmeans_raw": tasks().submit(keys["kmeans_raw"], compare.kmeans_raw_task, sub.run,
                                     sub.k, seed, upload),
        "n2d": tasks().submit(keys["n2d"], compare.n2d_task, sub.embedding, sub.k, seed),
        "umap": tasks().submit(keys["umap"], _umap_view, sub.embedding, idx, seed),
    }
    poll(list(keys.values()), "Computing k-means on raw data, N2D and the UMAP view")
    return futures


def load_other(path: str):
    """A trained run, cached per path and save time (the loader of
    :func:`explorer.analysis.compare.compare_rows`)."""
    return load_run_cached(path, run_mtime(path))


# ------------------------------------------------------------------------ drawing


def scores(sub: Subject, rows: Rows) -> None:
    """Why a row is missing (a run that cannot be opened, a failed computation), the
    scores table, what its time counts, and the notes its numbers call for."""
    names = compare.method_names()
    for msg in rows.errors:
        st.warning(msg)
    st.subheader("Scores")
    if sub.y_true is None:
        st.info(teach.compare_no_labels_text(names[sub.run_key]))
    st.dataframe(charts.style_table(rows.table), key="cmp_table", placeholder="—",
                 column_config={
                     "Time (s)": st.column_config.NumberColumn(help=teach.COMPARE_TIME_HELP),
                     "Clusters": st.column_config.NumberColumn(help=teach.COMPARE_CLUSTERS_HELP),
                 })
    timings = sub.run.history.get("timings") or {}
    history = sub.run.history.get("history") or {}
    st.caption(teach.compare_pretrain_note(
        float(timings.get("pretrain") or 0.0), bool((history.get("pretrain") or {}).get("loss")),
        sub.extra.get("autoencoder"), N2D_MAX_FIT))
    for note in compare.table_notes(rows.table, sub.k, restarts=rows.restarts):
        st.caption(":material/lightbulb: " + note)


def _frame(wanted: str, umap: Future | None, pca: np.ndarray) -> tuple[np.ndarray, str]:
    """The coordinates to draw and their frame: UMAP when wanted and ready, else PCA."""
    if wanted == "umap" and umap is not None and umap.done():
        if umap.exception() is None:
            return umap.result(), "umap"
        st.warning(f"The UMAP view failed ({umap.exception()}); showing PCA.")
    return pca, "pca"


def maps(sub: Subject, rows: Rows, variants: list[str], wanted: str, umap: Future | None,
         idx: np.ndarray, pca: np.ndarray) -> None:
    """Every method's clusters on one shared 2-D map, three panels a row."""
    names = compare.method_names()
    coords, frame = _frame(wanted, umap, pca)
    title = "UMAP" if frame == "umap" else "PCA"
    st.subheader(f"The clusters in one 2-D map: {title}")
    if wanted == "umap" and frame == "pca":
        state = ("computing" if umap is not None and not umap.done()
                 else "absent" if umap is None else "failed")
        st.caption(teach.compare_pca_text(state))
    available = {key: lab for key, lab in rows.results.items() if lab is not None}
    colors, matched = charts.panel_colors(available, sub.y_true, anchor=sub.run_key,
                                          n_clusters=sub.k)
    st.caption(teach.compare_map_caption(len(idx), sub.n, title, sub.pretrained,
                                         sub.y_true is not None, names[sub.run_key]))
    class_names = sub.extra.get("class_names")
    panels: list[tuple[str, str, np.ndarray]] = []  # title, key, groups (raw ids)
    if sub.y_true is not None:
        panels.append(("True classes", "truth", sub.y_true))
        swatches = charts.class_swatches(np.unique(sub.y_true).tolist(), class_names)
        st.markdown(f"<small>Classes: {swatches}</small>", unsafe_allow_html=True)
    for key in [*compare.METHODS, *(compare.row_key(v) for v in variants)]:
        if key in available:
            score = rows.table.loc[names[key]]
            sub_title = (f" · ACC {score['ACC']:.3f}" if sub.y_true is not None
                         else f" · NMI vs ref {score['NMI vs ref']:.3f}")
            panels.append((names[key] + sub_title, key, available[key]))
    projector = projector_mode()
    for start in range(0, len(panels), 3):
        for col, (panel_title, key, raw) in zip(chart_columns(3), panels[start:start + 3]):
            fig = charts.method_panel(
                coords, idx, raw, colors=colors[key], matched=matched[key], y_true=sub.y_true,
                class_names=class_names, title=panel_title,
                axis="UMAP" if frame == "umap" else "PC", truth=key == "truth",
                projector=projector)
            col.plotly_chart(fig, key=f"cmp_panel_{key}")
    missing = [names[m] for m in compare.METHODS if m not in available]
    missing += [names[compare.row_key(v)] for v in variants
                if compare.row_key(v) not in available and v != "dec"]
    if missing:
        st.caption("Not shown yet: " + ", ".join(missing) + ".")
