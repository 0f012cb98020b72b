"""autograder/jupyterhub_config.py agrees with the course's nbgrader configuration."""

from __future__ import annotations

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
    hub, course = load("jupyterhub_config.py"), load("nbgrader_config.py")
    learner = load("learner_nbgrader_config.py")

    course_id = course.CourseDirectory.course_id
    assert course.CourseDirectory.db_url == url
    assert learner.CourseDirectory.course_id == course_id
    assert learner.Exchange.root == course.Exchange.root == str(tmp_path / "exchange")
    [service] = hub.JupyterHub.services
    assert service["name"] == course_id, "nbgrader finds the formgrader by the course id"
    assert service["environment"]["CXLABS_GRADEBOOK_URL"] == url
    assert hub.JupyterHub.load_groups[f"nbgrader-{course_id}"] == ["alice", "bob"]
    assert hub.JupyterHub.load_groups[f"formgrade-{course_id}"] == ["ada", "grace", service["user"]]
    assert hub.Spawner.environment["CXLABS_EXCHANGE"] == str(tmp_path / "exchange")
    assert {"alice", "bob", "ada", "grace"} <= hub.Authenticator.allowed_users
