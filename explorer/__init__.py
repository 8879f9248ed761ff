"""DEC Explorer's app side: everything the pages call, grouped by what it owns.

==============  ==============================================================  ===========
folder          owns                                                            streamlit?
==============  ==============================================================  ===========
``charts/``     every figure and table; ``charts/theme.py`` every colour        no
``live_map/``   the live DEC map: worker-side frames, figures, its page panel    panel only
``text/``       every sentence the app teaches, and the job states' wording     no
``session/``    settings and defaults per session, the URL, the owner cookie,   yes
                submitting a job, background tasks for slow page work
``jobs/``       training jobs: the manager, workers, journal, warm pool, checks  no
``analysis/``   numbers the pages show: projections, Compare's rows, run         no
                differences, the k sweep, stability, lock-step
``panels/``     Streamlit pieces a page composes (a page stays a top-down read)  yes
==============  ==============================================================  ===========

Top-level modules: :mod:`explorer.settings` (server settings from environment
variables), :mod:`explorer.data` (a session's data spec to a
:class:`dec_core.datasets.Dataset`), :mod:`explorer.launch` (the ``dec-explorer``
command) and :mod:`explorer.compat` (the one module that touches private
Streamlit names).

Import direction: ``pages -> panels/session -> analysis/charts/text/live_map ->
jobs/data/settings -> dec_core``. Modules without streamlit never import one
that has it, so workers and tests use them without a script run.
"""
