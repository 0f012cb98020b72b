"""A class on a real JupyterHub: the course's hub configuration, driven over HTTP.

The test starts JupyterHub on loopback with ``autograder/jupyterhub_config.py`` (loaded
unedited; a small file around it only picks free ports and scratch paths), PAM login,
the local process spawner, configurable-http-proxy from npm (``tests/system-packages.sh``
installs it into ``tests/.node``) and PostgreSQL as the gradebook (started as in
``tests/test_postgres_gradebook.py``). It creates throwaway Unix accounts, an instructor, the
grader account that runs the course service, and two learners, and removes them afterwards.

Then, over HTTP only, as the people of a class would:

1. the instructor logs in and opens the course service (the formgrader), adds the two
   students and releases lab 00 (generate + release);
2. each learner logs in, starts their server, lists, fetches, answers (alice: the model
   answers and memo; bob: exercise 1 only), validates and submits through nbgrader's
   Assignments API; a learner gets 403 on the course service, and their server has no
   formgrader, no course list and hides the instructor's JupyterLab plugins;
3. the instructor collects and autogrades each submission through the formgrader, which runs
   the course's sandboxed grading (``sandboxed_autograde.py``), grades alice's memo through
   the formgrader API, generates and releases feedback;
4. alice fetches her feedback: her score, the grader's verdicts and no grading code;
5. in a terminal of the course service (the hub environment's ``python`` and ``nbgrader`` on
   its PATH): ``course.py export`` and ``nbgrader export``, into two different files;
6. no gradebook connection is left "idle in transaction".

The grading world is built by the test while the hub starts, into the grader's
``autograder/work/worlds`` where autograde finds it (as ``course.py variants`` builds learners'
worlds ahead). On the shared 2-core development machine the cycle took 68 s from the hub's
start at load 4.5 and 125-160 s at load 10; the module 1:40 to 4 min. The hub's log (with the
servers' and the course service's) is kept as ``hub.log`` in pytest's base temporary folder,
or in ``$CXLABS_HUB_LOG``.

The hub, the course service and learners' servers run from a Python environment every account
can run. When the throwaway learner can run this session's own (a venv made from a shared
Python, in a clone others can read) that is it; otherwise (CI: ``python3`` under /root, mode
0700, a clone anywhere) the test builds one while PostgreSQL starts: a venv from a Python
every account can run (Debian's ``/usr/bin/python3``, probed as the learner) in a scratch
folder (0755 on every component), with this session's versions (``pip freeze``) of
what cxlabs, JupyterHub and psycopg2 require, and cxlabs installed as a copy (not editable).
pip's cache serves the wheels. It is kept between runs in ``/var/tmp/cxlabs-hubenv`` (or
``$CXLABS_HUB_ENV_CACHE``; ``off``: removed at the end), keyed by the Python, the versions and
cxlabs's sources, see ``hub_environment``. Measured on the shared 2-core machine at load 4-5,
from a clone under /root: building it took 111 s (the whole run of this module with
``tests/test_z2jh_values.py`` and ``tests/test_jupyterhub_config.py``: 179 s), reusing it 12 s,
both while PostgreSQL starts and the data is built (72 s for the same run).
Everything the hub's users read (course folder, learners' configuration, the data, the grading
world) is copied there too, never read from the clone.

Every process the test starts is stopped and every account removed, also on failure. It
skips (fails with ``CXLABS_REQUIRE_SYSTEM=1``, as in CI) only when this machine cannot run a
hub: not root, no useradd, no configurable-http-proxy, no PostgreSQL, no bubblewrap, or no
Python >= 3.11 with ``venv`` that every account can run (when this session's is private).
Names, ports and folders are unique per run, so it runs beside ``tests/test_postgres_gradebook.py``
(another xdist worker, another session).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import REPO, grading_module, require_system
from feedback_leaks import leaks, page_text, secret_lines
from test_postgres_gradebook import free_port, postgres  # noqa: F401  (the fixture: requested by name)

from cxlabs.course import lab

pytestmark = pytest.mark.hub

LAB = lab("lab00")
COURSE = "cxlabs"
PASSWORD = "cx-" + secrets.token_hex(8)
TIMEOUT = 120  # seconds for one HTTP request (autograde, validate run a notebook)


def unavailable(reason: str):
    """Skip, or in CI (``CXLABS_REQUIRE_SYSTEM=1``) fail: CI must run the hub."""
    if os.environ.get("CXLABS_REQUIRE_SYSTEM") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def proxy_command() -> str:
    local = REPO / "tests" / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    found = shutil.which("configurable-http-proxy")
    if not found:
        unavailable("needs configurable-http-proxy (install with: sh tests/system-packages.sh)")
    return found


# ---- the hub's Python environment -------------------------------------------------------------

HUB_ROOTS = ("cxlabs", "jupyterhub", "psycopg2-binary")  # what the hub, the service and learners run


def world_traversable(path: Path) -> bool:
    """Every component of ``path`` can be entered by every account (o+x)."""
    path = path.resolve()
    return all(p.is_dir() and os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def shared_scratch() -> Path:
    """A scratch folder every account can enter: ``$TMPDIR`` when it is, else /tmp or /var/tmp."""
    for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if world_traversable(Path(candidate)) and os.access(candidate, os.W_OK):
            return Path(candidate)
    unavailable("no scratch folder every account can enter (tried $TMPDIR, /tmp, /var/tmp)")


def shared_python(account: str) -> tuple[str, str]:
    """A Python >= 3.11 with ``venv`` that ``account`` can run, of this session's version if
    there is one (the frozen requirements then match its wheels): Debian's /usr/bin/python3.
    Returns its path and its full version."""
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [f"/usr/bin/{here}", "/usr/bin/python3", f"/usr/local/bin/{here}",
                  "/usr/local/bin/python3", shutil.which(here, path="/usr/local/bin:/usr/bin:/bin"),
                  shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")]
    found = []
    for path in dict.fromkeys(c for c in candidates if c and os.access(c, os.X_OK)):
        probe = as_user(account, path, "-c", "import platform, sys, venv; "
                        "assert sys.version_info >= (3, 11); print(platform.python_version())")
        if probe.returncode == 0:
            version = probe.stdout.strip()
            found.append((not version.startswith(here[len("python"):] + "."), path, version))
    if not found:
        unavailable("no Python >= 3.11 with venv that every account can run (looked for "
                    f"{', '.join(dict.fromkeys(c for c in candidates if c))}): install Debian's "
                    "python3 and python3-venv (sh tests/system-packages.sh)")
    return min(found)[1:]


def hub_requirements(python_version: str) -> list[str]:
    """This session's versions (``pip freeze``) of what the hub environment needs: cxlabs's
    dependencies, JupyterHub and psycopg2, with everything they require (not pytest, ruff,
    Playwright): the same versions as the tests use, served by pip's cache. A version whose
    Requires-Python the hub's Python (``python_version``) does not meet (this session's may be
    newer: 3.11.7 against Debian's 3.11.2) is left to pip to choose."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name

    def fits(name: str) -> bool:
        try:
            needs = distribution(name).metadata.get("Requires-Python")
        except PackageNotFoundError:
            return True
        return not needs or SpecifierSet(needs).contains(python_version, prereleases=True)

    needed: dict[str, set[str]] = {}
    todo = [(name, frozenset()) for name in HUB_ROOTS]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in needed and extras <= needed[key]:
            continue
        needed.setdefault(key, set()).update(extras)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for spec in requires:
            req = Requirement(spec)
            if req.marker is None or any(req.marker.evaluate({"extra": e})
                                         for e in sorted(needed[key]) or [""]):
                todo.append((req.name, frozenset(req.extras)))
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    pins = {canonicalize_name(re.split(r"[=<>~!@ \[;]", line, maxsplit=1)[0]): line.strip()
            for line in frozen if line.strip() and not line.startswith(("#", "-"))}
    chosen = [pin if fits(name) else name for name, pin in pins.items()
              if name in needed and name != "cxlabs"]
    dev = {canonicalize_name(Requirement(r).name): r for r in pyproject_dev()}
    return chosen + [dev[name] for name in HUB_ROOTS[1:] if name not in pins]  # pyproject's range


