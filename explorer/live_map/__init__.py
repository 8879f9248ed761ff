"""The live DEC map: the clustering drawn as it trains, with centroids and trails.

* :mod:`~explorer.live_map.frame`: worker side (no streamlit): the fixed 2-D
  projection and the small arrays a worker sends every update (``LiveMap``);
* :mod:`~explorer.live_map.figure`: Plotly figures from those frames;
* :mod:`~explorer.live_map.replay`: a finished run's frames, to scrub and replay;
* :mod:`~explorer.live_map.panel`: the Streamlit panel that Train, Learn and
  Lock-step draw.

May import: ``dec_core``, :mod:`explorer.charts`, :mod:`explorer.text`; only
``panel`` imports streamlit.
"""
