"""The Explore page's panels: the run's header, and one function per tab.

Each takes the :class:`explorer.analysis.run_view.RunView` of the run shown
and draws; figures come from :mod:`explorer.charts.explore` with the session's
projector mode, words from :mod:`explorer.text.teach`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dec_core.baselines import NAMES
from dec_core.metrics import matched_confusion_matrix
from explorer.analysis import k_sweep, projection
from explorer.analysis.run_view import RunView, evolution_labels
from explorer.charts import explore as explore_charts
from explorer.charts.images import image_grid, pad_row
from explorer.charts.theme import NEUTRAL, class_color
from explorer.live_map import figure as map_figure
from explorer.live_map import frame as map_frame
from explorer.session.background import poll, tasks
from explorer.session.page import load_run_cached, run_pca
from explorer.session.widgets import chart_columns, projector_mode
from explorer.text import teach

MAP_METHODS = {"UMAP": "umap", "PCA (fast)": "pca"}
DEFAULT_POINTS = 5000
MAX_SELECTION_IMAGES = 120
MAX_FRAMES = 60  # evolution frames drawn (evenly spaced over the updates)
SEED = 0  # the map's sample and UMAP's seed: the same points on every visit


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


# ------------------------------------------------------------------ above the tabs
def header(view: RunView) -> pd.DataFrame:
    """What the run is, and its scores against the AE + k-means baseline; returns the
    scores table (the Metrics tab draws it)."""
    n, k, run = view.n, view.k, view.run
    dataset = run.config.get("dataset", {}).get("name", "")
    stop = teach.stop_text(view.stop, n)
    on = "" if not dataset or dataset.lower() in view.name.lower() else f" on {dataset}"
    st.caption(teach.explore_header_text(view.name, on, NAMES[view.method], n, k,
                                         run.embedding.shape[1], stop))
    table = explore_charts.metrics_table(view.extra.get("baselines") or {},
                                         view.history.get("kmeans"), run.scores,
                                         method=view.method)
    if table.notna().any().any():
        ae = table.loc[NAMES["ae_kmeans"]]
        for col, metric in zip(st.columns(3), ("ACC", "NMI", "ARI")):
            value, ref = table.loc[NAMES[view.method], metric], ae[metric]
            diff = None if np.isnan(value) or np.isnan(ref) else round(value - ref, 3) + 0.0
            col.metric(f"{NAMES[view.method]} {metric}",
                       "–" if np.isnan(value) else f"{value:.3f}",
                       None if diff is None else f"{diff:+.3f} vs {NAMES['ae_kmeans']}",
                       delta_color="off" if diff == 0 else "normal")
    return table


def _session_sweep(view: RunView) -> dict | None:
    """The session's sweep of the data this run was trained on (Data page), or None."""
    state = st.session_state
    width = (view.run.config.get("params") or {}).get("dims", [0])[0]
    key = k_sweep.run_key(view.app_config, state.get("upload"), width, state.get("owner"))
    if not key:
        return None
    found = k_sweep.current(state, key)
    if found is None:  # the sweep before the run cached its autoencoder
        found = k_sweep.current(state, k_sweep.run_key(
            view.app_config, state.get("upload"), width, state.get("owner"), cached=False))
    return found


def sweep_warning(view: RunView, run_mtime: float) -> None:
    """The k sweep's verdict when it found no structure in these data.

    The session's sweep of them, else (another session, a restart) a sweep of the
    run's own saved data, in the background (NumPy and scikit-learn, no TensorFlow).
    """
    sweep, where = _session_sweep(view), "(Data page)"
    if sweep is None and k_sweep.run_sweeps_by_itself(view.app_config, view.y_true is not None):
        task = ("k_sweep_run", view.run_path, run_mtime)
        sweep, _ = tasks().outcome(task, k_sweep.compute_run, view.run.arrays,
                                   view.run.config.get("params") or {})
        where = "on this run's data"
        if sweep is None:
            poll([task], "The k sweep (are there clusters at all?) is running")
    if sweep is not None and sweep["structure"] == "none":
        st.warning(teach.no_structure_warning(view.k, None, where), icon=":material/blur_on:")


