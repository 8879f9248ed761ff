"""Every sentence the app teaches, and the wording of the job states (no streamlit).

:mod:`~explorer.text.teach` holds the formulas, captions and explanations, a
section per page; :mod:`~explorer.text.states` the job states' words. Numbers in
them come from the arguments (the run on screen), from :mod:`dec_core.presets` or
the app's defaults, never typed twice. May import: ``dec_core``,
:mod:`explorer.session.state` (the defaults, no streamlit) and
:mod:`explorer.analysis.lesson` and :mod:`explorer.live_map.frame` (numbers it quotes).
"""
