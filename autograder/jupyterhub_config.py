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
``CXLABS_GIVEN_DIR``        the given results stuck learners' cells fall back on (a copy of
                            ``datasets/given``, readable by every learner), default
                            ``/srv/cxlabs/given``: learners' servers run the installed
                            package, which has no ``datasets/`` of its own
``CXLABS_VARIANTS``         ``1`` or ``0``: every learner their own world, overriding
                            ``[variants] enabled`` of ``src/cxlabs/course.toml``
``CXLABS_GRADER``           the grader account that runs the course service, default
                            ``grader-cxlabs``
``CXLABS_GRADER_HOME``      the grader account's home, default ``/home/<grader account>``
``CXLABS_SERVICE_PORT``     the course service's port on 127.0.0.1, default ``9999``
``CXLABS_LEARNER_JUPYTER``  the learners' Jupyter configuration folder (a copy of
                            ``autograder/learner-jupyter`` plus ``learner_nbgrader_config.py``
                            as ``nbgrader_config.py``), default ``/srv/cxlabs/learner-jupyter``
==========================  ==========================================================

The hub runs as root (PAM and the local process spawner start servers as the users) from a
Python environment that every account can run: the course service and every learner's server
run ``jupyterhub-singleuser`` from it, so it also holds nbgrader, cxlabs and psycopg2.
"""

import csv
import os
import sys
import tomllib
from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when JupyterHub loads this file)

COURSE = "cxlabs"  # = CourseDirectory.course_id in autograder/nbgrader_config.py
GRADER = os.environ.get("CXLABS_GRADER", f"grader-{COURSE}")
GRADER_HOME = os.environ.get("CXLABS_GRADER_HOME", f"/home/{GRADER}")
SERVICE_PORT = int(os.environ.get("CXLABS_SERVICE_PORT", "9999"))
# The hub's own Python environment: it runs the course service and every learner's server
# (jupyterhub-singleuser), so it holds nbgrader, cxlabs and psycopg2 too, and every account
# must be able to run it (not under /root, not in a 0700 home).
HUB_BIN = Path(sys.executable).parent
LEARNER_JUPYTER = os.environ.get("CXLABS_LEARNER_JUPYTER", "/srv/cxlabs/learner-jupyter")

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
# The given results (cxlabs.given) for stuck learners: the hub's environment has cxlabs installed
# as a package, without the checkout's datasets/given, so learners read a shared copy (with
# variants, the instructor writes each learner's there: course.py given LAB --student ID --out).
learner_env["CXLABS_GIVEN_DIR"] = os.environ.get("CXLABS_GIVEN_DIR", "/srv/cxlabs/given")
# Learners' servers read their own Jupyter configuration folder (autograder/learner-jupyter plus
# learner_nbgrader_config.py as nbgrader_config.py): the Assignments tab and Validate only,
# no formgrader, Create assignment or course list. The course service does not read it.
learner_env["JUPYTER_CONFIG_PATH"] = LEARNER_JUPYTER

# Who may log in. The authenticator itself (PAM, OAuth, LTI, ...) is the site's choice; with
# PAM and the local process spawner the hub runs as root (it starts servers as the users).
c.Authenticator.allowed_users = set(instructors) | set(students) | {GRADER}
c.Authenticator.admin_users = set(instructors)

# Groups nbgrader understands: formgrade-<course> reaches the course service,
# nbgrader-<course> are the course's learners.
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": [*instructors, GRADER]},
    f"nbgrader-{COURSE}": {"users": students},
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
# clone of the repository, with the hub's jupyterhub-singleuser (the hub's environment, which
# needs nbgrader, cxlabs and psycopg2). ~/.jupyter/nbgrader_config.py of that account loads the
# course's configuration: load_subconfig(f"{GRADER_HOME}/cxlabs/autograder/nbgrader_config.py").
# Its terminals start a plain (not login) bash, so `python`, `nbgrader` and `course.py` are the
# hub environment's: a login shell's /etc/profile would reset PATH.
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [str(HUB_BIN / "jupyterhub-singleuser"), f"--ServerApp.root_dir={GRADER_HOME}/cxlabs",
                    '--ServerApp.terminado_settings={"shell_command": ["/bin/bash"]}',
                    "--ServerApp.jpserver_extensions=cxlabs_formgrader_sessions=True"],
        "user": GRADER,
        "cwd": f"{GRADER_HOME}/cxlabs/autograder",
        "oauth_no_confirm": True,  # graders are not asked to "Authorize access" to their own service
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "CXLABS_GRADEBOOK_URL": os.environ.get("CXLABS_GRADEBOOK_URL", ""),
            "PATH": f"{HUB_BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "PYTHONPATH": f"{GRADER_HOME}/cxlabs/autograder",
            **shared_env,
        },
    }
]

# Every learner's server: the hub environment's jupyterhub-singleuser, the shared exchange and
# the course data (or, with variants, builds its own), and the learners' Jupyter configuration.
c.Spawner.cmd = [str(HUB_BIN / "jupyterhub-singleuser")]
c.Spawner.environment = learner_env
c.Spawner.default_url = "/lab"
