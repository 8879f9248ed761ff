"""Explore: look inside a trained DEC run.

The run shown is ``st.session_state["run_path"]`` (set by the Train page when a
job finishes, or by "Open in Explore" on the Runs page). Tabs: the UMAP / PCA
map of the embedding with box / lasso selection, the Hungarian-matched
confusion matrix, per-cluster galleries of the most and least confident
members, the metrics against the baselines, and the embedding's evolution
across DEC updates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dec_core.baselines import NAMES
from dec_core.datasets import class_name as dataset_class_name
from dec_core.metrics import matched_confusion_matrix
from explorer.analysis import compare, k_sweep, projection
from explorer.charts import explore as explore_charts
from explorer.charts.theme import BACKGROUND, NEUTRAL, class_color
from explorer.live_map import figure as dec_map
from explorer.live_map import frame as map_frame
from explorer.panels import stability as stability_panel
from explorer.session.background import poll, tasks
from explorer.session.page import current_run_or_stop, init_page, load_run_cached
from explorer.session.widgets import chart_columns
from explorer.text import teach

init_page()

MAP_METHODS = {"UMAP": "umap", "PCA (fast)": "pca"}
DEFAULT_POINTS = 5000
MAX_SELECTION_IMAGES = 120
MAX_TABLE_FEATURES = 16
MAX_FRAMES = 60  # evolution frames drawn (evenly spaced over the updates)





@st.cache_data(max_entries=16, show_spinner=False)
def _pca(path: str, mtime: float, n_components: int, max_points: int,
         seed: int) -> tuple[np.ndarray, np.ndarray]:
    run = load_run_cached(path, mtime)
    idx = projection.sample_indices(run.embedding.shape[0], max_points, seed)
    return idx, projection.project(run.embedding[idx], "pca", n_components, seed)


@st.cache_data(max_entries=8, show_spinner=False)
def _evolution_frames(path: str, mtime: float, chosen: tuple[int, ...]):
    """The chosen snapshots and centroids in the frame fixed at update 0 (the k-means start)."""
    run = load_run_cached(path, mtime)
    snaps, cents = run.arrays["snapshots"], run.arrays.get("centroids")
    picked = [0, *chosen] if chosen[0] != 0 else list(chosen)  # the frame is fitted on update 0
    xy, cxy, frame = map_frame.frame_snapshots(
        snaps[picked], None if cents is None or len(cents) != len(snaps) else cents[picked])
    if picked[0] != chosen[0]:
        xy, cxy = xy[1:], None if cxy is None else cxy[1:]
    return xy, cxy, frame.explained


def _background(key: tuple, fn, *args):
    """``fn(*args)``'s result when the background task ``key`` has it, else None
    (started if needed), and its error if it failed."""
    fut = tasks().submit(key, fn, *args)
    if not fut.done():
        return None, None
    err = fut.exception()
    return (None, err) if err is not None else (fut.result(), None)



st.title("Explore")
run_path, mtime, run = current_run_or_stop(
    "No run to explore yet. Train a model on the **Train** page, or open a saved run on the "
    "**Runs** page.")
if run.embedding is None or run.proba is None:
    st.error("This run was saved without its embedding (the data was not given to save_run), "
             "so there is nothing to explore.")
    st.stop()

# ------------------------------------------------------------------ the run
extra = run.config.get("extra") or {}
app_cfg = extra.get("app") or {}
hist = run.history.get("history", run.history) or {}
labels = np.asarray(run.labels, dtype=np.int64)
proba = np.asarray(run.proba)
confidence = proba.max(axis=1)
n = labels.shape[0]
k = int(run.config.get("params", {}).get("n_clusters") or proba.shape[1])
y_true = None if run.y_true is None else np.asarray(run.y_true)
class_names = extra.get("class_names")
image_shape = extra.get("image_shape") or run.config.get("dataset", {}).get("image_shape")
x_images = run.arrays.get("x_images")
x_table = run.arrays.get("x")
is_images = x_images is not None and image_shape is not None


def class_name(c) -> str:
    return dataset_class_name(class_names, c)  # dec_core.datasets owns the rule


def images_of(rows: np.ndarray) -> np.ndarray:
    h, w = (int(v) for v in image_shape)
    return np.asarray(x_images[rows]).reshape(len(rows), h, w)


def hover_of(rows: np.ndarray) -> list[str]:
    out = []
    for r in rows:
        t = f"<br>true label {class_name(y_true[r])}" if y_true is not None else ""
        out.append(f"index {r}<br>cluster {labels[r]}{t}<br>confidence {confidence[r]:.3f}")
    return out


def table_of(rows: np.ndarray, with_cluster: bool = True) -> pd.DataFrame:
    df = pd.DataFrame({"index": rows})
    if with_cluster:
        df["cluster"] = labels[rows]
    df["confidence"] = confidence[rows]
    if y_true is not None:
        df["true label"] = [class_name(c) for c in y_true[rows]]
    if x_table is not None:
        feats = np.asarray(x_table[rows])[:, :MAX_TABLE_FEATURES]
        for j in range(feats.shape[1]):
            df[f"x{j}"] = feats[:, j]
    else:
        for j in range(min(run.embedding.shape[1], MAX_TABLE_FEATURES)):
            df[f"z{j}"] = run.embedding[rows, j]
    return df


name = app_cfg.get("name") or Path(run_path).name
dataset = run.config.get("dataset", {}).get("name", "")
method = compare.method_of(run.config.get("params") or app_cfg.get("train"))
stop = teach.stop_text(hist.get("stop") or extra.get("stop_reason") or hist.get("stop_reason"), n)
on = "" if not dataset or dataset.lower() in name.lower() else f" on {dataset}"
st.caption(f"**{name}**{on}: {NAMES[method]} put {n:,} samples in {k} clusters, through a "
           f"{run.embedding.shape[1]}-d embedding." + (f" Training {stop}." if stop else ""))

baselines = extra.get("baselines") or {}
table = explore_charts.metrics_table(baselines, hist.get("kmeans"), run.scores, method=method)
if table.notna().any().any():
    cols = st.columns(3)
    ae = table.loc[NAMES["ae_kmeans"]]
    for col, metric in zip(cols, ("ACC", "NMI", "ARI")):
        value, ref = table.loc[NAMES[method], metric], ae[metric]
        diff = None if np.isnan(value) or np.isnan(ref) else round(value - ref, 3) + 0.0
        col.metric(f"{NAMES[method]} {metric}", "–" if np.isnan(value) else f"{value:.3f}",
                   None if diff is None else f"{diff:+.3f} vs {NAMES['ae_kmeans']}",
                   delta_color="off" if diff == 0 else "normal")

# The k sweep's verdict on these data (Data page) and Check stability's flags.
_sweep_key = k_sweep.run_key(app_cfg, st.session_state.get("upload"),
                             (run.config.get("params") or {}).get("dims", [0])[0],
                             st.session_state.get("owner"))
_sweep = k_sweep.current(st.session_state, _sweep_key) if _sweep_key else None
if _sweep is None and _sweep_key:  # the sweep before the run cached its autoencoder
    _sweep = k_sweep.current(st.session_state, k_sweep.run_key(
        app_cfg, st.session_state.get("upload"), (run.config.get("params") or {}).get(
            "dims", [0])[0], st.session_state.get("owner"), cached=False))
_sweep_where = "(Data page)"
if _sweep is None and k_sweep.run_sweeps_by_itself(app_cfg, y_true is not None):
    # no sweep of these data in this session (another session, a restart): sweep the
    # run's own saved data in the background (NumPy and scikit-learn, no TensorFlow)
    _run_task = ("k_sweep_run", run_path, mtime)
    _sweep, _ = _background(_run_task, k_sweep.compute_run, run.arrays,
                            run.config.get("params") or {})
    _sweep_where = "on this run's data"
    if _sweep is None:
        poll([_run_task], "The k sweep (are there clusters at all?) is running")
if _sweep is not None and _sweep["structure"] == "none":
    st.warning(k_sweep.no_structure_warning(k, None, _sweep_where), icon=":material/blur_on:")
stability_panel.flag_line(run_path)

# One colour rule (explorer.charts.theme): a class keeps its colour on every page, and a
# cluster takes the colour of the class it is matched to; its name says which.
cluster_colors, matched = explore_charts.cluster_palette(labels, y_true, k)
cluster_names = explore_charts.cluster_names(range(k), matched, class_names, has_labels=y_true is not None)

tab_map, tab_cm, tab_gal, tab_metrics, tab_evo, tab_stab = st.tabs(
    ["Embedding map", "Confusion matrix", "Galleries", "Metrics", "Evolution", "Stability"])

# ------------------------------------------------------------------ map
with tab_map:
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 0.8, 2])
    method_label = c1.radio("Projection", list(MAP_METHODS), key="explore_method",
                            horizontal=True,
                            help="UMAP keeps neighbourhoods (its first run compiles code, "
                                 "~20 s); PCA is a fast linear view.")
    color_by = c2.radio("Colour by", ["cluster", "true label"], key="explore_color",
                        horizontal=True, disabled=y_true is None,
                        help="Each class has one colour on every page (as on the Data page). "
                             "A cluster takes the colour of the class it is matched to "
                             "(Hungarian), and its legend entry says which: 'cluster 3 → 1'.")
    three_d = c3.toggle("3-D", key="explore_3d", help="Selection works in the 2-D view only.")
    max_points = n
    if n > 500:
        max_points = c4.slider("Points shown (random sample)", min_value=500,
                               max_value=max(n, 500), value=min(n, DEFAULT_POINTS), step=100,
                               key="explore_points",
                               help="UMAP on many points is slow; the sample is fixed per seed.")
    seed = 0
    map_method = MAP_METHODS[method_label]
    dims = 3 if three_d else 2
    idx, coords = _pca(run_path, mtime, dims, int(max_points), seed)
    shown_method, umap_key, umap_error = "pca", None, None
    if map_method == "umap":  # seconds: computed in the background, PCA until then
        umap_key = ("explore_umap", run_path, mtime, dims, int(max_points), seed)
        umap_coords, umap_error = _background(umap_key, projection.project,
                                              np.asarray(run.embedding[idx]), "umap", dims, seed)
        if umap_coords is not None:
            coords, shown_method = umap_coords, "umap"

    by_class = color_by == "true label" and y_true is not None
    if by_class:
        cluster_of = {c: j for j, c in matched.items()}
        groups = y_true[idx]
        group_names = {c: f"{class_name(c)} (cluster {cluster_of[c]})" if c in cluster_of
                       else f"{class_name(c)} (no cluster)" for c in np.unique(y_true).tolist()}
        group_colors = {c: class_color(c) for c in group_names}
    else:
        groups = labels[idx]
        group_names = cluster_names
        group_colors = cluster_colors
    true_col = ([class_name(c) for c in y_true[idx]] if y_true is not None
                else ["–"] * len(idx))
    custom = np.empty((len(idx), 4), dtype=object)
    custom[:, 0] = idx
    custom[:, 1] = true_col
    custom[:, 2] = labels[idx]
    custom[:, 3] = np.round(confidence[idx].astype(float), 4)
    axis = "UMAP" if shown_method == "umap" else "PC"
    what = ("true class" if by_class else
            "cluster (in the colour of its matched class)" if y_true is not None else "cluster")
    fig = explore_charts.scatter_embedding(
        coords, groups, custom, group_names=group_names, group_colors=group_colors,
        title=f"{'UMAP' if shown_method == 'umap' else 'PCA'} of the {NAMES[method]} embedding "
              f"({len(idx):,} of {n:,} points), coloured by {what}", axis_title=axis)
    if umap_error is not None:
        st.warning(f"UMAP failed ({umap_error}); showing PCA instead.")
    elif map_method == "umap" and shown_method == "pca":
        poll([umap_key], f"Showing **PCA** while UMAP of {len(idx):,} points computes (the first "
                         "UMAP on this server also compiles code, ~20 s)")
    if three_d:
        st.plotly_chart(fig, key="explore_map3d")
        rows = np.zeros(0, dtype=np.int64)
    else:
        event = st.plotly_chart(fig, key="explore_map", on_select="rerun",
                                selection_mode=("box", "lasso", "points"))
        rows = explore_charts.rows_from_selection(getattr(event, "selection", None) if event else None)

    if three_d:
        st.caption("Drag to rotate, scroll to zoom. Selection works in the 2-D view: turn "
                   "3-D off to pick samples.")
    elif rows.size == 0:
        st.caption("Draw a box or a lasso around points (tools at the top right of the chart), "
                   "or click a point, to see those samples here. Double-click clears it.")
    else:
        st.markdown(f"**{rows.size:,} selected** · clusters: " + ", ".join(
            f"{j} ({c})" for j, c in zip(*np.unique(labels[rows], return_counts=True))))
        if is_images:
            shown = rows[:MAX_SELECTION_IMAGES]
            if rows.size > shown.size:
                st.caption(f"Showing the first {shown.size} of {rows.size:,}.")
            grid = explore_charts.image_grid(images_of(shown),
                                    border_colors=[cluster_colors[j] for j in labels[shown]],
                                    hover=hover_of(shown), ncols=20,
                                    title="Selected samples (frame = cluster colour)",
                                    tile_px=64)
            st.plotly_chart(grid, key="explore_selection_grid")
        else:
            st.dataframe(table_of(rows), hide_index=True, width="stretch")

# ------------------------------------------------------------------ confusion matrix
with tab_cm:
    if y_true is None:
        st.info("This data set has no true labels, so there is no confusion matrix.")
    else:
        cm_plot, cm_side = st.columns([4, 1])
        norm = cm_side.toggle("Row-normalised", key="explore_cm_norm",
                              help="Each row as shares of its class instead of counts.")
        matrix, classes, clusters = matched_confusion_matrix(y_true, labels, normalize=norm,
                                                             n_clusters=k)
        columns = [cluster_colors.get(int(c), NEUTRAL) if c >= 0 else NEUTRAL for c in clusters]
        cm_plot.plotly_chart(explore_charts.confusion_heatmap(matrix, classes, clusters, normalize=norm,
                                                     class_names=class_names,
                                                     column_colors=columns),
                             key="explore_confusion")
        cm_side.caption("Each cluster is matched to one class (Hungarian algorithm). Column *j* "
                        "holds the cluster matched to class *j*, so the diagonal holds the "
                        "matched points: they are the ACC. A **none** column means no cluster "
                        "is matched to that class; clusters matched to no class (more clusters "
                        "than classes, or empty ones) come last, after the dotted line. The "
                        "squares are the colours of the map and the galleries.")
        for note in explore_charts.matching_notes(y_true, labels, class_names):
            st.caption(":material/lightbulb: " + note[0].upper() + note[1:])

# ------------------------------------------------------------------ galleries
with tab_gal:
    c1, c2 = st.columns([2, 2])
    sizes = np.bincount(labels, minlength=k)
    options = ["all"] + list(range(k))
    choice = c1.selectbox("Cluster", options, key="explore_gallery_cluster",
                          format_func=lambda o: "All clusters" if o == "all"
                          else f"{cluster_names[o]} ({sizes[o]:,} members)")
    per = c2.slider("Samples per side", 3, 20, 8, key="explore_gallery_n")
    st.caption("Confidence is a sample's largest soft assignment q (its cluster's share). "
               "The most confident members show what a cluster stands for; the least "
               "confident are the borderline cases DEC is unsure about.")

    def ranked(j: int) -> tuple[np.ndarray, np.ndarray]:
        members = np.flatnonzero(labels == j)
        order = members[np.argsort(-confidence[members], kind="stable")]
        return order[:per], order[::-1][:per]

    clusters_shown = list(range(k)) if choice == "all" else [int(choice)]
    protos = run.arrays.get("prototypes") if is_images else None
    if protos is not None and len(protos) != k:
        protos = None
    if is_images:
        h, w = (int(v) for v in image_shape)
        if protos is not None and choice == "all":
            st.plotly_chart(dec_map.prototypes_figure(
                protos, image_shape, cluster_colors, cluster_names,
                title="Each cluster's prototype: its centroid μ_j decoded"),
                key="explore_prototypes")
            st.caption("The pretrained decoder turns each centroid into an image (plain DEC "
                       "never trains the decoder): what the cluster 'means', beside its "
                       "members below.")
        if choice == "all":
            g_cols = chart_columns(2)
            for which, pos in (("Most confident", 0), ("Least confident", 1)):
                tiles, borders, hovers = [], [], []
                for j in clusters_shown:
                    picked = ranked(j)[pos]
                    tiles.append(images_of(picked))
                    borders += [cluster_colors[j]] * len(picked)
                    hovers += hover_of(picked)
                    blank = per - len(picked)
                    tiles.append(np.full((blank, h, w), 255, dtype=np.uint8))
                    borders += [BACKGROUND] * blank
                    hovers += [f"cluster {j}: no more members"] * blank
                g_cols[pos].plotly_chart(explore_charts.image_grid(
                    np.concatenate(tiles), border_colors=borders, hover=hovers, ncols=per,
                    row_labels=[f"{cluster_names[j]} ({sizes[j]})" for j in clusters_shown],
                    row_colors=[cluster_colors[j] for j in clusters_shown],
                    title=f"{which} members (row = cluster)", tile_px=56),
                    key=f"explore_gallery_{pos}")
        else:
            j = int(choice)
            most, least = ranked(j)
            if protos is not None:
                g0, g1, g2 = chart_columns([0.7, 2, 2])
                g0.plotly_chart(explore_charts.image_grid(
                    np.clip(np.rint(protos[j].reshape(1, h, w) * 255), 0, 255),
                    border_colors=[cluster_colors[j]], titles=["decoded μ"], ncols=1,
                    title="Prototype", tile_px=110), key="explore_prototype")
            else:
                g1, g2 = chart_columns(2)
            for col, which, picked in ((g1, "most", most), (g2, "least", least)):
                with col:
                    if picked.size == 0:
                        st.info(f"Cluster {j} is empty.")
                        continue
                    st.plotly_chart(explore_charts.image_grid(
                        images_of(picked), border_colors=[cluster_colors[j]] * len(picked),
                        titles=[f"q={confidence[r]:.2f}" for r in picked], hover=hover_of(picked),
                        ncols=min(per, 5), title=f"{cluster_names[j].capitalize()}: {which} "
                        "confident", tile_px=110),
                        key=f"explore_gallery_{which}")
    else:
        frames = []
        for j in clusters_shown:
            most, least = ranked(j)
            for which, picked in (("most confident", most), ("least confident", least)):
                df = table_of(picked)
                df.insert(1, "rank", which)
                frames.append(df)
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        st.dataframe(df, hide_index=True, width="stretch", column_config={
            "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0,
                                                          max_value=1.0, format="%.3f")})

# ------------------------------------------------------------------ metrics
with tab_metrics:
    c1, c2 = chart_columns([1, 1])
    with c1:
        st.markdown("**Clustering quality** (higher is better)")
        if table.notna().any().any():
            st.dataframe(table, width="stretch", column_config={
                m: st.column_config.NumberColumn(m, format="%.3f") for m in ("ACC", "NMI", "ARI")})
            st.plotly_chart(explore_charts.scores_by_method_figure(table), key="explore_metrics_chart")
            st.caption("ACC: accuracy after matching clusters to classes (Hungarian). NMI: "
                       "normalised mutual information. ARI: adjusted Rand index (0 = chance).")
        else:
            st.info("No true labels: ACC / NMI / ARI cannot be computed for this data.")
    with c2:
        st.plotly_chart(explore_charts.cluster_sizes_figure(labels, k, y_true=y_true,
                                                    class_names=class_names,
                                                    cluster_colors=cluster_colors,
                                                    cluster_names=cluster_names),
                        key="explore_sizes")
        st.plotly_chart(explore_charts.confidence_histogram(confidence), key="explore_confidence")
        st.caption(f"With {k} clusters, a sample's confidence is at least 1/{k} = {1 / k:.2f} "
                   "(no preference) and at most 1 (fully in one cluster).")

# ------------------------------------------------------------------ evolution
with tab_evo:
    snaps = run.arrays.get("snapshots")
    snap_labels = run.arrays.get("snapshot_labels")
    if snaps is None or snap_labels is None or len(snaps) == 0:
        st.info("This run has no embedding snapshots (they are recorded by the Train page).")
    else:
        n_snaps = len(snaps)
        chosen = tuple(sorted(set(np.linspace(0, n_snaps - 1, min(n_snaps, MAX_FRAMES))
                                  .round().astype(int).tolist())))
        coords_u, centers_u, explained = _evolution_frames(run_path, mtime, chosen)
        dec_hist = hist.get("dec") or {}

        def at(key: str, i: int):
            values = dec_hist.get(key) or []
            v = values[i] if i < len(values) else None
            return v if v is not None and np.isfinite(v) else None

        names, titles, steps = [], [], []
        for i in chosen:
            u = at("update", i)
            u = int(u) if u is not None else i
            names.append(f"update {u}")
            steps.append(str(u))
            parts = [f"update {u} of {int(at('update', n_snaps - 1) or n_snaps - 1)}"]
            if at("iteration", i) is not None:
                parts.append(f"iteration {int(at('iteration', i)):,}")
            for key in ("acc", "nmi"):
                if at(key, i) is not None:
                    parts.append(f"{key.upper()} {at(key, i):.3f}")
            if at("delta_label", i) is not None and i > 0:
                parts.append(f"labels changed {at('delta_label', i):.1%}")
            titles.append(" · ".join(parts))
        index = run.arrays.get("snapshot_index")
        fig = explore_charts.evolution_figure(
            coords_u, snap_labels[list(chosen)], n_clusters=k, index=index, frame_names=names,
            frame_titles=titles, step_labels=steps, cluster_colors=cluster_colors,
            cluster_names=cluster_names, axis_title="PC (fixed at the k-means start)",
            title=f"The embedding across {NAMES[method]} updates ({snaps.shape[1]:,} tracked "
                  "points), coloured by their cluster at each update")
        if centers_u is not None:
            dec_map.add_centroids(fig, centers_u, cluster_colors, k)
        if len(chosen) < n_snaps:
            st.caption(f"{n_snaps} updates recorded; {len(chosen)} evenly spaced ones are shown.")
        st.plotly_chart(fig, key="explore_evolution")
        st.caption(
            "The frame is fixed once, at the k-means start: a PCA of the tracked points' "
            f"embedding at update 0 (its two axes hold {explained[0]:.0%} and "
            f"{explained[1]:.0%} of that embedding's variance). Every later update"
            + (" and every centroid" if centers_u is not None else "")
            + " goes through the same linear map, so movement on screen is movement in the "
            "embedding, and update 0 looks as clustered as k-means left it. Press Play or drag "
            "the slider: DEC pulls the points towards the centroids"
            + (" (×, with their path)" if centers_u is not None else "")
            + " while the centroids themselves move."
            + ("" if centers_u is not None else " This run was saved before centroids were "
               "recorded, so they are not drawn."))

# ------------------------------------------------------------------ stability
with tab_stab:
    stability_panel.draw(run_path, run, app_cfg, labels, cluster_names)
