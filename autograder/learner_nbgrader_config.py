"""nbgrader configuration for the learners' side of the cxlabs course.

Install it where every learner account's nbgrader finds it: on JupyterHub, as
``nbgrader_config.py`` in the learners' Jupyter configuration folder
(``/srv/cxlabs/learner-jupyter``, see ``autograder/learner-jupyter/README.md``; not
``/etc/jupyter``, which the course service reads too); on a shared machine without a hub,
``/etc/jupyter/nbgrader_config.py`` or a learner's ``~/.jupyter/nbgrader_config.py``. It tells ``nbgrader list``, ``fetch_assignment``,
``submit`` and ``fetch_feedback`` (and JupyterLab's Assignments tab) which course to use and
where its exchange is, the same directory the instructor's ``autograder/nbgrader_config.py``
uses: ``$CXLABS_EXCHANGE`` when set; else ``/srv/nbgrader/exchange`` (a shared machine or
JupyterHub); else, read from the course's own ``autograder/`` folder (``cxlabs start`` reads it
there) on a machine without ``/srv/nbgrader/exchange``, the instructor's default
``autograder/work/exchange``: one account plays instructor and learner.

nbgrader files a submission under the learner's account name (``JUPYTERHUB_USER`` on
JupyterHub when every server runs as ``jovyan``); ``--student=ID`` overrides it.
"""

import os

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "cxlabs"
SHARED = "/srv/nbgrader/exchange"
_here = globals().get("__file__")
_local = os.path.join(os.path.dirname(os.path.abspath(_here)), "work", "exchange") if _here else None
if os.environ.get("CXLABS_EXCHANGE"):
    c.Exchange.root = os.environ["CXLABS_EXCHANGE"]
elif os.path.isdir(SHARED) or not _local or not os.path.isfile(
        os.path.join(os.path.dirname(_local), os.pardir, "nbgrader_config.py")):
    c.Exchange.root = SHARED
else:  # this file in the course's autograder/, one machine: the instructor's default exchange
    c.Exchange.root = _local
