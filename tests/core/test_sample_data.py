"""The bundled sample data: reproducible, and its planted defects are exactly as documented.

sample_data/defects.json is the ground truth the detector tests assert against, so these
tests check that every documented line exists and really has the documented property, that
the loader reports exactly the documented invalid lines, and that the background holds no
undocumented duplicates or same-question pairs.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from curator.core.dataset import load_dataset

FILES = {"support_chat.jsonl": ("openai", 1500), "clinical_notes.jsonl": ("alpaca", 600)}
LINT_CODES = {"empty_response", "placeholder", "refusal", "truncated", "repeats_prompt", "too_long"}


def norm(text: str) -> str:
    """NFKC, casefold, whitespace runs collapsed, surrounding punctuation stripped."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = " ".join(t.split())
    return t.strip(" .,;:!?\"'()[]{}-–—…")


def record_key(data: dict) -> tuple[str, ...]:
    if "messages" in data:
        return tuple(m["role"] + "|" + norm(str(m.get("content") or "")) for m in data["messages"])
    return (norm(data["instruction"]), norm(data.get("input") or ""), norm(data["output"]))


def prompt_text(data: dict) -> str:
    """The question: every non-system turn before the last assistant turn, or instruction + input."""
    if "messages" in data:
        msgs = [m for m in data["messages"] if m["role"] != "system"]
        last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
        return "\n".join(str(m.get("content") or "") for m in msgs[:last])
    return (data["instruction"] + "\n" + (data.get("input") or "")).strip()


def response_text(data: dict) -> str:
    if "messages" in data:
        return str([m for m in data["messages"] if m["role"] == "assistant"][-1].get("content") or "")
    return data.get("output", "")