def pyproject_dev() -> list[str]:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]


def source_digest() -> str:
    """What the installed cxlabs is built from: pyproject.toml and src/."""
    import hashlib

    digest = hashlib.sha256()
    for path in [REPO / "pyproject.toml", *sorted((REPO / "src").rglob("*"))]:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_hub_env(python: str, folder: Path, requirements: list[str]) -> None:
    """A venv from ``python`` (every account can run it) with ``requirements`` and cxlabs
    installed as a copy (not editable: the clone may be private), readable by every account.
    pip runs from this session (``pip --python``), so the venv needs no pip of its own; the
    bytecode is compiled afterwards on every core (pip compiles one file at a time): the
    accounts cannot write it, and each of their processes would compile what it imports."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(folder)], check=True,
                   capture_output=True, umask=0o022)
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(folder / "bin" / "python"), "install",
         "--quiet", "--disable-pip-version-check", "--no-compile", *requirements, str(REPO)],
        capture_output=True, text=True, umask=0o022)
    if install.returncode != 0:
        raise RuntimeError(f"pip install into the hub environment failed:\n{install.stderr[-3000:]}")
    subprocess.run([str(folder / "bin" / "python"), "-m", "compileall", "-q", "-j", "0",
                    str(folder / "lib")], capture_output=True, umask=0o022)
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)


@contextlib.contextmanager
def hub_environment(account: str, scratch: Path):
    """The bin folder of a Python environment the hub, the course service and learners' servers
    run from, as ``account`` can: this session's own when ``account`` can run it (a venv made
    from a shared Python, in a readable clone), else one built here: a venv from a shared
    Python (Debian's /usr/bin/python3) with this session's versions of what the hub needs and
    cxlabs installed as a copy.

    Such an environment is 1.2 GB in 43,000 files: building it takes 1.5-2 min, and removing it
    as long again on a slow disk. So it is kept, in ``$CXLABS_HUB_ENV_CACHE`` (default
    ``/var/tmp/cxlabs-hubenv``, 0755), as ``hubenv-<key>``: the key is a hash of the Python
    (path and version), the requirement list and cxlabs's sources (pyproject.toml, src/), so a
    change to any of them builds a new one and a match reuses it. Runs hold a shared lock on
    their key while they use it; a kept environment unused for a day is removed by the next
    run that builds one. ``CXLABS_HUB_ENV_CACHE=off``: built in ``scratch`` for this run and
    removed at its end."""
    probe = as_user(account, sys.executable, "-c", "import jupyterhub, nbgrader, cxlabs, psycopg2")
    if probe.returncode == 0:
        yield Path(sys.executable).parent, 0.0
        return
    import fcntl
    import hashlib

    started = time.monotonic()
    python, python_version = shared_python(account)
    requirements = hub_requirements(python_version)
    cache = os.environ.get("CXLABS_HUB_ENV_CACHE", "/var/tmp/cxlabs-hubenv")
    if cache == "off":
        folder = Path(tempfile.mkdtemp(prefix="cxlabs-hubenv-", dir=scratch))
        folder.chmod(0o755)
        try:
            build_hub_env(python, folder, requirements)
            check_hub_env(account, folder)
            yield folder / "bin", time.monotonic() - started
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    cache_dir = Path(cache).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache_dir.chmod(0o755)
    if not world_traversable(cache_dir):
        unavailable(f"$CXLABS_HUB_ENV_CACHE ({cache_dir}) must be a folder every account can enter")
    key = hashlib.sha256("\n".join([os.path.realpath(python), python_version, *requirements,
                                    source_digest()]).encode()).hexdigest()[:16]
    folder = cache_dir / f"hubenv-{key}"
    with open(cache_dir / f"hubenv-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build, also between xdist workers and sessions
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            build_hub_env(python, folder, requirements)
            (folder / ".complete").write_text("\n".join(requirements) + "\n")
            prune_hub_envs(cache_dir, keep=folder)
        (folder / ".complete").touch()  # last used
        fcntl.flock(lock, fcntl.LOCK_SH)  # in use: not pruned
        check_hub_env(account, folder)
        yield folder / "bin", time.monotonic() - started


def prune_hub_envs(cache_dir: Path, keep: Path, days: float = 1) -> None:
    """Remove kept hub environments unused for ``days`` that no run is using."""
    import fcntl

    for lock_path in cache_dir.glob("hubenv-*.lock"):
        folder = lock_path.with_suffix("")
        if folder == keep:
            continue
        marker = folder / ".complete"
        with contextlib.suppress(OSError):
            if marker.exists() and time.time() - marker.stat().st_mtime < days * 86400:
                continue
            with open(lock_path, "w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # in use
                shutil.rmtree(folder, ignore_errors=True)
                lock_path.unlink()


def check_hub_env(account: str, folder: Path) -> None:
    probe = as_user(account, str(folder / "bin" / "python"), "-c",
                    "import jupyterhub, nbgrader, cxlabs, psycopg2, cxlabs.world")
    assert probe.returncode == 0, f"{account} cannot run the hub environment {folder}:\n{probe.stderr[-800:]}"


# ---- accounts --------------------------------------------------------------------------------

class Accounts:
    """Throwaway Unix accounts with a password, removed (with their processes) at the end."""

    def __init__(self, homes: Path):
        self.homes, self.names = homes, []
        self.tag = "cx" + secrets.token_hex(3)  # unique per run: never touches a real account

    def add(self, role: str) -> str:
        name = f"{self.tag}-{role}"
        home = self.homes / name
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                        "--user-group", name], check=True, capture_output=True)
        self.names.append(name)
        subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", text=True, check=True,
                       capture_output=True)
        return name

    def stop_processes(self) -> None:
        """SIGKILL every process of these accounts (their servers, kernels, the course service)."""
        import pwd

        import psutil

        uids = set()
        for name in self.names:
            with contextlib.suppress(KeyError):
                uids.add(pwd.getpwnam(name).pw_uid)
        for proc in psutil.process_iter(["uids"]):  # only processes of the accounts made here
            if proc.info["uids"] and proc.info["uids"].real in uids:
                with contextlib.suppress(psutil.Error):
                    proc.kill()

    def remove(self) -> None:
        self.stop_processes()
        for name in self.names:
            subprocess.run(["userdel", "--force", "--remove", name], capture_output=True)


def as_user(name: str, *cmd: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", name, "--", *cmd], capture_output=True, text=True,
                          env=env)


# ---- a browser: one person's cookies, with the XSRF token of the page they are on ----------

class Browser:
    def __init__(self, base: str, name: str | None = None):
        import requests

        self.base, self.name = base, name
        self.session = requests.Session()

    def xsrf(self, url: str) -> dict:
        path = urlsplit(url).path
        best = max((c for c in self.session.cookies if c.name == "_xsrf" and path.startswith(c.path)),
                   key=lambda c: len(c.path), default=None)
        return {"X-XSRFToken": best.value} if best else {}

    def get(self, path: str, **kw):
        url = self.base + path
        return self.session.get(url, headers=self.xsrf(url), timeout=TIMEOUT, **kw)

    def send(self, method: str, path: str, **kw):
        url = self.base + path
        return self.session.request(method, url, headers=self.xsrf(url), timeout=TIMEOUT, **kw)

    def json(self, method: str, path: str, **kw):
        reply = self.send(method, path, **kw)
        assert reply.status_code < 400, f"{method} {path}: {reply.status_code} {reply.text[:500]}"
        return reply.json()

    def login(self) -> None:
        self.session.get(self.base + "/hub/login", timeout=TIMEOUT)
        reply = self.session.post(self.base + "/hub/login?next=%2Fhub%2Fhome",
                                  data={"username": self.name, "password": PASSWORD,
                                        "_xsrf": self.session.cookies.get("_xsrf", path="/hub/")},
                                  timeout=TIMEOUT)
        assert reply.status_code == 200 and urlsplit(reply.url).path == "/hub/home", \
            f"{self.name} could not log in: {reply.status_code} {reply.url}"

    def start_server(self) -> None:
        api = f"/hub/api/users/{self.name}"
        reply = self.send("POST", api + "/server")
        assert reply.status_code in (201, 202), f"spawn {self.name}: {reply.status_code} {reply.text}"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            server = self.json("GET", api)["servers"].get("", {})
            if server.get("ready"):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{self.name}'s server did not start")
        page = self.get(f"/user/{self.name}/lab")  # the OAuth round trip: the server's cookies
        assert page.status_code == 200, f"{self.name}'s JupyterLab: {page.status_code}"
        self.lab_page = page.text


# ---- the hub -----------------------------------------------------------------------------------

def wait_for(url: str, what: str, log: Path, seconds: float = 90) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} did not answer on {url}:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (the hub then stops the proxy, the service and learners' servers), then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    with contextlib.suppress(ProcessLookupError):  # anything left in the hub's process group
        os.killpg(proc.pid, signal.SIGKILL)


def stop_proxy(pid_file: Path) -> None:
    """The proxy runs in a session of its own; the hub stops it, except when stopped while it
    was still starting: then this does, by the PID the hub recorded."""
    import psutil

    with contextlib.suppress(OSError, ValueError, psutil.Error):
        proxy = psutil.Process(int(pid_file.read_text().strip()))
        if "configurable-http-proxy" in " ".join(proxy.cmdline()):
            proxy.kill()


def grader_course(home: Path) -> Path:
    """The grader account's clone of the course (``autograder/`` and lab 00's ``solutions/``) and
    its ``~/.jupyter/nbgrader_config.py``, which loads the course's configuration."""
    clone = home / "cxlabs"
    shutil.copytree(REPO / "autograder", clone / "autograder",
                    ignore=shutil.ignore_patterns("work", "__pycache__", "*.pyc"))
    shutil.copytree(REPO / "solutions" / LAB.id, clone / "solutions" / LAB.id)
    (home / ".jupyter").mkdir(exist_ok=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(clone / 'autograder' / 'nbgrader_config.py')!r})\n")
    return clone


