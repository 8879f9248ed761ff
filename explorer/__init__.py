"""DEC Explorer's app-side helpers.

``settings``, ``state``, ``data`` and ``jobs`` never import streamlit, so the
job runner can be tested (and reused) without a script run. ``ui`` holds the
helpers the pages share; ``data_charts``, ``explore_charts`` and
``train_charts`` the figures of the Data, Explore / Compare and Train pages,
coloured by ``theme`` and worded by ``teach``.
"""
