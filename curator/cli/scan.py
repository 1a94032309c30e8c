"""``curator scan FILE``: exact duplicates, near-duplicates, contradictions and lint findings.

JSON shape (public contract): everything ``validate --json`` prints, plus
``"exact_duplicates": [{"lines", "keeper"}]``,
``"near_duplicates": [{"lines", "keeper", "pairs": [{"a", "b", "score"}]}]``,
``"contradictions": [{"a", "b", "prompt_similarity", "response_similarity", "diff", "reason"}]``,
``"lint": [{"line", "code", "message", "severity"}]``, ``"timings": {step: seconds}``,
``"discounted": [text]`` (shared boilerplate left out of the comparison) and ``"settings"``.
Lines are the 1-based source lines ``validate`` uses (for JSON arrays, the element index).

Exit 0 when every record is valid and nothing was found, 1 when some record is invalid or any
duplicate, contradiction or lint finding was reported, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import time

from curator.core.findings import CONTRADICTION_REASONS, ScanResult
from curator.core.scan import ScanSettings, available_workers, run_scan

from .common import (
    LoadFailed,
    TerminalProgress,
    add_load_options,
    count,
    decide,
    load_from_args,
    print_json,
    print_json_error,
)
from .validate import report


def register(sub) -> None:
    p = sub.add_parser("scan", help="find duplicates, near-duplicates, contradictions and lint findings",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_load_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (extends validate --json)")
    d = ScanSettings()
    p.add_argument("--near-threshold", type=float, metavar="N", default=d.near_threshold,
                   help=f"near-duplicate similarity, 0-100 (default {d.near_threshold:g})")
    p.add_argument("--prompt-threshold", type=float, metavar="N", default=d.prompt_threshold,
                   help=f"prompt similarity for 'the same question', 0-100 (default {d.prompt_threshold:g})")
    p.add_argument("--response-threshold", type=float, metavar="N", default=d.response_threshold,
                   help="free-text answers whose content-word similarity is below this disagree, 0-100 "
                        f"(default {d.response_threshold:g})")
    p.set_defaults(func=run, json_empty=lambda _args: ScanResult().to_json())


def run(args: argparse.Namespace) -> int:
    for name in ("near_threshold", "prompt_threshold", "response_threshold"):
        v = getattr(args, name)
        if not 0 <= v <= 100:
            message = f"--{name.replace('_', '-')} must be between 0 and 100, got {v:g}"
            print(f"curator scan: {message}", file=sys.stderr)
            if args.json:
                print_json_error(args.file, message, ScanResult().to_json())
            return 2
    progress = TerminalProgress()
    try:
        return _scan(args, progress)
    finally:
        progress.clear()


def _scan(args: argparse.Namespace, progress) -> int:
    t0 = time.perf_counter()
    try:
        ds = load_from_args(args, progress)
    except LoadFailed as exc:
        if args.json:  # every key of the success shape, empty
            print_json_error(args.file, exc.message, ScanResult().to_json())
        else:
            progress.clear()
            print(f"curator: {exc.message}", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - t0
    settings = ScanSettings(near_threshold=args.near_threshold, prompt_threshold=args.prompt_threshold,
                            response_threshold=args.response_threshold)
    result = run_scan(ds, settings=settings, workers=available_workers(), progress=progress)
    progress.clear()
    result.timings = {"load": round(load_s, 4), **result.timings}
    found = bool(result.exact_duplicates or result.near_duplicates or result.contradictions or result.lint)
    code = decide(1 if ds.invalid_count or found else 0)   # before the report: `| head` cannot change it
    if args.json:
        doc = report(ds)
        doc.update(result.to_json())
        print_json(doc)
    else:
        print_human(ds, result)
    return code


def print_human(ds, result, out=sys.stdout) -> None:
    out.write(f"{ds.path}: {count(len(ds.records), 'record')}, {ds.valid_count:,} valid, {ds.invalid_count:,} invalid\n")
    for text in result.discounted:
        out.write(f"  discounted: {text}\n")
    out.write(f"  {count(len(result.exact_duplicates), 'exact-duplicate group')}, "
              f"{count(len(result.near_duplicates), 'near-duplicate cluster')}, "
              f"{count(len(result.contradictions), 'contradiction')}, {count(len(result.lint), 'lint finding')}\n")
    # a JSON array's records are numbered by position (as in validate): say "record", and give the
    # file line where a single record is named, so "238" is never read as file line 238
    array = ds.container == "json"
    many = "records" if array else "lines"
    if array:
        out.write("  (numbers are record positions in the array, as in curator validate)\n")

    def one(n: int) -> str:
        if not array:
            return f"line {n}"
        rec = ds.by_line(n)
        return f"record {n} (line {rec.start_line})" if rec is not None else f"record {n}"

    for g in result.exact_duplicates:
        out.write(f"  duplicate      {many} {', '.join(map(str, g.lines))} (keep {g.keeper})\n")
    for c in result.near_duplicates:
        best = min(p.score for p in c.pairs)
        out.write(f"  near-duplicate {many} {', '.join(map(str, c.lines))} (keep {c.keeper}, scores ≥ {best:g})\n")
    for k in result.contradictions:
        why = CONTRADICTION_REASONS.get(k.reason)
        out.write(f"  contradiction  {many} {k.a} and {k.b} (prompts {k.prompt_similarity:g}% alike, "
                  f"answers {k.response_similarity:g}%{': ' + why if why else ''})\n")
    for f in result.lint:
        out.write(f"  {f.severity:<8} {one(f.line)}: {f.message} [{f.code}]\n")
    out.write("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()) + "\n")
