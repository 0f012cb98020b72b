"""Learners work in their own copy of the labs: a release or an update never touches it.

A scratch course releases lab 00; the learner's workspace gets a copy (``cxlabs start``), the
learner edits it; the instructor changes lab 00 and releases it again, and lab 01 arrives
(as a ``git pull`` of an updated ``labs/`` brings it). Bringing the
workspace up to date leaves the learner's edited notebook byte for byte as it was, writes the
new lab 00 beside it, and copies lab 01 in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
from conftest import REPO, scratch_course

from cxlabs import cli, workspace


def test_release_and_update_never_touch_the_learners_notebook(course_tool, tmp_path, capsys, monkeypatch):
    root = scratch_course(course_tool, tmp_path, ["lab00"])
    monkeypatch.setenv("CXLABS_COURSE_ROOT", str(root))
    ws2 = tmp_path / "mine"
    assert cli.main(["start", "--dir", str(ws2), "--no-open"]) == 0  # the learner's command
    assert "copied in: lab00/lab00_orientation.ipynb" in capsys.readouterr().out
    mine = ws2 / "lab00" / "lab00_orientation.ipynb"
    assert mine.read_bytes() == (root / "labs" / "lab00" / "lab00_orientation.ipynb").read_bytes()

    # The learner answers exercise 1 and saves.
    nb = nbformat.read(mine, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_answer")
    answer.source = "def orders_per_channel(orders):\n    return 'my own work'\n"
    nbformat.write(nb, mine)
    edited = mine.read_bytes()

    # The instructor changes the lab and releases it again; lab 01 arrives (as a `git pull`
    # of labs/ brings a newly released lab).
    source = root / "solutions" / "lab00" / "lab00_orientation.ipynb"
    sol = nbformat.read(source, as_version=4)
    sol.cells[1].source += "\n\nA sentence added in an update."
    nbformat.write(sol, source)
    course_tool.release(root, ["lab00"])
    shutil.copytree(REPO / "labs" / "lab01", root / "labs" / "lab01")
    assert mine.read_bytes() == edited, "a release never writes into the learner's workspace"

    second = workspace.sync(ws2, root / "labs", today="2026-12-02")
    assert mine.read_bytes() == edited, "the learner's edited notebook is byte for byte unchanged"
    kinds = {a.path.as_posix(): a.kind for a in second}
    beside = "lab00/lab00_orientation (updated 2026-12-02).ipynb"
    assert kinds == {beside: "beside", "lab01/lab01_operating_model.ipynb": "new"}
    assert "A sentence added in an update." in (ws2 / beside).read_text(encoding="utf-8")
    assert "my own work" not in (ws2 / beside).read_text(encoding="utf-8")
    report = workspace.report(second, ws2)
    assert "never overwritten" in report and beside in report

    # Nothing new: nothing changes, nothing is copied twice.
    third = workspace.sync(ws2, root / "labs", today="2026-12-03")
    assert {a.kind for a in third} == {"same"}
    assert mine.read_bytes() == edited
    assert len(list((ws2 / "lab00").glob("*.ipynb"))) == 2

    # A notebook the learner never changed is simply brought up to date (no work to lose):
    # here lab 01 changes as a `git pull` of an updated labs/ would change it.
    untouched = ws2 / "lab01" / "lab01_operating_model.ipynb"
    pulled = root / "labs" / "lab01" / "lab01_operating_model.ipynb"
    nb1 = nbformat.read(pulled, as_version=4)
    nb1.cells[1].source += "\n\nAnother update."
    nbformat.write(nb1, pulled)
    fourth = workspace.sync(ws2, root / "labs", today="2026-12-04")
    assert [(a.kind, a.path.as_posix()) for a in fourth if a.kind != "same"] == \
        [("updated", "lab01/lab01_operating_model.ipynb")]
    assert untouched.read_bytes() == pulled.read_bytes()
    assert mine.read_bytes() == edited


def test_the_workspace_is_git_ignored_and_the_readme_opens_it():
    ignored = subprocess.run(["git", "check-ignore", "-q", "workspace/lab00/lab00_orientation.ipynb"],
                             cwd=REPO)
    assert ignored.returncode == 0, "workspace/ must be in .gitignore: learners' work is not the course's"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    learner_command = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert "cxlabs start" in learner_command and "jupyter lab labs/" not in readme
    assert workspace.default_workspace() == REPO / "workspace" or "CXLABS_WORKSPACE" in __import__("os").environ


def test_start_opens_jupyterlab_in_the_workspace_with_the_learner_settings(tmp_path):
    cmd = workspace.lab_command(tmp_path)
    assert cmd[1] == "lab" and f"--ServerApp.root_dir={tmp_path}" in cmd
    env = workspace.learner_env({"JUPYTER_CONFIG_PATH": ""})
    code = ("from jupyter_server.serverapp import ServerApp\n"
            "from jupyterlab_server.config import get_static_page_config\n"
            "app = ServerApp(); app.load_config_file(); app.find_server_extensions()\n"
            "ext = app.jpserver_extensions\n"
            "off = get_static_page_config(level='all').get('disabledExtensions', {})\n"
            "print(ext.get('nbgrader.server_extensions.formgrader'), "
            "ext.get('nbgrader.server_extensions.assignment_list'), "
            "sorted(k for k, v in off.items() if v))\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    formgrader, assignments, disabled = out.stdout.strip().split(" ", 2)
    assert formgrader == "False", "no formgrader in a learner's JupyterLab"
    assert assignments == "True", "the Assignments tab stays"
    for plugin in ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                   "@jupyter/nbgrader:course-list", "@jupyterlab/apputils-extension:announcements"]:
        assert plugin in disabled
    # nbgrader (Validate, the Assignments tab) finds the course's learner configuration
    code = ("from nbgrader.apps import NbGraderAPI\n"
            "from nbgrader.apps.baseapp import NbGrader\n"
            "app = NbGrader(); app.load_config_file()\n"
            "print(app.config.CourseDirectory.course_id)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "cxlabs"
