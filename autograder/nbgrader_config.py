"""nbgrader configuration for the cxlabs course.

Run nbgrader from this folder (``cd autograder``) and it uses this file as it is:

- the course root is the repository (or ``$CXLABS_COURSE_ROOT``): nbgrader's source
  directory is ``solutions/`` and its release directory is ``labs/``;
- submissions, autograded copies, feedback and the SQLite gradebook live in
  ``autograder/work/`` (git-ignored);
- every cell of a submission gets at most 120 s (``Execute.timeout``, the option nbgrader's
  executor reads; ``$CXLABS_CELL_TIMEOUT`` overrides it), after which the kernel is
  interrupted and the cell scores zero;
- outputs are cut to 1000 lines and tracebacks to 100 lines, so a flood of output cannot
  bloat the gradebook or the feedback.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

REPO = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("CXLABS_COURSE_ROOT", REPO)).resolve()
WORK = ROOT / "autograder" / "work"

c.CourseDirectory.course_id = "cxlabs"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.submitted_directory = "autograder/work/submitted"
c.CourseDirectory.autograded_directory = "autograder/work/autograded"
c.CourseDirectory.feedback_directory = "autograder/work/feedback"
c.CourseDirectory.solution_directory = "autograder/work/solution"
c.CourseDirectory.source_with_tests_directory = "autograder/work/source_with_tests"
c.CourseDirectory.db_url = f"sqlite:///{WORK / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", "README.md"]

# Executing submissions (autograde) and learners' Validate.
c.Execute.timeout = int(os.environ.get("CXLABS_CELL_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# What learners see in place of solutions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

WORK.mkdir(parents=True, exist_ok=True)

# Feedback returned to learners: nbgrader 0.9 would show the hidden tests (see
# autograder/feedback_filter.py); this list is nbgrader's default plus HideHiddenTests.
import sys  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedback_filter import HideHiddenTests  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
