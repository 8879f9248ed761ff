"""One browser session: its settings, URL, owner cookie, data and submitted job.

* :mod:`~explorer.session.state`: the three setting dicts, their defaults (derived
  from :mod:`dec_core.presets`) and their URL encoding (no streamlit);
* :mod:`~explorer.session.ui`: page set-up, widget binding, sharing links;
* :mod:`~explorer.session.background`: slow page work in threads, polled by a fragment.

May import: everything in ``explorer`` except ``panels``.
"""
