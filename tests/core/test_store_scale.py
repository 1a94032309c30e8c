"""The project at scale: bulk steps, undo, reopen and carry-over on a large file.

Runs at 20,000 records by default; ``CURATOR_SCALE_N=100000 pytest -s tests/core/test_store_scale.py``
prints the figures for 100,000. Time limits are loose (a busy 2-core machine); the printed numbers
are the measurement.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import curator
from curator.core.decisions import APPROVED, REJECTED

N = int(os.environ.get("CURATOR_SCALE_N", "20000"))


@pytest.mark.slow
def test_bulk_steps_undo_reopen_and_carry_over_at_scale(tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    with open(data, "w", encoding="utf-8") as fh:
        for i in range(N):
            fh.write(json.dumps({"instruction": f"Question {i} about topic {i % 97}?", "input": "",
                                 "output": f"Answer {i}: " + "word " * 20}) + "\n")
    t: dict[str, float] = {}

    def clock(name: str, t0: float) -> None:
        t[name] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    p = curator.open_project(data, scan=False)
    clock("open (load + new project)", t0)
    t0 = time.perf_counter()
    for ln in range(1, 101):
        p.approve(ln)
    t["approve, ms per call"] = round((time.perf_counter() - t0) * 10, 2)
    half = range(101, N // 2 + 1)
    t0 = time.perf_counter()
    ch = p.bulk_approve(half)
    clock(f"bulk approve {len(half):,}", t0)
    assert len(ch.lines) == len(half) and p.undo_label == f"Approve {len(half):,} examples"
    t0 = time.perf_counter()
    p.undo()
    clock(f"undo {len(half):,}", t0)
    assert p.counts()["approved"] == 100
    t0 = time.perf_counter()
    p.redo()
    clock(f"redo {len(half):,}", t0)
    t0 = time.perf_counter()
    sample = p.queue("sample", fraction=0.1, seed=1)
    clock("draw 10% sample", t0)
    for ln in sample[:300]:
        if ln % 50 == 0:
            p.reject(ln)
        else:
            p.approve(ln)
    t0 = time.perf_counter()
    est = p.estimate()
    clock("estimate", t0)
    decided = p.decisions()
    assert est is not None and est.reviewed == sum(1 for ln in sample if ln in decided)
    assert est.defects == sum(1 for ln in sample[:300] if ln % 50 == 0)
    resume = p.next_undecided(sample, after=sample[299])
    p.close()

    t0 = time.perf_counter()
    p = curator.open_project(data, scan=False)
    clock("reopen", t0)
    assert p.resume_line() == resume
    expected = {ln: d.status for ln, d in p.decisions().items()}
    p.close()
    # a new first line moves every record down by one: every decision must follow its record
    text = data.read_text(encoding="utf-8")
    data.write_text(json.dumps({"instruction": "new", "input": "", "output": "new"}) + "\n" + text,
                    encoding="utf-8")
    t0 = time.perf_counter()
    p = curator.open_project(data, scan=False)
    clock("reopen changed source (all lines moved)", t0)
    with p:
        assert p.source_change is not None and p.source_change.unmatched == ()
        got = {ln: d.status for ln, d in p.decisions().items()}
        assert got == {ln + 1: s for ln, s in expected.items()}
        assert APPROVED in got.values() and REJECTED in got.values()
    size = p.path.stat().st_size
    print(f"\n{N:,} records; project file {size / 1e6:.1f} MB")
    for k, v in t.items():
        print(f"  {k}: {v}")
    assert t[f"bulk approve {len(half):,}"] < 60 and t["approve, ms per call"] < 200
