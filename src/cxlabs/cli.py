"""The ``cxlabs`` command line.

    cxlabs data build [--seed N] [--customers N] [--out DIR]
    cxlabs data describe [TABLE]
    cxlabs data dictionary [--check]     (re)write datasets/DATA_DICTIONARY.md
    cxlabs data manifest [--check]       (re)write datasets/MANIFEST.json for the default world
    cxlabs learner set ID                who you are, when the course gives every learner their own data
    cxlabs learner show                  the learner id, its variant and where its data lives
    cxlabs learner clear                 forget the stored id
    cxlabs start [--dir DIR] [--no-open] copy the labs into your own workspace and open JupyterLab there
    cxlabs workspace [--dir DIR]         bring new or updated labs into your workspace (never over your work)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DICTIONARY = REPO / "datasets" / "DATA_DICTIONARY.md"
MANIFEST = REPO / "datasets" / "MANIFEST.json"


def _build(args) -> int:
    from cxlabs.loading import _location
    from cxlabs.world import DEFAULT_CUSTOMERS, DEFAULT_SEED, build_world

    if args.out:
        out = Path(args.out)
    else:
        out, variant_seed = _location()
        if variant_seed is not None:  # the learner's own variant: its folder holds its seed only
            if args.seed is not None and args.seed != variant_seed:
                raise ValueError(f"this course gives you your own data (variant {variant_seed}); "
                                 "build another seed with --out DIR")
            args.seed = variant_seed
            if args.customers != DEFAULT_CUSTOMERS:
                raise ValueError("your own data has the course's size; build another size with --out DIR")
    if args.seed is None:
        args.seed = DEFAULT_SEED
    print(f"Building the world: seed {args.seed}, {args.customers:,} customers -> {out}")
    meta = build_world(out, seed=args.seed, customers=args.customers, verbose=not args.quiet)
    total = sum(meta["rows"].values())
    print(f"Done: {len(meta['rows'])} tables, {total:,} rows in {meta['build_seconds']:.1f} s.")
    return 0


def _describe(args) -> int:
    import pandas as pd

    from cxlabs.loading import describe, world_info

    with pd.option_context("display.max_colwidth", 70, "display.width", 200):
        if args.table:
            print(describe(args.table).to_string())
        else:
            table = describe()
            info = world_info()
            table.insert(0, "rows", [info["rows"].get(name, 0) for name in table.index])
            print(f"World: seed {info['seed']}, {info['customers']:,} customers\n")
            print(table.drop(columns=["description"]).to_string())
    return 0


def _dictionary(args) -> int:
    from cxlabs.schema import render_dictionary
    from cxlabs.world import all_tables

    text = render_dictionary(all_tables())
    if args.check:
        if not DICTIONARY.is_file() or DICTIONARY.read_text() != text:
            print(f"{DICTIONARY} is out of date: run `cxlabs data dictionary`.", file=sys.stderr)
            return 1
        print("The data dictionary matches the schemas.")
        return 0
    DICTIONARY.write_text(text)
    print(f"Wrote {DICTIONARY}")
    return 0


def default_manifest() -> dict:
    """Build the default world in a temporary folder and return its content hashes."""
    from cxlabs.world import DEFAULT_CUSTOMERS, DEFAULT_SEED, build_world

    with tempfile.TemporaryDirectory() as tmp:
        meta = build_world(Path(tmp) / "world", seed=DEFAULT_SEED, customers=DEFAULT_CUSTOMERS)
    return {"seed": meta["seed"], "customers": meta["customers"], "rows": meta["rows"],
            "content_sha256": meta["content_sha256"]}


def _manifest(args) -> int:
    manifest = default_manifest()
    if args.check:
        committed = json.loads(MANIFEST.read_text())
        diff = [t for t in manifest["content_sha256"]
                if committed["content_sha256"].get(t) != manifest["content_sha256"][t]]
        if diff or committed["rows"] != manifest["rows"]:
            print(f"The default world differs from {MANIFEST} in: {diff or 'row counts'}", file=sys.stderr)
            return 1
        print("The default world matches the committed manifest.")
        return 0
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"Wrote {MANIFEST}")
    return 0


def store_learner(learner: str) -> Path:
    """Store the learner's id on this computer (``cxlabs learner set ID``); return the file."""
    import os

    from cxlabs import variants

    text = variants.normalise(learner)
    path = variants.stored_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".learner-{os.getpid()}")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _learner(args) -> int:
    from cxlabs import variants

    if args.command == "set":
        path = store_learner(args.id)
        learner = variants.normalise(args.id)
        print(f"Learner id {learner!r} stored in {path}.")
        if variants.enabled():
            found = variants.learner_id()
            if found and found[0] != learner:
                print(f"Note: {found[1]} names you {found[0]!r}, and it comes first.")
            else:
                seed = variants.seed_for(learner)
                print(f"Your company: variant {seed}, built on first use in {variants.variant_dir(seed)}.")
        else:
            print("This course gives everyone the same data at the moment; the id is kept for "
                  "when it gives every learner their own.")
        return 0
    if args.command == "clear":
        try:
            variants.stored_file().unlink()
            print("Stored learner id removed.")
        except FileNotFoundError:
            print("No learner id was stored.")
        return 0
    on = variants.enabled()
    print(f"Own data per learner: {'on' if on else 'off (everyone works on the same company)'}")
    found = variants.learner_id()
    if found is None:
        print("Learner id: not set" + (f"\n\n{variants.MISSING_ID}" if on else ""))
        return 1 if on else 0
    learner, source = found
    print(f"Learner id: {learner!r} (from {source})")
    if on:
        from cxlabs.loading import _is_complete, data_dir

        seed = variants.seed_for(learner)
        folder = data_dir()
        state = "built" if _is_complete(folder) else "built on first use"
        print(f"Your company: variant {seed}")
        print(f"Data folder: {folder} ({state})")
    return 0