# ------------------------------------------------------------------ the map
def _map_controls(view: RunView) -> tuple[str, bool, bool, int]:
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 0.8, 2])
    method_label = c1.radio("Projection", list(MAP_METHODS), key="explore_method",
                            horizontal=True,
                            help=teach.PROJECTION_HELP)
    color_by = c2.radio("Colour by", ["cluster", "true label"], key="explore_color",
                        horizontal=True, disabled=view.y_true is None,
                        help=teach.COLOR_BY_HELP)
    three_d = c3.toggle("3-D", key="explore_3d", help="Selection works in the 2-D view only.")
    max_points = view.n
    if view.n > 500:
        max_points = c4.slider("Points shown (random sample)", min_value=500,
                               max_value=max(view.n, 500), value=min(view.n, DEFAULT_POINTS),
                               step=100, key="explore_points",
                               help=teach.POINTS_SHOWN_HELP)
    by_class = color_by == "true label" and view.y_true is not None
    return MAP_METHODS[method_label], by_class, three_d, int(max_points)


def _map_groups(view: RunView, idx: np.ndarray, by_class: bool):
    """Each shown point's group (class or cluster), the groups' names and colours."""
    if not by_class:
        return view.labels[idx], view.names, view.colors
    cluster_of = {c: j for j, c in view.matched.items()}
    names = {c: f"{view.class_name(c)} (cluster {cluster_of[c]})" if c in cluster_of
             else f"{view.class_name(c)} (no cluster)" for c in np.unique(view.y_true).tolist()}
    return view.y_true[idx], names, {c: class_color(c) for c in names}


def _map_figure(view: RunView, coords, idx, by_class: bool, shown_method: str):
    groups, group_names, group_colors = _map_groups(view, idx, by_class)
    custom = np.empty((len(idx), 4), dtype=object)
    custom[:, 0] = idx
    custom[:, 1] = ([view.class_name(c) for c in view.y_true[idx]] if view.y_true is not None
                    else ["–"] * len(idx))
    custom[:, 2] = view.labels[idx]
    custom[:, 3] = np.round(view.confidence[idx].astype(float), 4)
    what = ("true class" if by_class else "cluster (in the colour of its matched class)"
            if view.y_true is not None else "cluster")
    umap = shown_method == "umap"
    return explore_charts.scatter_embedding(
        coords, groups, custom, group_names=group_names, group_colors=group_colors,
        title=f"{'UMAP' if umap else 'PCA'} of the {NAMES[view.method]} embedding "
              f"({len(idx):,} of {view.n:,} points), coloured by {what}",
        axis_title="UMAP" if umap else "PC", projector=projector_mode())


def _selection(view: RunView, rows: np.ndarray) -> None:
    """The selected samples: their images framed in their cluster's colour, or a table."""
    st.markdown(f"**{rows.size:,} selected** · clusters: " + ", ".join(
        f"{j} ({c})" for j, c in zip(*np.unique(view.labels[rows], return_counts=True))))
    if not view.is_images:
        st.dataframe(view.table_of(rows), hide_index=True, width="stretch")
        return
    shown = rows[:MAX_SELECTION_IMAGES]
    if rows.size > shown.size:
        st.caption(f"Showing the first {shown.size} of {rows.size:,}.")
    grid = image_grid(
        view.images_of(shown), border_colors=[view.colors[j] for j in view.labels[shown]],
        hover=view.hover_of(shown), ncols=20, title="Selected samples (frame = cluster colour)",
        tile_px=64, projector=projector_mode())
    st.plotly_chart(grid, key="explore_selection_grid")


def map_tab(view: RunView, run_mtime: float) -> None:
    """The UMAP / PCA map of the embedding; a box or lasso shows the samples it holds."""
    map_method, by_class, three_d, max_points = _map_controls(view)
    dims = 3 if three_d else 2
    idx, coords = run_pca(view.run_path, run_mtime, dims, max_points, SEED)
    shown_method, umap_key, umap_error = "pca", None, None
    if map_method == "umap":  # seconds: computed in the background, PCA until then
        umap_key = ("explore_umap", view.run_path, run_mtime, dims, max_points, SEED)
        umap_coords, umap_error = tasks().outcome(umap_key, projection.project,
                                                  np.asarray(view.run.embedding[idx]), "umap",
                                                  dims, SEED)
        if umap_coords is not None:
            coords, shown_method = umap_coords, "umap"
    fig = _map_figure(view, coords, idx, by_class, shown_method)
    if umap_error is not None:
        st.warning(f"UMAP failed ({umap_error}); showing PCA instead.")
    elif map_method == "umap" and shown_method == "pca":
        poll([umap_key], teach.umap_pending_text(len(idx)))
    if three_d:
        st.plotly_chart(fig, key="explore_map3d")
        st.caption(teach.MAP_3D_CAPTION)
        return
    event = st.plotly_chart(fig, key="explore_map", on_select="rerun",
                            selection_mode=("box", "lasso", "points"))
    rows = explore_charts.rows_from_selection(getattr(event, "selection", None) if event else None)
    if rows.size == 0:
        st.caption(teach.SELECTION_HINT)
    else:
        _selection(view, rows)


