"""Dashboard numbers: counts, histograms, metadata distributions, size guidance."""

from __future__ import annotations

import json
import random

from curator.core import stats
from curator.core.dataset import load_dataset
from curator.core.decisions import Decision
from curator.core.findings import ExactGroup, NearCluster, PairScore, ScanResult


def _write(tmp_path, rows):
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8")
    return load_dataset(p)


def _alpaca(i, cat, out_len=10):
    return {"instruction": f"Question {i}", "input": "", "output": "x" * out_len, "category": cat,
            "tags": ["a", "b"], "score": 0.5}


def test_counts_and_usable(tmp_path):
    ds = _write(tmp_path, [_alpaca(i, "billing" if i % 3 else "refund") for i in range(1, 10)])
    assert len(ds.records) == 10 and ds.invalid_count == 1
    decisions = {1: Decision(1, "approved"), 2: Decision(2, "rejected"), 3: "fixed"}
    st = stats.status_counts(ds, decisions)
    assert st == {"undecided": 7, "approved": 1, "fixed": 1, "rejected": 1, "skipped": 0}
    scan = ScanResult(exact_duplicates=[ExactGroup((4, 5, 6), 4)])
    f = stats.finding_counts(ds, scan)
    assert f["invalid"] == 1 and f["duplicate"] == 3 and f["contradiction"] == 0
    # records were decided without a sample: like the export, only approved and fixed ones count
    assert stats.usable_count(ds, scan, decisions) == 2
    # with a review sample, the unreviewed rest counts too:
    # 10 records - 1 invalid - 1 rejected - 2 non-keeper duplicates
    assert stats.usable_count(ds, scan, decisions, sample_lines=[1, 2, 3]) == 6
    # approving a duplicate member keeps exactly the approved members of its group (5, not keeper 4)
    decisions[5] = Decision(5, "approved")
    assert stats.usable_count(ds, scan, decisions, sample_lines=[1, 2, 3]) == 6
    assert stats.usable_count(ds, scan, decisions) == 3
    # near-duplicate clusters are reduced to their keeper as well, unless the two ask different
    # things ("Question 7" / "Question 8" differ in a number), as in the export
    near = ScanResult(near_duplicates=[NearCluster((7, 8), 7, (PairScore(7, 8, 95.0),))])
    assert stats.usable_count(ds, near, {}) == 9
    copies = _write(tmp_path, [_alpaca(1, "a"), _alpaca(2, "a"), {**_alpaca(1, "a"), "output": "x" * 10 + "!"}])
    assert stats.usable_count(copies, ScanResult(near_duplicates=[NearCluster((1, 3), 1, (PairScore(1, 3, 97.0),))]),
                              {}) == 2


def test_dashboard_count_agrees_with_the_export(sample_data):
    """A new user's report: the dashboard said ~2,015 usable while the export planned 1 record;
    a review found it still 9-12 apart on the samples. Real scan, several review states."""
    from curator.core.export import ExportOptions, plan_export
    from curator.core.scan import run_scan

    for name in ("clinical_notes.jsonl", "support_chat.jsonl"):
        ds = load_dataset(sample_data / name)
        scan = run_scan(ds)
        first = scan.near_duplicates[0].lines
        states = [({}, None),
                  ({first[0]: Decision(first[0], "approved"), 2: Decision(2, "rejected")}, None),
                  ({first[1]: Decision(first[1], "approved"), 2: Decision(2, "rejected")}, [2, 3, first[1]])]
        for decisions, sample in states:
            plan = plan_export(ds, scan, decisions, sample_lines=sample, options=ExportOptions(allow_contradictions=True))
            assert stats.usable_count(ds, scan, decisions, sample) == len(plan.entries), (name, decisions)


