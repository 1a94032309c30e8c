"""run_scan end to end: sample_data planted defects, ChatDoctor's real contradictions, CLI JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from curator.core.dataset import load_dataset
from curator.core.findings import CONTRADICTION_REASONS, ScanResult
from curator.core.progress import CancelFlag, Cancelled, Progress
from curator.core.scan import ScanSettings, run_scan

FILES = ("support_chat.jsonl", "clinical_notes.jsonl")


@pytest.fixture(scope="module")
def scans(sample_data):
    spec = json.loads((sample_data / "defects.json").read_text())
    return {name: (run_scan(load_dataset(sample_data / name)), spec[name]) for name in FILES}


@pytest.mark.parametrize("name", FILES)
def test_every_planted_duplicate_is_found(scans, name):
    result, spec = scans[name]
    groups = {tuple(sorted(g.lines)) for g in result.exact_duplicates}
    for lines in spec["exact_duplicates"]:
        assert tuple(sorted(lines)) in groups
    for a, b in spec["near_duplicates"]:
        assert any(a in c.lines and b in c.lines for c in result.near_duplicates), (a, b)
    for c in result.near_duplicates:
        assert c.keeper in c.lines
        assert all(p.score >= 90 for p in c.pairs)


@pytest.mark.parametrize("name", FILES)
def test_every_planted_contradiction_is_found(scans, name):
    result, spec = scans[name]
    found = {(c.a, c.b) for c in result.contradictions}
    for a, b in spec["contradictions"]:
        assert (min(a, b), max(a, b)) in found, (a, b)
    for c in result.contradictions:
        assert c.diff and c.prompt_similarity >= 90
        assert c.reason in CONTRADICTION_REASONS, c   # a reviewer is told why it was flagged


@pytest.mark.parametrize("name", FILES)
def test_false_alarms_on_paraphrases_and_different_questions_stay_bounded(scans, name):
    """Measured, not zero: see the README for the rates. Different questions must almost never be
    flagged; benign paraphrases are the hard case and may not exceed the measured rate."""
    result, spec = scans[name]
    found = {(c.a, c.b) for c in result.contradictions}
    benign = [p for p in spec["benign_paraphrases"] if (min(p), max(p)) in found]
    different = [p for p in spec["different_questions"] if (min(p), max(p)) in found]
    assert len(benign) <= 0.6 * len(spec["benign_paraphrases"])
    assert len(different) <= 1


def test_invalid_records_are_not_compared(scans):
    result, spec = scans["support_chat.jsonl"]
    bad = {p["line"] for p in spec["invalid"]}
    compared = {ln for g in result.exact_duplicates for ln in g.lines}
    compared |= {ln for c in result.near_duplicates for ln in c.lines}
    compared |= {ln for k in result.contradictions for ln in (k.a, k.b)}
    assert not compared & bad


def test_chatdoctor_real_contradictions_and_a_short_list(shared_datasets):
    ds = load_dataset(shared_datasets / "chatdoctor-genmedgpt-5k" / "chatdoctor5k.json")
    result = run_scan(ds)
    found = {(c.a, c.b) for c in result.contradictions}
    # PROVENANCE.md numbers records from 0; our lines are 1-based element indexes
    for a, b in ((2661, 3152), (3820, 4511), (4953, 5311)):
        assert (a + 1, b + 1) in found
    assert len(result.contradictions) <= 40
    assert result.discounted


def test_result_round_trips_and_settings_are_recorded(scans):
    result, _ = scans["clinical_notes.jsonl"]
    again = ScanResult.from_json(json.loads(json.dumps(result.to_json())))
    assert again == result
    assert result.settings["near_threshold"] == 90
    assert set(result.timings) >= {"exact", "near", "contradictions", "lint"}


def test_settings_dict_and_cancel(sample_data):
    ds = load_dataset(sample_data / "clinical_notes.jsonl")
    loose = run_scan(ds, settings={"near_threshold": 97, "contradictions": False, "unknown": 1})
    assert loose.settings == ScanSettings(near_threshold=97, contradictions=False).to_dict()
    assert not loose.contradictions
    prog = Progress()
    run_scan(ds, settings={"contradictions": False}, progress=prog)
    assert prog.snapshot().label
    flag = CancelFlag()
    flag.set()
    with pytest.raises(Cancelled):
        run_scan(ds, cancel=flag)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "curator", "scan", *args], capture_output=True, text=True,
                          check=False)


def test_cli_json_extends_validate(sample_data, tmp_path):
    path = sample_data / "clinical_notes.jsonl"
    proc = _cli(str(path), "--json", "--near-threshold", "92")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    val = json.loads(subprocess.run([sys.executable, "-m", "curator", "validate", str(path), "--json"],
                                    capture_output=True, text=True, check=False).stdout)
    for k, v in val.items():
        assert doc[k] == v
    assert {"exact_duplicates", "near_duplicates", "contradictions", "lint", "timings"} <= set(doc)
    assert set(doc["near_duplicates"][0]) >= {"lines", "keeper", "pairs"}
    assert set(doc["near_duplicates"][0]["pairs"][0]) >= {"a", "b", "score"}
    assert all(p["score"] >= 92 for c in doc["near_duplicates"] for p in c["pairs"])
    assert set(doc["contradictions"][0]) >= {"a", "b", "prompt_similarity", "response_similarity"}
    assert {c["reason"] for c in doc["contradictions"]} <= set(CONTRADICTION_REASONS)
    assert set(doc["lint"][0]) >= {"line", "code", "message"}
    assert doc["settings"]["near_threshold"] == 92

    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps({"instruction": "Name a colour.", "output": "Blue is a colour."}) + "\n"
                     + json.dumps({"instruction": "Name a fruit.", "output": "An apple is a fruit."}) + "\n")
    assert _cli(str(clean)).returncode == 0
    assert _cli(str(tmp_path / "missing.jsonl"), "--json").returncode == 2
    assert _cli(str(clean), "--near-threshold", "150").returncode == 2


def _edited_copies(rng, words: list[str], *, bases: int, copies: int) -> list[tuple[str, str]]:
    """``copies`` chats of each of ``bases`` random examples, one word changed in each turn."""
    base = [(" ".join(rng.choices(words, k=40)), " ".join(rng.choices(words, k=60))) for _ in range(bases)]
    rows = []
    for k in range(bases * copies):
        q, a = base[k % bases]
        q, a = q.split(), a.split()
        a[rng.randrange(len(a))] = rng.choice(words)
        q[rng.randrange(len(q))] = rng.choice(words)
        rows.append((" ".join(q), " ".join(a)))
    return rows


def _write_chats(path, rows: list[tuple[str, str]]):
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": x},
                                                     {"role": "assistant", "content": y}]}) + "\n"
                            for x, y in rows))
    return path


def test_templated_data_bounds_large_clusters_and_says_so(tmp_path):
    """Issue 3 trial: a few bases copied many times with word swaps made clusters of millions of
    pairs. Large clusters now carry a bounded pair list (flagged), small ones every pair."""
    import random

    rng = random.Random(11)
    words = [f"word{k}" for k in range(2000)]
    rows = _edited_copies(rng, words, bases=3, copies=60)
    # one small cluster: two copies of a fourth example, one word changed
    q, a = " ".join(rng.choices(words, k=40)), " ".join(rng.choices(words, k=60))
    rows += [(q, a), (q, a.replace(a.split()[3], "changed", 1))]
    # unrelated filler: shingles shared by more than 1 % of records are dropped as stop words,
    # so the file must be large enough for 60 copies to stay under that share
    rows += [(" ".join(rng.choices(words, k=40)), " ".join(rng.choices(words, k=60))) for _ in range(6200)]
    result = run_scan(load_dataset(_write_chats(tmp_path / "templated.jsonl", rows)))
    big = [c for c in result.near_duplicates if len(c.lines) > 50]
    small = [c for c in result.near_duplicates if len(c.lines) <= 50]
    assert len(big) == 3 and all(len(c.lines) == 60 for c in big)
    assert all(c.pairs_truncated and len(c.pairs) <= 2 * len(c.lines) for c in big)
    for c in big:
        assert {x for p in c.pairs for x in (p.a, p.b)} == set(c.lines)
        assert any(c.keeper in (p.a, p.b) for p in c.pairs)
    assert [c.lines for c in small] == [(181, 182)] and not small[0].pairs_truncated
    assert len(result.notes) == 2 and "pairs_truncated" in result.notes[0]
    doc = result.to_json()
    assert all(("pairs_truncated" in c) == (len(c["lines"]) > 50) for c in doc["near_duplicates"])
    back = ScanResult.from_json(json.loads(json.dumps(doc)))
    assert back.near_duplicates == result.near_duplicates and back.notes == result.notes


def test_a_small_file_with_many_copies_of_one_example_keeps_each_cluster_whole(tmp_path):
    """Stop-shingles are those in more than max(1 %, 200) texts: in a 180-record file, 60 edited
    copies of one example keep their shingles and form one cluster (with a floor of 50 the
    third base split into 55 + 5)."""
    import random

    rng = random.Random(11)
    words = [f"word{k}" for k in range(2000)]
    rows = _edited_copies(rng, words, bases=3, copies=60)
    result = run_scan(load_dataset(_write_chats(tmp_path / "copies.jsonl", rows)))
    assert sorted(len(c.lines) for c in result.near_duplicates) == [60, 60, 60]


def test_bitext_generated_answers_flag_disagreements_not_rewordings(shared_datasets, tmp_path):
    """Bitext's 4,514 support answers are LLM-generated per intent: near-identical questions get
    differently worded answers. Three patterns were read by hand as false alarms and are not
    contradictions now; a real one (a $12 refund for a $1200 claim) still is. 145 flags before."""
    import csv

    src = shared_datasets / "bitext-customer-support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    path = tmp_path / "bitext.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": r["instruction"]},
                                                     {"role": "assistant", "content": r["response"]}]}) + "\n"
                            for r in rows), encoding="utf-8")
    found = {(c.a, c.b): c.reason for c in run_scan(load_dataset(path)).contradictions}
    assert found.get((4469, 4486)) == "different_numbers"      # "$12" for "a reimbursement of 1200 dollars"
    assert (523, 532) not in found     # the other answer asks for the account details first (defers)
    assert (2391, 2421) not in found   # the same steps reworded in 9 places ("log in"/"login", …)
    assert found.get((3036, 3177)) != "yes_no"   # "I'm sorry to hear that…" is empathy, not a "no"
    # a courtesy formula negates nothing: "don't hesitate to reach out", "no problem at all!"
    from curator.core.detect.contradictions import _features
    assert not _features("No problem at all! Our hours are on the website. Don't hesitate to call.")[4]
    assert _features("Sorry, we don't deliver to Reno. Don't hesitate to ask.")[4]
    assert (1309, 1418) in found       # "from {{Start Time}} to {{End Time}}" vs "we operate 24/7"
    assert len(found) <= 70, len(found)
