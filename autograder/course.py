"""Instructor tooling for the cxlabs course, on top of nbgrader's own commands.

    python autograder/course.py release [LAB ...]   regenerate labs/ from solutions/ (nbgrader generate_assignment)
    python autograder/course.py check               fail if labs/ is not exactly what release would write
    python autograder/course.py setup               register the manifest's labs as nbgrader assignments
    python autograder/course.py readme [--check]    rewrite the README's lab list from the manifest

Every nbgrader call runs from ``autograder/`` so ``autograder/nbgrader_config.py`` applies.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
README = REPO / "README.md"
LABS_START, LABS_END = "<!-- labs:start -->", "<!-- labs:end -->"


def nbgrader(*args: str, root: Path = REPO, env: dict | None = None, check: bool = True,
             capture: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with this course's configuration, for the course at ``root``."""
    full_env = {**os.environ, **(env or {}), "CXLABS_COURSE_ROOT": str(root)}
    # nbgrader runs helpers such as `alembic` by name: put this environment's scripts first.
    bindir = str(Path(sys.executable).parent)
    full_env["PATH"] = bindir + os.pathsep + full_env.get("PATH", "")
    exe = Path(sys.executable).with_name("nbgrader")
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    result = subprocess.run(cmd, cwd=HERE, env=full_env, text=True,
                            capture_output=capture)
    if check and result.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


def lab_ids() -> list[str]:
    from cxlabs.course import labs

    return [lab.id for lab in labs()]


def release(root: Path = REPO, ids: list[str] | None = None) -> None:
    """Regenerate ``root/labs/<id>`` from ``root/solutions/<id>`` for each lab."""
    for lab_id in ids or lab_ids():
        if not (root / "solutions" / lab_id).is_dir():
            raise SystemExit(f"solutions/{lab_id} does not exist")
        target = root / "labs" / lab_id
        if target.exists():
            shutil.rmtree(target)
        nbgrader("generate_assignment", lab_id, "--force", "--create", root=root)
        print(f"released {lab_id} -> {target.relative_to(root)}")


def drift(root: Path = REPO) -> list[str]:
    """Files that differ between ``root/labs`` and a fresh release of ``root/solutions``."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "solutions", scratch / "solutions")
        release(scratch)
        fresh, committed = scratch / "labs", root / "labs"
        problems = []
        fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        committed_files = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()} \
            if committed.is_dir() else set()
        for rel in sorted(fresh_files | committed_files):
            if rel not in committed_files:
                problems.append(f"labs/{rel} is missing")
            elif rel not in fresh_files:
                problems.append(f"labs/{rel} is not generated from solutions/")
            elif not filecmp.cmp(fresh / rel, committed / rel, shallow=False):
                problems.append(f"labs/{rel} differs from what solutions/ generates")
        return problems


def setup(root: Path = REPO) -> None:
    """Register every lab of the manifest as an nbgrader assignment in the gradebook."""
    for lab_id in lab_ids():
        nbgrader("db", "assignment", "add", lab_id, root=root)
        print(f"assignment {lab_id} registered")


def readme(check: bool = False) -> int:
    from cxlabs.course import lab_list_markdown

    text = README.read_text(encoding="utf-8")
    if LABS_START not in text or LABS_END not in text:
        print(f"README.md lacks the {LABS_START} ... {LABS_END} markers", file=sys.stderr)
        return 1
    head, rest = text.split(LABS_START, 1)
    _, tail = rest.split(LABS_END, 1)
    new = f"{head}{LABS_START}\n{lab_list_markdown()}\n{LABS_END}{tail}"
    if check:
        if new != text:
            print("README.md's lab list is out of date: run `python autograder/course.py readme`",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print("README.md lab list updated")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="regenerate labs/ from solutions/")
    r.add_argument("labs", nargs="*", help="lab ids (default: every lab in the manifest)")
    sub.add_parser("check", help="fail if labs/ drifted from solutions/")
    sub.add_parser("setup", help="register the manifest's labs in the gradebook")
    m = sub.add_parser("readme", help="rewrite the README lab list from the manifest")
    m.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "release":
        release(ids=args.labs or None)
    elif args.command == "check":
        problems = drift()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("Run `python autograder/course.py release` to regenerate labs/.", file=sys.stderr)
            return 1
        print("labs/ is exactly what solutions/ generates.")
    elif args.command == "setup":
        setup()
    elif args.command == "readme":
        return readme(check=args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