def test_usable_near_copies_are_the_ones_the_export_keeps_beside_a_keeper(tmp_path):
    """The dashboard's 'M of them near copies that differ in a number' is the export's choice: the
    same answer with another ticket number is kept (and counted), a reworded copy is not."""
    from curator.core.export import ExportOptions, plan_export
    from curator.core.scan import run_scan

    answer = ("Please share the order number and we will track the parcel for you within one business day, "
              "then write back with the courier's status and a new delivery date for it.")
    rows = [{"messages": [{"role": "user", "content": f"my parcel has not arrived (ticket {t})"},
                          {"role": "assistant", "content": f"{answer} Ref {t}."}]}
            for t in (41180, 52291, 63302, 74413, 85524)]
    rows.append({"messages": [{"role": "user", "content": "my parcel has not arrived yet (ticket 41180)"},
                              {"role": "assistant", "content": f"{answer} Ref 41180."}]})   # a copy of the first
    rnd = random.Random(2)
    words = ("kettle blender sofa lamp drawer voucher invoice hinge battery charger courier customs deposit "
             "receipt engineer weekend evening colour swap upgrade renew postpone locker warranty").split()
    rows += [{"messages": [{"role": "user", "content": " ".join(rnd.choice(words) for _ in range(10))},
                           {"role": "assistant", "content": " ".join(rnd.choice(words) for _ in range(18))}]}
             for _ in range(20)]
    path = tmp_path / "support.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(path)
    scan = run_scan(ds)
    cluster = next(c for c in scan.near_duplicates if 1 in c.lines)
    assert set(cluster.lines) >= {1, 2, 3, 4, 5, 6}
    assert cluster.keeper == 6          # the longest wording is the suggested keeper
    # what the export keeps of the cluster, and which of those it keeps as the cluster's own choice
    # (the keeper, or what the reviewer approved); the rest go in for their ticket number
    cases = [({}, {2, 3, 4, 5, 6}, {6}),
             ({6: Decision(6, "rejected")}, {2, 3, 4, 5}, set()),     # compared with the rejected keeper
             ({2: Decision(2, "approved")}, {1, 2, 3, 4, 5}, {2})]     # 6 rewords 1: no other question
    for decisions, kept, chosen in cases:
        plan = plan_export(ds, scan, decisions, options=ExportOptions(allow_contradictions=True))
        out = {e.line for e in plan.entries}
        assert out & set(cluster.lines) == kept, decisions
        u = stats.usable_breakdown(ds, scan, decisions)
        assert u.total == len(out) == stats.usable_count(ds, scan, decisions)
        assert (u.near_number, u.near_other) == (len(kept - chosen), 0), decisions
    assert stats.usable_breakdown(ds, scan, {}).near_number == 4
    st = stats.dashboard_stats(ds, scan, {})
    assert (st.usable, st.usable_near_number, st.usable_near_other) == (25, 4, 0)   # 26 less line 1


def test_metadata_fields_skip_non_categories_and_distribution_folds_tail(tmp_path):
    rows = [_alpaca(i, f"c{i % 20}") for i in range(1, 41)]
    rows[0].pop("category")
    ds = _write(tmp_path, rows)
    fields = stats.metadata_fields(ds)
    assert fields == ["category"]          # tags (list) and score (float) are not categories
    dist = stats.field_distribution(ds, "category", top=5)
    assert len(dist) == 7 and dist[-2][0] == stats.OTHER and dist[-1] == (stats.MISSING, 2)
    assert sum(n for _, n in dist) == len(ds.records)


def test_histogram_switches_to_log_bins_for_wide_ranges():
    narrow = stats.histogram([10, 20, 30, 40], bins=3)
    assert not narrow.log_scale and sum(narrow.counts) == 4
    assert not stats.histogram([0, 1] + list(range(200, 500))).log_scale   # two empty answers
    wide = stats.histogram([1, 5, 50, 500, 5000, 5000], bins=4)
    assert wide.log_scale and sum(wide.counts) == 6 and wide.maximum == 5000
    assert wide.edges[0] <= 1 and wide.edges[-1] > 5000
    assert stats.histogram([]).counts == (0,)
    # one giant record does not squash the rest into a single bar
    h = stats.histogram(list(range(100, 300)) + [90_000], bins=10)
    assert h.overflow == 1 and h.maximum == 90_000 and not h.log_scale
    assert sum(h.counts) == 200 and h.edges[-1] < 400


def test_size_guidance_thresholds():
    ok = stats.size_guidance(3000, "domain", 0.1)
    assert ok.level == "ok" and ok.eval_count == 300 and ok.train_count == 2700
    small = stats.size_guidance(600, "domain", 0.1)
    assert small.level == "warning" and "Too small" in small.messages[0]
    # enough for style adaptation, but the 10% eval split has only 30 examples
    style = stats.size_guidance(300, "style", 0.1)
    assert style.level == "warning" and any("eval split is too small" in m for m in style.messages)
    assert stats.size_guidance(300, "style", 0.2).level == "ok"
    assert stats.size_guidance(20000, "domain", 0.3).level == "warning"   # share outside 10–20%


