"""One call that runs every detector on a loaded dataset: ``run_scan``.

The store, the export and the GUI call this; the CLI's ``curator scan`` prints
its result. Only valid records are compared with each other; lint runs on
every parsed record. All lines in the result are public ``Record.line`` numbers.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, fields

from curator.core.detect.boilerplate import find_boilerplate
from curator.core.detect.contradictions import distinct_prompts, find_contradictions, near_prompt_pairs
from curator.core.detect.exact import find_exact_duplicates
from curator.core.detect.lint import lint_records
from curator.core.detect.near import LARGE_CLUSTER, bound_cluster_pairs, cluster_pairs, near_duplicate_pairs
from curator.core.detect.normalize import normalize
from curator.core.findings import NearCluster, PairScore, ScanResult
from curator.core.helper import HelperProcess
from curator.core.io import gc_paused
from curator.core.progress import Stopwatch, Ticker, check_cancel
from curator.core.records import Dataset, Record


@dataclass
class ScanSettings:
    """Thresholds of a scan (rapidfuzz 0–100 scale) and the lint token budget."""

    near_threshold: float = 90.0       # whole-record similarity for near-duplicates
    prompt_threshold: float = 90.0     # prompt similarity for "the same question"
    # free-text answers below this similarity (content-word measure, see contradictions.py)
    # are in disagreement
    response_threshold: float = 35.0
    token_budget: int = 4096           # lint: estimated tokens per example above this → too_long
    boilerplate_share: float = 0.3     # text shared by at least this share of records is discounted
    near: bool = True
    contradictions: bool = True
    lint: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> ScanSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (d or {}).items() if k in known})


def record_key(rec: Record, norm: list[str] | None = None) -> tuple[str, ...]:
    """The exact-duplicate key: every turn's normalised text, then every turn's role (a flat
    tuple: 3x cheaper to build than one joined string, and as exact — its length is twice the
    number of turns)."""
    norm = norm if norm is not None else [normalize(t.content) for t in rec.turns]
    return (*norm, *[t.role for t in rec.turns])


def _answer(rec: Record, norm: list[str]) -> str:
    """The normalised response (the last assistant turn), from the precomputed turn texts."""
    for t, n in zip(reversed(rec.turns), reversed(norm)):
        if t.role == "assistant":
            return n
    return ""


def keeper_rank(rec: Record) -> tuple:
    """Bigger is a better keeper: valid, no warnings, longest answer, then earliest line."""
    return (rec.valid, not rec.warnings, len(rec.response.strip()), len(rec.prompt), -rec.line)


def run_scan(dataset: Dataset, *, settings: ScanSettings | dict | None = None,
             progress=None, cancel=None, workers: int = 1) -> ScanResult:
    """Find exact duplicates, near-duplicates, contradictions and lint findings.

    Parameters
    ----------
    dataset
        a loaded dataset; invalid records are not compared, only linted.
    settings
        a :class:`ScanSettings` or a dict of its fields (unknown keys ignored).
    progress, cancel
        progress sink and cancel token (see ``curator.core.progress``); raises
        ``Cancelled`` between or inside steps.
    workers
        1 (default) runs every step in this thread; 2 runs the two MinHash passes (near-duplicate
        records, near-identical questions) in a helper process while this thread finds
        contradictions (see ``curator.core.helper``), for callers that own the machine's cores
        (:func:`available_workers`). The result is the same.
    """
    # The scan makes a few hundred thousand short-lived lists and tuples and no garbage cycles;
    # with the cyclic collector on, its full passes walk every loaded record again and again
    # (measured at 100k records: the exact step 0.80 s with it, 0.50 s without).
    with gc_paused():
        return _scan(dataset, settings, progress, cancel, workers)


def lint_as_scanned(rec: Record, scan: ScanResult | None) -> list:
    """The style checks (``LintFinding``) ``scan`` would report for ``rec`` (a reviewer's fix): with
    the scan's token budget, and none when the scan ran no style checks (or there is no scan)."""
    from curator.core.detect.lint import lint_record

    settings = ScanSettings.from_dict(getattr(scan, "settings", None))
    if scan is None or not settings.lint or not (rec.parsed and rec.turns):
        return []
    return lint_record(rec, token_budget=settings.token_budget)


# below this many valid records a second process costs more than it saves: its start (~0.2 s of
# imports) and the texts it is sent outweigh passes that take a few tenths of a second here.
# Measured (generated data, lint off, best of 4, one process / with the helper): 2k 0.14 / 0.21 s,
# 5k 0.26 / 0.29 s, 10k 0.47 / 0.42 s, 20k 0.87 / 0.70 s, 50k 1.79 / 1.30 s
HELPER_MIN_RECORDS = 8_000


def available_workers() -> int:
    """What a process that owns the machine (the CLI, the GUI's scan process) passes as
    ``run_scan(workers=)``: 2 on a machine with two or more cores, else 1."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def _scan(dataset: Dataset, settings, progress, cancel, workers: int) -> ScanResult:
    if not isinstance(settings, ScanSettings):
        settings = ScanSettings.from_dict(settings)
    watch = Stopwatch()
    result = ScanResult(settings=settings.to_dict())
    records = [r for r in dataset.records if r.valid]
    lines = [r.line for r in records]
    near_pairs = None
    contradiction_notes: list[str] = []   # reported after the near-duplicate notes
    with ExitStack() as stack:
        helper = None
        if workers > 1 and settings.contradictions and len(records) >= HELPER_MIN_RECORDS:
            # the MinHash passes run in a second process, on the second core, while this one finds
            # contradictions: started first, so that its imports overlap the exact step. Measured by
            # tests/bench/bench_scan.py (ours vs ours-1thread); see curator.core.helper.
            helper = stack.enter_context(HelperProcess(progress, cancel))

        with watch.step("exact"):
            tick = Ticker(progress, cancel, len(records), "Normalising text", every=10000)
            norm = []
            for i, r in enumerate(records):
                norm.append([normalize(t.content) for t in r.turns])
                tick.tick(i)
            keys = [record_key(r, n) for r, n in zip(records, norm)]
            check_cancel(cancel)
            groups, reps = find_exact_duplicates(keys, lines, keeper_rank=lambda i: keeper_rank(records[i]),
                                                 progress=progress, cancel=cancel)
            result.exact_duplicates = groups
            del keys

        if settings.near or settings.contradictions:
            with watch.step("boilerplate"):
                bp = find_boilerplate(records, share=settings.boilerplate_share, progress=progress, cancel=cancel)
                result.discounted = list(bp.discounted)
                tick = Ticker(progress, cancel, len(records), "Separating what varies", every=10000)
                prompts, answers = [], []
                for i, (r, n) in enumerate(zip(records, norm)):
                    prompts.append(bp.varying_prompt(r, n))
                    answers.append(_answer(r, n))
                    tick.tick(i)
                check_cancel(cancel)

        texts: list[str] = []
        near_job = prompt_job = None
        if settings.near:
            texts = [f"{prompts[i]}\n{answers[i]}" for i in reps]
        if helper is not None:
            # the questions first: this process needs them before the near-duplicates
            prompt_job = helper.submit("Finding near-identical questions", near_prompt_pairs,
                                       distinct_prompts(prompts), threshold=settings.prompt_threshold,
                                       large_cluster=LARGE_CLUSTER)
            if settings.near:
                near_job = helper.submit("Finding near-duplicates", near_duplicate_pairs, texts,
                                         threshold=settings.near_threshold, large_cluster=LARGE_CLUSTER)
        elif settings.near:
            with watch.step("near"):
                near_pairs = near_duplicate_pairs(texts, threshold=settings.near_threshold,
                                                  large_cluster=LARGE_CLUSTER, progress=progress, cancel=cancel)

        if settings.contradictions:
            with watch.step("contradictions"):
                cstats: dict = {}
                result.contradictions = find_contradictions(
                    prompts, [r.response for r in records], lines,
                    prompt_threshold=settings.prompt_threshold, response_threshold=settings.response_threshold,
                    normalized_responses=answers, large_cluster=LARGE_CLUSTER, near_prompts=prompt_job,
                    progress=progress, cancel=cancel, stats=cstats)
                if cstats.get("skipped_connected"):
                    contradiction_notes.append(
                        f"Groups of more than {LARGE_CLUSTER} near-identical questions: "
                        f"{cstats['skipped_connected']:,} question pairs already linked through other "
                        "compared pairs were not compared, so contradictions inside those groups may be "
                        "incomplete.")
        if near_job is not None:
            near_pairs = near_job.result()
            watch.timings["near"] = round(near_job.seconds or 0.0, 4)

    if near_pairs is not None:
        t0 = time.perf_counter()
        for members, cpairs in cluster_pairs(len(texts), near_pairs):
            keep_m = max(members, key=lambda m: keeper_rank(records[reps[m]]))
            cpairs, truncated = bound_cluster_pairs(members, cpairs, keep_m, large_cluster=LARGE_CLUSTER)
            result.near_duplicates.append(NearCluster(
                tuple(sorted(records[reps[m]].line for m in members)), records[reps[keep_m]].line,
                tuple(PairScore(*sorted((records[reps[i]].line, records[reps[j]].line)), sc)
                      for i, j, sc in sorted(cpairs)), truncated))
        result.near_duplicates.sort(key=lambda c: c.lines[0])
        big = sum(1 for c in result.near_duplicates if c.pairs_truncated)
        if big:
            result.notes.append(
                f"{big} near-duplicate cluster(s) have more than {LARGE_CLUSTER} members: their pair "
                "lists show each member's best pair and its pairs with the keeper, not every pair "
                "(pairs_truncated); the clusters themselves are complete.")
        watch.timings["near"] = round(watch.timings["near"] + time.perf_counter() - t0, 4)
    result.notes += contradiction_notes
    if helper is not None and helper.failure:
        result.notes.append(f"The scan's second process could not be used ({helper.failure}); "
                            "the results are the same, only slower.")

    if settings.lint:
        with watch.step("lint"):
            result.lint = lint_records(dataset.records, total=len(dataset.records),
                                       token_budget=settings.token_budget, progress=progress, cancel=cancel)
    result.timings = watch.timings
    return result
