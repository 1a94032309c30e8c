"""``curator export FILE --out DIR``: write leak-free train/eval splits and a manifest.

What goes in: approved and fixed records (fixed ones in their fixed form), plus — with
``--include unrejected`` — records nobody reviewed. Without ``--include`` the review decides:
after a sample review, or when there is no project (nothing reviewed), unreviewed records go in;
after a partial review without a sample only approved and fixed ones do. Never rejected or
schema-invalid records; from each duplicate cluster only the suggested keeper, unless the
reviewer approved several members. Unresolved contradictions block the export (exit 1) unless
``--allow-contradictions``.

Decisions come from the project file beside the dataset (FILE.curator, or ``--project``); the
export never creates one. An eval fraction outside 5–50% is refused unless ``--force`` confirms
it; ``--force`` also replaces an existing export in DIR. DIR is created if its parent exists.
The export is swapped into DIR whole: killed at any point (Ctrl-C, SIGTERM, even SIGKILL), DIR
holds the old export or the new one, never a mix; the next export cleans up what a killed run left.

Exit 0 on success, 130 on Ctrl-C and 143 on SIGTERM (DIR left as it was), 1 when blocked by
findings (unresolved contradictions, a review sample whose defects show the unreviewed rest is
clearly not clean — 10+ sampled records decided and at least 10% of the rest defective at 95%
confidence; pass --include reviewed or unrejected —, leakage that cannot be grouped away, nothing to
export), 2 on
a usage or I/O error (bad option, unreadable dataset or project, destination missing, unwritable or
holding an export without ``--force``); then ``--json`` prints ``validate --json``'s error object
(``"file_error"`` says what is wrong) with the summary's keys, empty, or filled in when the plan was
made but could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import TerminalProgress, count, decide, fail, print_json


def register(sub) -> None:
    p = sub.add_parser("export", help="write leak-free train/eval splits with a verifiable manifest",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="dataset: .jsonl, .jsonl.gz or a .json array")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for train.jsonl, eval.jsonl, manifest.json")
    p.add_argument("--eval-fraction", type=float, default=0.1, metavar="F",
                   help="share of records for eval (default 0.1; 0.1-0.2 recommended)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="split seed (default 0)")
    p.add_argument("--stratify", metavar="FIELD",
                   help="keep each stratum's eval share: a metadata field (dotted path), 'format' or 'length'")
    p.add_argument("--format", dest="out_format", default="same", choices=["same", "openai", "alpaca", "sharegpt"],
                   help="output format (default: same as the source)")
    p.add_argument("--include", choices=["reviewed", "unrejected"],
                   help="reviewed: approved and fixed only; unrejected: also unreviewed records "
                        "(default: decided by the review, see above)")
    p.add_argument("--allow-contradictions", action="store_true",
                   help="export even with unresolved contradictions (each pair stays on one side)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing export in DIR; confirm an eval fraction outside 5-50%%")
    p.add_argument("--project", metavar="PATH", help="project file (default: FILE.curator beside the dataset)")
    p.add_argument("--json", action="store_true", help="print the plan summary as one JSON object")
    p.set_defaults(func=run, json_empty=lambda _args: dict(EMPTY_SUMMARY))


# the keys of the --json summary (ExportPlan.summary) with nothing in them, for the error object
EMPTY_SUMMARY = {"include": None, "include_reason": None, "counts": {}, "strata": {}, "target_eval": 0,
                 "leakage": None, "leak_merges": 0, "conversion": None, "blockers": [], "warnings": [],
                 "needs_confirmation": None}


def _err(args: argparse.Namespace, msg: str, progress: TerminalProgress | None = None,
         summary: dict | None = None) -> int:
    if progress is not None:
        progress.clear()          # the message on a clean line, not after a progress line
    return fail(args, msg, summary if summary is not None else EMPTY_SUMMARY)


def load_inputs(file: str, project_path: str | None, progress=None):
    """(dataset, scan, decisions, sample_lines, estimate, project path or None) for an export.

    With a project file: its decisions, sample and estimate. Without one: nothing is reviewed.
    """
    from curator.core.project import open_project, project_path_for

    ppath = Path(project_path) if project_path else project_path_for(file)
    if ppath.exists():
        with open_project(file, project_path=ppath, scan=True, progress=progress) as project:
            est = project.estimate()
            return (project.dataset, project.scan, project.decisions(), project.sample_lines(), est,
                    str(project.path))
    if project_path:
        raise FileNotFoundError(f"project file {ppath} does not exist")
    from curator.core.dataset import load_dataset
    from curator.core.scan import available_workers, run_scan

    ds = load_dataset(file, progress=progress)
    return ds, run_scan(ds, workers=available_workers(), progress=progress), {}, None, None, None


def run(args: argparse.Namespace) -> int:
    from curator.core.export import ExportError, check_destination, recover_destination
    from curator.core.split import fraction_needs_confirmation

    f = args.eval_fraction
    if not 0 < f < 1:
        return _err(args, f"--eval-fraction must be between 0 and 1 (e.g. 0.1), got {f:g}")
    if fraction_needs_confirmation(f) and not args.force:
        return _err(args, f"--eval-fraction {f:g} is outside the recommended 5-50%; pass --force to use it anyway")
    try:
        # a run killed earlier (SIGKILL, power loss) left a staged folder or a backup: put DIR
        # back as it was before that run, so the rules below see the real state
        for note in recover_destination(args.out):
            print(f"curator: {note}", file=sys.stderr)
    except OSError as exc:
        return _err(args, f"{args.out}: cannot clean up after an interrupted export: {exc}")
    try:
        check_destination(args.file, args.out, force=args.force)
    except ExportError as exc:
        return _err(args, str(exc))
    progress = TerminalProgress()   # the slow steps (load, scan, leakage check) on a terminal
    try:
        return _export(args, f, progress)
    finally:
        progress.clear()


def _export(args: argparse.Namespace, f: float, progress) -> int:
    from curator.core.export import ExportError, ExportOptions, plan_export, write_export
    from curator.core.io import FileReadError
    from curator.core.schema import SchemaFileError
    from curator.core.store import ProjectFileError

    from .common import success_report  # every --json object has the error object's keys

    try:
        ds, scan, decisions, sample, est, ppath = load_inputs(args.file, args.project, progress)
    except ProjectFileError as exc:
        if not exc.fresh_helps:  # an unwritable location: a fresh project would fail the same way
            return _err(args, f"project file {exc.path}: {exc.reason} (pass --project PATH to use a project "
                        "file elsewhere)", progress)
        return _err(args, f"project file {exc.path}: {exc.reason} (see `curator status --fresh-project`)", progress)
    except (FileReadError, FileNotFoundError, ValueError, SchemaFileError) as exc:
        return _err(args, str(exc), progress)
    opts = ExportOptions(eval_fraction=f, seed=args.seed, stratify=args.stratify, format=args.out_format,
                         include=args.include, allow_contradictions=args.allow_contradictions,
                         confirm_fraction=args.force)
    try:
        plan = plan_export(ds, scan, decisions, options=opts, sample_lines=sample, estimate=est,
                           project_path=ppath, progress=progress)
    except ValueError as exc:
        return _err(args, str(exc), progress)
    progress.clear()
    if plan.blockers:
        decide(1)
        if args.json:
            print_json(success_report(plan.summary(), plan.dataset))
        print("curator: export blocked:", file=sys.stderr)
        for b in plan.blockers:
            print(f"  - {b.message}", file=sys.stderr)
        for w in plan.warnings:      # often the why (a leakage re-split that merged the groups)
            print(f"  warning: {w}", file=sys.stderr)
        return 1
    try:
        write_export(plan, args.out, force=args.force, progress=progress)
    except ExportError as exc:
        return _err(args, str(exc), progress, plan.summary())
    progress.clear()
    decide(0)        # written: the summary comes after, so a closed pipe cannot stop the export
    if args.json:
        print_json(success_report(plan.summary(), plan.dataset))
    else:
        print_human(plan, args.out)
    return 0


# how the summary line words each reason a record was left out ("3,665 duplicates", "1 duplicate")
# (a reason not listed reads as it is: "2 rejected", "5 invalid")
_LEFT_OUT = {"duplicate": ("duplicate", "duplicates"), "not_reviewed": ("not reviewed", "not reviewed"),
             "fixed_invalid": ("invalid fix", "invalid fixes")}


def _left_out(reason: str, n: int) -> str:
    one, many = _LEFT_OUT.get(reason, (reason, reason))
    return f"{n:,} {one if n == 1 else many}"


def print_human(plan, out_dir: str, out=None) -> None:
    out = out or sys.stdout
    c = plan.counts()
    lk = plan.leakage
    out.write(f"wrote {c['train']:,} train + {c['eval']:,} eval records to {out_dir} "
              f"(format {plan.options.format}, eval fraction {plan.options.eval_fraction:g}, seed {plan.options.seed})\n")
    out.write(f"  include: {plan.include} — {plan.include_reason}\n")
    if c["excluded"]:
        out.write("  left out: " + ", ".join(_left_out(k, n) for k, n in c["excluded"].items()) + "\n")
    if lk:
        out.write(f"  leakage check: no train/eval pair at or above {lk.threshold:g}; highest cross-split "
                  f"similarity {lk.max_score:.2f} ("
                  + (f"{lk.compared:,} pairs, exhaustive" if lk.method == "exhaustive" else
                     f"{lk.compared:,} candidate pairs from MinHash blocking, not every pair")
                  + ")\n")
    if plan.split and plan.options.stratify:
        for label, s in plan.split.strata.items():
            out.write(f"  stratum {label}: {s.eval}/{s.records} eval (target {s.target_eval})\n")
    for item in plan.loss_report():
        fields = item.get("fields")
        extra = f": {', '.join(fields)}" if fields else ""
        out.write(f"  conversion drops: {item['text']}{extra} ({count(item['records'], 'record')})\n")
    for w in plan.warnings:
        out.write(f"  warning: {w}\n")
