"""Lockstep: two runs that share their start, side by side, update by update.

A pair comes from Runs (select two) or is started here in one click for a switch a
lesson compares (explorer.analysis.lockstep.PAIRS); the maps and their shared replay are
explorer.live_map.panel.lockstep_maps.
"""

import json

import streamlit as st

from explorer.analysis import lockstep
from explorer.analysis import runs as side_by_side
from explorer.jobs import manager
from explorer.live_map import panel as map_panel
from explorer.live_map import replay
from explorer.session.page import init_page, load_run_cached, run_mtime
from explorer.text.states import phase_text

init_page()
owner = st.session_state["owner"]
jobs = manager()
POLL_S = 1.0  # while a run of the pair trains, the maps look for new updates this often

st.title("Lockstep")
st.caption("Two runs with the same start (data, network, seed, autoencoder: the same "
           "k-means centroids), one DEC setting apart, at the same target update in one frame.")


def _start_pair(pair: str) -> None:
    config = {k: dict(st.session_state[k]) for k in ("data", "model", "train")}
    upload = st.session_state.get("upload") if config["data"]["name"] == "file" else None
    ids = [manager().submit(st.session_state["owner"], cfg, upload).id
           for cfg in lockstep.pair_configs(config, pair)]
    st.session_state["lockstep"] = {"jobs": ids}


def start_buttons() -> None:
    """One click per pair a lesson compares: two runs from the current settings."""
    cols = st.columns([2.2] + [1.6] * len(lockstep.PAIRS), vertical_alignment="center")
    cols[0].markdown("**Start a pair** from the current settings:")
    for col, (pair, spec) in zip(cols[1:], lockstep.PAIRS.items()):
        col.button(spec["label"], key=f"lockstep_start_{pair}", on_click=_start_pair,
                   args=(pair,), icon=":material/compare_arrows:",
                   help=spec["help"] + " Both runs train now, from the settings of the Data, "
                                       "Model and Train pages.")


chosen = st.session_state.get("lockstep")
if not chosen:
    start_buttons()
    st.info("No pair yet: start one above, or select two runs on the **Runs** page and press "
            "**Play in lockstep**.")
    try:
        st.page_link("pages/runs.py", label="Runs", icon=":material/folder_open:")
    except Exception:  # no navigation (the page run on its own, e.g. in AppTest)
        pass
    st.stop()


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


def sides() -> tuple[list, list, list, bool, list]:
    """Each run's frames, app config, name and state words; and whether one trains."""
    frames, configs, settings, status = [], [], [], []
    live = False
    for ref in chosen.get("jobs", []):
        job = jobs.get(ref, owner)
        if job is None:
            st.warning("This pair's jobs are gone (the server restarted without them); "
                       "start a new pair.")
            st.stop()
        v = job.view()
        live = live or job.active
        f = v["replay"]
        if not f and v["run_path"]:  # read back from the journal: the saved run has them
            f = _run_side(v["run_path"])[0]
        frames.append(f)
        configs.append(v["config"])
        settings.append(side_by_side.run_settings(lockstep.params_of(v["config"], v["dataset"]),
                                                  v["config"]["data"]["name"]))
        status.append(phase_text(v["phase"]) if job.active else v["state"])
    for path in chosen.get("runs", []):
        f, cfg, params, dataset = _run_side(path)
        frames.append(f)
        configs.append(cfg)
        settings.append(side_by_side.run_settings(params, dataset))
        status.append("saved")
    names = side_by_side.run_names(settings, [f"run {i + 1}" for i in range(len(settings))])
    return frames, configs, names, live, status


frames, configs, names, live, status = sides()
failed = [(n, jobs.get(ref, owner).error) for n, ref in zip(names, chosen.get("jobs", []))
          if jobs.get(ref, owner).state == "failed"]
for name, error in failed:
    st.error(f"**{name}** failed: {error}")
if failed:
    st.stop()
if live:
    st.caption(" · ".join(f"**{n}**: {s}" for n, s in zip(names, status)))


def source():
    """Read at every run of the maps: a pair still training brings new updates, and
    its k-means start is checked once both have one."""
    f, cfg, n, on, _ = sides()
    return f, n, on, lockstep.refusal(cfg[0], cfg[1], f[0], f[1])


map_panel.lockstep_maps("lockstep", source, pair_id=json.dumps(chosen, sort_keys=True),
                        poll_s=POLL_S)
start_buttons()
