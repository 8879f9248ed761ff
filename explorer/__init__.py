"""DEC Explorer's app side: everything the pages call, grouped by what it owns.

==============  ==============================================================  ===========
folder          owns                                                            streamlit?
==============  ==============================================================  ===========
``charts/``     every figure and table; ``theme.py`` every colour, ``cache.py``  no
                the one figure cache
``live_map/``   the live DEC map: worker-side frames, figures, replay, a panel   panel only
``text/``       ``teach.py`` every sentence the app teaches, ``states.py`` the   no
                job states' wording
``session/``    one browser session: its settings and defaults (``state.py``,   yes, but
                no streamlit), page set-up, widgets, URL, owner cookie, submit  ``state``
``jobs/``       training jobs: manager, job, worker, events, journal, warm pool, no
                the checks before a job runs
``analysis/``   numbers the pages show: projections, Compare's rows, the Runs    no
                rows, the k sweep, stability, lock-step, the lesson's numbers
``panels/``     Streamlit pieces a page composes (a page stays a top-down read)  yes
==============  ==============================================================  ===========

Top-level modules: :mod:`explorer.settings` (server settings from environment
variables), :mod:`explorer.data` (a session's data spec to a
:class:`dec_core.datasets.Dataset`), :mod:`explorer.launch` (the ``dec-explorer``
command) and :mod:`explorer.compat` (the one module that touches private
Streamlit names, each import inside the function that needs it).

The import rule: streamlit is imported at module level only by ``panels/``,
``live_map/panel.py`` and ``session/`` (not ``session/state.py``), and no other module
imports one of those, so workers, the CLI and tests use the rest without a script run.
Nothing in ``explorer`` imports a page or a panel from outside ``panels/``. The folders
without streamlit import each other's modules where a fact lives (``text/teach.py``
quotes ``analysis/lesson.py``'s numbers; ``jobs/`` words its states with ``text/states.py``)
but never in a cycle at import time.
"""