@pytest.fixture(scope="module")
def hub(request):
    """Checks first (a machine that cannot run a hub skips at once), then PostgreSQL and the data."""
    if os.geteuid() != 0:
        unavailable("the hub test creates Unix accounts and runs JupyterHub's local spawner: run as root")
    require_system("useradd", "userdel", "chpasswd", "runuser", "bwrap")
    try:
        import jupyterhub  # noqa: F401
        import pamela  # noqa: F401
    except ImportError as e:
        unavailable(f"needs JupyterHub in this environment ({e}; pip install -e '.[dev]')")
    chp = proxy_command()
    keep_log = request.getfixturevalue("tmp_path_factory").getbasetemp() / "hub.log"

    scratch = shared_scratch()  # every file the hub's users read is here, not in the clone
    base = Path(tempfile.mkdtemp(prefix="cxlabs-hub-", dir=scratch))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    accounts = Accounts(base / "home")
    hub_proc = env_job = None
    log = base / "hub.log"
    environment = contextlib.ExitStack()
    try:
        instructor, grader = accounts.add("ada"), accounts.add("grader")
        alice, bob = accounts.add("alice"), accounts.add("bob")
        # The hub's Python environment (built here when alice cannot run this session's), while
        # PostgreSQL starts and the course data is built
        env_job = ThreadPoolExecutor(1).submit(environment.enter_context, hub_environment(alice, scratch))
        gradebook_url = request.getfixturevalue("postgres")
        world42 = request.getfixturevalue("world42")

        world = base / "world"  # the course data (seed 42), readable by every account
        shutil.copytree(world42, world)
        subprocess.run(["chmod", "-R", "a+rX", str(world)], check=True)
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)
        learner_jupyter = base / "learner-jupyter"  # = /srv/cxlabs/learner-jupyter
        shutil.copytree(REPO / "autograder" / "learner-jupyter", learner_jupyter)
        shutil.copy(REPO / "autograder" / "learner_nbgrader_config.py",
                    learner_jupyter / "nbgrader_config.py")
        grader_home = base / "home" / grader
        clone = grader_course(grader_home)
        subprocess.run(["chown", "-R", f"{grader}:{grader}", str(grader_home)], check=True)
        grader_home.chmod(0o700)
        # The grading world, built ahead while the hub starts, where the grader's autograde
        # looks for it (autograder/work/worlds, as `course.py variants` does for learners' worlds)
        worlds = clone / "autograder" / "work" / "worlds"
        prebuild = ThreadPoolExecutor(1).submit(grading_module().grading_world, worlds)
        roster = base / "students.csv"
        roster.write_text(f"id,first_name,last_name\n{alice},Alice,L\n{bob},Bob,L\n")

        port, hub_port, api_port, service_port = (free_port() for _ in range(4))
        config = base / "jupyterhub_config.py"
        config.write_text(
            "c = get_config()\n"
            f"load_subconfig({str(REPO / 'autograder' / 'jupyterhub_config.py')!r})\n"
            "# this test's machine: loopback, free ports, scratch state\n"
            f"c.JupyterHub.bind_url = 'http://127.0.0.1:{port}'\n"
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{hub_port}'\n"
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{api_port}'\n"
            f"c.ConfigurableHTTPProxy.command = [{chp!r}]\n"
            f"c.JupyterHub.db_url = 'sqlite:///{base / 'jupyterhub.sqlite'}'\n"
            f"c.JupyterHub.cookie_secret_file = {str(base / 'cookie_secret')!r}\n"
            f"c.JupyterHub.pid_file = {str(base / 'jupyterhub.pid')!r}\n"
            "c.Spawner.start_timeout = c.Spawner.http_timeout = 120\n")
        bindir, env_seconds = env_job.result()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CXLABS_", "JUPYTER", "PYTEST"))
               and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        env.update(
            PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            CXLABS_INSTRUCTORS=instructor, CXLABS_ROSTER=str(roster), CXLABS_GRADER=grader,
            CXLABS_GRADER_HOME=str(grader_home), CXLABS_GRADEBOOK_URL=gradebook_url,
            CXLABS_EXCHANGE=str(exchange), CXLABS_DATA_DIR=str(world),
            CXLABS_SERVICE_PORT=str(service_port), CXLABS_LEARNER_JUPYTER=str(learner_jupyter),
            CXLABS_VARIANTS="0")
        started = time.monotonic()
        with log.open("w") as out:
            hub_proc = subprocess.Popen([str(bindir / "jupyterhub"), "-f", str(config)], cwd=base,
                                        env=env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/hub/api/", "JupyterHub", log)
        wait_for(f"http://127.0.0.1:{service_port}/services/{COURSE}/api", "the course service", log)
        prebuild.result()
        subprocess.run(["chown", "-R", f"{grader}:{grader}", str(clone / "autograder" / "work")], check=True)
        yield {"url": url, "users": {"instructor": instructor, "grader": grader, "alice": alice,
                                     "bob": bob},
               "clone": clone, "log": log, "postgres": gradebook_url, "started": started,
               "bindir": bindir, "env_seconds": env_seconds}
    finally:
        t0 = time.monotonic()
        if hub_proc is not None:
            # the servers and the service first (the hub then finds them gone instead of waiting
            # for each to shut down), then the hub, which stops the proxy
            accounts.stop_processes()
            stop(hub_proc)
            stop_proxy(base / "jupyterhub-proxy.pid")
            if log.exists():  # the hub's log (with the servers' and the service's) outlives the run
                kept = Path(os.environ.get("CXLABS_HUB_LOG") or keep_log)
                shutil.copy(log, kept)
                print(f"the hub's log: {kept}")
        t1 = time.monotonic()
        accounts.remove()
        t2 = time.monotonic()
        if env_job is not None:
            with contextlib.suppress(BaseException):  # a build still running: let it end first
                env_job.result()
        environment.close()
        shutil.rmtree(base, ignore_errors=True)
        print(f"hub teardown: hub {t1 - t0:.1f} s, accounts {t2 - t1:.1f} s, files {time.monotonic() - t2:.1f} s")


# ---- the class --------------------------------------------------------------------------------

SERVICE = f"/services/{COURSE}"
FG = f"{SERVICE}/formgrader/api"


def fill(nb: dict, answers: set[str] | None) -> dict:
    """The learner's notebook with the model answers of the cells in ``answers`` (None: all)."""
    model = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in nbformat.read(REPO / "solutions" / LAB.path, as_version=4).cells
             if "nbgrader" in c.metadata}
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and (answers is None or meta["grade_id"] in answers):
            cell["source"] = model[meta["grade_id"]]
    return nb


