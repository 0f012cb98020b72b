"""Run one Jupyter kernel inside a bubblewrap sandbox (the kernel launcher of cohort grading).

``autograder/cohort.py`` grades each submission with nbgrader's own autograder, outside the
sandbox (it needs the gradebook and the source notebook with the hidden tests), but the
*kernel* that runs the learner's code is started through this file, which wraps it in
bubblewrap (``bwrap``):

- new user/PID/IPC/UTS/cgroup namespaces and a new, empty **network** namespace: no network,
  not even the host's loopback;
- a new mount namespace that holds only the Python installation (read-only), ``/usr``
  (read-only), the world's data (read-only), the learner's own submitted files (read-only),
  a private ``$HOME`` and ``/tmp`` (small tmpfs), and the folder of this kernel's
  connection file and ZeroMQ sockets. Solutions, the gradebook, the hidden tests and other
  learners' files are simply not there;
- an **unprivileged user**: as root, the kernel runs as a dedicated uid per worker
  (``setpriv``, no capabilities, ``no_new_privs``); as an ordinary user, bubblewrap's user
  namespace maps the sandbox to that user, who owns nothing instructors keep;
- **resource limits** (``setrlimit``): address space (memory), CPU seconds, file size,
  no core dumps, and, as root, the number of processes; a **wall-time deadline** after
  which this launcher kills the sandbox.

The kernel talks to nbgrader over ZeroMQ ``ipc`` (Unix sockets in the bound folder) because
a new network namespace shares no TCP loopback with the grader.

Usage (written into a kernelspec by ``cohort.py``)::

    python sandbox.py CONFIG.json CONNECTION_FILE [kernel args ...]

Per submission, the grader sets ``CXLABS_SANDBOX_WORKDIR`` (the submission's files),
``CXLABS_SANDBOX_RUNTIME`` (a new, empty folder for the connection file and sockets),
``CXLABS_SANDBOX_DEADLINE`` (Unix time), ``CXLABS_SANDBOX_STATUS`` (a JSON file this
launcher writes when the kernel ends: its exit status and whether the deadline killed it)
and, when every learner has their own world, ``CXLABS_SANDBOX_EXTRA``: JSON with more
read-only folders for this submission only (``ro_binds``: the learner's world and graded
inputs) and ``CXLABS_*`` variables for the kernel (``env``). See :func:`with_extra`.
This file only uses the standard library: it starts before any heavy import.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time

KERNEL_NAME = "cxlabs-sandbox"
HOME = "/home/learner"
WORKDIR = HOME + "/submission"
MIB = 1024 * 1024

# Runs inside the sandbox in place of `python -m ipykernel_launcher`: seed matplotlib's cache,
# cut output floods at the source (printed and displayed, per cell), then start the ordinary
# IPython kernel.
BOOTSTRAP = r"""
import os, shutil, sys
if os.environ.get("CXLABS_MPL_CACHE"):  # matplotlib's font cache, built once by the grader
    shutil.copytree(os.environ["CXLABS_MPL_CACHE"], os.environ["MPLCONFIGDIR"], dirs_exist_ok=True)
from ipykernel import iostream
_limit = int(os.environ.get("CXLABS_OUTPUT_LIMIT", "1000000"))
_state = {"msg": None, "n": 0, "cut": False}
_write = iostream.OutStream.write
def _capped_write(self, text):
    msg = (self.parent_header or {}).get("header", {}).get("msg_id")
    if msg != _state["msg"]:
        _state.update(msg=msg, n=0, cut=False)
    if _state["cut"]:
        return len(text)
    _state["n"] += len(text)
    if _state["n"] > _limit:
        _state["cut"] = True
        return _write(self, f"\n[cxlabs: output cut, this cell printed more than {_limit:,} characters]\n")
    return _write(self, text)
iostream.OutStream.write = _capped_write
# Rich output (HTML, images, JSON) is capped per cell too; graded answers are exempt here
# (the grader caps them as they arrive).
from ipykernel import zmqshell
_publish = zmqshell.ZMQDisplayPublisher.publish
_shown = {"msg": None, "n": 0, "cut": False}
def _capped_publish(self, data, metadata=None, *args, **kwargs):
    if "application/x-cxlabs-answer" not in (data or {}):
        msg = (self.parent_header or {}).get("header", {}).get("msg_id")
        if msg != _shown["msg"]:
            _shown.update(msg=msg, n=0, cut=False)
        if _shown["cut"]:
            return None
        _shown["n"] += sum(len(v) if isinstance(v, (str, bytes)) else len(repr(v)) for v in (data or {}).values())
        if _shown["n"] > 2 * _limit:
            _shown["cut"] = True
            data = {"text/plain": f"[cxlabs: output cut, this cell displayed more than {2 * _limit:,} characters]"}
            metadata = {}
    return _publish(self, data, metadata, *args, **kwargs)