# ------------------------------------------------------------------ confusion matrix
def confusion_tab(view: RunView) -> None:
    """The Hungarian-matched confusion matrix, and why a cluster got a class not its largest."""
    if view.y_true is None:
        st.info(teach.NO_CONFUSION_TEXT)
        return
    cm_plot, cm_side = st.columns([4, 1])
    norm = cm_side.toggle("Row-normalised", key="explore_cm_norm",
                          help="Each row as shares of its class instead of counts.")
    matrix, classes, clusters = matched_confusion_matrix(view.y_true, view.labels,
                                                         normalize=norm, n_clusters=view.k)
    columns = [view.colors.get(int(c), NEUTRAL) if c >= 0 else NEUTRAL for c in clusters]
    cm_plot.plotly_chart(explore_charts.confusion_heatmap(
        matrix, classes, clusters, normalize=norm, class_names=view.class_names,
        column_colors=columns, projector=projector_mode()), key="explore_confusion")
    cm_side.caption(teach.CONFUSION_CAPTION)
    for note in teach.matching_notes(view.y_true, view.labels, view.class_names):
        st.caption(":material/lightbulb: " + note[0].upper() + note[1:])


# ------------------------------------------------------------------ galleries
def _all_clusters_galleries(view: RunView, per: int) -> None:
    """Most and least confident members, one row per cluster, side by side."""
    g_cols = chart_columns(2)
    sizes = np.bincount(view.labels, minlength=view.k)
    for which, pos in (("Most confident", 0), ("Least confident", 1)):
        tiles, borders, hovers = [], [], []
        for j in range(view.k):
            picked = view.ranked(j, per)[pos]
            row, b, t = pad_row(
                view.images_of(picked),
                [view.colors[j]] * len(picked), view.hover_of(picked), per,
                blank_hover=f"cluster {j}: no more members")
            tiles.append(row)
            borders += b
            hovers += t
        g_cols[pos].plotly_chart(image_grid(
            np.concatenate(tiles), border_colors=borders, hover=hovers, ncols=per,
            row_labels=[f"{view.names[j]} ({sizes[j]})" for j in range(view.k)],
            row_colors=[view.colors[j] for j in range(view.k)],
            title=f"{which} members (row = cluster)", tile_px=56, projector=projector_mode()),
            key=f"explore_gallery_{pos}")


def _one_cluster_gallery(view: RunView, j: int, per: int, protos) -> None:
    """Cluster ``j``'s prototype (when saved), its most and its least confident members."""
    h, w = view.image_shape
    most, least = view.ranked(j, per)
    if protos is not None:
        g0, g1, g2 = chart_columns([0.7, 2, 2])
        g0.plotly_chart(image_grid(
            np.clip(np.rint(protos[j].reshape(1, h, w) * 255), 0, 255),
            border_colors=[view.colors[j]], titles=["decoded μ"], ncols=1,
            title="Prototype", tile_px=110, projector=projector_mode()), key="explore_prototype")
    else:
        g1, g2 = chart_columns(2)
    for col, which, picked in ((g1, "most", most), (g2, "least", least)):
        with col:
            if picked.size == 0:
                st.info(f"Cluster {j} is empty.")
                continue
            st.plotly_chart(image_grid(
                view.images_of(picked), border_colors=[view.colors[j]] * len(picked),
                titles=[f"q={view.confidence[r]:.2f}" for r in picked],
                hover=view.hover_of(picked), ncols=min(per, 5),
                title=f"{view.names[j].capitalize()}: {which} confident", tile_px=110,
                projector=projector_mode()), key=f"explore_gallery_{which}")


