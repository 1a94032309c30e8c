"""``verify``: an export re-checked against its manifest catches tampering, moved and added records."""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path

import pytest

from curator.cli import main as cli_main
from curator.core.dataset import load_dataset
from curator.core.export import ExportOptions, plan_export, write_export
from curator.core.scan import run_scan
from curator.core.verify import check_leakage, verify_export


@pytest.fixture
def export_dir(tmp_path) -> Path:
    rng = random.Random(4)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(2000)]
    rows = [{"messages": [{"role": "user", "content": " ".join(rng.sample(vocab, 14))},
                          {"role": "assistant", "content": " ".join(rng.sample(vocab, 22))}]} for _ in range(200)]
    src = tmp_path / "data.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_dataset(src)
    write_export(plan_export(ds, run_scan(ds), {}, options=ExportOptions(seed=1)), tmp_path / "out")
    return tmp_path / "out"


def codes(folder: Path) -> set[str]:
    return {p.code for p in verify_export(folder).problems}


def rows(folder: Path, name: str) -> list[bytes]:
    return (folder / name).read_bytes().splitlines()


def write_rows(folder: Path, name: str, items: list[bytes]) -> None:
    (folder / name).write_bytes(b"".join(x + b"\n" for x in items))


def rehash_manifest(folder: Path, *, counts: bool = False) -> None:
    """What a careless (or malicious) hand edit does: make the file hashes match again."""
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, info in m["files"].items():
        data = (folder / name).read_bytes()
        info["sha256"], info["bytes"] = hashlib.sha256(data).hexdigest(), len(data)
        if counts and "records" in info:
            info["records"] = data.count(b"\n")
    (folder / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def test_clean_export_verifies(export_dir):
    rep = verify_export(export_dir)
    assert rep.ok, rep.problems
    assert rep.checked["train_rows"] == 180 and rep.checked["eval_rows"] == 20
    assert rep.leakage.compared == 180 * 20 and rep.leakage.max_score < 90
    assert cli_main(["verify", str(export_dir)]) == 0


def test_tampered_file(export_dir, capsys):
    data = bytearray((export_dir / "train.jsonl").read_bytes())
    i = data.index(b'"content": "') + 12
    data[i] = ord("Z") if data[i] != ord("Z") else ord("Y")
    (export_dir / "train.jsonl").write_bytes(bytes(data))
    assert {"hash", "unknown_row", "missing_row"} <= codes(export_dir)
    assert cli_main(["verify", str(export_dir)]) == 1
    assert "SHA-256 differs" in capsys.readouterr().err
    # a README edit is caught too
    (export_dir / "README.md").write_text("changed", encoding="utf-8")
    assert any("README.md" in p.message for p in verify_export(export_dir).problems)


def test_moved_record_is_named_even_with_rehashed_files(export_dir):
    train, evl = rows(export_dir, "train.jsonl"), rows(export_dir, "eval.jsonl")
    moved = evl.pop(3)
    write_rows(export_dir, "train.jsonl", train + [moved])
    write_rows(export_dir, "eval.jsonl", evl)
    assert {"hash", "size", "count", "moved", "missing_row"} <= codes(export_dir)
    rehash_manifest(export_dir, counts=True)
    rep = verify_export(export_dir)
    assert {p.code for p in rep.problems} >= {"moved", "count", "missing_row"}
    msg = next(p.message for p in rep.problems if p.code == "moved")
    assert "belongs to eval" in msg and "train" in msg


def test_added_near_duplicate_is_caught_by_the_leakage_recheck(export_dir):
    evl = rows(export_dir, "eval.jsonl")
    obj = json.loads(evl[0])
    obj["messages"][1]["content"] += " ok"          # a near copy of an eval record, added to train
    write_rows(export_dir, "train.jsonl", rows(export_dir, "train.jsonl") + [json.dumps(obj).encode()])
    rehash_manifest(export_dir, counts=True)
    rep = verify_export(export_dir)
    got = {p.code for p in rep.problems}
    assert "leakage" in got and "unknown_row" in got
    assert rep.leakage.max_score >= 90 and len(rep.leakage.pairs) == 1
    assert cli_main(["verify", str(export_dir)]) == 1


def test_missing_or_broken_manifest_exits_2(export_dir, tmp_path):
    (export_dir / "eval.jsonl").unlink()
    assert "missing_file" in codes(export_dir)
    (export_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    assert codes(export_dir) == {"manifest"}
    assert cli_main(["verify", str(export_dir)]) == 2
    assert cli_main(["verify", str(tmp_path / "nowhere")]) == 2
    # a new user's report: a folder that does not exist was "no manifest.json"
    assert [p.message for p in verify_export(tmp_path / "nowhere").problems] == [f"{tmp_path / 'nowhere'}: no such folder"]
    (tmp_path / "data.jsonl").write_text("{}\n", encoding="utf-8")
    assert "not a folder" in verify_export(tmp_path / "data.jsonl").problems[0].message


def test_check_leakage_reports_every_pair_and_the_maximum():
    train = [(1, "the quick brown fox jumps over the lazy dog"), (2, "completely different words here")]
    evl = [(10, "the quick brown fox jumps over the lazy dogs"), (11, "nothing alike at all, really")]
    res = check_leakage(train, evl, threshold=90)
    assert [(p.a, p.b) for p in res.pairs] == [(1, 10)]
    assert res.max_pair == (1, 10) and res.max_score > 97 and 1 <= res.compared <= 4
    assert not res.passed
    clean = check_leakage(train[1:], evl[1:], threshold=90)
    assert clean.passed and 0 < clean.max_score < 90


def test_identical_records_approved_twice_verify_but_an_extra_copy_does_not(tmp_path):
    from curator.core.decisions import APPROVED, Decision

    rng = random.Random(8)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(900)]
    recs = [{"messages": [{"role": "user", "content": " ".join(rng.sample(vocab, 12))},
                          {"role": "assistant", "content": " ".join(rng.sample(vocab, 20))}]} for _ in range(40)]
    recs.append(recs[0])                                    # line 41 is a byte-identical copy of line 1
    src = tmp_path / "d.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    ds = load_dataset(src)
    scan = run_scan(ds)
    assert [g.lines for g in scan.exact_duplicates] == [(1, 41)]
    decisions = {ln: Decision(ln, APPROVED) for ln in range(1, 42)}   # the reviewer kept both copies
    write_export(plan_export(ds, scan, decisions), tmp_path / "out")
    out = tmp_path / "out"
    assert sum(1 for r in json.loads((out / "manifest.json").read_text())["records"] if r["line"] in (1, 41)) == 2
    assert verify_export(out).ok
    side = "train.jsonl" if (out / "train.jsonl").read_bytes().count(json.dumps(recs[0]).encode()) else "eval.jsonl"
    write_rows(out, side, rows(out, side) + [json.dumps(recs[0]).encode()])
    rehash_manifest(out)
    assert "duplicate_row" in codes(out)


def test_candidate_leakage_check_finds_what_the_exhaustive_one_finds():
    pytest.importorskip("curator.core.detect.near")
    rng = random.Random(12)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    train = [(i, " ".join(rng.choice(vocab) for _ in range(40))) for i in range(1, 1501)]
    evl = []
    for k in range(150):
        if k % 5 == 0:   # a near copy of a train record: 1-2 words changed
            words = train[rng.randrange(len(train))][1].split()
            for _ in range(rng.randint(1, 2)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            evl.append((5000 + k, " ".join(words)))
        else:
            evl.append((5000 + k, " ".join(rng.choice(vocab) for _ in range(40))))
    ex = check_leakage(train, evl, threshold=90, method="exhaustive")
    ca = check_leakage(train, evl, threshold=90, method="candidates")
    assert len(ex.pairs) == 30
    assert ca.method == "candidates" and ca.compared < ex.compared / 10
    assert {(p.a, p.b) for p in ca.pairs} == {(p.a, p.b) for p in ex.pairs}
    assert ca.max_score == pytest.approx(ex.max_score, abs=0.01)


def test_length_bounded_exhaustive_check_equals_all_pairs():
    from rapidfuzz import fuzz, process

    rng = random.Random(21)
    vocab = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 8))) for _ in range(400)]

    def text(k: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(k))

    train = [(i, text(rng.randint(3, 120))) for i in range(1, 801)]
    evl = []
    for k in range(300):
        if k % 4 == 0:
            src = train[rng.randrange(len(train))][1].split()
            src[rng.randrange(len(src))] = rng.choice(vocab)
            evl.append((1000 + k, " ".join(src)))
        else:
            evl.append((1000 + k, text(rng.randint(3, 120))))
    res = check_leakage(train, evl, threshold=90, method="exhaustive")
    m = process.cdist([t for _, t in evl], [t for _, t in train], scorer=fuzz.ratio, workers=-1)
    want = {(train[c][0], evl[r][0]) for r, c in zip(*(m >= 90).nonzero())}
    assert {(p.a, p.b) for p in res.pairs} == want and len(want) >= 60
    assert res.compared < m.size / 2          # the length bound skipped most pairs
    assert res.max_score == pytest.approx(float(m.max()), abs=0.01)


