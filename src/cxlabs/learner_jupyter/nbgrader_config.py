"""The learners' nbgrader configuration, found by ``cxlabs start``'s JupyterLab.

``cxlabs start`` puts this folder on ``JUPYTER_CONFIG_PATH``; nbgrader (Validate, the
Assignments tab) then reads the course's ``autograder/learner_nbgrader_config.py``: the course
id and the exchange. An installation without the repository (a wheel) keeps nbgrader's defaults.
"""

from pathlib import Path

c = get_config()  # noqa: F821

_COURSE = Path(__file__).resolve().parents[3] / "autograder" / "learner_nbgrader_config.py"
if _COURSE.is_file():
    load_subconfig(str(_COURSE))  # noqa: F821