def _table_gallery(view: RunView, clusters: list[int], per: int) -> None:
    frames = []
    for j in clusters:
        most, least = view.ranked(j, per)
        for which, picked in (("most confident", most), ("least confident", least)):
            df = view.table_of(picked)
            df.insert(1, "rank", which)
            frames.append(df)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    st.dataframe(df, hide_index=True, width="stretch", column_config={
        "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0,
                                                      max_value=1.0, format="%.3f")})


def galleries_tab(view: RunView) -> None:
    """Per cluster, the most and least confident members (images), or their rows (tables)."""
    c1, c2 = st.columns([2, 2])
    sizes = np.bincount(view.labels, minlength=view.k)
    choice = c1.selectbox("Cluster", ["all", *range(view.k)], key="explore_gallery_cluster",
                          format_func=lambda o: "All clusters" if o == "all"
                          else f"{view.names[o]} ({sizes[o]:,} members)")
    per = c2.slider("Samples per side", 3, 20, 8, key="explore_gallery_n")
    st.caption(teach.GALLERY_CAPTION)
    if not view.is_images:
        _table_gallery(view, list(range(view.k)) if choice == "all" else [int(choice)], per)
        return
    protos = view.prototypes()
    if choice != "all":
        _one_cluster_gallery(view, int(choice), per, protos)
        return
    if protos is not None:
        st.plotly_chart(map_figure.prototypes_figure(
            protos, view.image_shape, view.colors, view.names,
            title="Each cluster's prototype: its centroid μ_j decoded",
            projector=projector_mode()), key="explore_prototypes")
        st.caption(teach.prototypes_caption(view.method == "idec"))
    _all_clusters_galleries(view, per)


# ------------------------------------------------------------------ metrics
def metrics_tab(view: RunView, table: pd.DataFrame) -> None:
    """The scores against the baselines, the cluster sizes and the confidences."""
    projector = projector_mode()
    c1, c2 = chart_columns([1, 1])
    with c1:
        st.markdown("**Clustering quality** (higher is better)")
        if table.notna().any().any():
            st.dataframe(table, width="stretch", column_config={
                m: st.column_config.NumberColumn(m, format="%.3f") for m in ("ACC", "NMI", "ARI")})
            st.plotly_chart(explore_charts.scores_by_method_figure(table, projector=projector),
                            key="explore_metrics_chart")
            st.caption(teach.SCORES_CAPTION)
        else:
            st.info(teach.NO_LABELS_TEXT)
    with c2:
        st.plotly_chart(explore_charts.cluster_sizes_figure(
            view.labels, view.k, y_true=view.y_true, class_names=view.class_names,
            cluster_colors=view.colors, cluster_names=view.names, projector=projector),
            key="explore_sizes")
        st.plotly_chart(explore_charts.confidence_histogram(view.confidence, projector=projector),
                        key="explore_confidence")
        st.caption(teach.confidence_range_text(view.k))


# ------------------------------------------------------------------ evolution
def evolution_tab(view: RunView, run_mtime: float) -> None:
    """The embedding across DEC updates, in the frame fixed at the k-means start."""
    snaps = view.run.arrays.get("snapshots")
    snap_labels = view.run.arrays.get("snapshot_labels")
    if snaps is None or snap_labels is None or len(snaps) == 0:
        st.info(teach.NO_SNAPSHOTS_TEXT)
        return
    n_snaps = len(snaps)
    chosen = tuple(sorted(set(np.linspace(0, n_snaps - 1, min(n_snaps, MAX_FRAMES))
                              .round().astype(int).tolist())))
    coords, centers, explained = _evolution_frames(view.run_path, run_mtime, chosen)
    names, titles, steps = evolution_labels(view.history.get("dec") or {}, chosen, n_snaps)
    fig = explore_charts.evolution_figure(
        coords, snap_labels[list(chosen)], n_clusters=view.k,
        index=view.run.arrays.get("snapshot_index"), frame_names=names, frame_titles=titles,
        step_labels=steps, cluster_colors=view.colors, cluster_names=view.names,
        axis_title="PC (fixed at the k-means start)",
        title=f"The embedding across {NAMES[view.method]} updates ({snaps.shape[1]:,} tracked "
              "points), coloured by their cluster at each update", projector=projector_mode())
    if centers is not None:
        map_figure.add_centroids(fig, centers, view.colors, view.k)
    if len(chosen) < n_snaps:
        st.caption(teach.evolution_sampled_text(n_snaps, len(chosen)))
    st.plotly_chart(fig, key="explore_evolution")
    st.caption(teach.evolution_caption(explained, centers is not None))