@pytest.fixture(scope="module")
def defects(sample_data: Path) -> dict:
    return json.loads((sample_data / "defects.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def datasets(sample_data: Path) -> dict:
    return {name: load_dataset(sample_data / name) for name in FILES}


def test_regenerating_gives_byte_identical_files(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "regen"
    proc = subprocess.run([sys.executable, str(sample_data / "make_samples.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    for name in [*FILES, "defects.json", "README.md"]:
        assert (out / name).read_bytes() == (sample_data / name).read_bytes(), \
            f"{name} differs when regenerated"


def test_files_are_small_enough_to_commit(sample_data: Path) -> None:
    for name in FILES:
        assert (sample_data / name).stat().st_size < 1_600_000


@pytest.mark.parametrize("name", sorted(FILES))
def test_record_counts_and_format(name: str, datasets: dict, defects: dict) -> None:
    ds = datasets[name]
    fmt, count = FILES[name]
    assert ds.format == fmt
    assert len(ds.records) == count == defects["_records"][name]
    assert ds.records[-1].line == count  # no blank lines: record numbers are physical lines


@pytest.mark.parametrize("name", sorted(FILES))
def test_loader_reports_exactly_the_documented_invalid_lines(name, datasets, defects) -> None:
    ds = datasets[name]
    found = sorted({(p.line, p.code) for p in ds.errors})
    documented = sorted((d["line"], d["code"]) for d in defects[name]["invalid"])
    assert found == documented
    assert ds.invalid_count == len({d["line"] for d in defects[name]["invalid"]})
    assert not ds.file_warnings


def _pairs(entry: dict) -> list[list[int]]:
    return entry["exact_duplicates"] + entry["near_duplicates"] + entry["contradictions"] + \
        entry["benign_paraphrases"] + entry["different_questions"]


@pytest.mark.parametrize("name", sorted(FILES))
def test_documented_lines_exist_and_do_not_overlap(name: str, datasets: dict, defects: dict) -> None:
    ds = datasets[name]
    entry = defects[name]
    n = len(ds.records)
    invalid = {d["line"] for d in entry["invalid"]}
    seen: list[int] = []
    for group in _pairs(entry):
        assert all(1 <= ln <= n for ln in group)
        assert len(set(group)) == len(group) >= 2
        assert not invalid & set(group), "planted duplicate/contradiction records must be valid"
        seen.extend(group)
    for d in entry["lint"]:
        assert 1 <= d["line"] <= n and d["code"] in LINT_CODES
        seen.append(d["line"])
    assert len(seen) == len(set(seen)), "each planted record belongs to exactly one defect"
    assert not (set(seen) - {d["line"] for d in entry["lint"]}) & invalid
    # every invalid line is either a malformed line or a lint example that also breaks the schema
    lint_lines = {d["line"] for d in entry["lint"]}
    for d in entry["invalid"]:
        assert d["line"] not in set(seen) - lint_lines


@pytest.mark.parametrize("name", sorted(FILES))
def test_exact_duplicate_groups_are_identical_after_normalisation(name, datasets, defects) -> None:
    ds = datasets[name]
    keys = []
    for group in defects[name]["exact_duplicates"]:
        recs = [ds.by_line(ln).data for ln in group]
        assert len({record_key(r) for r in recs}) == 1, group
        keys.append(record_key(recs[0]))
    assert len(set(keys)) == len(keys)
    # the set covers both kinds: byte-identical lines and ones that only normalisation makes equal
    raw_equal = [len({ds.by_line(ln).raw for ln in g}) == 1 for g in defects[name]["exact_duplicates"]]
    assert any(raw_equal) and not all(raw_equal)


@pytest.mark.parametrize("name", sorted(FILES))
def test_near_duplicates_are_close_but_not_exact(name: str, datasets: dict, defects: dict) -> None:
    ds = datasets[name]
    for a, b in defects[name]["near_duplicates"]:
        ra, rb = ds.by_line(a).data, ds.by_line(b).data
        assert record_key(ra) != record_key(rb)
        ta = norm(prompt_text(ra) + "\n" + response_text(ra))
        tb = norm(prompt_text(rb) + "\n" + response_text(rb))
        assert fuzz.ratio(ta, tb) >= 90, (a, b)


@pytest.mark.parametrize("name", sorted(FILES))
def test_same_question_pairs(name: str, datasets: dict, defects: dict) -> None:
    """Contradictions and benign paraphrases ask the same thing; their answers differ in wording."""
    ds = datasets[name]
    for kind in ("contradictions", "benign_paraphrases"):
        for a, b in defects[name][kind]:
            ra, rb = ds.by_line(a).data, ds.by_line(b).data
            assert fuzz.ratio(norm(prompt_text(ra)), norm(prompt_text(rb))) >= 90, (kind, a, b)
            assert norm(response_text(ra)) != norm(response_text(rb)), (kind, a, b)


@pytest.mark.parametrize("name", sorted(FILES))
def test_contradictions_differ_in_content_words(name: str, datasets: dict, defects: dict) -> None:
    """Each planted contradiction's answers differ in at least one word (a number, a yes/no,
    a drug or a duration), not merely in case or punctuation."""
    ds = datasets[name]
    for a, b in defects[name]["contradictions"]:
        wa = set(re.findall(r"[\w.,–-]+", norm(response_text(ds.by_line(a).data))))
        wb = set(re.findall(r"[\w.,–-]+", norm(response_text(ds.by_line(b).data))))
        assert wa ^ wb, (a, b)


@pytest.mark.parametrize("name", sorted(FILES))
def test_different_questions_differ_in_few_words(name: str, datasets: dict, defects: dict) -> None:
    ds = datasets[name]
    for a, b in defects[name]["different_questions"]:
        pa = norm(prompt_text(ds.by_line(a).data)).split()
        pb = norm(prompt_text(ds.by_line(b).data)).split()
        assert pa != pb
        ops = difflib.SequenceMatcher(a=pa, b=pb, autojunk=False).get_opcodes()
        changed = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in ops if op != "equal")
        assert 1 <= changed <= 3, (a, b, changed)
        assert norm(response_text(ds.by_line(a).data)) != norm(response_text(ds.by_line(b).data))


REFUSAL = re.compile(r"as an ai language model", re.I)
PLACEHOLDERS = {"n/a", "todo", "<noinput>"}


@pytest.mark.parametrize("name", sorted(FILES))
def test_lint_examples_have_the_documented_problem(name: str, datasets: dict, defects: dict) -> None:
    ds = datasets[name]
    codes = {d["code"] for d in defects[name]["lint"]}
    assert codes == LINT_CODES
    for d in defects[name]["lint"]:
        rec = ds.by_line(d["line"]).data
        resp = response_text(rec)
        code = d["code"]
        if code == "empty_response":
            assert not resp.strip()
        elif code == "placeholder":
            assert resp.strip().lower() in PLACEHOLDERS
        elif code == "refusal":
            assert REFUSAL.search(resp)
        elif code == "truncated":
            assert resp and resp.rstrip()[-1].isalnum(), resp[-40:]
        elif code == "repeats_prompt":
            if "messages" in rec:
                last_user = [m for m in rec["messages"] if m["role"] == "user"][-1]["content"]
            else:
                last_user = rec["input"]
            assert resp == last_user
        elif code == "too_long":
            assert len(prompt_text(rec) + resp) / 4 > 20_000  # chars/4 token estimate


@pytest.mark.parametrize("name", sorted(FILES))
def test_background_holds_no_undocumented_duplicates_or_same_questions(name, datasets, defects) -> None:
    """Outside the documented pairs no two valid records are >= 90 similar (rapidfuzz ratio on
    normalised text, system prompt excluded), neither whole nor on the prompt alone."""
    ds = datasets[name]
    entry = defects[name]
    skip = {d["line"] for d in entry["invalid"]}
    skip |= {d["line"] for d in entry["lint"] if d["code"] == "too_long"}
    recs = [r for r in ds.records if r.line not in skip]
    allowed = set()
    for group in _pairs(entry):
        allowed.update(itertools.combinations(sorted(group), 2))
    lines = np.array([r.line for r in recs])
    for which in ("prompt", "full"):
        texts = [norm(prompt_text(r.data)) if which == "prompt"
                 else norm(prompt_text(r.data) + "\n" + response_text(r.data)) for r in recs]
        m = process.cdist(texts, texts, scorer=fuzz.ratio, workers=-1, dtype=np.uint8, score_cutoff=90)
        ii, jj = np.nonzero(np.triu(m, 1))
        extra = sorted({(int(lines[i]), int(lines[j])) for i, j in zip(ii, jj)} - allowed)
        assert not extra, f"undocumented {which} pairs >= 90: {extra[:10]}"
