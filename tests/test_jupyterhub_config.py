"""autograder/jupyterhub_config.py agrees with the course's nbgrader configuration."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import REPO
from traitlets.config.loader import PyFileConfigLoader


def load(name: str):
    return PyFileConfigLoader(name, path=str(REPO / "autograder")).load_config()


def test_hub_config_matches_the_course(tmp_path, monkeypatch):
    roster = tmp_path / "students.csv"
    roster.write_text("id,first_name,last_name,email\nalice,A,L,a@x\nbob,B,L,b@x\n")
    url = "postgresql+psycopg2://cxlabs@db.internal/cxlabs"
    monkeypatch.setenv("CXLABS_ROSTER", str(roster))
    monkeypatch.setenv("CXLABS_INSTRUCTORS", "ada, grace")
    monkeypatch.setenv("CXLABS_GRADEBOOK_URL", url)
    monkeypatch.setenv("CXLABS_EXCHANGE", str(tmp_path / "exchange"))
    monkeypatch.setenv("CXLABS_COURSE_ROOT", str(tmp_path / "course"))
    monkeypatch.setenv("CXLABS_SERVICE_PORT", "10123")
    hub, course = load("jupyterhub_config.py"), load("nbgrader_config.py")
    learner = load("learner_nbgrader_config.py")

    course_id = course.CourseDirectory.course_id
    assert course.CourseDirectory.db_url == url
    assert learner.CourseDirectory.course_id == course_id
    assert learner.Exchange.root == course.Exchange.root == str(tmp_path / "exchange")
    [service] = hub.JupyterHub.services
    assert service["name"] == course_id, "nbgrader finds the formgrader by the course id"
    assert service["environment"]["CXLABS_GRADEBOOK_URL"] == url
    assert service["url"] == "http://127.0.0.1:10123", "the service port comes from CXLABS_SERVICE_PORT"
    assert service["user"] == "grader-cxlabs" and service["oauth_no_confirm"] is True
    assert hub.JupyterHub.load_groups[f"nbgrader-{course_id}"] == {"users": ["alice", "bob"]}
    assert hub.JupyterHub.load_groups[f"formgrade-{course_id}"] == {"users": ["ada", "grace", service["user"]]}
    assert hub.Spawner.environment["CXLABS_EXCHANGE"] == str(tmp_path / "exchange")
    assert {"alice", "bob", "ada", "grace"} <= hub.Authenticator.allowed_users


def test_service_and_learners_run_the_hubs_environment():
    """The course service and learners' servers run jupyterhub-singleuser of the hub's own
    environment, and the service's terminals see its python and nbgrader (no login shell)."""
    hub = load("jupyterhub_config.py")
    bindir = Path(sys.executable).parent
    [service] = hub.JupyterHub.services
    assert service["command"][0] == str(bindir / "jupyterhub-singleuser")
    assert hub.Spawner.cmd == [str(bindir / "jupyterhub-singleuser")]
    assert service["environment"]["PATH"].split(":")[0] == str(bindir)
    [shell] = [a for a in service["command"] if a.startswith("--ServerApp.terminado_settings=")]
    assert json.loads(shell.split("=", 1)[1])["shell_command"] == ["/bin/bash"], "not a login shell"
    assert "--ServerApp.jpserver_extensions=cxlabs_formgrader_sessions=True" in service["command"]
    assert (REPO / "autograder" / "cxlabs_formgrader_sessions.py").is_file()
    assert service["environment"]["PYTHONPATH"] == service["cwd"], "the extension is importable"


def test_learners_get_no_instructor_tools(monkeypatch):
    """Learners' servers read autograder/learner-jupyter (through JUPYTER_CONFIG_PATH), which
    turns off nbgrader's instructor server extensions and JupyterLab plugins; the course
    service does not read it."""
    monkeypatch.setenv("CXLABS_LEARNER_JUPYTER", "/srv/somewhere/learner-jupyter")
    hub = load("jupyterhub_config.py")
    assert hub.Spawner.environment["JUPYTER_CONFIG_PATH"] == "/srv/somewhere/learner-jupyter"
    [service] = hub.JupyterHub.services
    assert "JUPYTER_CONFIG_PATH" not in service["environment"]
    folder = REPO / "autograder" / "learner-jupyter"
    server = json.loads((folder / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {"nbgrader.server_extensions.formgrader": False,
                      "nbgrader.server_extensions.course_list": False,
                      "nbgrader.server_extensions.assignment_list": True,
                      "nbgrader.server_extensions.validate_assignment": True}
    lab = json.loads((folder / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert {k for k, v in lab.items() if v} == {"@jupyter/nbgrader:formgrader",
                                                "@jupyter/nbgrader:create-assignment",
                                                "@jupyter/nbgrader:course-list"}


def test_learners_reach_the_given_results(tmp_path, monkeypatch):
    """The hub's environment has cxlabs installed as a package, without the checkout's
    ``datasets/given``: learners' servers get ``CXLABS_GIVEN_DIR`` (a shared copy, also with
    variants, where the instructor writes each learner's there), which ``cxlabs.given`` reads first."""
    from cxlabs import given

    monkeypatch.delenv("CXLABS_GIVEN_DIR", raising=False)
    hub = load("jupyterhub_config.py")
    assert hub.Spawner.environment["CXLABS_GIVEN_DIR"] == "/srv/cxlabs/given"
    monkeypatch.setenv("CXLABS_GIVEN_DIR", str(tmp_path / "given"))
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    hub = load("jupyterhub_config.py")
    learner = hub.Spawner.environment
    assert "CXLABS_DATA_DIR" not in learner and learner["CXLABS_GIVEN_DIR"] == str(tmp_path / "given")
    monkeypatch.setenv("CXLABS_GIVEN_DIR", learner["CXLABS_GIVEN_DIR"])
    assert given.root() == tmp_path / "given"
    readme = (REPO / "autograder" / "README.md").read_text()
    assert "/srv/cxlabs/given" in readme and "CXLABS_GIVEN_DIR" in readme
