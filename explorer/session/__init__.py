"""One browser session: its settings, URL, owner cookie, data and submitted job.

* :mod:`~explorer.session.state`: the three setting dicts, their defaults (derived
  from :mod:`dec_core.presets`) and their URL encoding (no streamlit);
* :mod:`~explorer.session.page`: what every page does first (state, URL values, the
  sidebar's job status), the session's data set and run, and the run's cached PCA map;
* :mod:`~explorer.session.widgets`: widgets bound to the settings, projector layout;
* :mod:`~explorer.session.url`: the URL as the experiment's address, share links;
* :mod:`~explorer.session.owner`: the owner token's cookie;
* :mod:`~explorer.session.submit`: submitting the session's job, finding the one it follows;
* :mod:`~explorer.session.background`: slow page work in threads, polled by a fragment.

May import: everything in ``explorer`` except ``panels``. Only ``state`` and
``background`` import without streamlit.
"""
