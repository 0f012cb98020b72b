"""A Jupyter server extension for the course service: the formgrader ends its transactions.

nbgrader's formgrader keeps one gradebook session for the life of the server and never ends
the transaction its reads begin (a grade's ``to_dict()`` after the commit of a manual score
starts one, for instance), so with PostgreSQL its connection stays "idle in transaction"
between requests: it holds a snapshot and locks, and blocks ``VACUUM`` and schema changes such
as nbgrader's own migrations. This extension closes that session when each formgrader request
finishes (tornado's ``on_finish`` of nbgrader's formgrader handlers): the connection goes back
to the pool with its transaction ended, and the next request starts a new one. The formgrader
commits its own writes, so nothing is lost.

``autograder/jupyterhub_config.py`` enables it in the course service
(``--ServerApp.jpserver_extensions=cxlabs_formgrader_sessions=True``, with ``autograder/`` on
the service's ``PYTHONPATH``). Outside the hub, for ``jupyter lab`` run from ``autograder/``:
``jupyter lab --ServerApp.jpserver_extensions=cxlabs_formgrader_sessions=True``.
"""

from __future__ import annotations


def _jupyter_server_extension_points():
    return [{"module": "cxlabs_formgrader_sessions"}]


def end_gradebook_transaction(handler) -> None:
    """Close the formgrader's shared gradebook session (ending any open transaction)."""
    gradebook = handler.settings.get("nbgrader_gradebook")
    if gradebook is None:
        return
    try:
        gradebook.db.close()
    except Exception:  # never let bookkeeping break the formgrader
        handler.log.warning("cxlabs: could not end the formgrader's transaction", exc_info=True)


def _load_jupyter_server_extension(serverapp) -> None:
    from nbgrader.server_extensions.formgrader.base import BaseHandler

    previous = BaseHandler.on_finish

    def on_finish(self):
        try:
            end_gradebook_transaction(self)
        finally:
            previous(self)

    if not getattr(previous, "_cxlabs", False):
        on_finish._cxlabs = True
        BaseHandler.on_finish = on_finish
    serverapp.log.info("cxlabs: the formgrader's gradebook transaction ends after every request")
