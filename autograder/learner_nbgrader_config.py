"""nbgrader configuration for the learners' side of the cxlabs course.

Install it where every learner account's nbgrader finds it: on JupyterHub, as
``nbgrader_config.py`` in the learners' Jupyter configuration folder
(``/srv/cxlabs/learner-jupyter``, see ``autograder/learner-jupyter/README.md``; not
``/etc/jupyter``, which the course service reads too); on a shared machine without a hub,
``/etc/jupyter/nbgrader_config.py`` or a learner's ``~/.jupyter/nbgrader_config.py``. It tells ``nbgrader list``, ``fetch_assignment``,
``submit`` and ``fetch_feedback`` (and JupyterLab's Assignments tab) which course to use and
where its exchange is: ``$CXLABS_EXCHANGE``, default ``/srv/nbgrader/exchange``, the same
directory the instructor's ``autograder/nbgrader_config.py`` uses.

nbgrader files a submission under the learner's account name (``JUPYTERHUB_USER`` on
JupyterHub when every server runs as ``jovyan``); ``--student=ID`` overrides it.
"""

import os

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "cxlabs"
c.Exchange.root = os.environ.get("CXLABS_EXCHANGE", "/srv/nbgrader/exchange")
