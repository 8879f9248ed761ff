"""The Runs page's panels: selected runs side by side, and one run's open and download buttons."""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit as st

from dec_core.notebook import build_notebook, dumps
from dec_core.runs import RunInfo, read_config
from explorer.analysis import lockstep
from explorer.analysis import runs as run_analysis
from explorer.charts import runs as run_charts
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.state import cli_config
from explorer.session.widgets import chart_columns, projector_mode
from explorer.text import teach

CHART_KEYS = ("compare", "sbs_loss", "sbs_acc", "sbs_delta", "sbs_conf")
"""Widget keys of the side-by-side figures: scores, the three curves, confidence."""


def _lockstep_button(chosen: Sequence[RunInfo]) -> None:
    """Play two runs in lockstep (pages/lockstep.py), or say why they cannot be."""
    why = lockstep.refusal(*(lockstep.app_config(r.path) for r in chosen))
    if st.button("Play in lockstep", icon=":material/compare_arrows:", disabled=bool(why),
                 key="runs_lockstep", help=why or teach.RUNS_LOCKSTEP_HELP):
        st.session_state["lockstep"] = {"runs": [str(r.path) for r in chosen]}
        try:
            st.switch_page("pages/lockstep.py")
        except Exception:  # no navigation (page run alone)
            st.success("Chosen: go to the Lockstep page.")
    if why:
        st.caption(f"Lockstep: {why}")


def _charts(chosen: Sequence[RunInfo], names: list[str]) -> None:
    """Scores, the DEC curves and the confidence of the chosen runs, two figures a row."""
    loaded = []
    for r in chosen:
        try:
            loaded.append(load_run_cached(str(r.path), run_mtime(r.path)))
        except (ValueError, OSError) as err:
            loaded.append(None)
            st.warning(f"`{r.name}` cannot be read: {err}")
    histories = [((x.history.get("history") or {}).get("dec") or {}) if x else {} for x in loaded]
    probas = [x.proba if x else None for x in loaded]
    projector = projector_mode()
    figures = [run_charts.scores_figure([r.scores for r in chosen], names, projector=projector),
               *(run_charts.curves_figure(histories, names, key, projector=projector)
                 for key in run_charts.CURVES),
               run_charts.confidence_by_run_figure(probas, names, projector=projector)]
    for start in range(0, len(figures), 2):
        for col, fig_, key in zip(chart_columns(2), figures[start:start + 2],
                                  CHART_KEYS[start:start + 2]):
            col.plotly_chart(fig_, key=key)


def side_by_side(chosen: Sequence[RunInfo], settings: list[dict]) -> None:
    """Two or more selected runs, each named by what differs, in shared figures.

    ``settings``: each chosen run's :func:`explorer.analysis.runs.run_settings`.
    """
    names = run_analysis.run_names(settings, [run_analysis.created_text(r.created) or r.name
                                              for r in chosen])
    st.subheader("Side by side")
    st.caption(teach.runs_named_text(run_analysis.differing(settings)))
    if len(chosen) == 2:  # both maps at the same update, in one frame (pages/lockstep.py)
        _lockstep_button(chosen)
    _charts(chosen, names)


def _open(path: str) -> None:
    st.session_state["run_path"] = path


def _config_downloads(run: RunInfo, box) -> None:
    """The CLI config and the notebook of a run the app saved (its settings in the config)."""
    try:
        app_cfg = read_config(run.path).get("extra", {}).get("app")
        if app_cfg:
            cli = cli_config(app_cfg["data"], app_cfg["model"], app_cfg["train"])
            box.download_button("Config (JSON for the CLI)", json.dumps(cli, indent=2),
                                f"{run.name}-config.json", "application/json",
                                icon=":material/download:",
                                help=teach.config_help(f"{run.name}-config.json"))
            box.download_button(
                "Notebook",
                lambda: dumps(build_notebook(cli, data_file=run.dataset, reported=run.scores)),
                f"{run.name}.ipynb", "application/x-ipynb+json", icon=":material/download:",
                help=teach.EXPORT_HELP["notebook"])
    except (OSError, ValueError, KeyError) as err:
        st.warning(f"Cannot read this run's config: {err}")


def actions(run: RunInfo) -> None:
    """One run's heading, Open in Explore, and its downloads (labels, model, config, notebook)."""
    scores = run_analysis.scores_text(run.scores)
    st.markdown(f"**{run.name}** — {run.dataset}, {run.n_samples:,} samples"
                + (f" · {scores}" if scores else " · no true labels, so no scores"))
    # one row of buttons as wide as their labels, wrapping when the page is narrow: five equal
    # columns cut 'Open in Explore' and the CLI config's label at 1280 px (projector mode)
    box = st.container(horizontal=True)
    if box.button("Open in Explore", type="primary", on_click=_open, args=(str(run.path),),
                  icon=":material/scatter_plot:"):
        try:
            st.switch_page("pages/explore.py")
        except Exception:  # no navigation (page run alone)
            st.success("Opened: go to the Explore page.")
    labels_csv = run.path / "labels.csv"
    if labels_csv.is_file():
        box.download_button("Labels (CSV)", labels_csv.read_bytes, f"{run.name}-labels.csv",
                            "text/csv", icon=":material/download:",
                            help=teach.EXPORT_HELP["labels"])
    model_file = run.path / "model.keras"
    if model_file.is_file():
        box.download_button("Model (.keras)", model_file.read_bytes, f"{run.name}.keras",
                            "application/octet-stream", icon=":material/download:",
                            help=teach.EXPORT_HELP["model"])
    _config_downloads(run, box)
