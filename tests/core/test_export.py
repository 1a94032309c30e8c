"""Export: what goes in, the leak-free split, formats, files, atomic writes (curator.core.export)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from rapidfuzz import fuzz, process

from curator.cli import main as cli_main
from curator.core.dataset import build_record, load_dataset
from curator.core.decisions import APPROVED, FIXED, REJECTED, SKIPPED, Decision
from curator.core.detect.normalize import normalize
from curator.core.export import (ExportBlocked, ExportError, ExportExists, ExportOptions, plan_export,
                                 write_export)
from curator.core.findings import Contradiction, ExactGroup, NearCluster, PairScore, ScanResult
from curator.core.formats import detect_format, to_turns
from curator.core.progress import Cancelled, CancelFlag
from curator.core.scan import run_scan

CATS = ("billing", "shipping", "returns", "account")


def make_planted(path: Path, *, n: int = 400, near: int = 40, exact: int = 10, seed: int = 0) -> list[tuple[int, int]]:
    """Write an OpenAI-format JSONL of distinct random-word records plus planted near-duplicates
    (one word changed) and exact copies; return the planted (original line, copy line) pairs."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
                    for _ in range(3000)})

    def sent(k: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(k))

    rows = [{"messages": [{"role": "user", "content": sent(15)}, {"role": "assistant", "content": sent(25)}],
             "category": rng.choice(CATS)} for _ in range(n)]
    planted = []
    for j in range(near + exact):
        src_line = rng.randrange(n) + 1
        copy = json.loads(json.dumps(rows[src_line - 1]))
        if j < near:
            # one word of the question changed (a different question, so not a contradiction)
            # and a word appended to the answer: ~95 similar on the whole record
            words = copy["messages"][0]["content"].split()
            words[rng.randrange(len(words))] = rng.choice(vocab)
            copy["messages"][0]["content"] = " ".join(words)
            copy["messages"][1]["content"] += " thanks"
        rows.append(copy)
        planted.append((src_line, len(rows)))
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return planted


def row_text(obj: dict) -> str:
    fmt = detect_format(obj)
    return "\n".join(normalize(t.content) for t in to_turns(obj, fmt) if t.content)


def brute_cross_pairs(out: Path, threshold: float = 90.0) -> tuple[int, float]:
    """Independent all-pairs check of the written files: (#pairs ≥ threshold, max score)."""
    train = [row_text(orjson.loads(x)) for x in (out / "train.jsonl").read_bytes().splitlines()]
    evl = [row_text(orjson.loads(x)) for x in (out / "eval.jsonl").read_bytes().splitlines()]
    m = process.cdist(evl, train, scorer=fuzz.ratio, workers=-1)
    return int((m >= threshold).sum()), float(m.max())


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def split_of(out: Path) -> dict[int, str]:
    return {r["line"]: r["split"] for r in manifest(out)["records"]}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("planted")
    path = d / "support.jsonl"
    pairs = make_planted(path)
    ds = load_dataset(path)
    return path, ds, run_scan(ds), pairs


# --- leak-free split ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["reviewer_kept_both", "scan_missed_them"])
def test_planted_near_duplicates_never_cross_the_split(planted, tmp_path, case):
    """Both copies of each planted near-duplicate are exported — because the reviewer approved
    every record (the scan links them), or because the scan ran without near-duplicate detection
    (the leakage check must find and tie them itself) — and each pair lands on one side."""
    path, ds, scan, pairs = planted
    if case == "reviewer_kept_both":
        decisions = {r.line: Decision(r.line, APPROVED) for r in ds.records}
    else:
        scan = run_scan(ds, settings={"near": False, "contradictions": False})
        decisions = {}
    plan = plan_export(ds, scan, decisions, options=ExportOptions(eval_fraction=0.15, seed=3))
    assert plan.ok, plan.blockers
    if case == "scan_missed_them":
        assert plan.leak_merges >= 1
    write_export(plan, tmp_path / "out")
    sides = split_of(tmp_path / "out")
    near_pairs = [(a, b) for a, b in pairs[:40] if a in sides and b in sides]
    assert len(near_pairs) == 40
    assert all(sides[a] == sides[b] for a, b in near_pairs)
    n_pairs, top = brute_cross_pairs(tmp_path / "out")
    assert n_pairs == 0
    m = manifest(tmp_path / "out")
    assert m["leakage"]["passed"] and m["leakage"]["violations"] == 0
    assert m["leakage"]["max_score"] == pytest.approx(top, abs=0.01)
    assert top < 90


def test_scan_near_duplicates_keep_the_keeper_and_only_distinct_members(planted):
    """The planted near-duplicates change one word of the question: different questions, so both
    stay (in one split); the keeper always goes in."""
    path, ds, scan, pairs = planted
    assert len(scan.near_duplicates) >= 35   # the detector found the planted copies
    plan = plan_export(ds, scan, {})
    exported = {e.line for e in plan.entries}
    side = {e.line: e.split for e in plan.entries}
    for c in scan.near_duplicates:
        assert c.keeper in exported
        kept = [ln for ln in c.lines if ln in exported]
        words = {ln: set(ds.by_line(ln).prompt.lower().split()) for ln in kept}
        assert all(words[ln] != words[c.keeper] for ln in kept if ln != c.keeper)
        assert len({side[ln] for ln in kept}) == 1
    assert any("essential word" in w for w in plan.warnings)