def test_json_array_exports_name_records_not_lines(tmp_path, capsys):
    """A JSON array's ids are element indexes: the export blocker and verify's problems said
    "lines 3 and 4" / "source line 7" for them."""
    rows_ = [{"instruction": f"Question number {i} about topic {i * 7}?", "input": "", "output": f"Answer {i}."}
             for i in range(40)]
    rows_[3] = {"instruction": "Is the clinic open on Sundays?", "input": "", "output": "Yes, from 9 to 12."}
    rows_[4] = {"instruction": "Is the clinic open on Sundays?", "input": "", "output": "No, it is closed."}
    src = tmp_path / "data.json"
    src.write_text(json.dumps(rows_, indent=2), encoding="utf-8")
    out = tmp_path / "out"
    assert cli_main(["export", str(src), "--out", str(out)]) == 1
    assert "records 4 and 5 (prompt 100" in capsys.readouterr().err
    assert cli_main(["export", str(src), "--out", str(out), "--allow-contradictions"]) == 0
    write_rows(out, "eval.jsonl", rows(out, "eval.jsonl")[1:])
    problems = [p.message for p in verify_export(out).problems if p.code == "missing_row"]
    assert problems and all("source record " in m for m in problems), problems


def test_a_shared_system_prompt_does_not_tie_the_split_and_verify_leaves_it_out_too(shared_datasets, tmp_path):
    """A new user's report: 1,000 code-alpaca examples that share one 866-character system prompt.
    The scan found no duplicates (it discounts the prompt), but the leakage check compared whole
    records: it tied 39,035 pairs, put 691 short examples in one group on the train side and left
    eval with the long ones (median 176 vs 475 characters), exit 0. The check now leaves out the
    scan's boilerplate, records it in the manifest, and verify reads it from there."""
    import statistics

    items = json.loads((shared_datasets / "code-alpaca-2k" / "code_alpaca_2k.json").read_text(encoding="utf-8"))[:1000]
    system = ("You are a senior software engineer who writes correct, idiomatic, well-tested code. " * 11)[:866]
    src = tmp_path / "sys.jsonl"
    src.write_text("".join(json.dumps({"messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": r["instruction"] + ("\n" + r["input"] if r.get("input") else "")},
        {"role": "assistant", "content": r["output"]}]}) + "\n" for r in items), encoding="utf-8")
    ds = load_dataset(src)
    plan = plan_export(ds, run_scan(ds), {}, options=ExportOptions(eval_fraction=0.2, seed=3))
    assert plan.ok and plan.leak_merges < 10, plan.leak_merges
    assert plan.leakage.discounted and plan.leakage.discounted["lines"]

    def median_len(lines):
        return statistics.median(len(ds.by_line(ln).prompt) + len(ds.by_line(ln).response) for ln in lines)

    train, evl = median_len(plan.split.train), median_len(plan.split.eval)
    assert 0.75 < evl / train < 1.33, (train, evl)
    out = tmp_path / "out"
    write_export(plan, out)
    assert json.loads((out / "manifest.json").read_text())["leakage"]["discounted"]["lines"]
    rep = verify_export(out)
    assert rep.ok and rep.leakage.max_score < 90, rep.problems
    # the discount does not hide a real leak: a near copy of an eval record added to train
    obj = json.loads(rows(out, "eval.jsonl")[0])
    obj["messages"][2]["content"] += " ok"
    write_rows(out, "train.jsonl", rows(out, "train.jsonl") + [json.dumps(obj).encode()])
    rehash_manifest(out, counts=True)
    assert "leakage" in {p.code for p in verify_export(out).problems}


def test_similarity_words_say_when_no_pair_needed_scoring():
    """A trial read "highest train/eval similarity 0" of a check that compared no pair (every one
    provably below the threshold) as a measurement."""
    from curator.core.verify import similarity_words

    assert similarity_words(87.456, 120, 90, 2) == "highest train/eval similarity 87.46 (threshold 90)"
    assert similarity_words(0.0, 0, 90) == ("no train/eval pair can reach the threshold 90 (their lengths "
                                            "rule it out, so none needed a full comparison)")
    # a candidate search that proposed nothing proves nothing about every pair (a review finding)
    assert "not every pair" in similarity_words(0.0, 0, 90, method="candidates")
