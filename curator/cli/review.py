"""``curator review FILE --approve LINES --reject LINES --fix LINE --record FIXED.json``: apply
decisions from a script.

LINES are like ``3,7,10-20``. Each flag is one undoable step in the project (the app's Undo
reverts it). Approving an invalid record (bad JSON, schema or format errors) is recorded, with a
warning naming each such line and why (``"warnings"`` in ``--json``): export leaves invalid records
out unless they are fixed. ``--fix LINE --record FILE`` stores FILE's JSON object (``-``: standard
input) as the corrected record of LINE, checked like the app's Fix (a refused fix exits 2 with
every problem). ``--sample F`` draws (and stores) the seeded review sample used by ``curator status``'s
acceptance estimate. Exit 0 on success, 2 on a usage error (unknown line, a line both approved
and rejected) or when the dataset or project file cannot be used; then ``--json`` prints
``validate --json``'s error object (``"file_error"`` says what is wrong) with this command's keys, empty;
on success those keys are there too (``"file_error": null``). A run that stores no decision
leaves no project file behind when there was none.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from curator.core.decisions import REJECT_REASONS
from curator.core.sampling import parse_stratify
from curator.core.table import unit_of

from .common import add_load_options, decide, fail, parse_lines, print_json, success_report
from .status import add_project_options, open_from_args


def register(sub) -> None:
    p = sub.add_parser("review", help="approve/reject lines from a script; draw the review sample",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_load_options(p)
    add_project_options(p)
    p.add_argument("--approve", metavar="LINES", default="", help="lines to approve, e.g. 3,7,10-20")
    p.add_argument("--reject", metavar="LINES", default="", help="lines to reject")
    p.add_argument("--skip", metavar="LINES", default="", help="lines to mark skipped")
    p.add_argument("--fix", type=int, metavar="LINE", help="store a corrected record for this line (with --record)")
    p.add_argument("--record", metavar="FILE",
                   help="for --fix: a file holding the corrected record as one JSON object ('-': standard input)")
    p.add_argument("--reason", choices=REJECT_REASONS, help="reason code for --reject")
    p.add_argument("--note", help="free-text note for --reject or --fix")
    p.add_argument("--reviewer", metavar="NAME",
                   help="name recorded with the decisions (default: $CURATOR_REVIEWER, else the login name)")
    p.add_argument("--sample", type=float, metavar="FRACTION",
                   help="draw and store a seeded review sample of this fraction (e.g. 0.1)")
    p.add_argument("--seed", type=int, help="seed for --sample (default: a new random seed, stored)")
    p.add_argument("--stratify", metavar="BY", help="stratify --sample by format, flagged or field:NAME")
    p.add_argument("--json", action="store_true", help="print what changed as one JSON object")
    p.set_defaults(func=run, json_empty=empty_review)


def invalid_approvals(project, approved: list[int]) -> list[dict]:
    """The approved lines whose record is invalid (bad JSON, schema or format errors), each with its
    first error: export leaves them out whatever the decision, so the reviewer must hear of it."""
    out = []
    for ln in sorted(set(approved)):
        rec = project.dataset.by_line(ln)
        if rec is not None and not rec.valid:
            first = rec.errors[0] if rec.errors else None
            out.append({"line": ln, "code": first.code if first else "invalid",
                        "message": first.message if first else "the record is invalid",
                        "errors": len(rec.errors)})
    return out


def _read_record(path: str) -> tuple[dict | None, str | None]:
    """(the JSON object in ``path`` or on standard input for "-", None) or (None, what is wrong)."""
    import json

    try:
        # utf-8-sig: a BOM (Notepad, PowerShell pipes) is accepted, as the dataset reader does
        text = sys.stdin.read().lstrip("\ufeff") if path == "-" else open(path, encoding="utf-8-sig").read()  # noqa: SIM115
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read it ({exc})"
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return None, "the corrected record must be one JSON object {...}"
    return obj, None


def _project_files(path: Path) -> list[Path]:
    """The files of the project at ``path`` (the database, its -wal and -shm) that exist now."""
    return [f for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")) if f.exists()]


def _remove_new(path: Path, existed: list[Path]) -> None:
    """Remove the project files at ``path`` that did not exist before (``existed``): all of them
    when there was no project, none when there was one (its files are left as SQLite keeps them)."""
    if existed:
        return
    for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            f.unlink(missing_ok=True)
        except OSError:
            pass     # another process holds it: it is an empty project, nothing is lost


def empty_review(args: argparse.Namespace) -> dict:
    """The keys of ``review --json`` with nothing in them, for its error object."""
    return {"project": args.project, "reviewer": args.reviewer, "warnings": [], "changes": [],
            "sample": None, "decisions": {}}


def run(args: argparse.Namespace) -> int:
    empty = empty_review(args)
    parsed = {}
    for flag in ("approve", "reject", "skip"):
        try:
            parsed[flag] = parse_lines(getattr(args, flag))
        except ValueError as exc:
            return fail(args, f"--{flag}: {exc}", empty)
    approve, reject, skip = parsed["approve"], parsed["reject"], parsed["skip"]
    fix = [args.fix] if args.fix is not None else []
    both = sorted((set(approve) & set(reject)) | (set(approve) & set(skip)) | (set(reject) & set(skip))
                  | (set(fix) & set(approve + reject + skip)))
    if both:
        return fail(args, f"line(s) given two decisions: {','.join(map(str, both[:20]))}", empty)
    if args.reason and not reject:
        return fail(args, "--reason applies to --reject, which is empty", empty)
    if args.note and not (reject or fix):
        return fail(args, "--note applies to --reject or --fix, and neither is given", empty)
    if (args.fix is None) != (args.record is None):
        return fail(args, "--fix LINE and --record FILE go together", empty)
    record = None
    if args.record is not None:
        record, problem = _read_record(args.record)
        if problem:
            return fail(args, f"--record {args.record}: {problem}", empty)
    if args.sample is not None and not 0 < args.sample <= 1:
        return fail(args, "--sample takes a fraction in (0, 1], e.g. 0.1", empty)
    if (args.seed is not None or args.stratify) and args.sample is None:
        return fail(args, "--seed/--stratify apply to --sample, which is not given", empty)
    try:   # before any decision is stored: a usage error must leave the project as it was
        parse_stratify(args.stratify)
    except ValueError as exc:
        return fail(args, f"--stratify: {exc}", empty)
    if not (approve or reject or skip or fix or args.sample is not None):
        return fail(args, "nothing to do: give --approve, --reject, --skip, --fix or --sample", empty)
    # a review that stores nothing must not leave a new project file behind (status would then
    # report a project, and an export record it): note what exists before opening
    from curator.core.project import UnknownLineError, project_path_for

    wanted = Path(os.path.abspath(args.project)) if args.project else project_path_for(args.file)
    existed = _project_files(wanted)
    # the flagged stratification needs the findings; nothing else here does
    project = open_from_args(args, scan=args.stratify == "flagged", reviewer=args.reviewer, empty=empty)
    if project is None:
        _remove_new(wanted, existed)
        return 2

    changes = []
    with project:
        try:
            for ln in approve + reject + skip + fix:
                project.check_line(ln)
            if fix:
                # checked before anything is stored: a refused fix leaves the project as it was
                problems = project.validate_fix(fix[0], record)
                if problems:
                    from curator.core.project import InvalidFixError

                    raise InvalidFixError(fix[0], problems, unit_of(project.dataset))
            if approve:
                changes.append(project.approve(approve))
            if reject:
                changes.append(project.reject(reject, reason=args.reason, note=args.note))
            if skip:
                changes.append(project.skip(skip))
            if fix:
                changes.append(project.fix(fix[0], record, note=args.note))
            sample = None
            if args.sample is not None:
                sample = project.draw_sample(args.sample, args.seed, args.stratify)
                project.queue("sample")
        except (UnknownLineError, ValueError) as exc:
            stored = bool(changes)
            known = {**empty, "project": str(project.path) if stored or existed else None,
                     "reviewer": project.reviewer,
                     "changes": [{"label": c.label, "lines": list(c.lines)} for c in changes]}
            project.close()
            if not stored:
                _remove_new(project.path, existed)
            return fail(args, str(exc), known)
        decide(0)    # the decisions are stored: a reader closing the pipe early cannot undo that
        spec = project.sample_spec()
        invalid = invalid_approvals(project, approve)
        for w in invalid:
            print(f"curator: warning: {unit_of(project.dataset)} {w['line']} is invalid ({w['message']}) [{w['code']}]: "
                  "recorded as approved, but export leaves invalid records out; fix the record "
                  "(the app's Fix, or the source file) to include it", file=sys.stderr)
        if args.json:
            print_json(success_report({"project": str(project.path), "reviewer": project.reviewer,
                                       "warnings": invalid,
                                       "changes": [{"label": c.label, "lines": list(c.lines)} for c in changes],
                                       "sample": spec.to_json() if sample is not None and spec else None,
                                       "decisions": project.counts()}, project.dataset))
        else:
            for c in changes:
                print(c.label)
            if sample is not None and spec is not None:
                print(f"Drew a sample of {spec.size:,} of {spec.population:,} records "
                      f"(fraction {spec.fraction:g}, seed {spec.seed}"
                      + (f", stratified by {spec.stratify}" if spec.stratify else "") + ")")
            print(f"project: {project.path}")
    return 0