def test_near_duplicates_that_are_copies_go_but_different_questions_and_contradictions_stay(tmp_path):
    """A new user's report: export dropped "type 2 diabetes" as a near-duplicate of "type 1", and
    with --allow-contradictions kept one side of a contradiction by answer length."""
    rows = [
        _chat("What is the ICD-10 code for type 1 diabetes without complications?", "The code is E10.9."),
        _chat("What is the ICD-10 code for type 2 diabetes without complications?", "The code is E11.9."),
        _chat("How long is the course of nitrofurantoin for an uncomplicated UTI?",
              "A typical course of nitrofurantoin for an uncomplicated UTI is 5 days."),
        _chat("How long is the course of nitrofurantoin for an uncomplicated UTI?",
              "A typical course of nitrofurantoin for an uncomplicated UTI is 14 days."),
        _chat("How do I reset my password on the website?", "Use the Forgot password link on the sign-in page."),
        _chat("how do i reset my pasword on the website", "Use the Forgot password link on the sign-in page!"),
    ]
    path = tmp_path / "clinic.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    scan = ScanResult(near_duplicates=[NearCluster((1, 2), 1, (PairScore(1, 2, 97.7),)),
                                       NearCluster((3, 4), 3, (PairScore(3, 4, 96.0),)),
                                       NearCluster((5, 6), 5, (PairScore(5, 6, 95.0),))],
                      contradictions=[Contradiction(3, 4, 100.0, 80.0)], settings={"near_threshold": 90.0})
    plan = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True, eval_fraction=0.34))
    side = {e.line: e.split for e in plan.entries}
    assert set(side) == {1, 2, 3, 4, 5} and plan.excluded[6] == "duplicate"
    assert side[1] == side[2] and side[3] == side[4]
    assert any("lines 1 and 2" in w for w in plan.warnings)
    # approving one of them, or rejecting the keeper, must not drop the other question (review)
    for decisions in ({1: _d(1, APPROVED)}, {2: _d(2, APPROVED)}, {1: _d(1, REJECTED)}):
        again = plan_export(ds, scan, decisions, options=ExportOptions(allow_contradictions=True, eval_fraction=0.34,
                                                                       include="unrejected"))
        lines = {e.line for e in again.entries}
        assert lines == ({1, 2, 3, 4, 5} - {ln for ln, d in decisions.items() if d.status == REJECTED}), decisions
        assert again.excluded[6] == "duplicate"


def test_eval_fraction_within_one_record_overall_and_per_stratum(planted, tmp_path):
    path, ds, scan, _ = planted
    for f, strat in ((0.1, None), (0.2, "category"), (0.12, "length"), (0.3, "category")):
        plan = plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=f, seed=9, stratify=strat))
        assert plan.ok, plan.blockers
        n = len(plan.entries)
        assert abs(len(plan.lines("eval")) - f * n) <= 1, (f, strat)
        if strat:
            for label, s in plan.split.strata.items():
                assert abs(s.eval - f * s.records) <= 1, (f, strat, label, s)
    # per stratum measured from the written files and the source's own categories
    plan = plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=0.2, seed=9, stratify="category"))
    write_export(plan, tmp_path / "strat")
    sides = split_of(tmp_path / "strat")
    for cat in CATS:
        members = [ln for ln in sides if ds.by_line(ln).data["category"] == cat]
        ev = sum(1 for ln in members if sides[ln] == "eval")
        assert abs(ev - 0.2 * len(members)) <= 1.5, cat  # a group spanning categories may tip one record


def test_exact_copies_keep_only_the_keeper(planted):
    path, ds, scan, pairs = planted
    exact_pairs = pairs[-10:]
    plan = plan_export(ds, scan, {}, options=ExportOptions())
    exported = {e.line for e in plan.entries}
    keepers = {g.keeper for g in scan.exact_duplicates}
    for g in scan.exact_duplicates:
        assert [ln for ln in g.lines if ln in exported] == [g.keeper]
    assert all((a in keepers) != (b in keepers) or a == b for a, b in exact_pairs)
    assert plan.counts()["excluded"]["duplicate"] >= 10


# --- what goes in ------------------------------------------------------------------------------


def _chat(q: str, a: str, **extra) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], **extra}


@pytest.fixture
def small(tmp_path):
    """40 distinct records + one invalid line; a hand-made scan with a cluster and a contradiction."""
    rng = random.Random(1)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(800)]
    rows = [_chat(" ".join(rng.sample(words, 12)), " ".join(rng.sample(words, 20)), category=CATS[i % 4])
            for i in range(40)]
    # lines 4 and 5: copies of line 3 (the question with a capital and a typo, the answer with a word more)
    q, a = rows[2]["messages"][0]["content"], rows[2]["messages"][1]["content"]
    w = q.split()
    rows[3] = _chat(q.capitalize() + "?", a + " thanks", category=rows[3]["category"])
    rows[4] = _chat(" ".join([w[0][1] + w[0][0] + w[0][2:], *w[1:]]), a, category=rows[4]["category"])
    lines = [json.dumps(r) for r in rows] + ['{"messages": "not a list"}']
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = load_dataset(path)
    scan = ScanResult(
        near_duplicates=[NearCluster((3, 4, 5), 4, (PairScore(3, 4, 93.0), PairScore(4, 5, 91.0)))],
        exact_duplicates=[ExactGroup((6, 7), 6)],
        contradictions=[Contradiction(10, 11, 97.0, 12.0)],
        settings={"near_threshold": 90.0},
    )
    return path, ds, scan


def _d(line: int, status: str, fixed: dict | None = None) -> Decision:
    return Decision(line, status, "ana", "2026-11-30T10:00:00Z", fixed=fixed)


def test_inclusion_rules(small, tmp_path):
    path, ds, scan = small
    fixed_obj = _chat("What is the refund window?", "Refunds are accepted within 30 days of delivery.")
    decisions = {1: _d(1, REJECTED), 2: _d(2, FIXED, fixed_obj), 8: _d(8, APPROVED), 9: _d(9, SKIPPED),
                 10: _d(10, APPROVED), 11: _d(11, REJECTED)}
    plan = plan_export(ds, scan, decisions, options=ExportOptions(include="unrejected"))
    assert plan.ok, plan.blockers
    got = {e.line: e for e in plan.entries}
    assert 1 not in got and plan.excluded[1] == "rejected"
    assert 41 not in got and plan.excluded[41] == "invalid"
    assert 4 in got and 3 not in got and 5 not in got          # near cluster: keeper only
    assert 6 in got and 7 not in got                           # exact group: keeper only
    assert 10 in got and 11 not in got                         # contradiction resolved by rejecting 11
    assert orjson.loads(got[2].output) == fixed_obj and got[2].decision == FIXED
    assert got[8].decision == APPROVED and got[12].decision == "unreviewed"
    # skipped ("decide later"): looked at and not vouched for, so it stays out (a clinician's report)
    assert 9 not in got and plan.excluded[9] == "skipped"
    write_export(plan, tmp_path / "out")
    rows = [orjson.loads(x) for f in ("train.jsonl", "eval.jsonl") for x in (tmp_path / "out" / f).read_bytes().splitlines()]
    assert fixed_obj in rows
    assert json.loads(ds.by_line(1).raw) not in rows
    by_dec = manifest(tmp_path / "out")["counts"]["by_decision"]
    assert by_dec == {"approved": 2, "fixed": 1, "unreviewed": len(plan.entries) - 3}
    assert manifest(tmp_path / "out")["counts"]["excluded"]["skipped"] == 1
    # with only reviewed records, a skipped one is still counted as skipped, not "not reviewed" (a
    # trial: counts.excluded.skipped, which scripts read, was missing then)
    reviewed = plan_export(ds, scan, decisions, options=ExportOptions(include="reviewed"))
    assert reviewed.excluded[9] == "skipped" and reviewed.excluded[12] == "not_reviewed"


