"""``curator status FILE``: review progress, the acceptance estimate and unresolved findings.

JSON shape (public contract): ``{"records", "decisions": {"approved", "rejected", "fixed",
"skipped", "undecided"}, "queue", "estimate", "project", ...}`` (``"project": null`` before the
first decision: status never creates a project file); ``--lines`` adds
``"lines": {"approved": [...], "rejected": [...], "fixed": [...], "skipped": [...]}``; and
``validate --json``'s keys (the dataset's counts, ``"file_error": null``), as on an error.
Exit 0 on success, 2 when the dataset or the project file cannot be used; then ``--json`` prints
``validate --json``'s error object (``"file_error"`` says what is wrong) with these keys, empty.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from curator.core.table import unit_of

from .common import (
    add_load_options,
    decide,
    fail,
    parse_mapping,
    print_json,
    print_json_error,
    success_report,
)


def register(sub) -> None:
    p = sub.add_parser("status", help="review progress, acceptance estimate and unresolved findings",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_load_options(p)
    add_project_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--lines", action="store_true", help="also list the lines of each decision")
    p.add_argument("--target", type=float, default=0.02, metavar="RATE",
                   help="defect-rate target for the acceptance estimate (default 0.02)")
    p.set_defaults(func=run, json_empty=empty_status)


def add_project_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", metavar="PATH",
                   help="project file (default: FILE.curator beside the dataset)")
    p.add_argument("--fresh-project", action="store_true",
                   help="if the project file is damaged or foreign, keep it aside (renamed "
                        "*.damaged-<time>) and start a fresh project")


def empty_status(args: argparse.Namespace) -> dict:
    """The keys of ``status --json`` with nothing in them, for its error object."""
    out = {"records": 0, "decisions": {}, "queue": {}, "estimate": None, "project": args.project,
           "source": None, "sample": None, "findings": {}, "unmatched": 0, "undo": None, "redo": None,
           "reviewers": {}}
    if args.lines:
        out["lines"] = {}
    return out


def open_from_args(args: argparse.Namespace, *, scan: bool, reviewer: str | None = None,
                   empty: dict | None = None):
    """Open the project for a command, or print why not and return None (caller exits 2): on
    stderr, and with --json as the error object, ``empty`` (the command's keys) included."""
    from curator.core.io import FileReadError
    from curator.core.project import open_project
    from curator.core.schema import SchemaFileError
    from curator.core.store import ProjectFileError

    try:
        return open_project(args.file, project_path=args.project, reviewer=reviewer, format=args.format,
                            schema=args.schema, mapping=parse_mapping(args.field), scan=scan,
                            on_damaged="fresh" if args.fresh_project else "raise")
    except ProjectFileError as exc:
        message = project_error_message(exc)
        print(message, file=sys.stderr)
        if args.json:
            known = dict(empty or {})
            if "project" in known:
                known["project"] = str(exc.path)
            print_json_error(args.file, message.removeprefix("curator: "), known)
    except (FileReadError, SchemaFileError, ValueError) as exc:
        fail(args, str(exc), empty)
    return None


def project_error_message(exc) -> str:
    """What to tell the user about a project file that cannot be used, with the remedy that helps:
    ``--project PATH`` for an unwritable location, ``--fresh-project`` only for a damaged or
    foreign file (a fresh project in an unwritable folder would fail the same way)."""
    from curator.core.store import ProjectNotWritableError

    head = f"curator: project file {exc.path}: {exc.reason}\n  the dataset itself is fine; "
    if isinstance(exc, ProjectNotWritableError):
        if exc.path.is_file():  # decisions already live there: carry them along, don't start over
            return (head + "the existing project (your decisions) cannot be updated there: copy it "
                    f"somewhere writable and pass --project PATH, e.g. cp {exc.path} ~/ and "
                    f"--project ~/{exc.path.name}")
        from curator.core.project import user_project_path

        dataset = getattr(exc, "dataset", None)
        mine = user_project_path(dataset.path) if dataset is not None else Path("~") / exc.path.name
        return (head + "pass --project PATH to keep the project (the review decisions) somewhere "
                f"writable, e.g. --project {mine}\n  (a project there is found without --project from then on, "
                "also by the window)")
    if not exc.fresh_helps:  # e.g. a newer Curator's project: the reason says what to do
        return head + "the project file was left untouched"
    return (head + "run again with --fresh-project to start a fresh project "
            f"(the old file is kept aside as {exc.path.name}.damaged-<time>)")


def run(args: argparse.Namespace) -> int:
    if not 0 < args.target < 1:
        return fail(args, "--target must be between 0 and 1 (e.g. 0.02)", empty_status(args))
    from curator.core.project import project_path_for

    wanted = Path(args.project) if args.project else project_path_for(args.file)
    if Path(args.file).is_file() and not wanted.exists():
        # nothing reviewed yet: report on a throw-away project, so asking for the status does not
        # create FILE.curator beside the dataset (which an export would then record), nor the
        # --project file
        given = args.project
        with tempfile.TemporaryDirectory(prefix="curator-status-") as tmp:
            args.project = str(Path(tmp) / "status.curator")
            try:
                return _report(args, none_yet=True)
            finally:
                args.project = given
    return _report(args, none_yet=False)


def _report(args: argparse.Namespace, *, none_yet: bool) -> int:
    empty = empty_status(args)
    if none_yet:
        empty["project"] = None      # the throw-away project is no place to point anyone at
    project = open_from_args(args, scan=True, empty=empty)
    if project is None:
        return 2
    if project.set_aside is not None:
        print(f"curator: the unusable project file was kept aside as {project.set_aside}", file=sys.stderr)
    with project:
        st = project.status(lines=args.lines, target=args.target)
        if none_yet:
            st["project"] = None      # none exists; the first decision (review, the app) creates it
        decide(0)
        if args.json:
            print_json(success_report(st, project.dataset))   # the error object's keys too
        else:
            print_human(project, st)
    return 0


def print_human(project, st: dict, out=None) -> None:
    out = out or sys.stdout
    d = st["decisions"]
    n = st["records"]
    # a skip is no decision: counted beside the reviewed ones, as the app's status bar does ("37 of
    # 11,983 reviewed · 1 skipped"; this line said "38 decided (…, 1 skipped)" — a trial)
    reviewed = d["approved"] + d["rejected"] + d["fixed"]
    out.write(f"{project.dataset.path}: {n:,} records, {reviewed:,} reviewed "
              f"({d['approved']:,} approved, {d['rejected']:,} rejected, {d['fixed']:,} fixed), "
              f"{d['skipped']:,} skipped, {d['undecided']:,} undecided\n")
    if st.get("reviewers"):
        who = "; ".join(f"{name or '(no name)'} {sum(c.values()):,} ("
                        + ", ".join(f"{v:,} {k}" for k, v in sorted(c.items())) + ")"
                        for name, c in st["reviewers"].items())
        out.write(f"  by reviewer: {who}\n")
    q = st["queue"]
    nxt = f", next {unit_of(project.dataset)} {q['next']}" if q["next"] is not None else ", nothing left"
    out.write(f"  queue {q['kind']}: {q['decided']:,} of {q['size']:,} reviewed{nxt}\n")
    est = project.estimate(st["estimate"]["target"]) if st["estimate"] else None
    if est is not None:
        out.write(f"  estimate: {est.sentence()}\n")
    elif n >= 1000:
        out.write("  estimate: no sample drawn "
                  "(curator review FILE --sample 0.1, or the app's sample queue)\n")
    f = st["findings"]
    open_items = [f"{v:,} {k.replace('_', ' ')}" for k, v in f.items() if v]
    out.write(f"  unresolved findings: {', '.join(open_items) if open_items else 'none'}\n")
    if st["unmatched"]:
        out.write(f"  {st['unmatched']:,} decisions could not be matched to the changed source file "
                  "(kept in the project)\n")
    if "lines" in st:
        for k, v in st["lines"].items():
            if v:
                out.write(f"  {k}: {','.join(map(str, v))}\n")
    out.write(f"  project: {st['project'] or 'none yet (the first review decision creates one)'}\n")
