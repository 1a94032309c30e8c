"""Review commands: each is one undo step, undo/redo survive a restart, fixes are validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import curator
from curator.core.decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED
from curator.core.project import InvalidFixError, UnknownLineError
from curator.core.review import ResolveCluster, ResolveContradiction


def write_dataset(path: Path, n: int = 30) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."}) + "\n")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data.jsonl")


def open_(data: Path, reviewer: str = "ana"):
    return curator.open_project(data, reviewer=reviewer, scan=False)


def statuses(project) -> dict[int, str]:
    return {ln: d.status for ln, d in project.decisions().items()}


def test_single_decisions_record_reviewer_reason_and_time(data: Path) -> None:
    with open_(data) as p:
        ch = p.approve(1)
        assert ch.action == "do" and ch.lines == (1,) and dict(ch.statuses) == {1: APPROVED}
        assert ch.label == "Approve line 1"
        p.reject(2, reason="wrong", note="refund period is 14 days")
        p.skip(3)
        d = p.decision(2)
        assert (d.status, d.reviewer, d.reason, d.note) == (REJECTED, "ana", "wrong", "refund period is 14 days")
        assert d.at.endswith("Z") and d.at[:2] == "20"
        assert p.decision(3).status == SKIPPED and p.decision(4) is None
        with pytest.raises(ValueError, match="unknown reject reason"):
            p.reject(4, reason="meh")
        with pytest.raises(UnknownLineError, match="no record at line 99"):
            p.approve(99)
        assert p.decision(4) is None


def test_an_unknown_record_of_a_json_array_is_named_by_number_not_line(tmp_path: Path) -> None:
    """Known gap: `curator review --approve 99` on a JSON array said "(3 records, lines 1–3)",
    but a JSON array's records are numbered by their place in the array."""
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."}
                                for i in range(3)], indent=2), encoding="utf-8")
    with open_(path) as p:
        with pytest.raises(UnknownLineError, match=r"^no record number 99 in data\.json \(3 records, numbered 1–3\)$"):
            p.approve(99)


def test_json_array_labels_and_notes_say_record(tmp_path: Path) -> None:
    """Known gap: undo labels and the notes a resolution writes said "line 2" for a JSON array,
    whose records are numbered by their place in the array. A reviewer's own note is untouched."""
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."}
                                for i in range(4)], indent=2), encoding="utf-8")
    with open_(path) as p:
        p.approve(2)
        assert p.undo_label == "Approve record 2"
        p.reject(1, reason="wrong", note="see line 3 of the guideline")
        assert p.undo_label == "Reject record 1" and p.decision(1).note == "see line 3 of the guideline"
        p.resolve_cluster([3, 4], keep=4)
        assert p.undo_label == "Keep record 4, reject 1 duplicate"
        assert p.decision(3).note == "duplicate of record 4"
        p.resolve_contradiction(1, 2, "keep_both")
        assert p.undo_label == "Resolve contradiction 1/2: keep both"
        assert p.decision(1).note == "no contradiction with record 2"
        p.undo()
        assert p.redo_label == "Resolve contradiction 1/2: keep both"


def test_undo_redo_in_order_and_a_new_command_drops_redo(data: Path) -> None:
    with open_(data) as p:
        p.approve(1)
        p.reject(1, reason="wrong")      # a second decision on the same line
        p.approve(2)
        assert p.undo_label == "Approve line 2"
        ch = p.undo()
        assert ch.action == "undo" and dict(ch.statuses) == {2: UNDECIDED}
        ch = p.undo()
        assert dict(ch.statuses) == {1: APPROVED}          # back to the earlier decision, not to nothing
        assert p.redo_label == "Reject line 1" and p.can_redo
        assert dict(p.redo().statuses) == {1: REJECTED}
        p.skip(5)                                          # new command: "Approve line 2" can't be redone
        assert not p.can_redo and p.redo() is None
        assert statuses(p) == {1: REJECTED, 5: SKIPPED}
        assert p.undo().label == "Skip line 5"
        assert p.undo().label == "Reject line 1"
        assert p.undo().label == "Approve line 1"
        assert p.undo() is None and not p.can_undo and statuses(p) == {}


def test_undo_and_redo_survive_closing_and_reopening(data: Path) -> None:
    with open_(data) as p:
        p.approve(1)
        p.bulk_approve([2, 3, 4])
        p.reject(5, reason="unsafe")
        p.undo()                                           # reject 5 undone, redoable
    with open_(data, reviewer="bo") as p:
        assert statuses(p) == {1: APPROVED, 2: APPROVED, 3: APPROVED, 4: APPROVED}
        assert p.undo_label == "Approve 3 examples" and p.redo_label == "Reject line 5"
        assert p.redo().lines == (5,)
        assert p.decision(5).reason == "unsafe" and p.decision(5).reviewer == "ana"  # the redone decision
        p.undo()
        p.undo()                                           # the bulk approve, in one step
    with open_(data) as p:
        assert statuses(p) == {1: APPROVED}
        assert p.redo_label == "Approve 3 examples"
        p.redo()
        assert statuses(p) == {1: APPROVED, 2: APPROVED, 3: APPROVED, 4: APPROVED}
        kinds = [(e["action"], e["line"]) for e in p.events() if e["line"] is not None]
        # every change is in the audit log, undo and redo included
        assert kinds[:5] == [("do", 1), ("do", 2), ("do", 3), ("do", 4), ("do", 5)]
        assert ("undo", 5) in kinds and ("redo", 5) in kinds and ("undo", 2) in kinds