def learner_works(browser: Browser, answers: set[str] | None) -> dict:
    """List, fetch, answer, validate and submit through the Assignments API; returns what was seen."""
    me = f"/user/{browser.name}"
    query = {"course_id": COURSE}
    listed = browser.json("GET", f"{me}/assignments", params=query)
    assert listed["success"], listed
    assert [a["assignment_id"] for a in listed["value"] if a["status"] == "released"] == [LAB.id]
    fetched = browser.json("POST", f"{me}/assignments/fetch",
                           data={"course_id": COURSE, "assignment_id": LAB.id})
    assert any(a["assignment_id"] == LAB.id and a["status"] == "fetched" for a in fetched["value"])
    path = f"{LAB.id}/{LAB.notebook}.ipynb"
    nb = browser.json("GET", f"{me}/api/contents/{path}", params={"content": 1})["content"]
    browser.json("PUT", f"{me}/api/contents/{path}",
                 json={"type": "notebook", "format": "json", "content": fill(nb, answers)})
    validated = browser.json("POST", f"{me}/assignments/validate", data={"path": path})
    submitted = browser.json("POST", f"{me}/assignments/submit",
                             data={"course_id": COURSE, "assignment_id": LAB.id})
    assert any(a["status"] == "submitted" for a in submitted["value"]), submitted
    return {"validated": validated}