def test_reviewer_approved_several_cluster_members(small):
    path, ds, scan = small
    decisions = {3: _d(3, APPROVED), 5: _d(5, APPROVED), 10: _d(10, APPROVED), 11: _d(11, REJECTED)}
    plan = plan_export(ds, scan, decisions, options=ExportOptions(include="unrejected"))
    got = {e.line: e for e in plan.entries}
    assert 3 in got and 5 in got and 4 not in got             # approved members replace the keeper
    assert got[3].split == got[5].split


def test_reviewed_only_and_the_automatic_include_mode(small):
    path, ds, scan = small
    decisions = {n: _d(n, APPROVED) for n in range(12, 30)} | {10: _d(10, APPROVED), 11: _d(11, REJECTED)}
    reviewed = plan_export(ds, scan, decisions, options=ExportOptions(include="reviewed"))
    assert {e.line for e in reviewed.entries} == set(range(12, 30)) | {10}
    # partial review, no sample → reviewed only; with a sample → unreviewed go in too
    auto = plan_export(ds, scan, decisions)
    assert auto.include == "reviewed" and {e.line for e in auto.entries} == {e.line for e in reviewed.entries}
    sampled = plan_export(ds, scan, decisions, sample_lines=list(range(10, 30)),
                          estimate={"upper_bound": 0.04})
    assert sampled.include == "unrejected" and 35 in {e.line for e in sampled.entries}
    assert sampled.estimate == {"upper_bound": 0.04}
    # nothing reviewed at all → unrejected, but the contradiction must be decided first
    none = plan_export(ds, scan, {})
    assert none.include == "unrejected"


def test_unresolved_contradictions_block_with_a_list_unless_allowed(small, tmp_path):
    path, ds, scan = small
    plan = plan_export(ds, scan, {})
    assert not plan.ok
    b = plan.blockers[0]
    assert b.code == "unresolved_contradictions" and b.lines == (10, 11)
    assert "lines 10 and 11" in b.message and "--allow-contradictions" in b.message
    with pytest.raises(ExportBlocked):
        write_export(plan, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    allowed = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True))
    assert allowed.ok
    got = {e.line: e for e in allowed.entries}
    assert got[10].split == got[11].split and got[10].group == 10
    write_export(allowed, tmp_path / "out")
    assert manifest(tmp_path / "out")["contradictions_allowed"] == [{"a": 10, "b": 11}]
    # approving both sides is a decision: no longer blocking
    both = plan_export(ds, scan, {10: _d(10, APPROVED), 11: _d(11, APPROVED)},
                       options=ExportOptions(include="unrejected"))
    assert both.ok
    # with only those two decided (a finding resolved), the rest still goes in
    tiny = plan_export(ds, scan, {10: _d(10, APPROVED), 11: _d(11, APPROVED)})
    assert tiny.include == "unrejected" and tiny.ok and len(tiny.entries) > 2


def test_fraction_outside_recommended_range_needs_confirmation(small):
    path, ds, scan = small
    opts = ExportOptions(eval_fraction=0.6, allow_contradictions=True)
    assert [b.code for b in plan_export(ds, scan, {}, options=opts).blockers] == ["fraction"]
    ok = plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=0.6, allow_contradictions=True,
                                                        confirm_fraction=True))
    assert ok.ok and ok.needs_confirmation


# --- formats -----------------------------------------------------------------------------------


def test_conversions_state_what_they_drop(tmp_path):
    rows = [{"messages": [{"role": "system", "content": "Be brief."},
                          {"role": "user", "content": f"question {i} " + "abc " * i},
                          {"role": "assistant", "content": f"answer {i} " + "xyz " * i, "weight": 1}],
             "category": "a"} for i in range(30)]
    path = tmp_path / "w.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    scan = ScanResult(settings={"near_threshold": 90.0})
    same = plan_export(ds, scan, {}, options=ExportOptions(format="same", eval_fraction=0.2))
    assert same.loss_report() == []
    assert all(e.output == ds.by_line(e.line).raw for e in same.entries)   # untouched bytes
    oa = plan_export(ds, scan, {}, options=ExportOptions(format="openai", eval_fraction=0.2))
    codes = {x["code"]: x for x in oa.loss_report()}
    assert set(codes) == {"metadata_dropped"} and codes["metadata_dropped"]["fields"] == {"category": 30}
    assert orjson.loads(oa.entries[0].output)["messages"][2]["weight"] == 1
    sg = plan_export(ds, scan, {}, options=ExportOptions(format="sharegpt", eval_fraction=0.2))
    assert {"weights_dropped", "metadata_dropped"} <= {x["code"] for x in sg.loss_report()}
    row = orjson.loads(sg.entries[0].output)
    assert row["system"] == "Be brief." and [t["from"] for t in row["conversations"]] == ["human", "gpt"]
    al = plan_export(ds, scan, {}, options=ExportOptions(format="alpaca", eval_fraction=0.2))
    row = orjson.loads(al.entries[3].output)
    assert set(row) == {"instruction", "input", "output", "system"} and row["input"] == ""
    write_export(al, tmp_path / "al")
    readme = (tmp_path / "al" / "README.md").read_text(encoding="utf-8")
    assert "type: alpaca" in readme and '"test": "eval.jsonl"' in readme and "dataset_info.json" in readme
    assert "weights" in readme  # the README states the drop too


# --- files -------------------------------------------------------------------------------------


