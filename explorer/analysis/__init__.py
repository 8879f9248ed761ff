"""The numbers pages show beside training (no streamlit).

Projections (PCA / UMAP views), Compare's rows and its run loader, the Runs
page's rows and differing settings, the k sweep, stability across reseeded runs, the
lock-step view, the lesson's kernel explorer (``lesson``) and a saved run as
Explore reads it (``run_view``). May import: ``dec_core``, :mod:`explorer.charts`,
:mod:`explorer.text`, :mod:`explorer.jobs` (to find runs and cached autoencoders),
:mod:`explorer.session.state` (the settings' defaults, no streamlit) and
:mod:`explorer.session.background` (the k sweep's task; streamlit only inside its ``poll``).
"""
