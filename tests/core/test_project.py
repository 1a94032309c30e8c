"""The Project API end to end: resume, changed source files, queues, status and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import curator
from curator.cli import main
from curator.core.decisions import APPROVED, FIXED, REJECTED, SKIPPED


def rec(i: int, answer: str | None = None) -> dict:
    return {"instruction": f"Question {i}?", "input": "", "output": answer or f"Answer {i}."}


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_default_project_path_is_beside_the_dataset(tmp_path: Path) -> None:
    data = write(tmp_path / "support.jsonl", [rec(i) for i in range(3)])
    with curator.open_project(data, scan=False) as p:
        assert p.path == tmp_path / "support.jsonl.curator"
        assert p.store.get_meta("source")["sha256"] == p.dataset.sha256
    other = tmp_path / "elsewhere" / "x.curator"
    other.parent.mkdir()
    with curator.open_project(data, project_path=other, scan=False) as p:
        assert p.path == other and other.exists()


def test_resume_lands_on_the_next_undecided_example_of_the_current_queue(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 21)])
    with curator.open_project(data, scan=False) as p:
        assert p.resume_line() == 1
        for ln in (1, 2, 3):
            p.approve(ln)
        p.approve(5)                       # jumped ahead
        p.set_position(4)                  # then went back to look at 4
    with curator.open_project(data, scan=False) as p:
        assert p.resume_line() == 4
        p.reject(4)
        p.skip(6)
    with curator.open_project(data, scan=False) as p:
        assert p.resume_line() == 7        # after 4: 5 decided, 6 skipped
        p.undo()                           # un-skip 6: back to it
        assert p.resume_line() == 6
        sample = p.queue("sample", fraction=0.5, seed=3)
        p.approve(sample[0])
        p.approve(sample[1])
    with curator.open_project(data, scan=False) as p:
        assert p.current_queue() == "sample"
        assert p.resume_line() == sample[2]
        assert p.next_undecided(sample) == sample[2]
        assert p.next_undecided(sample, after=sample[2]) == sample[3]
        p.bulk_approve(sample)
        assert p.resume_line() is None


def test_changed_source_carries_decisions_by_content_and_lists_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    write(data, [rec(i) for i in range(1, 11)])
    fixed = rec(9, "Corrected nine.")
    with curator.open_project(data, reviewer="ana", scan=False) as p:
        p.approve(1)
        p.reject(4, reason="wrong", note="bad")
        p.approve(6)
        p.fix(9, fixed)
        p.skip(10)
        p.queue("sample", fraction=0.5, seed=1)
        assert p.can_undo
    # edit the file: drop record 2, change record 6's answer, add a new first line,
    # reorder keys and spacing of record 4 (same content)
    new = [rec(100), rec(1), rec(3), {"output": "Answer 4.", "input": "", "instruction": "Question 4?"},
           rec(5), rec(6, "Changed answer."), rec(7), rec(8), rec(9), rec(10)]
    write(data, new)
    with curator.open_project(data, reviewer="ana", scan=False) as p:
        ch = p.source_change
        assert ch is not None and ch.old_sha256 != ch.new_sha256 == p.dataset.sha256
        assert {ln: d.status for ln, d in p.decisions().items()} == {
            2: APPROVED, 4: REJECTED, 9: FIXED, 10: SKIPPED}
        assert dict(ch.moved) == {1: 2}            # old line 1 is line 2 now; 4, 9, 10 kept their lines
        assert p.decision(4).reason == "wrong" and p.decision(9).fixed == fixed
        assert ch.carried == 4 and [u.old_line for u in ch.unmatched] == [6]
        assert ch.sample_cleared and p.sample_lines() is None and p.current_queue() == "all"
        assert not p.can_undo                      # old line numbers: the history is closed
        # the unmatched decision is kept and listed, never dropped
        kept = p.unmatched()
        assert len(kept) == 1 and kept[0].decision.status == APPROVED and kept[0].old_line == 6
        assert kept[0].source_sha256 == ch.old_sha256
        assert p.status()["unmatched"] == 1
        assert any(e["action"] == "source_changed" for e in p.events())
    with curator.open_project(data, scan=False) as p:   # same file again: nothing more to do
        assert p.source_change is None and len(p.unmatched()) == 1


def test_duplicate_records_carry_over_one_to_one(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [rec(1), rec(2), rec(1), rec(3)])
    with curator.open_project(data, scan=False) as p:
        p.approve(1)
        p.reject(3, reason="duplicate")
    write(data, [rec(0), rec(1), rec(2), rec(1), rec(3)])
    with curator.open_project(data, scan=False) as p:
        assert {ln: d.status for ln, d in p.decisions().items()} == {2: APPROVED, 4: REJECTED}
        assert p.source_change.unmatched == ()


def test_flagged_queue_and_unresolved_findings(tmp_path: Path) -> None:
    records = [rec(1), rec(2), rec(1), {"instruction": "Question 4?", "output": 4}, rec(5)]
    data = write(tmp_path / "d.jsonl", records)
    with curator.open_project(data) as p:
        assert [g.lines for g in p.scan.exact_duplicates] == [(1, 3)]
        flagged = p.queue("flagged")
        assert 1 in flagged and 3 in flagged and 4 in flagged and 2 not in flagged
        st = p.status()
        assert st["findings"]["exact_duplicates"] == 1 and st["findings"]["invalid"] == 1
        p.resolve_cluster([1, 3], keep=1)
        p.reject(4, reason="malformed")
        st = p.status()
        assert st["findings"]["exact_duplicates"] == 0 and st["findings"]["invalid"] == 0
        assert st["queue"]["kind"] == "flagged"
    # the scan is cached in the project, keyed by the source hash and the settings
    with curator.open_project(data, scan=False) as p:
        assert len(p.store.query("SELECT key FROM scan_cache")) == 1
        assert [g.lines for g in p.scan.exact_duplicates] == [(1, 3)]
        p.rescan({"near_threshold": 95})                 # other settings: another cache entry
        assert len(p.store.query("SELECT key FROM scan_cache")) == 2
    with curator.open_project(data, scan=False) as p:    # the project remembers its settings
        assert p.scan_settings["near_threshold"] == 95 and p.scan.settings["near_threshold"] == 95
        assert len(p.store.query("SELECT key FROM scan_cache")) == 2


def test_status_json_contract(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 11)])
    with curator.open_project(data, scan=False) as p:
        p.approve([1, 2, 3])
        p.reject(4)
        p.fix(5, rec(5, "Better."))
        p.skip(6)
        st = p.status(lines=True)
    assert {"records", "decisions", "queue", "estimate", "project", "lines"} <= set(st)
    assert st["records"] == 10
    assert st["decisions"] == {"approved": 3, "rejected": 1, "fixed": 1, "skipped": 1, "undecided": 4}
    assert st["lines"] == {"approved": [1, 2, 3], "rejected": [4], "fixed": [5], "skipped": [6]}
    assert st["project"] == str(tmp_path / "d.jsonl.curator")
    assert st["estimate"] is None                    # no sample drawn


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_review_then_status(tmp_path: Path, capsys) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 31)])
    code, out, err = run_cli(["review", str(data), "--approve", "1-3,7", "--reject", "10,12",
                              "--reviewer", "bo"], capsys)
    assert code == 0, err
    assert "Approve 4 examples" in out and "Reject 2 examples" in out
    code, out, err = run_cli(["status", str(data), "--json", "--lines"], capsys)
    assert code == 0, err
    st = json.loads(out)
    assert st["decisions"] == {"approved": 4, "rejected": 2, "fixed": 0, "skipped": 0, "undecided": 24}
    assert st["lines"]["approved"] == [1, 2, 3, 7] and st["lines"]["rejected"] == [10, 12]
    assert st["project"] == str(tmp_path / "d.jsonl.curator")
    with curator.open_project(data, scan=False) as p:
        assert p.decision(10).reviewer == "bo"
        assert p.undo_label == "Reject 2 examples"
    # usage errors: unknown line, a line given two decisions — nothing is written
    assert run_cli(["review", str(data), "--approve", "31"], capsys)[0] == 2
    assert run_cli(["review", str(data), "--approve", "4", "--reject", "4"], capsys)[0] == 2
    assert run_cli(["review", str(data), "--approve", "4-x"], capsys)[0] == 2
    code, out, _ = run_cli(["status", str(data), "--json"], capsys)
    assert json.loads(out)["decisions"]["approved"] == 4 and "lines" not in json.loads(out)
    # the text form counts a skip beside the reviewed ones, as the app does (it said "7 decided (…,
    # 1 skipped)" while the app said "6 reviewed · 1 skipped")
    assert run_cli(["review", str(data), "--skip", "20"], capsys)[0] == 0
    code, out, _ = run_cli(["status", str(data)], capsys)
    assert ("30 records, 6 reviewed (4 approved, 2 rejected, 0 fixed), 1 skipped, 23 undecided" in out), out


def test_cli_sample_and_estimate(tmp_path: Path, capsys) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 3001)])
    code, out, err = run_cli(["review", str(data), "--sample", "0.1", "--seed", "7"], capsys)
    assert code == 0, err
    assert "Drew a sample of 300 of 3,000 records (fraction 0.1, seed 7)" in out
    with curator.open_project(data, scan=False) as p:
        sample = p.sample_lines()
    spec = ",".join(map(str, sample))
    assert run_cli(["review", str(data), "--approve", spec], capsys)[0] == 0
    code, out, err = run_cli(["status", str(data)], capsys)
    assert code == 0, err
    assert "0 defects in 300 sampled: the other 2,700 have at most 1.0% defects" in out
    st = json.loads(run_cli(["status", str(data), "--json"], capsys)[1])
    assert st["estimate"]["upper_bound"] == pytest.approx(0.00994, abs=1e-5)
    assert st["queue"]["kind"] == "sample" and st["queue"]["size"] == 300


def test_cli_damaged_project_exit_2_then_fresh_project(tmp_path: Path, capsys) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 4)])
    (tmp_path / "d.jsonl.curator").write_text("not a database")
    code, out, err = run_cli(["status", str(data)], capsys)
    assert code == 2 and "not a Curator project" in err and "--fresh-project" in err
    code, out, err = run_cli(["status", str(data), "--fresh-project", "--json"], capsys)
    assert code == 0 and "kept aside" in err
    assert json.loads(out)["decisions"]["undecided"] == 3
    assert len(list(tmp_path.glob("d.jsonl.curator.damaged-*"))) == 1


def test_curator_import_stays_light() -> None:
    code = ("import sys, curator; assert 'curator.core.project' not in sys.modules; "
            "assert callable(curator.open_project); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "ok"


def test_core_review_modules_do_not_import_qt() -> None:
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['shiboken6'] = None\n"
            "import curator.core.store, curator.core.review, curator.core.sampling, "
            "curator.core.estimate, curator.core.project, curator.cli.status, curator.cli.review\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "ok"


def test_decisions_written_by_another_process_are_picked_up(tmp_path: Path) -> None:
    # the app has the project open while a script runs `curator review` on the same file
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 11)])
    with curator.open_project(data, reviewer="app", scan=False) as app:
        app.approve(1)
        out = subprocess.run([sys.executable, "-m", "curator", "review", str(data), "--reject", "1,2",
                              "--reviewer", "script"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert app.decision(1).status == REJECTED and app.decision(2).reviewer == "script"
        assert app.undo_label == "Reject 2 examples"
        ch = app.undo()                                     # undoes the script's step, exactly
        assert dict(ch.statuses) == {1: APPROVED, 2: "undecided"}
        app.approve(3)
    with curator.open_project(data, scan=False) as p:
        assert {ln: d.status for ln, d in p.decisions().items()} == {1: APPROVED, 3: APPROVED}


def test_a_second_window_sees_what_the_first_decided_and_whose_step_undo_takes_back(tmp_path: Path) -> None:
    """Two reviewers on one project (a team lead's trial): Ben's window never showed Ana's
    decisions, and Ana's Undo took back Ben's approval. A window polls take_external_changes()
    for the lines someone else changed, and undo_owner says whose step Undo would take back."""
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 11)])
    with curator.open_project(data, reviewer="Ana", scan=False) as ana, \
            curator.open_project(data, reviewer="Ben", scan=False) as ben:
        assert ana.take_external_changes() == {} and ben.take_external_changes() == {}
        ana.approve(1)
        ana.reject([2, 3], reason="wrong")
        assert ana.take_external_changes() == {}                      # her own, not someone else's
        assert ben.status_of(1) == APPROVED                           # a getter reloads first ...
        assert ben.take_external_changes() == {1: APPROVED, 2: REJECTED, 3: REJECTED}   # ... still reported
        assert ben.take_external_changes() == {}
        assert ben.undo_owner == "Ana" and ana.undo_owner == "Ana"
        assert dict(ben.approve(2).replaced) == {2: ("Ana", REJECTED)}     # said, not silent
        assert dict(ben.approve(2).replaced) == {}                         # his own, unchanged
        ben.undo()
        ben.undo()
        ana.take_external_changes()
        ben.approve(4)
        assert ana.undo_owner == "Ben" and ana.take_external_changes() == {4: APPROVED}
        ben.undo()
        assert ana.take_external_changes() == {4: "undecided"} and ana.undo_owner == "Ana"
        # a fix saved over a colleague's fix (made while the editor was open) is said too
        ana.fix(5, {"instruction": "q5", "output": "Ana's answer"})
        assert dict(ben.fix(5, {"instruction": "q5", "output": "Ben's answer"}).replaced) == {5: ("Ana", FIXED)}
        assert dict(ben.fix(5, {"instruction": "q5", "output": "Ben's answer"}).replaced) == {}   # his own


def test_reverted_edit_brings_set_aside_decisions_back(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    original = data.read_bytes()
    with curator.open_project(data, scan=False) as p:
        p.reject(3, reason="wrong")
        p.approve(4)
    write(data, [rec(1), rec(2), rec(3, "Edited."), rec(5)])      # 3 edited, 4 deleted
    with curator.open_project(data, scan=False) as p:
        assert [u.old_line for u in p.unmatched()] == [3, 4] and p.decisions() == {}
    data.write_bytes(original)                                     # the edit is reverted
    with curator.open_project(data, scan=False) as p:
        assert p.source_change.restored == 2 and p.unmatched() == []
        assert {ln: d.status for ln, d in p.decisions().items()} == {3: REJECTED, 4: APPROVED}
        assert p.decision(3).reason == "wrong" and p.decision(3).line == 3
        assert [e["action"] for e in p.events()].count("restored") == 2


def test_reading_a_decision_does_not_wait_for_a_bulk_write_on_another_thread(tmp_path: Path) -> None:
    import threading
    import time

    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 30001)])
    with curator.open_project(data, scan=False) as p:
        p.approve(1)
        done = threading.Event()
        worker = threading.Thread(target=lambda: (p.bulk_approve(range(2, 30001)), done.set()))
        started = time.perf_counter()
        worker.start()
        slowest = 0.0
        reads = 0
        while not done.is_set():
            t0 = time.perf_counter()
            assert p.decision(1).status == APPROVED      # the GUI repainting one row
            slowest = max(slowest, time.perf_counter() - t0)
            reads += 1
            time.sleep(0.001)
        worker.join()
        bulk = time.perf_counter() - started
        assert p.counts()["approved"] == 30000
    assert reads > 5 and slowest < bulk / 2, (slowest, bulk, reads)


def test_real_json_array_dataset_review_and_edit(tmp_path: Path, shared_datasets: Path) -> None:
    # Code Alpaca 2k: a JSON array, so a record's line is its 1-based element index
    src = shared_datasets / "code-alpaca-2k" / "code_alpaca_2k.json"
    records = json.loads(src.read_text(encoding="utf-8"))
    data = tmp_path / "code_alpaca_2k.json"
    data.write_bytes(src.read_bytes())
    with curator.open_project(data, reviewer="ana") as p:
        assert len(p.dataset.records) == 2017 and p.dataset.container == "json"
        sample = p.queue("sample", seed=2026)
        assert len(sample) == 202                                    # 10% of 2,017
        for ln in sample[:150]:
            p.approve(ln)
        p.reject(sample[150], reason="wrong")
        fixed = dict(records[sample[151] - 1], output="A corrected answer.")
        p.fix(sample[151], fixed)
        est = p.estimate()
        assert (est.reviewed, est.defects) == (152, 2) and not est.meets_target
        assert 0.03 < est.upper_bound < 0.05 and est.more_needed > 0
        assert p.resume_line() == sample[152]
        st = p.status()
        assert set(st["findings"]) == {"invalid", "exact_duplicates", "near_duplicates", "contradictions",
                                       "lint"}
        assert st["findings"]["lint"] == sum(1 for f in p.scan.lint if p.decision(f.line) is None)
    # the maintainer deletes the first 10 elements: every decision follows its record
    data.write_text(json.dumps(records[10:], indent=2), encoding="utf-8")
    with curator.open_project(data, reviewer="ana", scan=False) as p:
        ch = p.source_change
        gone = [ln for ln in sample[:152] if ln <= 10]
        assert [u.old_line for u in ch.unmatched] == sorted(gone)
        assert ch.carried == 152 - len(gone)
        assert p.decision(sample[151] - 10).fixed == fixed
        assert p.decision(sample[150] - 10).status == REJECTED
        assert all(p.decision(ln - 10).status == APPROVED for ln in sample[:150] if ln > 10)


def test_the_users_own_project_wins_over_one_that_appears_beside_the_dataset(tmp_path, monkeypatch):
    """Review finding: a project a colleague later puts beside a dataset on a shared drive must not
    hide the reviewer's own project in their folder."""
    from curator.core.project import default_project_path, project_path_for, user_project_path

    monkeypatch.setenv("CURATOR_PROJECT_DIR", str(tmp_path / "mine"))
    data = tmp_path / "shared" / "data.jsonl"
    data.parent.mkdir()
    data.write_text('{"prompt": "a", "completion": "b"}\n', encoding="utf-8")
    assert project_path_for(data) == default_project_path(data)
    user_project_path(data).parent.mkdir(parents=True)
    user_project_path(data).write_bytes(b"")
    default_project_path(data).write_bytes(b"")
    assert project_path_for(data) == user_project_path(data)
    link = tmp_path / "link"
    link.symlink_to(data.parent)
    assert project_path_for(link / "data.jsonl") == user_project_path(data)   # same file, same project


def test_status_and_the_export_say_who_decided_what(tmp_path: Path) -> None:
    """A team lead found no way to see who decided what: status --json has "reviewers", the text
    form a "by reviewer" line, and the export's manifest and README name who approved or fixed."""
    from curator.core.export import ExportOptions, plan_export, write_export

    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 41)])
    with curator.open_project(data, reviewer="Ana", scan=False) as ana:
        ana.approve(list(range(1, 21)))
        ana.reject(21, reason="wrong")
    with curator.open_project(data, reviewer="Ben", scan=False) as ben:
        ben.approve(list(range(22, 31)))
        ben.fix(31, {"instruction": "Question 31?", "input": "", "output": "A better answer 31."})
        st = ben.status()
        assert st["reviewers"]["Ana"] == {APPROVED: 20, REJECTED: 1}
        assert sum(st["reviewers"]["Ben"].values()) == 10 and list(st["reviewers"]) == ["Ana", "Ben"]
        plan = plan_export(ben.dataset, ben.scan, ben.decisions(), options=ExportOptions(include="reviewed"))
        assert plan.reviewers == {"Ana": 20, "Ben": 10}
        write_export(plan, tmp_path / "out")
    man = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert man["reviewers"] == {"Ana": 20, "Ben": 10}
    assert "Reviewed by Ana (20 approved or fixed), Ben (10 approved or fixed)" in \
        (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "curator", "status", str(data)], capture_output=True, text=True)
    assert "by reviewer: Ana 21 (20 approved, 1 rejected); Ben 10 (9 approved, 1 fixed)" in out.stdout, out.stdout
    ver = subprocess.run([sys.executable, "-m", "curator", "verify", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert ver.returncode == 0, ver.stdout + ver.stderr


def test_polling_for_external_changes_never_waits_for_a_write(tmp_path: Path) -> None:
    """A window polls take_external_changes() on its GUI thread; a bulk write on a worker holds the
    store lock, and the poll must not freeze the window behind it."""
    import threading
    import time

    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with p._lock:
                held.set()
                release.wait(10)

        t = threading.Thread(target=hold)
        t.start()
        held.wait(5)
        t0 = time.perf_counter()
        assert p.take_external_changes() == {}
        assert time.perf_counter() - t0 < 0.5
        release.set()
        t.join()


def test_an_unsaved_fix_survives_the_window_and_is_offered_back_to_whoever_typed_it(tmp_path: Path) -> None:
    """A reviewer types a long correction and the app dies before Save: the Fix editor's draft is
    in the project, offered back to that reviewer only, and gone once saved or discarded."""
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    typed = json.dumps(rec(2, "A careful, corrected answer."), indent=2)
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        assert p.fix_drafts() == []
        assert p.save_fix_draft(2, typed) and p.save_fix_draft(4, "{\"instruction\": \"half-typ")
    # a new process (the app restarted after a crash)
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        drafts = p.fix_drafts("Ana")
        assert [(d.line, d.reviewer) for d in drafts] == [(2, "Ana"), (4, "Ana")]
        assert drafts[0].text == typed and drafts[0].at and p.fix_draft(4).text.endswith("half-typ")
        assert p.fix_drafts("Ben") == []                                  # not offered to a colleague
        p.fix(2, json.loads(typed))
        assert p.fix_draft(2) is None                                     # saved: nothing to offer
        assert p.drop_fix_draft(4) and p.fix_drafts() == []               # discarded
        p.save_fix_draft(3, typed.replace("Question 2", "Question 3"))
    # the source record changed since: its draft no longer applies
    write(data, [rec(1), rec(2), rec(3, "Edited in the file."), rec(4), rec(5)])
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        assert p.fix_drafts() == []
        assert p.decision(2).status == FIXED


def test_a_draft_is_not_kept_while_another_writer_holds_the_project(tmp_path: Path) -> None:
    """Keeping a draft runs on the GUI thread while typing: with the project held by another
    writer it gives up quickly (and says so) instead of freezing the window."""
    import sqlite3
    import time

    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 4)])
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        other = sqlite3.connect(p.path, isolation_level=None, timeout=1)
        other.execute("BEGIN IMMEDIATE")                  # e.g. `curator review` writing a bulk step
        try:
            t0 = time.perf_counter()
            assert p.save_fix_draft(1, "{}") is False
            assert time.perf_counter() - t0 < 2
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert p.save_fix_draft(1, "{}") is True and p.fix_draft(1).text == "{}"
        p.approve(2)                                      # the normal wait is back for decisions
        assert p.decision(2).status == APPROVED