def terminal(browser: Browser, command: str, marker: str = "CXLABS-DONE") -> str:
    """Run ``command`` in a new terminal of the course service; its output up to ``marker``."""
    import websocket

    name = browser.json("POST", f"{SERVICE}/api/terminals")["name"]
    url = browser.base.replace("http", "ws", 1) + f"{SERVICE}/terminals/websocket/{name}"
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.session.cookies)
    ws = websocket.create_connection(url, cookie=cookies, timeout=TIMEOUT,
                                     origin=browser.base)
    output = ""
    try:
        ws.send(json.dumps(["stdin", f"{command}; echo {marker}-$?\r"]))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            kind, *data = json.loads(ws.recv())
            if kind == "stdout":
                output += data[0]
                if re.search(rf"{marker}-\d+", output.split(command, 1)[-1]):
                    break
    finally:
        ws.close()
        browser.send("DELETE", f"{SERVICE}/api/terminals/{name}")
    return output.split(command, 1)[-1]


@pytest.fixture(scope="module")
def cycle(hub, tmp_path_factory):
    users, url = hub["users"], hub["url"]
    tmp = tmp_path_factory.mktemp("hub")
    seen: dict = {"steps": {}}
    clock = [time.monotonic()]

    def step(name: str) -> None:
        now = time.monotonic()
        seen["steps"][name] = round(now - clock[0], 1)
        clock[0] = now

    step("hub and course service started")
    seen["steps"]["hub and course service started"] = round(clock[0] - hub["started"], 1)

    # 1. The instructor: login, the course service, the student list, release.
    ada = Browser(url, users["instructor"])
    ada.login()
    formgrader = ada.get(f"{SERVICE}/formgrader")
    assert formgrader.status_code == 200 and "Manage Assignments" in formgrader.text, \
        f"the course service: {formgrader.status_code} {formgrader.url}"
    seen["instructor_landed"] = urlsplit(formgrader.url).path
    for who in ("alice", "bob"):
        ada.json("PUT", f"{FG}/student/{users[who]}", json={"first_name": who.title(), "last_name": "L"})
    assert ada.json("POST", f"{FG}/assignment/{LAB.id}/assign")["success"]
    released = ada.json("POST", f"{FG}/assignment/{LAB.id}/release")
    assert released["success"], released
    step("instructor: login, course service, students, release")

    # 2. The learners, in parallel: login, own server, fetch, answer, validate, submit.
    learners = {who: Browser(url, users[who]) for who in ("alice", "bob")}
    answers = {"alice": None, "bob": {"ex1_answer"}}

    def learner(who):
        browser = learners[who]
        browser.login()
        browser.start_server()
        return learner_works(browser, answers[who])

    with ThreadPoolExecutor(2) as pool:
        seen["learners"] = dict(zip(learners, pool.map(learner, learners), strict=True))
    step("learners: login, servers, fetch, validate, submit")

    # 3. Collect, autograde (the course's sandboxed grading), the memo, feedback.
    assert ada.json("POST", f"{FG}/assignment/{LAB.id}/collect")["success"]
    for who in ("alice", "bob"):
        graded = ada.json("POST", f"{FG}/submission/{LAB.id}/{users[who]}/autograde")
        assert graded["success"], graded.get("log") or graded
    step("collect and autograde (sandboxed)")
    notebooks = ada.json("GET", f"{FG}/submitted_notebooks/{LAB.id}/{LAB.notebook}")
    alice_nb = next(n for n in notebooks if n["student"] == users["alice"])
    [memo] = [g for g in ada.json("GET", f"{FG}/grades", params={"submission_id": alice_nb["id"]})
              if g["name"] == "memo"]
    seen["memo"] = ada.json("PUT", f"{FG}/grade/{memo['id']}", json={"manual_score": memo["max_score"]})
    assert ada.json("POST", f"{FG}/assignment/{LAB.id}/generate_feedback")["success"]
    assert ada.json("POST", f"{FG}/assignment/{LAB.id}/release_feedback")["success"]
    seen["submissions"] = {s["student"]: s for s in ada.json("GET", f"{FG}/submissions/{LAB.id}")}
    seen["assignment"] = ada.json("GET", f"{FG}/assignment/{LAB.id}")
    step("memo grade, feedback generated and released")

    # 4. alice fetches her feedback.
    alice = learners["alice"]
    me = f"/user/{users['alice']}"
    alice.json("POST", f"{me}/assignments/fetch_feedback", data={"course_id": COURSE, "assignment_id": LAB.id})
    [stamp] = alice.json("GET", f"{me}/api/contents/{LAB.id}/feedback")["content"]
    page = alice.json("GET", f"{me}/api/contents/{stamp['path']}/{LAB.notebook}.html",
                      params={"format": "text", "type": "file"})["content"]
    (tmp / "feedback.html").write_text(page, encoding="utf-8")
    seen["feedback"] = page_text(tmp / "feedback.html")
    step("feedback fetched")

    # 5. The exports, in a terminal of the course service.
    seen["terminal"] = terminal(ada, "cd ~/cxlabs/autograder && command -v python nbgrader && "
                                     "{ python course.py export & nbgrader export && wait $!; }")
    files = {}
    # course.py export writes into work/ (git-ignored), nbgrader export into the folder it runs in
    for name, path in (("course", "autograder/work/grades.csv"), ("nbgrader", "autograder/grades.csv")):
        reply = ada.get(f"{SERVICE}/api/contents/{path}", params={"format": "text", "type": "file"})
        files[name] = reply.json()["content"] if reply.status_code == 200 else None
    seen["exports"] = files
    step("exports in the service terminal")

    # What learners may not reach or see.
    seen["learner_service"] = learners["bob"].get(f"{SERVICE}/formgrader").status_code
    bob = f"/user/{users['bob']}"
    seen["learner_formgrader"] = learners["bob"].get(f"{bob}/formgrader").status_code
    seen["learner_course_list"] = learners["bob"].get(f"{bob}/formgraders").status_code
    seen["learner_page_config"] = json.loads(re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
        learners["bob"].lab_page, re.S)[1])

    import psycopg2

    with psycopg2.connect(hub["postgres"].replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("SELECT pid, query FROM pg_stat_activity WHERE datname = 'cxlabs' "
                    "AND state = 'idle in transaction'")
        seen["idle_in_transaction"] = cur.fetchall()
    conn.close()
    step("learners' access checks")
    seen["deprecated"] = [line for line in hub["log"].read_text(errors="replace").splitlines()
                          if "deprecat" in line.lower()]
    seen["seconds"] = time.monotonic() - hub["started"]
    print(f"hub cycle: {seen['seconds']:.0f} s from the hub's start: {seen['steps']}; "
          f"hub environment {hub['bindir'].parent} ready in {hub['env_seconds']:.1f} s")
    return seen


def test_scores(cycle, hub):
    users = hub["users"]
    total = cycle["assignment"]["max_score"]
    scores = {who: cycle["submissions"][users[who]]["score"] for who in ("alice", "bob")}
    assert total == 10 and scores == {"alice": total, "bob": 2}, \
        "alice: model answers and a full-marks memo; bob: exercise 1 only"
    assert cycle["memo"]["manual_score"] == cycle["memo"]["max_score"] and not cycle["memo"]["needs_manual_grade"]
    alice, bob = (cycle["learners"][w]["validated"] for w in ("alice", "bob"))
    assert alice["success"] and "failed" not in alice["value"], alice
    assert bob["success"] and "failed" in bob["value"], "Validate tells bob what is not done yet"


def test_feedback_shows_verdicts_and_no_grading_code(cycle):
    page = cycle["feedback"]
    assert re.search(r"Score: 10(\.0)? / 10", page), page[:400]
    assert "✓ Graded:" in page, "the sandboxed grader's verdicts reach the learner"
    found = leaks(page, secret_lines())
    assert not found, f"the feedback shows grading code: {found[:3]}"


def test_exports_in_the_service_terminal(cycle, hub):
    out = cycle["terminal"]
    assert re.search(r"CXLABS-DONE-0", out), f"the service terminal:\n{out[-1500:]}"
    assert str(hub["bindir"]) in out, "python and nbgrader of the hub's environment"
    lms, nbg = cycle["exports"]["course"], cycle["exports"]["nbgrader"]
    assert lms and nbg and lms != nbg, "course.py export and nbgrader export write different files"
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(lms))}
    users = hub["users"]
    assert {(r["score"], r["status"]) for s, r in rows.items() if s == users["alice"]} == {("10", "graded")}
    assert (rows[users["bob"]]["score"], rows[users["bob"]]["status"]) == ("2", "graded")
    ours = {r["student_id"]: r for r in csv.DictReader(io.StringIO(nbg))}  # nbgrader's own layout
    assert float(ours[users["alice"]]["score"]) == 10 and float(ours[users["bob"]]["score"]) == 2


def test_learners_have_no_instructor_tools(cycle):
    assert cycle["learner_service"] == 403, "a learner must not reach the course service"
    assert cycle["learner_formgrader"] == 404, "no formgrader in a learner's server"
    assert cycle["learner_course_list"] == 404, "no course list (formgraders) in a learner's server"
    disabled = cycle["learner_page_config"].get("disabledExtensions", {})
    disabled = set(disabled) if isinstance(disabled, (list, dict)) else set()
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
            "@jupyter/nbgrader:course-list"} <= disabled


def test_instructor_lands_on_the_formgrader_without_an_authorize_page(cycle):
    assert cycle["instructor_landed"].startswith(f"{SERVICE}/formgrader")


def test_the_configuration_uses_no_deprecated_setting(cycle):
    assert cycle["deprecated"] == [], "JupyterHub or the servers warned about deprecated settings"


def test_no_gradebook_connection_idle_in_transaction(cycle):
    assert cycle["idle_in_transaction"] == [], "a connection's last query, left in its transaction"