zmqshell.ZMQDisplayPublisher.publish = _capped_publish
if sys.path and sys.path[0] == "":
    del sys.path[0]
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def kernelspec(python: str, config_path: str) -> dict:
    """The ``kernel.json`` of the sandboxed kernel."""
    return {
        "argv": [python, "-I", os.path.abspath(__file__), config_path, "{connection_file}"],
        "display_name": "Python 3 (cxlabs grading sandbox)",
        "language": "python",
        "interrupt_mode": "message",  # the sandbox is its own session: no signals from outside
        "metadata": {"debugger": False},
    }


def bwrap_command(cfg: dict, command: list[str], workdir: str | None, as_root: bool) -> list[str]:
    """The ``bwrap`` command line that runs ``command`` (the kernel) in the sandbox.

    ``cfg`` is the worker's sandbox configuration (see ``cohort.py``); ``workdir`` the
    learner's submitted files, mounted read-only as the working directory.
    """
    cmd = [cfg.get("bwrap", "bwrap"), "--die-with-parent", "--new-session",
           "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
           "--unshare-cgroup-try", "--hostname", "sandbox"]
    if not as_root:
        cmd += ["--unshare-user"]
    for top in ("bin", "lib", "lib64", "sbin"):
        path = "/" + top
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
            "--size", str(cfg.get("tmpfs_mib", 256) * MIB), "--tmpfs", "/tmp",
            "--size", str(cfg.get("tmpfs_mib", 256) * MIB), "--tmpfs", HOME]
    for path in cfg["ro_binds"]:
        if not path.startswith("/usr/"):
            cmd += ["--ro-bind", path, path]
    runtime = cfg["runtime_dir"]
    cmd += ["--bind", runtime, runtime]
    # bwrap creates the folders leading to a bind with the host's modes (/root is 0700):
    # open them up inside the sandbox, where they hold nothing but the binds. Not those inside
    # another (read-only) bind: cxlabs installed in the environment's site-packages is bound
    # inside the environment, whose folders are already the host's (and cannot be changed).
    binds = [*cfg["ro_binds"], runtime]
    parents = {p for path in binds
               for p in _ancestors(path) if p not in ("/", "/usr") and not p.startswith("/usr/")
               and not any(p == b or p.startswith(b.rstrip("/") + "/") for b in binds)}
    for path in sorted(parents - {"/tmp", HOME}):
        cmd += ["--chmod", "0755", path]
    cmd += ["--chmod", "1777", "/tmp", "--chmod", "0777", HOME]
    if workdir:
        cmd += ["--ro-bind", workdir, WORKDIR, "--chdir", WORKDIR]
    else:
        cmd += ["--chdir", HOME]
    cmd += ["--clearenv"]
    env = {"HOME": HOME, "USER": "learner", "LOGNAME": "learner", "LANG": "C.UTF-8",
           "PATH": f"{os.path.dirname(cfg['python'])}:/usr/local/bin:/usr/bin:/bin",
           "MPLCONFIGDIR": HOME + "/.config/matplotlib", "PYTHONNOUSERSITE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MALLOC_ARENA_MAX": "2", **cfg.get("env", {})}
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--"]
    if as_root:
        uid = str(cfg["uid"])
        cmd += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return cmd + command


