"""The gradebook on a real PostgreSQL server, as a class on JupyterHub runs it.

The test starts PostgreSQL from Debian's package (``initdb`` and ``pg_ctl`` on a scratch data
directory and a free port, as the ``postgres`` account when the tests run as root), points
the course at it with ``CXLABS_GRADEBOOK_URL`` (read by ``autograder/nbgrader_config.py``),
releases lab 01, autogrades the model answers, grades the memo, exports the grades and generates feedback, reads the grades
back through nbgrader's Gradebook API and with plain SQL, and stops the server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import python_env, require_system, scratch_course, submit
from feedback_leaks import leaks, page_text, secret_lines

from cxlabs.course import lab

pytestmark = pytest.mark.notebooks

LAB = lab("lab01")


def postgres_bindir() -> Path:
    """Where Debian's postgresql package keeps initdb and pg_ctl (not on PATH there)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    return Path(require_system("pg_ctl", "initdb")["pg_ctl"]).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server for the duration of this module: yields its SQLAlchemy URL."""
    bindir = postgres_bindir()
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="cxlabs-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        account = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
        os.chown(data, account.pw_uid, account.pw_gid)
        as_user = [shutil.which("runuser") or "runuser", "-u", account.pw_name, "--"]
    port = free_port()

    def run(*cmd):
        result = subprocess.run([*as_user, *cmd], capture_output=True, text=True, cwd=data)
        assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"

    cluster = data / "cluster"
    run(str(bindir / "initdb"), "-D", str(cluster), "-U", "grader", "--auth=trust", "-E", "UTF8",
        "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(cluster), "-l", str(data / "server.log"), "-w", "-t", "60",
        "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off", "start")
    try:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=port, user="grader", dbname="postgres")
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE cxlabs")
        conn.close()
        # SQLAlchemy 2.1 means psycopg 3 by "postgresql://": name the driver the dev extra installs.
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/cxlabs"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(cluster), "-m", "fast", "-w", "stop")
        shutil.rmtree(data, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def test_autograde_into_a_postgres_gradebook(postgres, course_tool, world42, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.setenv("CXLABS_GRADEBOOK_URL", postgres)
    root = scratch_course(course_tool, tmp_path, [LAB.id])  # generate_assignment writes the gradebook
    assert course_tool.course_config(root).CourseDirectory.db_url == postgres
    submit(root, LAB, "solver", root / "solutions" / LAB.path)
    course_tool.nbgrader("autograde", LAB.id, root=root, env=python_env(world42))

    with Gradebook(postgres) as gb:
        assert [a.name for a in gb.assignments] == [LAB.id]
        max_score = gb.find_assignment(LAB.id).max_score
        memo = gb.find_grade("memo", LAB.notebook, LAB.id, "solver")
        memo.manual_score, memo.needs_manual_grade = memo.max_score, False
        gb.db.commit()
        assert gb.find_submission(LAB.id, "solver").score == max_score > 0
        code = [g for g in gb.find_submission_notebook(LAB.notebook, LAB.id, "solver").grades
                if g.cell.cell_type == "code"]
        assert code and all(g.score == g.max_score for g in code)
    assert not (root / "autograder" / "work" / "gradebook.db").exists(), \
        "the SQLite gradebook was used instead of PostgreSQL"

    import psycopg2

    with psycopg2.connect(postgres.replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM grade")
        assert cur.fetchone()[0] >= len(code)
    conn.close()

    [row] = course_tool.grade_rows(root)
    assert (row["student_id"], row["score"], row["status"]) == ("solver", row["max_score"], "graded")

    course_tool.nbgrader("generate_feedback", LAB.id, root=root, env=python_env(world42))
    page = root / "autograder" / "work" / "feedback" / "solver" / LAB.id / f"{LAB.notebook}.html"
    assert not leaks(page_text(page), secret_lines()), "lab 01 feedback shows hidden tests"
