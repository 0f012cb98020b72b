"""JupyterHub configuration for teaching cxlabs to a class, with nbgrader's JupyterHub integration.

A starting point for the hub's ``jupyterhub_config.py`` (``jupyterhub -f
autograder/jupyterhub_config.py``); ``autograder/README.md`` ("Running the course for a
class on JupyterHub") walks through the whole setup. What it sets up:

- one shared **course service** named ``cxlabs`` (the name must equal nbgrader's course id),
  running as the grader account ``grader-cxlabs`` in its clone of this repository, opening
  on nbgrader's formgrader; instructors and teaching assistants reach it through the
  ``formgrade-cxlabs`` group;
- learners in the ``nbgrader-cxlabs`` group, each with their own single-user server, who see
  the labs in JupyterLab's Assignments tab (``/etc/jupyter/nbgrader_config.py`` in their image
  is ``autograder/learner_nbgrader_config.py``);
- the gradebook on PostgreSQL (``CXLABS_GRADEBOOK_URL``, read by
  ``autograder/nbgrader_config.py``) and the exchange on storage every server mounts
  (``CXLABS_EXCHANGE``).

Everything site-specific comes from the environment of the hub process:

==========================  ==========================================================
``CXLABS_INSTRUCTORS``      comma-separated hub user names of the graders
``CXLABS_ROSTER``           the student list, the same CSV given to
                            ``nbgrader db student import`` (column ``id``)
``CXLABS_GRADEBOOK_URL``    e.g. ``postgresql+psycopg2://cxlabs@db.internal/cxlabs``
                            (password in the grader account's ``~/.pgpass``)
``CXLABS_EXCHANGE``         shared exchange directory, default ``/srv/nbgrader/exchange``
``CXLABS_DATA_DIR``         the course's data, built once with ``cxlabs data build --out``,
                            default ``/srv/cxlabs/world``; not given to learners when every
                            learner has their own world (variants, below)
``CXLABS_VARIANTS``         ``1`` or ``0``: every learner their own world, overriding
                            ``[variants] enabled`` of ``src/cxlabs/course.toml``
``CXLABS_GRADER_HOME``      the grader account's home, default ``/home/grader-cxlabs``
==========================  ==========================================================
"""

import csv
import os
import tomllib
from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when JupyterHub loads this file)

COURSE = "cxlabs"  # = CourseDirectory.course_id in autograder/nbgrader_config.py
GRADER = f"grader-{COURSE}"
GRADER_HOME = os.environ.get("CXLABS_GRADER_HOME", f"/home/{GRADER}")
SERVICE_PORT = 9999

instructors = [u.strip() for u in os.environ.get("CXLABS_INSTRUCTORS", "").split(",") if u.strip()]
roster = os.environ.get("CXLABS_ROSTER")
students = []
if roster and Path(roster).is_file():
    with open(roster, newline="", encoding="utf-8") as fh:
        students = [row["id"].strip() for row in csv.DictReader(fh) if row.get("id", "").strip()]

shared_env = {
    "CXLABS_EXCHANGE": os.environ.get("CXLABS_EXCHANGE", "/srv/nbgrader/exchange"),
    "CXLABS_DATA_DIR": os.environ.get("CXLABS_DATA_DIR", "/srv/cxlabs/world"),
}


def variants_on() -> bool:
    """Every learner their own world? ``$CXLABS_VARIANTS``, else the course manifest."""
    value = os.environ.get("CXLABS_VARIANTS")
    if value is not None:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    manifest = Path(__file__).resolve().parent.parent / "src" / "cxlabs" / "course.toml"
    return bool(tomllib.loads(manifest.read_text(encoding="utf-8")).get("variants", {}).get("enabled"))


# With variants, a learner's server must not be pointed at the one shared world: cxlabs builds
# the learner's own (named by JUPYTERHUB_USER, their nbgrader student id) in their home on first use.
learner_env = dict(shared_env)
if variants_on():
    del learner_env["CXLABS_DATA_DIR"]
    if "CXLABS_VARIANTS" in os.environ:
        shared_env["CXLABS_VARIANTS"] = learner_env["CXLABS_VARIANTS"] = "1"

# Who may log in. The authenticator itself (PAM, OAuth, LTI, ...) is the site's choice.
c.Authenticator.allowed_users = set(instructors) | set(students) | {GRADER}
c.Authenticator.admin_users = set(instructors)

# Groups nbgrader understands: formgrade-<course> reaches the course service,
# nbgrader-<course> are the course's learners.
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": [*instructors, GRADER],
    f"nbgrader-{COURSE}": students,
}
c.JupyterHub.load_roles = [
    {
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [
            f"access:services!service={COURSE}",
            "list:services",
            f"read:services!service={COURSE}",
        ],
    },
    {   # JupyterLab's Courses tab (nbgrader's course_list) asks the hub for the services
        "name": "server",
        "scopes": ["inherit"],
    },
]

# The course service: one Jupyter server for all graders, running as the grader account in its
# clone of the repository. ~/.jupyter/nbgrader_config.py of that account loads the course's
# configuration: load_subconfig(f"{GRADER_HOME}/cxlabs/autograder/nbgrader_config.py").
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": ["jupyterhub-singleuser", f"--ServerApp.root_dir={GRADER_HOME}/cxlabs"],
        "user": GRADER,
        "cwd": f"{GRADER_HOME}/cxlabs/autograder",
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "CXLABS_GRADEBOOK_URL": os.environ.get("CXLABS_GRADEBOOK_URL", ""),
            **shared_env,
        },
    }
]

# Every learner's server sees the shared exchange and the course data (or, with variants, builds its own).
c.Spawner.environment = learner_env
c.Spawner.default_url = "/lab"
