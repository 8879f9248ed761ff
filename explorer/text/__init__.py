"""Every sentence the app teaches, and the wording of the job states (no streamlit).

:mod:`~explorer.text.teach` holds the formulas, captions and explanations;
numbers in them come from the arguments (the run on screen) or from
:mod:`dec_core.presets`, never typed twice. May import: ``dec_core``.
"""
