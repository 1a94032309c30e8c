"""Where a reopened project resumes when decisions were made outside the desk's order.

A trial user approved line 1 in the flagged queue, then resolved two contradictions in Findings
('Keep both' on 2470/2496 and 2400/2471). The stored position followed the resolution, and the
reopened desk showed example 372 of 441 while examples 2–371 were undecided.
"""

from __future__ import annotations

import json
from pathlib import Path

import curator
from curator.cli import main


def _write(path: Path, n: int) -> Path:
    rows = [{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."} for i in range(1, n + 1)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_resolution_far_down_the_queue_does_not_pass_over_undecided_examples(tmp_path: Path, capsys) -> None:
    data = _write(tmp_path / "d.jsonl", 40)
    with curator.open_project(data, reviewer="ana", scan=False) as p:
        p.queue("all")
        p.approve(1)                                     # the reviewer's own decision at the desk
        p.resolve_contradiction(30, 36, "keep_both")     # then Findings, far down the queue
        p.resolve_contradiction(25, 31, "keep_both")
        assert p.store.get_meta("position") == 31         # the resolution moved the position
        assert p.resume_line() == 2
    with curator.open_project(data, scan=False) as p:    # reopened: still the first undecided
        assert p.resume_line() == 2
        for ln in range(2, 25):
            p.approve(ln)
        assert p.resume_line() == 26                      # 25 was resolved: skip to the next open one
        p.resolve_cluster([38, 39], keep=38)
        assert p.resume_line() == 26
    assert main(["status", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queue"]["next"] == 26


def test_the_sample_queue_resumes_at_its_first_undecided_example(tmp_path: Path) -> None:
    data = _write(tmp_path / "d.jsonl", 200)
    with curator.open_project(data, reviewer="ana", scan=False) as p:
        sample = p.queue("sample", fraction=0.2, seed=11)
        p.approve(sample[0])
        p.reject(sample[5])           # decided elsewhere (the table), further down the sample
        assert p.resume_line() == sample[1]
        p.skip(sample[1])             # a skip is handled: the desk moves past it
        assert p.resume_line() == sample[2]