def test_the_cli_signs_with_curator_reviewer_when_no_name_is_given(tmp_path: Path, capsys, monkeypatch) -> None:
    """A reviewer who uses the app as "Ana" and `curator review` in scripts: without --reviewer the
    CLI signed with the login name, so her decisions were split between two names."""
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    monkeypatch.setenv("CURATOR_REVIEWER", "  Ana  ")
    assert run_cli(["review", str(data), "--approve", "1"], capsys)[0] == 0
    assert run_cli(["review", str(data), "--approve", "2", "--reviewer", "Ben"], capsys)[0] == 0   # the flag wins
    monkeypatch.setenv("CURATOR_REVIEWER", "")
    with curator.open_project(data, scan=False) as p:
        assert p.decision(1).reviewer == "Ana" and p.decision(2).reviewer == "Ben"
        code, out, _ = run_cli(["status", str(data), "--json"], capsys)
        assert json.loads(out)["reviewers"] == {"Ana": {"approved": 1}, "Ben": {"approved": 1}}


def test_drafts_are_per_reviewer_follow_moved_records_and_yield_to_later_decisions(tmp_path: Path) -> None:
    """A diff review's findings: Ben's keep overwrote Ana's draft of the same line; a saved fix
    whose draft could not be removed was offered back with older text; a draft was lost when a
    record was inserted above its line; a draft of a Curator still running was offered as a crash
    leftover."""
    import os

    from curator.core.project import _host

    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    with curator.open_project(data, reviewer="Ana", scan=False) as ana, \
            curator.open_project(data, reviewer="Ben", scan=False) as ben:
        assert ana.save_fix_draft(2, "ana's text") and ben.save_fix_draft(2, "ben's text")
        assert ana.fix_draft(2, "Ana").text == "ana's text" and ben.fix_draft(2, "Ben").text == "ben's text"
        ben.fix(2, rec(2, "Ben's fix."))             # his draft goes; hers is older than his decision
        assert ana.fix_drafts() == []
        ana.save_fix_draft(3, "typed before a later decision")
        ben.reject(3)                                 # e.g. `curator review --reject 3` after the crash
        assert ana.fix_drafts() == []
        ana.save_fix_draft(4, "typed for question 4")
        assert ana.store.get_meta("fix_draft:4:Ana")["pid"] == os.getpid()
        # a draft kept by another Curator still running on this machine: someone is typing it
        doc = dict(ana.store.get_meta("fix_draft:4:Ana"), pid=os.getppid(), host=_host())
        ana.store.set_meta("fix_draft:4:Ana", doc)
        assert ana.fix_drafts() == []
        assert [(d.reviewer, d.text) for d in ben.fixes_elsewhere(4)] == [("Ana", "typed for question 4")]
        ana.store.set_meta("fix_draft:4:Ana", dict(doc, pid=os.getpid()))
        assert [d.line for d in ana.fix_drafts()] == [4]
        assert ben.fixes_elsewhere(4) == [] and len(ben.fixes_elsewhere(4, this_process=True)) == 1
    # a record inserted above: question 4 is on line 5 now, and its draft follows it
    write(data, [rec(0), *[rec(i) for i in range(1, 6)]])
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        assert [(d.line, d.text) for d in p.fix_drafts("Ana")] == [(5, "typed for question 4")]
        assert p.fix_draft(5, "Ana") is not None and p.store.get_meta("fix_draft:4:Ana") is None


