"""The headless examples table: filters, sort, search and findings order, on real files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from curator.core.dataset import load_dataset
from curator.core.findings import Contradiction, ExactGroup, LintFinding, NearCluster, PairScore, ScanResult
from curator.core.table import ExamplesTable, TableQuery, diff_sides, finding_items, preview, word_diff


def chat(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


@pytest.fixture
def table(tmp_path):
    rows = [
        chat("How do I reset my password?", "Click Forgot password."),          # line 1
        chat("How do I reset my password?", "Click Forgot password."),          # line 2 dup of 1
        chat("Where is my parcel?", "Check the tracking page for updates."),     # line 3
        chat("Where is my parcel", "Call us, we cannot track parcels."),         # line 4 contradicts 3
        {"instruction": "Summarise", "input": "Zebra text", "output": "Short."},  # line 5 alpaca: mixed
        chat("Cancel my order", "Done <img src=x onerror=alert(1)>"),            # line 6
    ]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    ds = load_dataset(p)
    scan = ScanResult(exact_duplicates=[ExactGroup((1, 2), 1)],
                      contradictions=[Contradiction(3, 4, 0.97, 0.2)],
                      lint=[LintFinding(6, "html", "HTML in response")])
    return ExamplesTable(ds, scan, {1: "approved", 4: "rejected"})


def lines(t: ExamplesTable, q: TableQuery) -> list[int]:
    return [int(t.lines[i]) for i in t.query(q)]


def test_columns_and_rows(table):
    assert len(table) == 7
    r = table.row(table.index_of(6))
    assert r.prompt == "Cancel my order" and r.response.startswith("Done <img")
    assert r.flags == ("lint",) and r.status == "undecided" and r.format == "openai"
    bad = table.row(table.index_of(7))
    assert bad.flags == ("invalid",) and bad.problem
    assert table.row(0).flags == ("duplicate",) and table.row(0).status == "approved"
    assert table.row(0).length == len("How do I reset my password?") + len("Click Forgot password.")


def test_filters(table):
    assert lines(table, TableQuery(flag="duplicate")) == [1, 2]
    assert lines(table, TableQuery(flag="contradiction")) == [3, 4]
    assert lines(table, TableQuery(flag="invalid")) == [5, 7]   # mixed-format alpaca and broken JSON
    assert lines(table, TableQuery(flag="none")) == []
    assert lines(table, TableQuery(status="rejected")) == [4]
    assert lines(table, TableQuery(status="undecided", flag="any")) == [2, 3, 5, 6, 7]
    assert lines(table, TableQuery(format="alpaca")) == [5]
    with pytest.raises(ValueError):
        table.query(TableQuery(flag="bogus"))


def test_search_is_case_insensitive_and_all_words(table):
    assert lines(table, TableQuery(text="PARCEL")) == [3, 4]
    assert lines(table, TableQuery(text="parcel tracking")) == [3]
    assert lines(table, TableQuery(text="zebra")) == [5]
    assert lines(table, TableQuery(text="<img src=x")) == [6]
    assert lines(table, TableQuery(text="not json")) == [7]    # raw text of an unparsable line
    assert lines(table, TableQuery(text="parcel", status="rejected")) == [4]


def test_sort_stable_both_ways(table):
    assert lines(table, TableQuery(sort="line", descending=True)) == [7, 6, 5, 4, 3, 2, 1]
    by_len = lines(table, TableQuery(sort="length"))
    lengths = [table.row(table.index_of(x)).length for x in by_len]
    assert lengths == sorted(lengths)
    # ties keep file order in both directions
    # statuses sort in decision order (undecided, approved, rejected, fixed, skipped)
    desc = lines(table, TableQuery(sort="status", descending=True))
    assert desc == [4, 1, 2, 3, 5, 6, 7]
    assert lines(table, TableQuery(sort="status")) == [2, 3, 5, 6, 7, 1, 4]
    assert lines(table, TableQuery(sort="prompt"))[:2] == [7, 6]  # empty, then "Cancel…" case-insensitively
    with pytest.raises(ValueError):
        table.order("nope")


def test_statuses_update(table):
    changed = table.set_statuses({2: "rejected", 99: "approved"})
    assert changed == [1]
    table.reset_statuses({3: "fixed"})
    assert lines(table, TableQuery(status="fixed")) == [3]
    assert lines(table, TableQuery(status="approved")) == []
    c = table.counts()
    assert c["status:fixed"] == 1 and c["flag:duplicate"] == 2 and c["flag:any"] == 7


def test_large_table_queries_fast(tmp_path):
    import time

    p = tmp_path / "big.jsonl"
    with p.open("w") as f:
        for i in range(20000):
            f.write(json.dumps(chat(f"question {i} about item{i % 97}", f"answer {i}")) + "\n")
    t = ExamplesTable(load_dataset(p))
    t0 = time.perf_counter()
    ids = t.query(TableQuery(text="item5", sort="prompt", descending=True))
    assert time.perf_counter() - t0 < 1.0
    assert len(ids) == sum(1 for i in range(20000) if f"item{i % 97}".startswith("item5"))
    assert isinstance(ids, np.ndarray)


def test_findings_worst_first():
    scan = ScanResult(
        exact_duplicates=[ExactGroup((1, 2), 1), ExactGroup((5, 6, 7), 5)],
        near_duplicates=[NearCluster((10, 11), 10, (PairScore(10, 11, 93.0),))],
        contradictions=[Contradiction(20, 21, 0.9, 0.3), Contradiction(30, 31, 0.99, 0.1)],
    )
    items = finding_items(scan)
    assert [i.lines for i in items] == [(30, 31), (20, 21), (5, 6, 7), (1, 2), (10, 11)]
    assert items[0].score == pytest.approx(99.0)
    assert items[-1].pair_score(11, 10) == 93.0
    assert finding_items(None) == []


def test_word_diff_round_trips():
    a = "Take 200 mg of ibuprofen every 6 hours."
    b = "Take 400 mg of ibuprofen every 4 hours, with food."
    ops = word_diff(a, b)
    left, right = diff_sides(ops)
    assert "".join(t for t, _ in left) == a and "".join(t for t, _ in right) == b
    changed_left = [t for t, c in left if c]
    assert changed_left == ["200", "6"]
    assert [t for t, c in right if c] == ["400", "4", ", with food"]
    assert ("equal", "Take ") == ops[0]


def test_preview_collapses_and_cuts():
    assert preview("a\n\n  b") == "a b"
    long = preview("x" * 1000, 50)
    assert len(long) == 50 and long.endswith("…")


def test_changed_words_read_as_phrases_and_scores_never_round_up_to_100():
    from curator.core.table import format_pct

    left, right = diff_sides(word_diff("No need to send it back today.", "Yes, please return it first today."))
    assert [t for t, c in left if c] == ["No need to send", "back"]
    assert [t for t, c in right if c] == ["Yes, please return", "first"]
    assert "".join(t for t, _ in left) == "No need to send it back today."
    assert format_pct(99.6) == "99.6%" and format_pct(100) == "100%" and format_pct(0.93) == "93%"


def test_stated_conflicts_are_listed_before_answers_that_share_few_words():
    """A support lead's report on Bitext: 'worst first' opened on "Absolutely! We deliver" vs
    "Certainly! You can order" (13 % alike, a 'different content' flag) while a $12-vs-$1200 pair
    sat further down. A stated conflict (numbers, yes/no, labels, a swapped word) comes first."""
    scan = ScanResult(contradictions=[Contradiction(1, 2, 100.0, 13.0, reason="different_content"),
                                      Contradiction(3, 4, 96.0, 11.0, reason="different_numbers"),
                                      Contradiction(5, 6, 98.0, 40.0, reason="yes_no")])
    assert [i.lines for i in finding_items(scan)] == [(5, 6), (3, 4), (1, 2)]


def test_a_fix_is_style_checked_with_the_scans_settings_and_again_after_a_rescan(tmp_path):
    """Review findings: fixes were style-checked when the scan ran no style checks, and a rescan
    (another token budget, lint switched off) left a fix's checks as they were while the Dashboard
    re-checked it — the table and the Dashboard disagreed."""
    import curator
    from curator.core import stats
    from curator.core.decisions import FIXED

    rows = [{"instruction": f"Question {i}?", "input": "", "output": f"Answer number {i}, said in full."}
            for i in range(1, 6)]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with curator.open_project(data) as p:
        t = ExamplesTable(p.dataset, p.scan)
        p.fix(2, {"instruction": "Question 2?", "input": "", "output": "TODO"})   # a clean record made a placeholder
        long_answer = " ".join(["word"] * 400) + "."
        p.fix(3, {"instruction": "Question 3?", "input": "", "output": long_answer})
        for ln in (2, 3):
            t.show_record(t.index_of(ln), p.fixed_record(ln))
        assert [f.code for f in t.lint_of(2)] == ["placeholder"] and t.lint_of(3) == []
        assert t.counts()["flag:lint"] == 1
        decided = p.decisions()
        assert decided[2].status == FIXED
        assert stats.finding_counts(p.dataset, p.scan, decided)["lint"] == 1

        t.set_scan(p.rescan({"token_budget": 100}))        # the long fix is too long now
        assert [f.code for f in t.lint_of(3)] == ["too_long"] and "lint" in t.flag_names(t.index_of(3))
        assert t.counts()["flag:lint"] == stats.finding_counts(p.dataset, p.scan, decided)["lint"] == 2

        t.set_scan(p.rescan({"lint": False}))              # no style checks: none on fixes either
        assert t.lint_of(2) == [] and "lint" not in t.flag_names(t.index_of(2))
        assert t.counts().get("flag:lint", 0) == stats.finding_counts(p.dataset, p.scan, decided)["lint"] == 0
        # showing the source again brings the scan's findings back (none here)
        t.show_record(t.index_of(2), p.dataset.by_line(2))
        assert t.lint_of(2) is None


def test_search_sets_accents_aside(tmp_path):
    """A trial: searching "resolutoire" found nothing, "résolutoire" found record 45 (French legal
    text). Accents (U+0300–U+036F) are set aside on both sides; a Japanese voicing mark is not."""
    rows = [chat("Qu'est-ce qu'une clause résolutoire ?", "Elle met fin au contrat."),
            chat("What is force majeure?", "不可抗力 is force majeure; が and か differ."),
            chat("Plain question", "Plain answer about a resolutoire clause."),
            chat("Japanese", "か only.")]
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    t = ExamplesTable(load_dataset(p))

    def lines(text):
        return [int(t.lines[i]) for i in t.query(TableQuery(text=text))]

    assert lines("resolutoire") == lines("Résolutoire") == [1, 3]
    assert lines("clause résolutoire") == [1, 3]
    assert lines("が") == [2] and lines("か") == [2, 4]
