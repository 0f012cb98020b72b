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
  bloat the gradebook or the feedback;
- the gradebook is ``$CXLABS_GRADEBOOK_URL`` when set (any SQLAlchemy URL, e.g.
  ``postgresql://grader@db.example.org/cxlabs`` for a class on JupyterHub), else SQLite in
  ``autograder/work/gradebook.db``;
- nbgrader's exchange (release, fetch, submit, collect, feedback) is ``$CXLABS_EXCHANGE``
  when set (shared storage that every learner account can write to, e.g.
  ``/srv/nbgrader/exchange``), else ``autograder/work/exchange`` for a course run by one
  account on one machine;
- ``nbgrader autograde`` runs each submission's code in a bubblewrap sandbox and decides the
  scores outside it, from the answers the kernel sends back as data
  (``sandboxed_autograde.SandboxedAutograde`` replaces nbgrader's ``Execute``; it refuses to
  run without ``bwrap``);
- feedback never shows hidden-test source: ``feedback_filters.HideHiddenTests`` strips the
  hidden-test regions and any output that quotes them (nbgrader's default feedback shows
  them, jupyter/nbgrader#917).

See ``autograder/README.md`` for the whole cycle.
"""

import os
import sys
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
c.CourseDirectory.db_url = os.environ.get("CXLABS_GRADEBOOK_URL") or f"sqlite:///{WORK / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", "README.md"]

# Executing submissions (autograde) and learners' Validate.
c.Execute.timeout = int(os.environ.get("CXLABS_CELL_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# What learners see in place of solutions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader's exchange. nbgrader wants its root to exist and be writable by every account
# that fetches or submits; the course-local default is created here, world-writable like
# nbgrader's own default (/usr/local/share/nbgrader/exchange).
EXCHANGE = os.environ.get("CXLABS_EXCHANGE")
c.Exchange.root = EXCHANGE or str(WORK / "exchange")
# `nbgrader collect` compares each submission's file owner with the student id and warns
# "... is owned by root; cheating attempt?" when they differ. With the course-local exchange
# one account plays every learner (a workshop laptop, a rehearsal), so the owner never matches
# and the warning means nothing: it is off there. With a shared exchange ($CXLABS_EXCHANGE,
# learners with their own accounts) it stays on, where it means what it says. (On a JupyterHub
# whose servers all run as one user, e.g. `jovyan`, set CXLABS_CHECK_OWNER=0.)
c.ExchangeCollect.check_owner = (os.environ.get("CXLABS_CHECK_OWNER") or ("1" if EXCHANGE else "0")) == "1"

# nbgrader's Gradebook.add_submission (autograde) trips SQLAlchemy's autoflush warning
# "Object of type <SubmittedAssignment> not in session, add operation along
# 'Student.submissions' will not proceed" for every new submission; nbgrader adds the object
# right after, so nothing is lost (cohort.py silences the same warning). Only that message is
# silenced: any other SQLAlchemy warning still shows.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session, add operation along",
                        module=r"nbgrader\.api")

# Feedback: nbgrader's default preprocessors plus HideHiddenTests (feedback_filters.py), which
# removes hidden tests from the sources and from outputs that quote them (tracebacks).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from feedback_filters import AltText, HideHiddenTests, NameExercises  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, NameExercises, AltText,
                                   CSSHTMLHeaderPreprocessor]

# The feedback page: nbgrader's template, with each exercise named in the contents, messages
# wrapped (never cut at the edge) and a pass shown as clearly as a failure
# (feedback_template/feedback/cxlabs.html.j2).
import nbgrader as _nbgrader  # noqa: E402

# named "feedback" like nbgrader's own: the formgrader forces template_name "feedback"
# (nbgrader/apps/api.py, generate_feedback), so any other name loses this template there
c.HTMLExporter.template_name = "feedback"
c.HTMLExporter.template_file = "cxlabs.html.j2"  # extends nbgrader's feedback index.html.j2
c.HTMLExporter.extra_template_basedirs = [
    str(Path(__file__).resolve().parent / "feedback_template"),
    str(Path(_nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates")]

# Autograding: learners' code runs only in a bubblewrap sandbox, and the verdicts are decided
# outside it (sandboxed_autograde.py): nbgrader's Execute step is replaced, the rest of
# nbgrader's autograde pipeline (scores into the gradebook, late penalties) is unchanged.
from nbgrader.converters import Autograde  # noqa: E402
from sandboxed_autograde import SandboxedAutograde  # noqa: E402

c.Autograde.autograde_preprocessors = [
    SandboxedAutograde if getattr(p, "__name__", "") == "Execute" else p
    for p in Autograde.class_traits()["autograde_preprocessors"].default()]

WORK.mkdir(parents=True, exist_ok=True)
if not EXCHANGE and not (WORK / "exchange").is_dir():
    (WORK / "exchange").mkdir()
    (WORK / "exchange").chmod(0o777)
