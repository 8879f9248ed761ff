"""The Lockstep page's pieces: the one-click pairs, and each side's frames, name and state.

A pair is ``st.session_state["lockstep"]``: ``{"jobs": [id, id]}`` (started here)
or ``{"runs": [path, path]}`` (chosen on the Runs page). The maps and their
shared replay are :func:`explorer.live_map.panel.lockstep_maps`.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from explorer.analysis import lockstep
from explorer.analysis import runs as run_analysis
from explorer.jobs import manager
from explorer.live_map import replay
from explorer.session.page import load_run_cached, run_mtime
from explorer.session.submit import submit
from explorer.text.states import short_status
from explorer.text.teach import LOCKSTEP_JOBS_GONE, lockstep_pair_help


def _start_pair(pair: str) -> None:
    config = {k: dict(st.session_state[k]) for k in ("data", "model", "train")}
    ids = [submit(cfg).id for cfg in lockstep.pair_configs(config, pair)]
    st.session_state["lockstep"] = {"jobs": ids}


def start_buttons() -> None:
    """One click per pair a lesson compares: two runs from the current settings."""
    cols = st.columns([2.2] + [1.6] * len(lockstep.PAIRS), vertical_alignment="center")
    cols[0].markdown("**Start a pair** from the current settings:")
    for col, (pair, spec) in zip(cols[1:], lockstep.PAIRS.items()):
        col.button(spec["label"], key=f"lockstep_start_{pair}", on_click=_start_pair,
                   args=(pair,), icon=":material/compare_arrows:",
                   help=lockstep_pair_help(spec["help"]))


def _run_side(path: str):
    """A saved run's ``(frames, app config, estimator params, data set name)``."""
    mtime = run_mtime(path)
    cache = st.session_state.setdefault("_lockstep_frames", {})
    if cache.get(path, (None,))[0] != mtime:
        try:
            run = load_run_cached(path, mtime)
        except (ValueError, OSError) as err:
            st.error(f"This run cannot be read: {err}")
            st.stop()
        cache[path] = (mtime, replay.frames_from_run(run), lockstep.app_config(path),
                       run.config.get("params") or {}, (run.config.get("dataset") or {}).get(
                           "name", ""))
    return cache[path][1:]


def sides(chosen: Mapping) -> tuple[list, list, list, bool, list]:
    """Each run's frames, app config, name and state words; and whether one trains."""
    jobs, owner = manager(), st.session_state["owner"]
    frames, configs, settings, status = [], [], [], []
    live = False
    for ref in chosen.get("jobs", []):
        job = jobs.get(ref, owner)
        if job is None:
            st.warning(LOCKSTEP_JOBS_GONE)
            st.stop()
        v = job.view()
        live = live or job.active
        f = v["replay"]
        if not f and v["run_path"]:  # read back from the journal: the saved run has them
            f = _run_side(v["run_path"])[0]
        frames.append(f)
        configs.append(v["config"])
        settings.append(run_analysis.run_settings(lockstep.params_of(v["config"], v["dataset"]),
                                                  v["config"]["data"]["name"]))
        status.append(short_status(v))
    for path in chosen.get("runs", []):
        f, cfg, params, dataset = _run_side(path)
        frames.append(f)
        configs.append(cfg)
        settings.append(run_analysis.run_settings(params, dataset))
        status.append("saved")
    names = run_analysis.run_names(settings, [f"run {i + 1}" for i in range(len(settings))])
    return frames, configs, names, live, status


def failures(chosen: Mapping, names: list[str]) -> list[tuple[str, str]]:
    """``(name, error)`` of each job of the pair that failed."""
    jobs, owner = manager(), st.session_state["owner"]
    found = [(name, jobs.get(ref, owner)) for name, ref in zip(names, chosen.get("jobs", []))]
    return [(name, job.error) for name, job in found if job.state == "failed"]


def source(chosen: Mapping):
    """What the maps read at every run: a pair still training brings new updates, and
    its k-means start is checked once both have one."""
    def read():
        f, cfg, n, on, _ = sides(chosen)
        return f, n, on, lockstep.refusal(cfg[0], cfg[1], f[0], f[1])

    return read