def test_same_inputs_and_seed_give_byte_identical_files(planted, tmp_path):
    path, ds, scan, _ = planted
    outs = []
    for k in range(2):
        ds_k = load_dataset(path)
        plan = plan_export(ds_k, run_scan(ds_k), {}, options=ExportOptions(seed=5, stratify="category",
                                                                           format="sharegpt"))
        write_export(plan, tmp_path / f"o{k}")
        outs.append({f.name: f.read_bytes() for f in (tmp_path / f"o{k}").iterdir()})
    assert outs[0] == outs[1]
    assert set(outs[0]) == {"train.jsonl", "eval.jsonl", "manifest.json", "README.md"}
    other = plan_export(ds, scan, {}, options=ExportOptions(seed=6, stratify="category", format="sharegpt"))
    write_export(other, tmp_path / "o2")
    assert (tmp_path / "o2" / "eval.jsonl").read_bytes() != outs[0]["eval.jsonl"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_exported_files_get_the_usual_permissions(small, tmp_path, umask):
    """Not mkstemp's 0600: a training job under another account must be able to read the export
    (a new user's report), and a private umask keeps them private."""
    _path, ds, scan = small
    old = os.umask(umask)
    try:
        write_export(plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True)), tmp_path / "o")
    finally:
        os.umask(old)
    modes = {f.name: f.stat().st_mode & 0o777 for f in (tmp_path / "o").iterdir()}
    assert modes == dict.fromkeys(("train.jsonl", "eval.jsonl", "manifest.json", "README.md"), 0o666 & ~umask)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_file_mode_is_found_without_setting_the_umask_where_proc_is_missing(tmp_path):
    """macOS has no /proc/self/status: the mode comes from a probe file (setting the umask to
    read it would race with the window's threads)."""
    from curator.core.export import _probe_file_mode

    old = os.umask(0o027)
    try:
        assert _probe_file_mode(tmp_path) == 0o640 and os.umask(0o027) == 0o027
    finally:
        os.umask(old)
    assert list(tmp_path.iterdir()) == []


def test_manifest_contents(planted, tmp_path):
    path, ds, scan, _ = planted
    plan = plan_export(ds, scan, {}, options=ExportOptions(seed=1))
    m = write_export(plan, tmp_path / "out")
    assert m == manifest(tmp_path / "out")
    assert m["source"]["sha256"] == ds.sha256 and m["source"]["path"] == str(path.resolve())
    assert m["options"]["seed"] == 1 and m["options"]["eval_fraction"] == 0.1
    assert m["thresholds"]["near_duplicate"] == 90.0 and m["curator_version"]
    import hashlib
    for name in ("train.jsonl", "eval.jsonl", "README.md"):
        assert m["files"][name]["sha256"] == hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest()
    assert m["counts"]["train"] + m["counts"]["eval"] == len(m["records"]) == m["counts"]["exported"]
    assert {r["split"] for r in m["records"]} == {"train", "eval"}
    assert all({"line", "split", "decision", "sha256"} <= set(r) for r in m["records"])


def test_existing_export_is_not_overwritten_without_force(small, tmp_path):
    path, ds, scan = small
    plan = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True))
    write_export(plan, tmp_path / "out")
    before = (tmp_path / "out" / "manifest.json").read_bytes()
    plan2 = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True, seed=4))
    with pytest.raises(ExportExists, match="--force"):
        write_export(plan2, tmp_path / "out")
    assert (tmp_path / "out" / "manifest.json").read_bytes() == before
    write_export(plan2, tmp_path / "out", force=True)
    assert (tmp_path / "out" / "manifest.json").read_bytes() != before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["README.md", "eval.jsonl", "manifest.json",
                                                                   "train.jsonl"]


def test_never_written_over_the_source(tmp_path):
    rows = [_chat(f"q {i} " + "a" * i, f"r {i} " + "b" * i) for i in range(20)]
    src = tmp_path / "train.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(src)
    plan = plan_export(ds, ScanResult(), {})
    before = src.read_bytes()
    with pytest.raises(ExportError, match="source dataset"):
        write_export(plan, tmp_path, force=True)
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_missing_destination_parent_is_a_clear_error_and_creates_nothing(small, tmp_path):
    path, ds, scan = small
    plan = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True))
    with pytest.raises(ExportError, match="parent folder .* does not exist"):
        write_export(plan, tmp_path / "no" / "such" / "dir")
    assert not (tmp_path / "no").exists()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportError, match="not a folder"):
        write_export(plan, tmp_path / "afile")


def _unprivileged_prefix() -> list[str] | None:
    """How to run a command as a user that folder permissions bind: [] when we are not root,
    ``setpriv`` to nobody when we are (root ignores permissions), None when neither works."""
    import os
    import shutil as sh

    if sys.platform == "win32":
        return None
    if os.geteuid() != 0:
        return []
    tool = sh.which("setpriv")
    return [tool, "--reuid=65534", "--regid=65534", "--clear-groups"] if tool else None


def test_unwritable_destination_is_a_clear_error_and_leaves_nothing(small):
    import os
    import tempfile

    prefix = _unprivileged_prefix()
    if prefix:
        # setpriv to nobody only helps if nobody can import this checkout (a clone inside a
        # mode-700 temp folder cannot be read by nobody); otherwise use a folder root cannot write.
        probe = subprocess.run(prefix + [sys.executable, "-c", "import curator"], capture_output=True)
        if probe.returncode != 0:
            _unwritable_as_root(small)
            return
    if prefix is None:
        pytest.skip("no way to run as a user bound by folder permissions")
    path, _, _ = small
    base = Path(tempfile.mkdtemp(prefix="curator-ro-"))
    try:
        base.chmod(0o755)
        src = base / "src.jsonl"
        src.write_bytes(path.read_bytes())
        src.chmod(0o644)
        ro = base / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        for out in (ro, ro / "new"):
            proc = subprocess.run(prefix + [sys.executable, "-m", "curator", "export", str(src), "--out", str(out),
                                            "--allow-contradictions"],
                                  capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(base)})
            assert proc.returncode == 2, (proc.stdout, proc.stderr)
            assert "not writable" in proc.stderr
            assert list(ro.iterdir()) == []
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


