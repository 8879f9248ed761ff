"""Compare: five clustering methods on the same data and the same pretrained embedding.

For the current run (``st.session_state["run_path"]``): k-means on the raw
data, autoencoder + k-means, DEC, IDEC (a background job that reuses the
pretrained autoencoder) and N2D (UMAP + GMM on the pretrained embedding),
then the DEC variants. A table of ACC / NMI / ARI and time, then one panel
per method in one shared 2-D frame, every method's clusters in the colour of
the class they match. The rows come from :mod:`explorer.analysis.compare`,
the Streamlit pieces from :mod:`explorer.panels.compare`.
"""

from __future__ import annotations

import streamlit as st

from dec_core.baselines import KMEANS_N_INIT
from dec_core.presets import IDEC_GAMMA, VARIANTS
from explorer.analysis import compare
from explorer.panels import compare as panel
from explorer.session.page import current_run_or_stop, init_page, run_pca
from explorer.session.state import missing_upload, session_upload
from explorer.text import teach


def main() -> None:
    """The page (a function, so that a job worker process that re-imports this
    script as ``__mp_main__`` draws nothing)."""
    init_page()
    st.title("Compare methods")
    run_path, mtime, run = current_run_or_stop(teach.COMPARE_NO_RUN, on_empty=panel.explain)
    sub = compare.subject(run, run_path)
    panel.header(sub)
    upload = session_upload(st.session_state, sub.companion["data"])
    can_train = not missing_upload(st.session_state, sub.companion["data"])

    # ------------------------------------------------------------------ controls
    c1, c2, c3, c4 = st.columns([1.3, 1.3, 0.8, 1.4], vertical_alignment="bottom")
    seed = int(c3.number_input("Seed", 0, 10**6, value=int(sub.companion["train"].get("seed", 0)),
                               key="cmp_seed", help=teach.COMPARE_SEED_HELP))
    computed = st.session_state.setdefault("cmp_computed", {})
    compute_key = f"{run_path}|{seed}"
    if c1.button("Compute k-means and N2D", type="primary", icon=":material/calculate:",
                 help=teach.compare_compute_help(KMEANS_N_INIT), key="cmp_compute"):
        computed[compute_key] = True
    label, train_help = teach.compare_train_button(sub.companion_key, IDEC_GAMMA, can_train)
    companion = panel.companion_row(sub, label)
    c2.button(label, on_click=panel.start_companion, args=(sub, upload),
              icon=":material/play_arrow:", key="cmp_train", help=train_help,
              disabled=companion.active or companion.path is not None or not can_train)
    frame_label = c4.radio("2-D view", list(panel.FRAMES), horizontal=True, key="cmp_frame",
                           help=teach.COMPARE_FRAME_HELP)

    variants = compare.shown_variants(sub)
    variant_rows = panel.variant_rows(sub, variants)
    missing = [v for v, row in zip(variants, variant_rows) if row.path is None and not row.active]
    st.button(f"Train the variants ({len(missing)} missing)", on_click=panel.start_variants,
              args=(sub, missing, upload), icon=":material/science:", key="cmp_variants",
              disabled=not missing or not can_train,
              help=teach.compare_variants_help({v: VARIANTS[v] for v in variants}))
    st.fragment(run_every=1.0 if companion.active else None)(panel.companion_status)(
        sub, companion)

    # ------------------------------------------------------------------ results
    idx, pca = run_pca(run_path, mtime, 2, panel.MAX_POINTS, seed, pretrained=True)
    futures = (panel.compute(sub, mtime, seed, idx, upload)
               if computed.get(compute_key) else None)
    rows = compare.compare_rows(sub, companion, variant_rows, futures, seed, panel.load_other)
    if any(row.active for row in variant_rows):
        st.fragment(run_every=2.0)(panel.variant_progress)(run_path, variants)
    panel.scores(sub, rows)
    panel.maps(sub, rows, variants, panel.FRAMES[frame_label], (futures or {}).get("umap"),
               idx, pca)


if __name__ != "__mp_main__":
    main()