def test_group_actions_are_one_undo_step(data: Path) -> None:
    with open_(data) as p:
        p.reject(7, reason="other")
        ch = p.resolve_cluster([6, 7, 8, 9], keep=8)
        assert ch.label == "Keep line 8, reject 3 duplicates"
        assert dict(ch.statuses) == {6: REJECTED, 7: REJECTED, 8: APPROVED, 9: REJECTED}
        assert p.decision(6).reason == "duplicate" and p.decision(6).note == "duplicate of line 8"
        p.undo()
        assert statuses(p) == {7: REJECTED} and p.decision(7).reason == "other"

        ch = p.resolve_contradiction(10, 11, action="keep_b")
        assert dict(ch.statuses) == {10: REJECTED, 11: APPROVED}
        assert p.decision(10).reason == "contradiction"
        p.undo()
        ch = p.resolve_contradiction(10, 11, action="keep_both")    # a false alarm: both answers are right
        assert dict(ch.statuses) == {10: APPROVED, 11: APPROVED}
        assert p.decision(10).note == "no contradiction with line 11" and ch.label.endswith("keep both")
        p.undo()
        assert p.decision(10) is None and p.decision(11) is None
        p.resolve_contradiction(10, 11, action="reject_both")
        assert p.decision(10).status == p.decision(11).status == REJECTED
        fixed = {"instruction": "Question 10?", "input": "", "output": "The corrected answer."}
        ch = p.resolve_contradiction(10, 11, action="fix", record=fixed)
        assert dict(ch.statuses) == {10: FIXED, 11: REJECTED} and p.decision(10).fixed == fixed
        assert p.undo().label == "Resolve contradiction 10/11: fix line 10"
        assert statuses(p)[10] == REJECTED                 # back to "reject both"

        ch = p.skip([12, 13, 14])
        assert ch.label == "Skip 3 examples" and set(ch.statuses.values()) == {SKIPPED}
        p.undo()
        ch = p.bulk_approve(range(12, 30))
        assert ch.label == "Approve 18 examples" and len(ch.lines) == 18
        p.undo()
        assert all(p.decision(ln) is None for ln in range(12, 30))
        with pytest.raises(ValueError, match="not in the cluster"):
            ResolveCluster((1, 2), keep=3)
        with pytest.raises(ValueError, match="unknown contradiction action"):
            ResolveContradiction(1, 2, "keep_neither")


def test_fix_is_validated_against_the_dataset_format(data: Path) -> None:
    with open_(data) as p:
        with pytest.raises(InvalidFixError) as info:
            p.fix(3, {"instruction": "Question 3?", "output": 42})
        assert info.value.line == 3 and info.value.problems
        assert "$.output" in str(info.value)
        with pytest.raises(InvalidFixError, match="JSON object"):
            p.fix(3, ["not", "an", "object"])  # type: ignore[arg-type]
        with pytest.raises(InvalidFixError):
            p.resolve_contradiction(3, 4, action="fix", record={"nothing": "useful"})
        assert p.decision(3) is None and p.decision(4) is None and not p.can_undo
        good = {"instruction": "Question 3?", "input": "", "output": "A better answer."}
        assert p.fix(3, good, note="typo").statuses[3] == FIXED
        assert p.effective_record(3) == good
        assert p.effective_record(4) == p.dataset.by_line(4).data
    with open_(data) as p:
        assert p.decision(3).fixed == good and p.decision(3).note == "typo"


def test_approving_a_fixed_example_keeps_its_fix(data: Path) -> None:
    """A new user's report: fixing line 8 ("14 days" → "5 days"), then "Keep line 8" on its
    contradiction (or Enter on the desk, or Keep in a duplicate group) approved the *original*
    and the uncorrected answer went into the export. The desk and Findings show a fixed example
    in its fixed form; approving it approves that."""
    good = {"instruction": "Question 8?", "input": "", "output": "The corrected answer."}
    with open_(data) as p:
        p.fix(8, good, note="dose")
        for act in (lambda: p.approve(8), lambda: p.bulk_approve([8, 9]),
                    lambda: p.resolve_contradiction(8, 9, action="keep_a"),
                    lambda: p.resolve_contradiction(8, 9, action="keep_both"),
                    lambda: p.resolve_cluster([7, 8], keep=8)):
            ch = act()
            d = p.decision(8)
            assert (d.status, d.fixed) == (FIXED, good), ch.label
            assert ch.statuses[8] == FIXED
            p.undo()
            assert p.decision(8).fixed == good and p.decision(8).note == "dose"
        p.skip(8)                                           # a skip (review finding) keeps it too
        assert p.decision(8).status == FIXED and p.decision(8).fixed == good
        p.skip([7, 8, 9])
        assert p.decision(8).fixed == good and p.decision(7).status == SKIPPED
        p.undo()
        p.undo()
        p.reject(8)                                         # rejecting still rejects
        assert p.decision(8).status == REJECTED
        p.undo()
        p.undo()                                            # undo takes the fix itself back
        assert p.decision(8) is None
        p.approve(8)
        assert p.decision(8).status == APPROVED and p.decision(8).fixed is None


def test_a_fix_with_nan_infinity_or_a_lone_surrogate_is_refused(data: Path) -> None:
    """Review finding: NaN passed the fix check (orjson writes it as null) and was exported as
    null; the loader refuses NaN, Infinity and lone surrogates in the file."""
    with open_(data) as p:
        for bad, says in (({"instruction": "Q?", "input": "", "output": float("nan")}, "NaN or Infinity"),
                          ({"instruction": "Q?", "input": "", "output": float("inf")}, "NaN or Infinity"),
                          ({"instruction": "Q?", "input": "", "output": "a \ud800 b"}, "lone surrogate")):
            [problem] = p.validate_fix(3, bad)
            assert says in problem.message
            with pytest.raises(InvalidFixError):
                p.fix(3, bad)
        assert p.decision(3) is None