def _unwritable_as_root(small) -> None:
    """sysfs refuses new entries even to root: the same clear error and nothing left behind."""
    sysfs = Path("/sys")
    if not sysfs.is_dir() or os.access(sysfs, os.W_OK) and _can_create(sysfs):
        pytest.skip("no folder here that root cannot write")
    path, _, _ = small
    for out in (sysfs, sysfs / "curator-export-test"):
        proc = subprocess.run([sys.executable, "-m", "curator", "export", str(path), "--out", str(out),
                               "--allow-contradictions"], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert str(out) in proc.stderr and ("not writable" in proc.stderr or "cannot write" in proc.stderr)
        assert not (sysfs / "curator-export-test").exists()
        assert not [p for p in sysfs.iterdir() if p.name.startswith((".curator", "train", "eval", "manifest"))]


def _can_create(folder: Path) -> bool:
    try:
        (folder / ".curator-probe").mkdir()
    except OSError:
        return False
    (folder / ".curator-probe").rmdir()
    return True


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_write_failure_midway_leaves_no_partial_files(planted, tmp_path):
    """A disk that refuses the write halfway (file-size limit → EFBIG, works even as root):
    a clear error, no temp files, no half export, the folder the export created removed."""
    path, _, _, _ = planted
    code = f"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
from curator.core.dataset import load_dataset
from curator.core.scan import run_scan
from curator.core.export import plan_export, write_export, ExportError
ds = load_dataset({str(path)!r})
plan = plan_export(ds, run_scan(ds), {{}})
try:
    write_export(plan, {str(tmp_path / 'new')!r})
except ExportError as exc:
    print("ERR", exc)
    sys.exit(3)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "cannot write the export" in proc.stdout and "too large" in proc.stdout.lower()
    assert not (tmp_path / "new").exists()
    # into an existing folder with an older export: the old files stay whole, no temp files
    plan_dir = tmp_path / "old"
    proc = subprocess.run([sys.executable, "-m", "curator", "export", str(path), "--out", str(plan_dir)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    before = {p.name: p.read_bytes() for p in plan_dir.iterdir()}
    code2 = code.replace(repr(str(tmp_path / "new")), repr(str(plan_dir)) + ", force=True")
    proc = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert {p.name: p.read_bytes() for p in plan_dir.iterdir()} == before


def test_cancel_during_write_removes_temp_files(small, tmp_path):
    path, ds, scan = small
    plan = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True))
    flag = CancelFlag()

    class CancelAfterFirst:
        def update(self, *, done, total=None, label=""):
            if done >= 1:
                flag.set()

    with pytest.raises(Cancelled):
        write_export(plan, tmp_path / "out", progress=CancelAfterFirst(), cancel=flag)
    assert not (tmp_path / "out").exists()


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_exit_codes(small, tmp_path, capsys):
    path, ds, scan = small
    out = tmp_path / "cli"
    # no project file: nothing reviewed; the generated file has no contradictions → exports
    assert cli_main(["export", str(path), "--out", str(out), "--seed", "2", "--stratify", "category"]) == 0
    said = capsys.readouterr().out
    assert "wrote" in said
    # two decimals: a highest similarity of 89.96 must not print as "90.0 (threshold 90)"
    assert re.search(r"highest cross-split similarity \d+\.\d\d \(", said), said
    assert re.search(r"highest train/eval similarity \d+\.\d\d \(threshold 90\)", (out / "README.md").read_text("utf-8"))
    assert cli_main(["export", str(path), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli_main(["export", str(path), "--out", str(tmp_path / "x"), "--eval-fraction", "0.7"]) == 2
    assert "5-50%" in capsys.readouterr().err
    assert cli_main(["export", str(path), "--out", str(tmp_path / "x"), "--eval-fraction", "0.7", "--force"]) == 0
    assert cli_main(["export", str(path), "--out", str(tmp_path / "y"), "--eval-fraction", "1.5"]) == 2
    assert cli_main(["export", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "z")]) == 2
    assert cli_main(["export", str(path), "--out", str(tmp_path / "a" / "b")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "z").exists() and not (tmp_path / "a").exists()
    # blocked by findings → 1: no project means nothing is approved, so "reviewed only" has nothing
    assert cli_main(["export", str(path), "--out", str(tmp_path / "r"), "--include", "reviewed"]) == 1
    err = capsys.readouterr().err
    assert "no record qualifies" in err
    # the warnings often say why (a new user's report: they were only in --json)
    assert "warning: no decisions exist, so 'reviewed only' exports nothing" in err
    assert not (tmp_path / "r").exists()


def test_cli_uses_the_project_and_blocks_on_contradictions(tmp_path, capsys):
    import curator

    rows = [_chat(f"How long does a refund take for order {i}? " + "please " * (i % 3),
                  f"Refunds take {i} days " + "indeed " * i) for i in range(30)]
    rows.append(_chat("How long does a refund take for order 5? ", "We never give refunds, sorry."))
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fixed = _chat("How long does a refund take?", "Refunds reach your card within 5-7 business days.")
    with curator.open_project(path, reviewer="ana") as project:
        project.reject(1)
        project.fix(2, fixed)
        project.approve(list(range(3, 31)))
        decided = project.decisions()
    assert decided[1].status == REJECTED
    out = tmp_path / "out"
    assert cli_main(["export", str(path), "--out", str(out), "--include", "reviewed", "--format", "openai"]) == 0
    m = manifest(out)
    lines = {r["line"] for r in m["records"]}
    assert 1 not in lines and 2 in lines and 31 not in lines   # reviewed only: unreviewed 31 left out
    assert m["project"] and m["project"].endswith("p.jsonl.curator")
    rows_out = [orjson.loads(x) for f in ("train.jsonl", "eval.jsonl") for x in (out / f).read_bytes().splitlines()]
    assert fixed in rows_out
    # a contradiction in the scan blocks (exit 1) with the list; --allow-contradictions exports
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows[:20]) + json.dumps(
        _chat(rows[4]["messages"][0]["content"], "No refunds, ever.")) + "\n", encoding="utf-8")
    ds = load_dataset(src)
    scan = run_scan(ds)
    if not scan.contradictions:   # the contradiction detector is not in this build: state the pair by hand
        scan.contradictions.append(Contradiction(5, 21, 100.0, 10.0))
    plan = plan_export(ds, scan, {})
    assert [b.code for b in plan.blockers] == ["unresolved_contradictions"] and 21 in plan.blockers[0].lines


def test_fixed_record_output_does_not_depend_on_key_order(small):
    path, ds, scan = small
    a = {"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}], "category": "x"}
    b = {"category": "x", "messages": [{"content": "Q?", "role": "user"}, {"content": "A.", "role": "assistant"}]}
    opts = ExportOptions(include="unrejected", allow_contradictions=True)
    pa = plan_export(ds, scan, {2: _d(2, FIXED, a)}, options=opts)
    pb = plan_export(ds, scan, {2: _d(2, FIXED, b)}, options=opts)
    assert [e.output for e in pa.entries] == [e.output for e in pb.entries]


def test_integers_beyond_64_bits_survive_export(tmp_path):
    big = 123456789012345678901234567890
    rows = [f'{{"messages": [{{"role": "user", "content": "q{i} {"a" * i}"}}, '
            f'{{"role": "assistant", "content": "r{i} {"b" * i}"}}], "id": {big + i}}}' for i in range(20)]
    src = tmp_path / "big.jsonl"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ds = load_dataset(src)
    fixed = json.loads(rows[0])
    fixed["messages"][1]["content"] = "corrected"
    plan = plan_export(ds, ScanResult(), {1: _d(1, FIXED, fixed)}, options=ExportOptions(include="unrejected"))
    write_export(plan, tmp_path / "out")
    text = (tmp_path / "out" / "train.jsonl").read_text() + (tmp_path / "out" / "eval.jsonl").read_text()
    assert str(big) in text and str(big + 19) in text and "corrected" in text


def test_a_conversion_the_target_format_rejects_is_left_out_with_the_reason(tmp_path):
    """A new user's report: --format alpaca turned a chat with only a system prompt and an answer
    into {"instruction": "", "input": "", ...}, which `curator validate` then rejects."""
    rows = [_chat(f"Question {i} about topic {i * 7}?", f"Answer {i} is {i * 13}.") for i in range(8)]
    rows.append({"messages": [{"role": "system", "content": "Be kind."}, {"role": "assistant", "content": "You're great!"}]})
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    plan = plan_export(ds, run_scan(ds), {}, options=ExportOptions(format="alpaca", eval_fraction=0.25))
    assert plan.excluded == {9: "unconvertible"} and 9 not in {e.line for e in plan.entries}
    assert any("line 9" in w and "instruction and input are both empty" in w for w in plan.warnings)
    write_export(plan, tmp_path / "out")
    for name in ("train.jsonl", "eval.jsonl"):
        written = load_dataset(tmp_path / "out" / name)
        assert written.format == "alpaca" and all(r.valid for r in written.records)
    same = plan_export(ds, run_scan(ds), {}, options=ExportOptions(eval_fraction=0.25))
    assert 9 in {e.line for e in same.entries}              # valid as it is: only the conversion fails


def test_stratifying_by_a_field_no_record_has_blocks_and_names_the_fields(planted):
    """A new user's report: --stratify meta.nope exported with one "(missing)" stratum, silently."""
    path, ds, scan, _ = planted
    plan = plan_export(ds, scan, {}, options=ExportOptions(stratify="meta.nope"))
    assert [b.code for b in plan.blockers] == ["strata"]
    assert "'meta.nope'" in plan.blockers[0].message and "category" in plan.blockers[0].message
    assert not plan_export(ds, scan, {}, options=ExportOptions(stratify="category")).blockers


def test_resolving_findings_keeps_the_rest_and_a_full_review_says_what_it_leaves_out(small):
    """A new user's report: after resolving the contradictions, the automatic mode became
    "reviewed only" and the export shrank from 600 records to 18, exit 0 (then only a warning).
    Resolving findings is triage: the unflagged rest still goes in. Deciding a record without a
    finding starts a full review: then only what was approved goes in, and the export says how
    much that leaves out."""
    path, ds, scan = small
    flagged = set(scan.flags_by_line())
    assert {10, 11} <= flagged
    triage = {10: _d(10, APPROVED), 11: _d(11, REJECTED)}
    plan = plan_export(ds, scan, triage)
    assert plan.include == "unrejected" and "only records with findings" in plan.include_reason
    got = {e.line for e in plan.entries}
    assert 10 in got and 11 not in got and len(got) > 20
    assert not any("nobody approved" in w for w in plan.warnings)
    clean = next(r.line for r in ds.records if r.valid and r.line not in flagged)
    full = triage | {clean: _d(clean, APPROVED)}
    plan = plan_export(ds, scan, full)
    assert plan.include == "reviewed" and {e.line for e in plan.entries} == {10, clean}
    left = sum(1 for why in plan.excluded.values() if why == "not_reviewed")
    assert any(f"{left:,} valid record(s) nobody approved are left out" in w and "--include unrejected" in w
               for w in plan.warnings)
    chosen = plan_export(ds, scan, full, options=ExportOptions(include="reviewed"))
    assert not any("nobody approved" in w for w in chosen.warnings)   # asked for: no nagging


def test_a_contradiction_with_an_unconvertible_side_does_not_block(tmp_path):
    """Review finding: the contradiction blocker was computed before unconvertible records were
    left out, so a pair with only one side in the export still blocked it."""
    rows = [_chat(f"Question {i} about topic {i * 7}?", f"Answer {i} is {i * 13}.") for i in range(8)]
    rows.append({"messages": [{"role": "system", "content": "Be kind."}, {"role": "assistant", "content": "Yes."}]})
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    scan = ScanResult(contradictions=[Contradiction(1, 9, 100.0, 10.0)], settings={"near_threshold": 90.0})
    plan = plan_export(ds, scan, {}, options=ExportOptions(format="alpaca", eval_fraction=0.25))
    assert plan.excluded[9] == "unconvertible" and plan.ok, plan.blockers
    assert plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=0.25)).blockers   # both in: blocked


