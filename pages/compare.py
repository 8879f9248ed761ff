"""Compare: five clustering methods on the same data and the same pretrained embedding.

For the current run (``st.session_state["run_path"]``): k-means on the raw
data, autoencoder + k-means, DEC, IDEC (a background job that reuses the
pretrained autoencoder) and N2D (UMAP + GMM on the pretrained embedding).
A table of ACC / NMI / ARI and time, then one panel per method in one shared
2-D frame, every method's clusters in the colour of the class they match.
k-means, N2D and the UMAP view run in background threads
(:mod:`explorer.session.background`), so the page never waits on them. The pure
logic lives in :mod:`explorer.analysis.compare`.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import streamlit as st

from dec_core.baselines import KMEANS_N_INIT, kmeans_raw_labels
from dec_core.datasets import class_name as dataset_class_name
from dec_core.presets import VARIANTS
from explorer.analysis import compare, projection
from explorer.charts import explore as explore_charts
from explorer.charts.theme import class_color
from explorer.data import upload_digest
from explorer.jobs import manager
from explorer.session.background import poll, tasks
from explorer.session.page import current_run_or_stop, init_page, load_run_cached, run_mtime
from explorer.session.widgets import chart_columns
from explorer.text import teach

MAX_POINTS = 5000          # points drawn per panel (a fixed random sample)
N2D_MAX_FIT = 10_000       # UMAP of N2D is fitted on at most this many rows
FRAMES = {"UMAP": "umap", "PCA (instant)": "pca"}
PANEL_HEIGHT = 380





# The three parts of "Compute k-means and N2D": background tasks (explorer.session.background),
# keyed by run, save time, k and seed, so they run once per server and survive reruns.


def _kmeans_raw(run, k: int, seed: int, upload: dict | None) -> tuple[np.ndarray, float]:
    x = compare.run_features(run, upload)
    return compare.timed(kmeans_raw_labels, x, k, seed)


def _n2d(z: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, float]:
    compare.warm_up_umap(k)  # numba compiles once per server; not N2D's time
    return compare.timed(compare.n2d, z, k, seed, N2D_MAX_FIT)


def _umap_view(z: np.ndarray, idx: np.ndarray, seed: int) -> np.ndarray:
    return projection.project(z[idx], "umap", 2, seed)


@st.cache_data(max_entries=16, show_spinner=False)
def _pca_view(path: str, mtime: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    z, _ = compare.pretrained_embedding(load_run_cached(path, mtime))
    idx = projection.sample_indices(z.shape[0], MAX_POINTS, seed)
    return idx, projection.project(z[idx], "pca", 2, seed)



def _variant_progress(run_path: str, variants: list[str]) -> None:
    """One line per variant job still training; reruns the page when they all end."""
    ids = st.session_state.get("cmp_variant_jobs", {}).get(run_path, {})
    active = False
    for v in variants:
        job = manager().get(ids.get(v), st.session_state["owner"])
        if job is None or not job.active:
            continue
        active = True
        view = job.view()
        st.caption(f"{VARIANTS[v]['label']}: {view['state']} · {view['phase']} · "
                   f"{view['progress']:.0%} · {view['elapsed']:.0f} s")
    if not active:
        st.rerun()


def explain() -> None:
    with st.expander("How the five methods work", icon=":material/school:"):
        st.markdown(
            "All five cluster **the same samples** into the same number of clusters $k$. "
            "The four deep methods also share **one pretrained autoencoder** "
            "$f_\\theta$ (encoder) — they differ only in what they do with its embedding "
            "$z_i = f_\\theta(x_i)$.")
        st.markdown(f"**1. k-means on raw data** — no network: k-means ({KMEANS_N_INIT} "
                    "restarts) on the pixels / features, minimising")
        st.latex(r"\min_{\mu}\ \sum_i \min_j \lVert x_i - \mu_j \rVert^2")
        st.markdown("**2. Autoencoder + k-means** — the same k-means, on the embedding $z_i$ of "
                    "the pretrained autoencoder. This is DEC's starting point.")
        st.markdown("**3. DEC** (Xie et al., 2016) — starts from (2), then trains encoder and "
                    "centroids together to match a sharpened target $P$ of the soft "
                    "assignments $Q$ (Student's $t$):")
        st.latex(r"q_{ij} \propto \Big(1 + \tfrac{\lVert z_i-\mu_j\rVert^2}{\alpha}\Big)"
                 r"^{-\frac{\alpha+1}{2}},\quad p_{ij} \propto \frac{q_{ij}^2 / f_j}"
                 r"{\sum_{j'} q_{ij'}^2 / f_{j'}},\quad L = \mathrm{KL}(P\,\|\,Q)")
        st.markdown("**4. IDEC** (Guo et al., 2017) — DEC that keeps the decoder $g$: the "
                    "reconstruction loss keeps weight 1 and the clustering loss is scaled by "
                    "$\\gamma$, so the embedding cannot drift away from the data while it is "
                    "pulled towards the clusters:")
        st.latex(teach.idec_loss_latex(compare.IDEC_GAMMA))
        st.markdown("**5. N2D** (McConville et al., 2020) — no self-training: UMAP "
                    "(`n_neighbors=20`, `min_dist=0`) learns the *local manifold* of the "
                    "pretrained embedding in $k$ dimensions, and a Gaussian mixture with full "
                    "covariances clusters it.")
        st.markdown("**Variants of DEC** (rows below the five; each a background job on this "
                    "run's data and settings, time = the whole fit, since a variant can change "
                    "pretraining):\n"
                    + "\n".join(f"- **{VARIANTS[v]['label']}** — {VARIANTS[v]['help']}"
                                 for v in compare.VARIANT_ROWS))
        st.markdown("**Scores** — ACC matches clusters to classes one to one (Hungarian) and "
                    "counts the matched share; NMI and ARI compare the partitions and ignore "
                    "the cluster numbers. All are 1 for a perfect clustering; ARI is about 0 "
                    "for a random one. The colours use the same matching: each class keeps its "
                    "colour on every page, and a cluster takes the colour of the class it is "
                    "matched to, so the same colour means the same class in every panel.")


def main() -> None:
    """The page (a function, so that a job worker process that re-imports this
    script as ``__mp_main__`` draws nothing)."""
    # ------------------------------------------------------------------ the run
    init_page()
    st.title("Compare methods")
    run_path, mtime, run = current_run_or_stop(
        "No run to compare yet. Train a model on the **Train** page (or open a saved run on "
        "the **Runs** page); this page then sets it beside k-means, IDEC and N2D on the same "
        "data and the same pretrained autoencoder.", on_empty=explain)

    extra = run.config.get("extra") or {}
    app_cfg = extra.get("app") or {}
    timings = run.history.get("timings") or {}
    labels = np.asarray(run.labels, dtype=np.int64)
    n = labels.shape[0]
    k = int(run.config.get("params", {}).get("n_clusters") or np.unique(labels).size)
    y_true = None if run.y_true is None else np.asarray(run.y_true)
    class_names = extra.get("class_names")
    z_pre, is_pretrained = compare.pretrained_embedding(run)
    owner = st.session_state["owner"]
    jobs = manager()

    companion_cfg, companion_key, run_gamma = compare.companion_config(app_cfg)
    run_key = "idec" if companion_key == "dec" else "dec"
    own_variant = compare.run_variant(app_cfg)
    if own_variant in compare.VARIANT_ROWS:  # a variant run has its own row; DEC is trained
        run_key = compare.variant_key(own_variant)
    names = compare.method_names()
    name = app_cfg.get("name") or Path(run_path).name
    dataset = run.config.get("dataset", {}).get("name", "")
    on = "" if not dataset or dataset.lower() in name.lower() else f" on {dataset}"
    gamma_note = f" with γ = {run_gamma:g}" if run_key == "idec" else ""
    st.caption(f"**{name}**{on}: {n:,} samples in {k} clusters, a {z_pre.shape[1]}-d "
               f"embedding. This run is **{names[run_key]}**{gamma_note}.")
    explain()

    if not is_pretrained:
        st.warning("This run was saved without the pretrained embedding (an older run), so N2D and "
                   "the 2-D views use its final DEC embedding instead.")

    def class_name(c) -> str:
        return dataset_class_name(class_names, c)  # dec_core.datasets owns the rule

    # ---------------------------------------------------------- companion job (IDEC or DEC)
    data_name = companion_cfg["data"].get("name")
    upload = st.session_state.get("upload") if data_name == "file" else None
    job_ids = st.session_state.setdefault("cmp_jobs", {})
    companion_job = jobs.get(job_ids.get(run_path), owner)
    companion_active = companion_job is not None and companion_job.active
    companion_path = None
    if companion_job is not None and companion_job.state in ("done", "stopped") and companion_job.run_path:
        companion_path = companion_job.run_path
    elif companion_job is None:  # trained earlier (another session, before a refresh)?
        found = compare.find_run(jobs.owner_path(owner), companion_cfg, n, exclude=run_path)
        companion_path = str(found) if found else None
    can_train = data_name != "file" or upload is not None

    def _start_companion() -> None:
        job = manager().submit(st.session_state["owner"], companion_cfg, upload,
                               name=f"{name} · {names[companion_key]}")
        st.session_state.setdefault("cmp_jobs", {})[run_path] = job.id

    # ------------------------------------------------------------------ controls
    computed = st.session_state.setdefault("cmp_computed", {})
    c1, c2, c3, c4 = st.columns([1.3, 1.3, 0.8, 1.4], vertical_alignment="bottom")
    seed = int(c3.number_input(
        "Seed", 0, 10**6, value=int(companion_cfg["train"].get("seed", 0)), key="cmp_seed",
        help="Random seed of k-means on raw data, N2D (UMAP and the mixture) and the 2-D views. "
             "DEC and IDEC keep the seed they were trained with."))
    run_seed = int(run.config.get("params", {}).get("random_state") or 0)
    compute_key = f"{run_path}|{seed}"
    if c1.button("Compute k-means and N2D", type="primary", icon=":material/calculate:",
                 help=f"Run k-means on the raw data ({KMEANS_N_INIT} restarts) and N2D (UMAP to k "
                      "dimensions + Gaussian mixture) on the pretrained embedding, and a UMAP 2-D "
                      "view, in the background: the page stays usable. Seconds on digits; the "
                      "first UMAP of the server compiles code (~20 s). Results are kept.",
                 key="cmp_compute"):
        computed[compute_key] = True
    is_computed = bool(computed.get(compute_key))
    if companion_key == "idec":
        label = f"Train IDEC (γ = {compare.IDEC_GAMMA:g})"
        train_help = ("Train IDEC (Guo et al., 2017) as a background job: the same model, with "
                      "the decoder kept during clustering, minimising L = L_r + γ·KL(P‖Q) "
                      f"(γ = {compare.IDEC_GAMMA:g}). Data, autoencoder and every other setting "
                      "are this run's, so the pretrained autoencoder is reused when it is still "
                      "in this server's cache (then only the clustering phase runs).")
    else:
        label = "Train DEC"
        train_help = ("This run is IDEC; train plain DEC (L = KL(P‖Q), the decoder dropped) "
                      "with every other setting the same, as a background job that reuses the "
                      "pretrained autoencoder when cached.")
    c2.button(label, on_click=_start_companion, icon=":material/play_arrow:", key="cmp_train",
              disabled=companion_active or companion_path is not None or not can_train,
              help=train_help
              + ("" if can_train else " Upload the run's file again on the Data page first."))
    frame_label = c4.radio(
        "2-D view", list(FRAMES), horizontal=True, key="cmp_frame",
        help="One shared 2-D map of the pretrained embedding for every panel, so panels differ "
             "only in their colours. UMAP keeps neighbourhoods (computed by Compute k-means "
             "and N2D; PCA is shown until then); PCA is a fast linear view.")

    # ---------------------------------------------------------- variant jobs (issue 18)
    n_features = int(run.config.get("n_features_in") or 0)
    side = int(round(n_features ** 0.5))
    square = n_features > 0 and side * side == n_features  # DEC-DA warps square images only
    variants = [v for v in compare.VARIANT_ROWS
                if square or not VARIANTS[v]["settings"].get("augment")]
    if own_variant in compare.VARIANT_ROWS:
        variants.insert(0, "dec")  # this run is a variant: plain DEC is trained like one
    variant_jobs = st.session_state.setdefault("cmp_variant_jobs", {}).setdefault(run_path, {})
    variant_cfgs = {v: compare.variant_config(app_cfg, v) for v in variants}
    variant_paths: dict[str, str | None] = {}
    variant_active: dict[str, bool] = {}
    for v in variants:
        job = jobs.get(variant_jobs.get(v), owner)
        variant_active[v] = job is not None and job.active
        path = None
        if v == own_variant:
            path = run_path
        elif job is not None and job.state in ("done", "stopped") and job.run_path:
            path = job.run_path
        elif job is None:
            found = compare.find_run(jobs.owner_path(owner), variant_cfgs[v], n,
                                     exclude=run_path)
            path = str(found) if found else None
        variant_paths[v] = path
    missing_variants = [v for v in variants if variant_paths[v] is None and not variant_active[v]]

    def _start_variants() -> None:
        for v in missing_variants:
            job = manager().submit(st.session_state["owner"], variant_cfgs[v], upload,
                                   name=f"{name} · {VARIANTS[v]['label']}")
            st.session_state["cmp_variant_jobs"].setdefault(run_path, {})[v] = job.id

    st.button(f"Train the variants ({len(missing_variants)} missing)", on_click=_start_variants,
              icon=":material/science:", key="cmp_variants",
              disabled=not missing_variants or not can_train,
              help="Train each DEC variant not trained yet on this run's data and settings, as "
                   "background jobs (queued, one after another): "
                   + " ".join(f"**{VARIANTS[v]['label']}**: {VARIANTS[v]['help']}"
                              for v in variants)
                   + " Each row's time is its whole fit.")

    def companion_status() -> None:
        """Progress of the IDEC / DEC job; re-run by the fragment timer while it trains."""
        job = manager().get(st.session_state.get("cmp_jobs", {}).get(run_path),
                            st.session_state["owner"])
        what = names[companion_key]
        if job is None:
            if companion_path is not None:
                st.caption(f"{what}: using the run trained earlier with the same settings "
                           f"({Path(companion_path).name}).")
            return
        v = job.view()
        if v["state"] == "queued":
            st.info(f"{what}: waiting in the queue (position {manager().queue_position(job)}).")
        elif v["state"] == "running":
            reuse = " · reusing the pretrained autoencoder" if v["reused_autoencoder"] else ""
            st.progress(v["progress"], text=f"**{what}**: {v['phase']} · {v['progress']:.0%} · "
                        f"{v['elapsed']:.0f} s{reuse}")
        elif v["state"] == "failed":
            st.error(f"{what} failed: {v['error']}")
        else:
            reuse = " (pretrained autoencoder reused)" if v["reused_autoencoder"] else ""
            st.success(f"{what} finished in {v['elapsed']:.1f} s{reuse}.")
        if companion_active and not job.active:
            st.rerun()  # the job ended: redraw the table with its row

    st.fragment(run_every=1.0 if companion_active else None)(companion_status)()

    # ------------------------------------------------------------------ results
    results: dict[str, np.ndarray | None] = dict.fromkeys(compare.METHODS)
    times: dict[str, float | None] = dict.fromkeys(compare.METHODS)
    status: dict[str, str] = {}
    errors: list[str] = []

    results["ae_kmeans"] = None if run.kmeans_labels is None else np.asarray(run.kmeans_labels)
    times["ae_kmeans"] = compare.step_seconds(timings, "ae_kmeans")
    results[run_key] = labels
    times[run_key] = (compare.variant_seconds(timings) if run_key.startswith("variant:")
                      else compare.step_seconds(timings, run_key))

    if companion_path is not None:
        try:
            other = load_run_cached(companion_path, run_mtime(companion_path))
            if other.labels.shape[0] == n:
                results[companion_key] = np.asarray(other.labels)
                times[companion_key] = compare.step_seconds(other.history.get("timings"),
                                                            companion_key)
            else:
                status[companion_key] = "different data size"
        except (ValueError, OSError) as err:
            status[companion_key] = "unreadable run"
            errors.append(f"The {names[companion_key]} run cannot be opened: {err}")
    elif companion_active:
        status[companion_key] = "training…"
    else:
        status[companion_key] = f"press “{label}”"

    upload_key = upload_digest(upload["bytes"]) if upload else None
    base_key = (run_path, mtime, k, seed)
    task_keys = {"kmeans_raw": ("cmp_kmeans_raw", *base_key, upload_key),
                 "n2d": ("cmp_n2d", *base_key), "umap": ("cmp_umap_view", run_path, mtime, seed)}
    idx, pca_coords = _pca_view(run_path, mtime, seed)
    futures = {}
    if is_computed:
        futures = {
            "kmeans_raw": tasks().submit(task_keys["kmeans_raw"], _kmeans_raw, run, k, seed,
                                         upload),
            "n2d": tasks().submit(task_keys["n2d"], _n2d, z_pre, k, seed),
            "umap": tasks().submit(task_keys["umap"], _umap_view, z_pre, idx, seed),
        }
        for key in ("kmeans_raw", "n2d"):
            fut = futures[key]
            if not fut.done():
                status[key] = "computing…"
            elif fut.exception() is not None:
                status[key] = "no data" if key == "kmeans_raw" else "failed"
                errors.append(f"{names[key]}: {fut.exception()}")
            else:
                results[key], times[key] = fut.result()
        poll([task_keys[key] for key in futures],
             "Computing k-means on raw data, N2D and the UMAP view")
    else:
        status["kmeans_raw"] = status["n2d"] = "press Compute"
    # The run's own k-means on the raw data (the worker's, as on the Explore page), while
    # Compute has not run it with this seed: one figure, one source.
    saved = {}
    raw_saved = (extra.get("baselines") or {}).get("kmeans_raw")
    if results["kmeans_raw"] is None and raw_saved and seed == run_seed:
        saved["kmeans_raw"] = raw_saved
        status["kmeans_raw"] = "saved with the run (Compute draws it)"

    restarts: dict[str, list] = {}  # row name -> the restarts run's fits (kl, acc)
    for v in variants:
        key = compare.row_key(v)
        results[key] = None
        times[key] = None
        if variant_paths[v] is not None:
            try:
                other = (run if variant_paths[v] == run_path
                         else load_run_cached(variant_paths[v], run_mtime(variant_paths[v])))
                if other.labels.shape[0] == n:
                    results[key] = np.asarray(other.labels)
                    t = other.history.get("timings")
                    times[key] = (compare.step_seconds(t, "dec") if v == "dec"
                                  else compare.variant_seconds(t))
                    if VARIANTS[v]["settings"].get("restart_criterion") == "kl":
                        restarts[names[key]] = (other.history.get("history") or {}).get(
                            "restarts") or []
                else:
                    status[key] = "different data size"
            except (ValueError, OSError) as err:
                status[key] = "unreadable run"
                errors.append(f"The {names[key]} run cannot be opened: {err}")
        elif variant_active[v]:
            status[key] = "training…"
        else:
            status[key] = "press “Train the variants”"
    if any(variant_active.values()):
        st.fragment(run_every=2.0)(_variant_progress)(run_path, variants)

    for msg in errors:
        st.warning(msg)

    table = compare.comparison_table(y_true, results, times, names=names,
                                     reference=labels if y_true is None else None, status=status,
                                     saved=saved)
    st.subheader("Scores")
    if y_true is None:
        st.info("This data has no true labels, so ACC cannot be computed: NMI and ARI are measured "
                f"against this run's clusters ({names[run_key]}) instead — agreement, not accuracy.")
    st.dataframe(compare.style_table(table), key="cmp_table", placeholder="—",
                 column_config={
                     "Time (s)": st.column_config.NumberColumn(
                         help="Seconds of the method's own step. The deep methods also share the "
                              "autoencoder pretraining, not counted here; a variant's row is its "
                              "whole fit, pretraining included."),
                     "Clusters": st.column_config.NumberColumn(
                         help="Non-empty clusters: a method can leave some of the k empty."),
                 })
    pre = float(timings.get("pretrain") or 0.0)
    pretrained_here = bool(((run.history.get("history") or {}).get("pretrain") or {}).get("loss"))
    source = extra.get("autoencoder")  # live | shipped | cached (explorer.jobs)
    pre_txt = (f"the autoencoder pretraining they share took {pre:.1f} s"
               if pretrained_here and source in (None, "live")
               else "this run started from the shipped pretrained autoencoder "
                    "(assets/digits.npz), so none pretrained here" if source == "shipped"
               else "this run reused an autoencoder pretrained by an earlier run")
    st.caption(f"Highlighted: the best value of each score. Time is each method's own step on this "
               f"server; {pre_txt}. N2D's UMAP is fitted on at most {N2D_MAX_FIT:,} points.")
    for note in compare.table_notes(table, k, restarts=restarts):
        st.caption(":material/lightbulb: " + note)

    # ------------------------------------------------------------------ 2-D views
    wanted = FRAMES[frame_label]
    coords, frame = pca_coords, "pca"
    umap_fut = futures.get("umap")
    if wanted == "umap" and umap_fut is not None and umap_fut.done():
        if umap_fut.exception() is None:
            coords, frame = umap_fut.result(), "umap"
        else:
            st.warning(f"The UMAP view failed ({umap_fut.exception()}); showing PCA.")
    where = "pretrained" if is_pretrained else "final"
    st.subheader(f"The clusters in one 2-D map: {'UMAP' if frame == 'umap' else 'PCA'}")
    if wanted == "umap" and frame == "pca":
        why = ("it is being computed" if umap_fut is not None and not umap_fut.done()
               else "press **Compute k-means and N2D** to compute it" if umap_fut is None
               else "it failed")
        st.caption(f"Showing **PCA**, although UMAP is selected: {why}.")
    available = {key: lab for key, lab in results.items() if lab is not None}
    colors, matched = compare.panel_colors(available, y_true, anchor=run_key, n_clusters=k)
    axis = "UMAP" if frame == "umap" else "PC"
    st.caption(f"{len(idx):,} of {n:,} points, placed by a {'UMAP' if frame == 'umap' else 'PCA'} "
               f"map of the {where} embedding; only the colours change between panels. "
               + ("Each class keeps its colour (as on the Data and Explore pages); a cluster "
                  "takes the colour of the class it is matched to (hover a point: "
                  "'cluster 3 → 1')." if y_true is not None else
                  f"No labels: clusters take the colour of the {names[run_key]} cluster they "
                  "overlap most."))

    panels: list[tuple[str, str, np.ndarray]] = []  # title, key, groups (raw ids)
    if y_true is not None:
        panels.append(("True classes", "truth", y_true))
        classes = np.unique(y_true)
        swatches = " ".join(
            f'<span style="color:{class_color(c)}">&#9632;</span>&nbsp;'
            f"{html.escape(class_name(c))}" for c in classes.tolist())
        st.markdown(f"<small>Classes: {swatches}</small>", unsafe_allow_html=True)
    for key in [*compare.METHODS, *(compare.row_key(v) for v in variants)]:
        if key in available:
            score = table.loc[names[key]]
            sub = (f" · ACC {score['ACC']:.3f}" if y_true is not None
                   else f" · NMI vs ref {score['NMI vs ref']:.3f}")
            panels.append((names[key] + sub, key, available[key]))
    true_col = ([class_name(c) for c in y_true[idx]] if y_true is not None else ["–"] * len(idx))
    for start in range(0, len(panels), 3):
        cols = chart_columns(3)
        for col, (title, key, raw) in zip(cols, panels[start:start + 3]):
            groups = np.asarray(raw)[idx]
            tags = explore_charts.cluster_names(colors[key], matched[key], class_names,
                                       has_labels=y_true is not None)
            cluster_col = (true_col if key == "truth"
                           else [tags.get(int(c), str(c)) for c in groups])
            custom = np.column_stack([idx, true_col, cluster_col])
            fig = explore_charts.scatter_embedding(
                coords, groups, custom, group_colors=colors[key],
                hover_labels=("index", "true label", "cluster"),
                title=title, axis_title=axis, height=PANEL_HEIGHT,
                marker_size=5 if len(idx) <= 1000 else 3)
            fig.update_layout(showlegend=False, dragmode="pan", margin={"l": 10, "r": 10, "b": 10})
            fig.update_xaxes(showticklabels=False, title=None)
            fig.update_yaxes(showticklabels=False, title=None)
            col.plotly_chart(fig, key=f"cmp_panel_{key}")
    missing = [names[m] for m in compare.METHODS if m not in available]
    missing += [names[compare.row_key(v)] for v in variants
                if compare.row_key(v) not in available and v != "dec"]
    if missing:
        st.caption("Not shown yet: " + ", ".join(missing) + ".")


if __name__ != "__mp_main__":
    main()
