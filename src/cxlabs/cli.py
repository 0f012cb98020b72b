"""The ``cxlabs`` command line.

    cxlabs data build [--seed N] [--customers N] [--out DIR]
    cxlabs data describe [TABLE]
    cxlabs data dictionary [--check]     (re)write datasets/DATA_DICTIONARY.md
    cxlabs data manifest [--check]       (re)write datasets/MANIFEST.json for the default world
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
    from cxlabs.loading import data_dir
    from cxlabs.world import build_world

    out = Path(args.out) if args.out else data_dir()
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


def main(argv: list[str] | None = None) -> int:
    from cxlabs.world import DEFAULT_CUSTOMERS, DEFAULT_SEED

    parser = argparse.ArgumentParser(prog="cxlabs", description="The cxlabs course toolkit.")
    sub = parser.add_subparsers(dest="group", required=True)
    data = sub.add_parser("data", help="build and describe the company's data")
    dsub = data.add_subparsers(dest="command", required=True)
    b = dsub.add_parser("build", help="generate the world's tables as Parquet files")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
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
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, ValueError, RuntimeError) as exc:
        print(f"cxlabs: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