def test_a_cluster_whose_keeper_cannot_be_converted_keeps_a_member_that_can(tmp_path):
    """Known gap from the last review: the keeper was chosen before conversion, so a cluster whose
    suggested keeper had no Alpaca form (no user turn) exported nothing at all."""
    rows = [_chat(f"Question {i} about topic {i * 7}?", f"Answer {i} is {i * 13}.") for i in range(8)]
    answer = "Drink water, rest, and see a doctor if the fever lasts more than three days."
    rows.append({"messages": [{"role": "system", "content": "Fever advice."}, {"role": "assistant", "content": answer}]})
    rows.append({"messages": [{"role": "user", "content": "Fever advice?"}, {"role": "assistant", "content": answer}]})
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    scan = ScanResult(near_duplicates=[NearCluster((9, 10), 9, (PairScore(9, 10, 93.0),))],
                      settings={"near_threshold": 90.0})
    plan = plan_export(ds, scan, {}, options=ExportOptions(format="alpaca", eval_fraction=0.25))
    assert plan.excluded == {9: "unconvertible"}, plan.excluded
    assert 10 in {e.line for e in plan.entries}
    assert not any("export nothing" in w for w in plan.warnings), plan.warnings
    # in its own format the suggested keeper goes out and its copy is the duplicate
    same = plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=0.25))
    assert same.excluded == {10: "duplicate"}
    # a rejected keeper's copy still stays out: the reviewer rejected that text
    rejected = plan_export(ds, scan, {9: _d(9, REJECTED)}, options=ExportOptions(format="alpaca", eval_fraction=0.25,
                                                                                  include="unrejected"))
    assert rejected.excluded == {9: "rejected", 10: "duplicate"}