def test_a_draft_kept_by_another_window_does_not_reload_every_decision(tmp_path: Path) -> None:
    """Each keep is a commit: a second window's poll reloaded all decisions for it (0.1 s on the
    GUI thread at 50k decisions, every second while a colleague typed). A commit that logs no
    decision event is now seen as nothing new."""
    data = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 6)])
    with curator.open_project(data, reviewer="Ana", scan=False) as ana, \
            curator.open_project(data, reviewer="Ben", scan=False) as ben:
        loads = []
        real = ben.store.load_decisions
        ben.store.load_decisions = lambda: (loads.append(1), real())[1]
        ana.approve(1)
        assert ben.take_external_changes() == {1: APPROVED} and len(loads) == 1
        for k in range(5):
            ana.save_fix_draft(2, f"typing {k}")
            assert ben.take_external_changes() == {}
        assert len(loads) == 1
        ana.reject(3)
        assert ben.take_external_changes() == {3: REJECTED} and len(loads) == 2


def test_a_refused_fix_in_a_json_array_names_the_record(tmp_path: Path) -> None:
    """A trial: `curator review data.json --fix 51` said "fix for line 51 refused" of a JSON array,
    whose ids are record numbers (line 51 of the file is another record)."""
    from curator.core.project import InvalidFixError

    data = tmp_path / "d.json"
    data.write_text(json.dumps([rec(i) for i in range(1, 4)], indent=2), encoding="utf-8")
    with curator.open_project(data, scan=False) as p, pytest.raises(InvalidFixError) as err:
        p.fix(2, {"instruction": "Question 2?", "input": ""})
    assert str(err.value).startswith("fix for record 2 refused: ")
    jsonl = write(tmp_path / "d.jsonl", [rec(i) for i in range(1, 4)])
    with curator.open_project(jsonl, scan=False) as p, pytest.raises(InvalidFixError) as err:
        p.fix(2, {"instruction": "Question 2?", "input": ""})
    assert str(err.value).startswith("fix for line 2 refused: ")


def test_status_and_resume_record_no_queue_choice(tmp_path: Path) -> None:
    """`curator status` is read-only: it recorded "all" as the chosen queue (a review finding)."""
    big = write(tmp_path / "big.jsonl", [rec(i) for i in range(1, 1201)])
    with curator.open_project(big, scan=False) as p:
        p.status()
        p.resume_line()
        assert p.store.get_meta("queue") is None and p.current_queue() == "all"
        p.queue("flagged")                        # chosen on the desk: kept, and read back
        assert p.status()["queue"]["kind"] == "flagged" and p.store.get_meta("queue") == {"kind": "flagged"}
