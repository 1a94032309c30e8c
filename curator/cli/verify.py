"""``curator verify DIR``: re-check an export against its manifest.

Re-hashes every file, checks the record counts, that each row sits in the split the manifest
gives it (naming moved, added, edited and missing records), that no linked group straddles the
split, and re-runs the train/eval leakage check on the files as they are.
Exit 0 when everything matches, 1 on any mismatch, 2 when DIR has no readable manifest (then
``--json``'s ``"file_error"`` says why, as in every command's error object; null otherwise).
``--json`` prints ``{"folder", "ok", "problems", "checked", "leakage"}`` and, in every exit path,
``validate --json``'s keys (empty: verify reads no dataset). The text shows at most 20 problems
of each code, then how many more; ``--json`` lists every one.
"""

from __future__ import annotations

import argparse
import sys

from .common import count, decide, print_json, success_report


def register(sub) -> None:
    p = sub.add_parser("verify", help="re-check an export folder against its manifest",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="export folder (holds manifest.json)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run, json_empty=empty_verify)


def empty_verify(args: argparse.Namespace) -> dict:
    """The keys of ``verify --json`` with nothing checked, for its error object."""
    return {"folder": args.dir, "ok": False, "problems": [], "checked": {}, "leakage": None}


def run(args: argparse.Namespace) -> int:
    from curator.core.verify import similarity_words, verify_export

    rep = verify_export(args.dir)
    # decided before the report, so a reader closing the pipe early cannot change it
    code = decide(2 if any(p.code == "manifest" for p in rep.problems) else 0 if rep.ok else 1)
    if args.json:
        # validate's keys (empty: verify reads no dataset) as in every command's --json object, and
        # what stopped the check (exit 2) under the name every command's --json error uses
        doc = success_report(rep.to_json())
        doc["file_error"] = next((p.message for p in rep.problems if p.code == "manifest"), None)
        print_json(doc)
    else:
        if rep.ok:
            lk = rep.leakage
            print(f"{args.dir}: OK — {rep.checked.get('train_rows', 0):,} train, {rep.checked.get('eval_rows', 0):,} "
                  f"eval records match the manifest; {similarity_words(lk.max_score, lk.compared, lk.threshold, 2, lk.method)}"
                  if lk else f"{args.dir}: OK")
        else:
            print(f"{args.dir}: {count(len(rep.problems), 'problem')}", file=sys.stderr)
            print_problems(rep.problems)
    return code


# a badly damaged export has a problem per row (18,025 lines for one folder): a person reads the
# first few of each kind; --json keeps every one
SHOWN_PER_CODE = 20


def print_problems(problems, out=None, per_code: int = SHOWN_PER_CODE) -> None:
    """One line per problem, at most ``per_code`` of each code, then how many more of each."""
    out = out or sys.stderr
    seen: dict[str, int] = {}
    for p in problems:
        seen[p.code] = seen.get(p.code, 0) + 1
        if seen[p.code] <= per_code:
            out.write(f"  {p.code}: {p.message}\n")
    for code, n in seen.items():
        if n > per_code:
            out.write(f"  … and {n - per_code:,} more {code} problems (--json lists every one)\n")
