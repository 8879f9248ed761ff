"""Streamlit pieces the pages compose, so each page reads top-down.

A panel reads widgets and session state, calls :mod:`explorer.analysis` /
:mod:`explorer.charts` / :mod:`explorer.text`, and draws. May import everything
in ``explorer``; nothing else in ``explorer`` imports a panel.
"""
