"""``curator validate FILE``: schema and format checks, one line per problem.

JSON shape (public contract): ``{"file", "format", "records", "valid", "invalid",
"errors": [{"line", "code", "message", "path"}], "warnings": [...], "file_error"}``.
Exit 0 when every record is valid, 1 when some are not, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from curator.core.records import Dataset

from .common import LoadFailed, add_load_options, count, decide, file_error_report, load_from_args, print_json


def register(sub) -> None:
    p = sub.add_parser("validate", help="check every record against its format's schema",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_load_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def report(ds: Dataset) -> dict:
    return {
        "file": str(ds.path),
        "format": ds.format,
        "records": len(ds.records),
        "valid": ds.valid_count,
        "invalid": ds.invalid_count,
        "errors": [p.to_json() for p in ds.errors],
        "warnings": [p.to_json() for p in ds.warnings],
        "file_error": None,
    }


def run(args: argparse.Namespace) -> int:
    try:
        ds = load_from_args(args)
    except LoadFailed as exc:
        if args.json:
            print_json(file_error_report(args.file, exc.message))
        else:
            print(f"curator: {exc.message}", file=sys.stderr)
        return 2
    code = decide(0 if ds.invalid_count == 0 else 1)   # before the report: `| head` cannot change it
    if args.json:
        print_json(report(ds))
    else:
        print_human(ds)
    return code


def print_human(ds: Dataset, out=sys.stdout) -> None:
    kind = "JSON array" if ds.container == "json" else "JSONL"
    gz = " (gzip)" if ds.gzip else ""
    out.write(f"{ds.path}: {count(len(ds.records), 'record')}, {kind}{gz}, format {ds.format}\n")
    n_warn = len(ds.warnings)
    out.write(f"  {ds.valid_count} valid, {ds.invalid_count} invalid, {n_warn} warning{'' if n_warn == 1 else 's'}\n")
    for p in ds.errors:
        out.write(f"  error   {p.describe(ds.container)} [{p.code}]\n")
    for p in ds.warnings:
        text = p.describe(ds.container) if p.line else p.message
        out.write(f"  warning {text} [{p.code}]\n")