def test_plain_text_records_that_differ_in_a_content_word_are_not_dropped_as_duplicates(tmp_path):
    """A new user's report: 20 distinct {"text": "### Question: …\n### Answer: …"} records made one
    near-duplicate cluster and export kept 6 of them (the same data as Alpaca kept all 20): with no
    prompt, the 'different question' test had nothing to compare. It now compares the whole text."""
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()
    path = tmp_path / "text.jsonl"
    path.write_text("".join(json.dumps({"text": f"### Question: what comes after {w}?\n### Answer: the code word "
                                                f"{i} follows {w} in sequence {i}."}) + "\n"
                            for i, w in enumerate(words)), encoding="utf-8")
    ds = load_dataset(path)
    scan = run_scan(ds)
    assert scan.near_duplicates                                  # the scan still shows the template
    plan = plan_export(ds, scan, {}, options=ExportOptions(eval_fraction=0.2))
    assert len(plan.entries) == len(words) and not plan.excluded, plan.excluded
    # true copies of a text record are still reduced to one
    copies = tmp_path / "copies.jsonl"
    copies.write_text(path.read_text() + json.dumps({"text": "### Question: what comes after alpha?\n### Answer: "
                                                     "the code word 0 follows alpha in sequence 0!"}) + "\n",
                      encoding="utf-8")
    ds2 = load_dataset(copies)
    plan2 = plan_export(ds2, run_scan(ds2), {}, options=ExportOptions(eval_fraction=0.2))
    assert list(plan2.excluded.values()) == ["duplicate"]


def test_an_empty_split_caused_by_one_big_group_says_so(tmp_path):
    """A new user's report: twelve templated records chained into one near-duplicate group gave
    "the eval split would be empty: 12 record(s) at fraction 0.3", which points at the fraction."""
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps({"instruction": f"Describe an apple in one sentence for a catalogue {i}.",
                                        "input": "", "output": f"A round red fruit, item {i}."}) + "\n"
                            for i in range(12)), encoding="utf-8")
    ds = load_dataset(path)
    links = [tuple(range(1, 13))]
    scan = ScanResult(near_duplicates=[NearCluster(links[0], 1, tuple(PairScore(1, j, 95.0) for j in range(2, 13)))],
                      settings={"near_threshold": 90.0})
    plan = plan_export(ds, scan, {k: _d(k, APPROVED) for k in range(1, 13)},
                       options=ExportOptions(eval_fraction=0.3))
    [b] = [b for b in plan.blockers if b.code == "empty"]
    assert "eval split would be empty: 12 record(s) at fraction 0.3" in b.message
    assert "1 group(s) that must each stay on one side" in b.message and "largest with 12 records" in b.message


def test_nothing_to_export_because_every_record_is_invalid_says_why(tmp_path):
    """A new user's report: a file that needs --field output=response exported nothing with only
    "no record qualifies for export"."""
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps({"instruction": f"Q{i}?", "response": f"A{i}."}) + "\n" for i in range(5)),
                    encoding="utf-8")
    ds = load_dataset(path)
    plan = plan_export(ds, ScanResult(), {})
    [b] = plan.blockers
    assert b.message.startswith("no record qualifies for export: all 5 records are invalid (e.g. line 1: ")
    assert "output" in b.message and "curator validate" in b.message


def test_near_duplicates_that_only_add_words_or_reword_the_request_are_reduced_to_the_keeper(shared_datasets):
    """A new user's report: "duplicates reduced to keepers", yet every ag_news near-duplicate (the
    same Reuters article, once with "NEW YORK" in front) and code-alpaca 600/732 (the same email
    validator, asked in other words) were exported twice. Only a swapped fact in the same wording
    ("type 1"/"type 2", another drug) makes a near-duplicate a different question."""
    for name, pair in (("self-instruct-t0-agnews/ag_news_classify.jsonl", (1, 10)),
                       ("code-alpaca-2k/code_alpaca_2k.json", (600, 732))):
        ds = load_dataset(shared_datasets / name)
        scan = run_scan(ds)
        assert any(set(pair) <= set(c.lines) for c in scan.near_duplicates), name
        plan = plan_export(ds, scan, {}, options=ExportOptions(include="unrejected", allow_contradictions=True))
        kept = {e.line for e in plan.entries}
        assert len(kept & set(pair)) == 1, (name, pair)
        members = {ln for c in scan.near_duplicates for ln in c.lines}
        assert len(members - kept) == len(members) - len(scan.near_duplicates), name   # one kept per cluster


def test_an_openai_export_with_fewer_than_ten_training_examples_is_warned_about(tmp_path):
    """A new user's report: `--format openai` wrote 4 training rows without a word, and OpenAI
    refuses a training file under 10 examples (FORMATS.md)."""
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps({"instruction": f"Question {i} about topic {i * 7}?", "input": "",
                                        "output": f"Answer {i} is {i * 13}."}) + "\n" for i in range(6)),
                    encoding="utf-8")
    ds = load_dataset(path)
    plan = plan_export(ds, ScanResult(), {}, options=ExportOptions(format="openai", eval_fraction=0.2, confirm_fraction=True))
    assert any("requires at least 10" in w for w in plan.warnings), plan.warnings
    assert not any("requires at least 10" in w for w in
                   plan_export(ds, ScanResult(), {}, options=ExportOptions(eval_fraction=0.2)).warnings)