def with_extra(cfg: dict, extra: dict) -> dict:
    """``cfg`` with one submission's extra read-only folders and ``CXLABS_*`` variables.

    Only adds: each folder must be an existing directory given by its absolute, normal path
    (never ``/``), bound read-only like the worker's own; variables must be named
    ``CXLABS_*`` and hold text. Anything else stops the launch (``SystemExit``).
    """
    binds, env = extra.get("ro_binds", []), extra.get("env", {})
    if set(extra) - {"ro_binds", "env"} or not isinstance(binds, list) or not isinstance(env, dict):
        raise SystemExit("sandbox: CXLABS_SANDBOX_EXTRA holds something other than ro_binds and env")
    for path in binds:
        if (not isinstance(path, str) or not os.path.isabs(path) or os.path.normpath(path) != path
                or path == "/" or not os.path.isdir(path)):
            raise SystemExit(f"sandbox: extra folder {path!r} is not an absolute path to a directory")
    for key, value in env.items():
        if not (isinstance(key, str) and key.startswith("CXLABS_") and isinstance(value, str)):
            raise SystemExit(f"sandbox: extra variable {key!r} is not a CXLABS_ variable with a text value")
    return {**cfg, "ro_binds": [*cfg["ro_binds"], *binds], "env": {**cfg.get("env", {}), **env}}


def _ancestors(path: str) -> list[str]:
    parts = os.path.abspath(path).split("/")[1:-1]
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def limits(cfg: dict, as_root: bool):
    """``preexec_fn`` that sets the sandbox's resource limits (before ``bwrap`` starts)."""
    def apply() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        memory = cfg["memory_mib"] * MIB
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        fsize = cfg.get("fsize_mib", 256) * MIB
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        cpu = int(cfg["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        if as_root:  # counted per (dedicated) uid; root itself is exempt until setpriv drops it
            resource.setrlimit(resource.RLIMIT_NPROC, (cfg.get("nproc", 256),) * 2)
    return apply


def _write_status(path: str | None, **status) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(status, fh)


def main(argv: list[str]) -> int:
    config_path, connection_file, *kernel_args = argv
    with open(config_path, encoding="utf-8") as fh:
        cfg = json.load(fh)
    as_root = os.geteuid() == 0
    status_path = os.environ.get("CXLABS_SANDBOX_STATUS")
    deadline = float(os.environ.get("CXLABS_SANDBOX_DEADLINE", "0")) or None
    workdir = os.environ.get("CXLABS_SANDBOX_WORKDIR") or None
    # The kernel gets a copy of its connection file in the worker's runtime folder, the only
    # writable host folder it sees (its ZeroMQ sockets live there too: KernelManager.ip).
    # Always the `runtime` folder next to this worker's config (never a shared folder such as
    # /tmp: it is chowned to the sandbox user and bound writable into the sandbox).
    # A fresh folder per submission (CXLABS_SANDBOX_RUNTIME), always inside this worker's
    # `runtime` folder: what one submission leaves there cannot reach the next one.
    root = os.path.join(os.path.dirname(os.path.abspath(config_path)), "runtime")
    runtime = os.path.abspath(os.environ.get("CXLABS_SANDBOX_RUNTIME") or root)
    if os.path.dirname(runtime) != root and runtime != root:
        raise SystemExit(f"sandbox: runtime folder {runtime} is not inside {root}")
    cfg["runtime_dir"] = runtime
    if os.environ.get("CXLABS_SANDBOX_EXTRA"):
        cfg = with_extra(cfg, json.loads(os.environ["CXLABS_SANDBOX_EXTRA"]))
    private = os.path.join(runtime, "connection.json")
    with open(connection_file, "rb") as src, open(private, "wb") as dst:
        dst.write(src.read())
    os.chmod(private, 0o600)
    if as_root:  # the dedicated uid must read its connection file and bind its sockets
        os.chown(private, cfg["uid"], cfg["uid"])
        os.chown(runtime, cfg["uid"], cfg["uid"])
    kernel = [cfg["python"], "-c", BOOTSTRAP, "-f", private, "--IPKernelApp.capture_fd_output=True",
              *kernel_args]
    cmd = bwrap_command(cfg, kernel, workdir, as_root)
    log = os.environ.get("CXLABS_SANDBOX_LOG")  # debugging: where the sandbox's stderr goes
    with open(log or os.devnull, "ab") as err:
        proc = subprocess.Popen(cmd, preexec_fn=limits(cfg, as_root), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)

    def stop(signum, frame):  # nbgrader shutting the kernel down
        proc.kill()
        proc.wait()
        _write_status(status_path, returncode=proc.returncode, deadline=False, stopped=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        rc = proc.wait(timeout=None if deadline is None else max(0.0, deadline - time.time()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        _write_status(status_path, returncode=proc.returncode, deadline=True, stopped=False)
        return 0
    _write_status(status_path, returncode=rc, deadline=False, stopped=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
