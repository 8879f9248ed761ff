"""Explore's "Check stability": the cost, the two reseeded jobs, and what survives.

The streamlit side of :mod:`explorer.analysis.stability`. The reseeded runs are ordinary
training jobs (:class:`explorer.jobs.JobManager`, worker processes), so they show
on Runs and in the sidebar like any Start; this panel polls them and, once both
have finished, compares their saved labels with the run shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dec_core.cost import estimate
from explorer.analysis import stability
from explorer.jobs import manager
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.state import missing_upload
from explorer.session.submit import submit
from explorer.text import teach
from explorer.text.states import short_status

RESULT_KEY = "stability_results"
"""Session-state key: run path -> the :func:`explorer.analysis.stability.compare` result."""


def result_for(run_path: str) -> dict | None:
    """The finished check of this run in this session, or None."""
    return st.session_state.get(RESULT_KEY, {}).get(str(run_path))


def _submit(run_path: str, app_cfg: dict) -> None:
    """Queue the reseeded runs (with the session's upload when the run clustered a file)."""
    name = app_cfg.get("name") or Path(run_path).name
    ids = [submit(config, name=f"{name} · stability, seed {config['train']['seed']}").id
           for config in stability.reseeded_configs(app_cfg)]
    st.session_state.setdefault(stability.STATE_KEY, {})[str(run_path)] = ids


def _forget(run_path: str) -> None:
    st.session_state.get(stability.STATE_KEY, {}).pop(str(run_path), None)
    st.session_state.get(RESULT_KEY, {}).pop(str(run_path), None)


def flag_line(run_path: str) -> None:
    """Above Explore's tabs: the clusters that don't survive reseeding, once checked."""
    result = result_for(run_path)
    if result is None:
        return
    words = teach.stability_flag_text(result, stability.DISSOLVED)
    if result["dissolved"]:
        st.warning(words, icon=":material/flaky:")
    else:
        st.caption(words)


def draw(run_path: str, run, app_cfg: dict, labels, cluster_names: list[str]) -> None:
    """The Stability tab: cost and button, the jobs' progress, or the result."""
    run_path = str(run_path)
    st.caption(teach.stability_intro_text(stability.DISSOLVED, stability.STABLE))
    if not app_cfg or not all(k in app_cfg for k in ("data", "model", "train")):
        st.info(teach.STABILITY_NO_SETTINGS)
        return
    if missing_upload(st.session_state, app_cfg["data"]):
        st.info(teach.STABILITY_UPLOAD_AGAIN)
        return
    ids = st.session_state.get(stability.STATE_KEY, {}).get(run_path)
    if ids is None:
        params = run.config.get("params") or {}
        seconds = estimate(len(labels), params).total_seconds if params.get("dims") else None
        seed = int(app_cfg["train"].get("seed", 0))
        st.markdown("**Cost:** " + (
            teach.stability_cost_text(seconds, seed, stability.EXTRA_SEEDS) if seconds is not None
            else f"{stability.EXTRA_SEEDS} more runs of this one"))
        st.button("Check stability", icon=":material/flaky:", key="stability_start",
                  on_click=_submit, args=(run_path, app_cfg),
                  help=teach.STABILITY_BUTTON_HELP)
        return
    owner = st.session_state["owner"]
    jobs = [manager().get(i, owner) for i in ids]
    if any(j is None for j in jobs):
        st.info("The check's runs are no longer on this server.")
        st.button("Check again", key="stability_again", on_click=_forget, args=(run_path,))
        return
    if any(j.active for j in jobs):
        _wait(ids)
        return
    failed = [j for j in jobs if j.state != "done" or not j.run_path]
    if failed:
        st.error("A reseeded run did not finish (" + ", ".join(
            f"{j.name}: {short_status(j.view())}" for j in failed) + "); the check has no result.")
        st.button("Check again", key="stability_again", on_click=_forget, args=(run_path,))
        return
    result = result_for(run_path)
    if result is None:
        others = [load_run_cached(j.run_path, run_mtime(j.run_path)).labels for j in jobs]
        try:
            result = stability.compare(labels, others)
        except ValueError as err:
            st.error(str(err))
            return
        st.session_state.setdefault(RESULT_KEY, {})[run_path] = result
        st.rerun()  # the flag line above the tabs reads it
    st.markdown(teach.stability_summary_text(result, stability.DISSOLVED, stability.STABLE))
    flags = stability.cluster_flags(result)
    seed = int(app_cfg["train"].get("seed", 0))
    table = pd.DataFrame({
        "cluster": [cluster_names[c] if c < len(cluster_names) else str(c) for c in flags],
        "size": [result["sizes"][c] for c in flags],
        **{f"Jaccard, seed {seed + i + 1}": [result["jaccard"][i][c] for c in flags]
           for i in range(len(result["jaccard"]))},
        "mean Jaccard": [result["mean_jaccard"][c] for c in flags],
        "survives?": list(flags.values()),
    })
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.2f")
                                for c in table.columns if "Jaccard" in c})


def _wait(ids: list[str]) -> None:
    """The reseeded jobs' progress; reruns the page when both have ended."""

    @st.fragment(run_every=2.0)
    def _poll() -> None:
        owner = st.session_state["owner"]
        jobs = [manager().get(i, owner) for i in ids]
        if not any(j is not None and j.active for j in jobs):
            st.rerun()
        for j in jobs:
            frac, _ = j.progress()
            st.progress(min(1.0, frac), text=f"{j.name}: {short_status(j.view())}, {frac:.0%}")
        st.caption(teach.STABILITY_RUNNING)

    _poll()