def test_plain_text_records_with_many_swapped_words_and_a_field_mapped_same_format_export(tmp_path):
    """Review findings: (1) the "at most 3 swapped words" rule for prompts also capped plain text
    records, whose question *and* answer differ: 8 distinct dosage Q&As exported 1; (2) a --field
    project exported with --format equal to its own format wrote "{}" rows (exit 0)."""
    drugs = [("ibuprofen", "400", "six", "tablet"), ("paracetamol", "500", "four", "capsule"),
             ("naproxen", "250", "twelve", "caplet"), ("aspirin", "300", "eight", "pill"),
             ("codeine", "30", "five", "syrup"), ("tramadol", "50", "seven", "drop"),
             ("diclofenac", "75", "nine", "patch"), ("celecoxib", "200", "ten", "gel")]
    rows = []
    for d, n, h, f in drugs:
        q = f"What is the usual adult dose of {d} for back pain according to the leaflet in the package?"
        a = f"The usual adult dose of {d} for back pain is {n} mg every {h} hours as a {f}, according to the leaflet."
        rows.append({"text": f"### Question: {q}\n### Answer: {a}"})
    path = tmp_path / "txt.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    plan = plan_export(ds, run_scan(ds), {}, options=ExportOptions(eval_fraction=0.25))
    assert len(plan.entries) == len(drugs) and not plan.excluded, plan.excluded

    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps({"question": f"Question number {i} about topic {i * 7}?",
                                      "answer": f"Answer {i} is {i * 13}."}) + "\n" for i in range(12)),
                  encoding="utf-8")
    mapped = load_dataset(qa, mapping={"instruction": "question", "output": "answer"})
    for fmt in ("alpaca", "openai"):
        plan = plan_export(mapped, ScanResult(), {}, options=ExportOptions(format=fmt, eval_fraction=0.25))
        assert len(plan.entries) == 12 and plan.ok, (fmt, plan.excluded)
        for e in plan.entries:
            row = json.loads(e.output)
            assert row and build_record(row, line=e.line, fmt=fmt).valid, (fmt, row)
    # "same" keeps the user's own keys
    row = json.loads(plan_export(mapped, ScanResult(), {}, options=ExportOptions(eval_fraction=0.25)).entries[0].output)
    assert set(row) == {"question", "answer"}


def test_the_openai_minimum_warning_also_for_an_openai_file_exported_as_it_is(tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(_chat(f"Question {i} about topic {i * 7}?", f"Answer {i} is {i * 13}.")) + "\n"
                            for i in range(6)), encoding="utf-8")
    ds = load_dataset(path)
    plan = plan_export(ds, ScanResult(), {}, options=ExportOptions(eval_fraction=0.2))
    assert any("requires at least 10" in w for w in plan.warnings), plan.warnings


def test_a_rejected_keeper_is_not_called_kept_in_the_warning(sample_data, tmp_path):
    """A new user's report: after rejecting line 1191 (one side of a planted contradiction that is
    also a near-duplicate pair), the export warned "1 near-duplicate(s) kept beside their
    cluster's keeper (e.g. lines 1191 and 1159)" although 1191 was rejected and left out."""
    import shutil

    import curator
    src = tmp_path / "sc.jsonl"
    shutil.copyfile(sample_data / "support_chat.jsonl", src)
    with curator.open_project(src, reviewer="t") as p:
        assert any({1159, 1191} <= set(c.lines) for c in p.scan.near_duplicates)
        p.reject(1191, reason="contradiction")
        plan = plan_export(p.dataset, p.scan, p.decisions(), options=ExportOptions(allow_contradictions=True))
    got = {e.line for e in plan.entries}
    assert 1159 in got and 1191 not in got
    assert not any("kept beside their cluster's keeper" in w and "1191" in w for w in plan.warnings), plan.warnings
    assert any("line 1159 is exported, line 1191 is not" in w for w in plan.warnings), plan.warnings


def test_chinese_questions_about_two_drugs_are_not_copies(shared_datasets, tmp_path):
    """MedicalGPT lines 816 and 986 ask how to take two different medicines ("香连化滞丸的用法用量" /
    "八珍益母片的用法用量") and share a long disclaimer, so the scan pairs them at 90.2. Chinese is
    compared character by character, so the drug name counted as five differing "words", over the
    cap of three, and the export kept only one: a clinician's separate dosing record was lost.
    The places the wording changes are counted instead."""
    from curator.core.export import DISTINCT_WORD, distinct_reason

    ds = load_dataset(shared_datasets / "medicalgpt-medical-sft-1k" / "medical_sft_1K_format.jsonl")
    scan = run_scan(ds)
    assert [c.lines for c in scan.near_duplicates] == [(816, 986)]
    assert distinct_reason(ds.by_line(816), ds.by_line(986), set()) == DISTINCT_WORD
    exported = {e.line for e in plan_export(ds, scan, {}).entries}
    assert {816, 986} <= exported

    def conv(q, a):
        return {"conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}]}

    answer = "注意：同种药品可由于不同的包装规格有不同的用法或用量。本文只供参考。口服，一次2片，一日2次。"
    rows = [conv("香连化滞丸的用法用量", answer),
            conv("香连化滞丸的用法和用量是什么", answer),      # the same question, words added: a copy
            conv("八珍益母片的用法用量", answer)]              # another drug: not a copy
    path = tmp_path / "zh.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    small = load_dataset(path)
    assert distinct_reason(small.by_line(1), small.by_line(2), set()) is None
    assert distinct_reason(small.by_line(1), small.by_line(3), set()) == DISTINCT_WORD
    # rewordings stay copies (a reviewer's finding: replaced runs of unequal length, or text added)
    from curator.core.export import _swaps_names

    assert not _swaps_names("请问这个病怎么治疗比较好呢", "医生您好，我想咨询一下这个病怎么治疗比较好呢")
    assert not _swaps_names("晚上睡不好觉是怎么回事呀医生", "夜里失眠是怎么回事呀医生")
    assert not _swaps_names("头痛是怎么回事", "头痛是什么原因引起的呢")