def _workspace(args) -> int:
    """Copy the released labs into the learner's workspace; with ``start``, open JupyterLab there."""
    import os
    import subprocess

    from cxlabs import workspace

    folder = Path(args.dir).resolve() if args.dir else workspace.default_workspace()
    actions = workspace.sync(folder)
    print(workspace.report(actions, folder))
    if args.group != "start" or args.no_open:
        return 0
    cmd = workspace.lab_command(folder, args.lab_args)
    print("Opening JupyterLab in your workspace (the course's learner settings): " + " ".join(cmd))
    env = workspace.learner_env()
    if os.name == "nt":
        return subprocess.call(cmd, env=env)
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    from cxlabs.world import DEFAULT_CUSTOMERS, DEFAULT_SEED

    parser = argparse.ArgumentParser(prog="cxlabs", description="The cxlabs course toolkit.")
    sub = parser.add_subparsers(dest="group", required=True)
    data = sub.add_parser("data", help="build and describe the company's data")
    dsub = data.add_subparsers(dest="command", required=True)
    b = dsub.add_parser("build", help="generate the world's tables as Parquet files")
    b.add_argument("--seed", type=int, default=None,
                   help=f"random seed (default {DEFAULT_SEED}, or your own variant's when the course gives "
                        "every learner their own data)")
    b.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                   help=f"number of customers (default {DEFAULT_CUSTOMERS:,})")
    b.add_argument("--out", help="output directory (default: where cxlabs.load reads from)")
    b.add_argument("--quiet", action="store_true", help="no per-table lines")
    b.set_defaults(func=_build)
    d = dsub.add_parser("describe", help="list the tables, or one table's columns")
    d.add_argument("table", nargs="?")
    d.set_defaults(func=_describe)
    g = dsub.add_parser("dictionary", help="write datasets/DATA_DICTIONARY.md from the schemas")
    g.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    g.set_defaults(func=_dictionary)
    m = dsub.add_parser("manifest", help="write datasets/MANIFEST.json (hashes of the default world)")
    m.add_argument("--check", action="store_true", help="fail if the default world differs")
    m.set_defaults(func=_manifest)
    learner = sub.add_parser("learner", help="who you are, when every learner has their own data")
    lsub = learner.add_subparsers(dest="command", required=True)
    ls = lsub.add_parser("set", help="store your learner id (the student id your instructor gave you)")
    ls.add_argument("id")
    ls.set_defaults(func=_learner)
    lsub.add_parser("show", help="your learner id, your variant and where its data lives").set_defaults(func=_learner)
    lsub.add_parser("clear", help="forget the stored learner id").set_defaults(func=_learner)
    for name, text in [("start", "copy the labs into your own workspace and open JupyterLab there"),
                       ("workspace", "bring new or updated labs into your workspace, never over your work")]:
        w = sub.add_parser(name, help=text)
        w.add_argument("--dir", help="your workspace (default: $CXLABS_WORKSPACE, else workspace/ in the course)")
        if name == "start":
            w.add_argument("--no-open", action="store_true", help="set up the workspace only")
            w.add_argument("lab_args", nargs="*", help="more arguments for `jupyter lab` (after --)")
        w.set_defaults(func=_workspace)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, ValueError, RuntimeError) as exc:
        print(f"cxlabs: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
