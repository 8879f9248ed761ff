"""The numbers pages show beside training (no streamlit).

Projections (PCA / UMAP views), Compare's rows and its run loader, the Runs
page's differing settings, the k sweep, stability across reseeded runs and the
lock-step view. May import: ``dec_core``, :mod:`explorer.charts`,
:mod:`explorer.text`, :mod:`explorer.jobs` (to find runs and cached autoencoders).
"""
