"""Figures and tables: arrays in, a Plotly figure or a DataFrame out (no streamlit).

One module per page that draws (``data``, ``explore``, ``compare`` (built on ``explore``'s scatter), ``train``,
``model``, ``runs``, ``lesson`` (Step by step's), ``sweep`` (the k sweep's, on Data)), ``images`` (the image grids
Data, Explore and the live map share), and :mod:`explorer.charts.theme`, the only place a colour is written.
Builders take ``projector`` (large type) as an argument, never from the session, so
a cache keyed on their arguments can't serve a figure sized for the other mode;
:mod:`explorer.charts.cache` is the one figure cache (data and projector mode in its key).
May import: ``dec_core``, :mod:`explorer.text`, :mod:`explorer.analysis`.
"""
