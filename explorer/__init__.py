"""DEC Explorer's app-side helpers.

``settings``, ``state``, ``data`` and ``jobs`` never import streamlit, so the
job runner can be tested (and reused) without a script run. ``ui`` and
``plots`` are the drawing helpers the pages share.
"""