def test_format_counts_add_up_to_the_records(sample_data):
    """A new user's report: the dashboard's Format chart showed alpaca 597 of 600; the 3 records
    that are not JSON records at all were missing."""
    from curator.core.stats import format_counts

    ds = load_dataset(sample_data / "clinical_notes.jsonl")
    counts = format_counts(ds)
    assert counts["alpaca"] == 597 and counts["unreadable"] == 3 and sum(counts.values()) == len(ds.records)



def test_finding_counts_take_a_fixed_record_as_its_fix(tmp_path):
    """A trial: after record 43's empty answer was fixed, the Dashboard still counted it invalid and
    style-checked while the Examples table did not. With the decisions, a fix counts as what it is."""
    import curator
    from curator.core.decisions import FIXED

    rows = [{"instruction": f"Question {i}?", "input": "", "output": f"Answer number {i} in full."} for i in range(1, 6)]
    rows[1]["output"] = " "                   # line 2: empty answer: invalid, and lint empty_response
    rows[3]["output"] = "TODO"                # line 4: placeholder (lint)
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with curator.open_project(data) as p:
        scan = p.scan
        before = stats.finding_counts(p.dataset, scan)
        assert before["invalid"] == 1 and before["lint"] == 2
        assert stats.finding_counts(p.dataset, scan, p.decisions()) == before      # nothing fixed yet
        p.fix(2, {"instruction": "Question 2?", "input": "", "output": "A real answer now."})
        p.fix(4, {"instruction": "Question 4?", "input": "", "output": "N/A"})   # still a placeholder
        d = p.decisions()
        assert d[2].status == FIXED
        after = stats.finding_counts(p.dataset, scan, d)
        assert after["invalid"] == 0 and after["lint"] == 1
        assert stats.dashboard_stats(p.dataset, scan, d).findings == after


def test_fields_nested_in_any_object_are_offered_and_counted(tmp_path):
    """A trial: a support lead's chats kept intent and category under "meta"; the Dashboard said
    "no metadata field to count by" and the Stratify lists lacked them, though the CLI's
    --stratify meta.category worked. Fields one level into any non-content object count."""
    from curator.core import split

    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}],
             "meta": {"category": ["billing", "refund", "shipping"][i % 3], "source": "bitext", "ticket": i}}
            for i in range(120)]
    p = tmp_path / "chats.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(p)
    fields = stats.metadata_fields(ds)
    assert "meta.category" in fields and "meta.source" in fields
    assert "meta.ticket" not in fields                   # 120 distinct values: an id, not a category
    assert dict(stats.field_distribution(ds, "meta.category")) == {"billing": 40, "refund": 40, "shipping": 40}
    # the Dashboard and the export's split read the same value
    r = ds.records[4]
    assert stats.field_value(r.data, "meta.category") == split.field_value(r.data, "meta.category") == "refund"


def test_nested_fields_leave_out_ids_and_objects_and_read_as_the_split_reads_them(tmp_path):
    """Review findings on nested fields: an object keyed by ids made a million one-record "fields"
    (8 s); a key that is sometimes a string and sometimes an object was offered and counted the
    objects as missing; a nested key holding a dot, and a top-level key holding one, were offered
    but the export's split read every record as missing."""
    from curator.core import split

    rows = []
    for i in range(300):
        rows.append({"instruction": f"q{i}", "input": "", "output": f"a{i}",
                     "scores": {f"doc_{i}_{j}": j for j in range(3)},          # keyed by ids
                     "tool_choice": "auto" if i % 2 else {"type": "function", "function": {"name": "f"}},
                     "meta": {"x.y": "p" if i % 2 else "q", "tier": ["gold", "silver"][i % 2]},
                     "src.name": ["web", "forum"][i % 2]})
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(p)
    fields = stats.metadata_fields(ds)
    assert not any(f.startswith("scores") for f in fields)
    assert "tool_choice" not in fields and "tool_choice.type" in fields
    assert "meta.x.y" not in fields and "meta.tier" in fields and "src.name" in fields
    r = ds.records[0]
    for name in ("meta.tier", "src.name", "tool_choice.type"):
        assert stats.field_value(r.data, name) == split.field_value(r.data, name) != split.MISSING, name
