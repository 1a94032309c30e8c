"""Detectors on their own: normalisation, exact groups, near-duplicate recall against brute force,
Chinese text, boilerplate, the contradiction judge and lint codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from curator.core.dataset import load_dataset
from curator.core.detect.boilerplate import find_boilerplate
from curator.core.detect.contradictions import find_contradictions, judge
from curator.core.detect.exact import find_exact_duplicates
from curator.core.detect.lint import lint_records
from curator.core.detect.near import bound_cluster_pairs, cluster_pairs, near_duplicate_pairs
from curator.core.detect.normalize import has_spaces, normalize
from curator.core.detect.text import essential_differences, word_diff
from curator.core.progress import CancelFlag, Cancelled, Progress

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_scan_data import make_records, write_jsonl


def test_normalize_folds_unicode_case_space_and_edge_punctuation():
    assert normalize("  «Ｈｅｌｌｏ,\t  WORLD!!» ") == "hello, world"
    assert normalize("Straße") == normalize("STRASSE")
    assert normalize("...") == ""
    assert normalize("你好，世界。") == "你好,世界"


def test_normalize_ascii_fast_path_equals_collapse_then_strip():
    # the ASCII path skips split/join when only single spaces occur; it must give exactly what
    # collapsing every whitespace run and stripping edge punctuation gives
    import random
    import string

    rng = random.Random(5)
    alphabet = "aZ9 .,!?-'\"()" + "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
    cases = ["", " ", "a", " a ", "a  b", ". a .", "!a b!", "a\x1fb", "x \n", "--", "a - b", "-9", " -9 ", "- 9", "(-9"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    edges = string.punctuation + " "
    for text in cases:
        collapsed = " ".join(text.lower().split())
        ref = collapsed.strip(edges)
        lead = collapsed[:len(collapsed) - len(collapsed.lstrip(edges))]
        if ref[:1].isdigit() and lead.endswith("-"):     # a negative number keeps its sign
            ref = "-" + ref
        assert normalize(text) == ref, repr(text)


def test_a_negative_number_keeps_its_sign():
    """A new user's report: "7 - 2 = ?" answered "5" and "-5" were grouped as exact duplicates and
    the wrong one exported; the sign is part of the answer, not surrounding punctuation."""
    assert normalize("-5") == "-5" != normalize("5")
    assert normalize("  −7. ") == normalize("-7") == "-7"          # U+2212, the minus sign
    assert normalize("(-3)") == "-3" and normalize("Answer: -5") == "answer: -5"
    assert normalize("- item") == "item" and normalize("-x") == "x"  # a bullet or a dash is still punctuation
    keys = [normalize(x) for x in ("5", "-5", "5.")]
    groups, _reps = find_exact_duplicates(keys, [1, 2, 3])
    assert [g.lines for g in groups] == [(1, 3)]


def test_ascii_token_pattern_matches_the_unicode_one_on_normalised_ascii():
    # tokens() uses a faster ASCII pattern on lower-case ASCII text; it must split exactly alike
    import random

    from curator.core.detect import text

    rng = random.Random(9)
    alphabet = "abz09 .,'-x1"
    cases = ["it's 1,000.50 dollars", "abc123def 12,3,4 x1.2.3y a,1 1. 2..", "don't 'quoted' a'b'c"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20000)]
    for t in cases:
        assert text._TOKEN_ASCII.findall(t) == text._TOKEN.findall(t), repr(t)


def test_exact_groups_and_keeper():
    keys = ["a", "b", "a", "c", "a", "b"]
    groups, reps = find_exact_duplicates(keys, [1, 2, 3, 4, 5, 6], keeper_rank=lambda i: (i == 2,))
    assert [(g.lines, g.keeper) for g in groups] == [((1, 3, 5), 3), ((2, 6), 2)]
    assert sorted(reps) == [1, 2, 3]


def _brute_force(texts: list[str], threshold: float) -> set[tuple[int, int]]:
    m = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8, workers=2)
    ii, jj = np.nonzero(m)
    return {(int(i), int(j)) for i, j in zip(ii, jj) if i < j}


@pytest.mark.slow
def test_near_duplicates_match_brute_force_and_never_report_below_threshold():
    recs, _planted = make_records(1500, seed=11)
    texts = list(dict.fromkeys(normalize(r["messages"][0]["content"]) + "\n" + normalize(r["messages"][1]["content"])
                               for r in recs))
    truth = _brute_force(texts, 90)
    assert len(truth) >= 40, "the generated set must contain near-duplicates to test anything"
    found = near_duplicate_pairs(texts, threshold=90)
    got = {(i, j) for i, j, _ in found}
    assert len(got & truth) / len(truth) >= 0.98
    for i, j, s in found:
        assert s >= 90 and fuzz.ratio(texts[i], texts[j]) >= 90
    assert got <= truth


@pytest.mark.slow
def test_scan_near_duplicates_match_brute_force(tmp_path):
    """The scan itself (what ``curator scan`` reports, one thread or two) finds the pairs that
    exhaustive rapidfuzz finds on the record texts, and nothing below the threshold."""
    from curator.core.scan import run_scan

    recs, _planted = make_records(1500, seed=11)
    write_jsonl(tmp_path / "gen.jsonl", recs)
    ds = load_dataset(tmp_path / "gen.jsonl")
    text_of = {r.line: normalize(r.turns[0].content) + "\n" + normalize(r.turns[1].content) for r in ds.records}
    texts = list(dict.fromkeys(text_of.values()))
    index = {t: i for i, t in enumerate(texts)}
    truth = _brute_force(texts, 90)
    assert len(truth) >= 40
    for workers in (1, 2):
        result = run_scan(ds, settings={"lint": False}, workers=workers)   # 2: near pass on the helper
        got = {tuple(sorted((index[text_of[p.a]], index[text_of[p.b]])))
               for c in result.near_duplicates for p in c.pairs}
        assert len(got & truth) / len(truth) >= 0.98
        assert got <= truth
        assert all(p.score >= 90 for c in result.near_duplicates for p in c.pairs)


def test_chinese_text_is_shingled_by_characters(shared_datasets):
    path = shared_datasets / "medicalgpt-medical-sft-1k" / "medical_sft_1K_format.jsonl"
    ds = load_dataset(path)
    texts = [normalize(r.prompt) + "\n" + normalize(r.response) for r in ds.records if r.valid][:400]
    assert not has_spaces(texts[0])
    base = texts[7]
    # a copy with two characters changed: still ≥ 90 similar, must be found
    edited = base[:10] + "药" + base[11:40] + "病" + base[41:]
    assert fuzz.ratio(base, edited) >= 90
    found = near_duplicate_pairs(texts + [edited], threshold=90)
    assert (7, len(texts)) in {(i, j) for i, j, _ in found}


def test_minhash_signatures_do_not_depend_on_how_texts_are_chunked(shared_datasets):
    """Shingles are hashed, thinned and signed a chunk of texts at a time: the signatures must be
    those of the whole set at once (common shingles counted across chunks, every text's bins
    filled from its own shingles), for spaced and unspaced text mixed."""
    from curator.core.detect import near

    zh = load_dataset(shared_datasets / "medicalgpt-medical-sft-1k" / "medical_sft_1K_format.jsonl")
    recs, _ = make_records(700, seed=5)
    texts = [normalize(r["messages"][1]["content"]) for r in recs]
    texts += [normalize(r.response) for r in zh.records if r.valid][:300]
    texts += ["the same opening sentence of every reply " + t for t in texts[:250]]   # > 200: common
    texts += ["", "a", "短"]
    whole = near.drop_common(near.shingle_hashes(texts, chunk=len(texts)))
    assert sum(len(h) for h, _, _ in whole.parts) < sum(
        len(h) for h, _, _ in near.shingle_hashes(texts, chunk=len(texts)).parts)   # something dropped
    expected = near.signatures(whole)
    for chunk in (1, 7, 333):
        got = near.signatures(near.drop_common(near.shingle_hashes(texts, chunk=chunk)))
        assert np.array_equal(got, expected), chunk


def test_near_duplicates_report_progress_and_cancel():
    recs, _ = make_records(600, seed=3)
    texts = [normalize(r["messages"][1]["content"]) for r in recs]
    prog = Progress()
    near_duplicate_pairs(texts, progress=prog)
    assert prog.snapshot().label
    flag = CancelFlag()
    flag.set()
    with pytest.raises(Cancelled):
        near_duplicate_pairs(texts, cancel=flag)


def test_chatdoctor_constant_instruction_is_discounted(shared_datasets):
    ds = load_dataset(shared_datasets / "chatdoctor-genmedgpt-5k" / "chatdoctor5k.json")
    bp = find_boilerplate(ds.records)
    assert any("if you are a doctor" in d for d in bp.discounted)
    rec = ds.records[0]
    assert "if you are a doctor" not in bp.varying_prompt(rec)
    assert normalize(rec.data["input"])[:20] in bp.varying_prompt(rec) or bp.prefixes


@pytest.mark.parametrize("a, b, expected", [
    ("positive", "negative", True),                                   # labels
    ("The target INR is 2.0 to 3.0.", "The target INR is 2.5 to 3.5.", True),  # numbers
    ("Yes, gift wrapping is free.", "No, we do not offer gift wrapping.", True),
    ("...found to have left lower lobe pneumonia.", "...found to have right lower lobe pneumonia.", True),
    ("Refunds reach your card in 5–7 business days.", "Your card is refunded within 5–7 business days.", False),
    ("Refunds reach your card in 5–7 business days.", "Refunds reach your card in 5–7 business days!", False),
])
def test_judge_answers(a, b, expected):
    assert judge(a, b, response_threshold=35)[0] is expected


def test_essential_words_versus_typos():
    assert essential_differences("how to decline an invitation to a school", "how to decline an invitation to a war") \
        == (["school"], ["war"])
    assert essential_differences("I've been a Plus mmber since last year", "I've been a Plus member since last year") \
        == ([], [])
    assert essential_differences("Quick question: how should levothyroxine be taken?",
                                 "How shold levothyroxine be taken?") == ([], [])
    assert essential_differences("code for type 1 diabetes", "code for type 2 diabetes") == (["1"], ["2"])
    # one letter apart but opposite prefixes: a different question, not a typo
    assert essential_differences("code hypothyroidism, unspecified", "code hyperthyroidism, unspecified") \
        == (["hypothyroidism"], ["hyperthyroidism"])


@pytest.mark.parametrize("a, b", [("Explain recursion in one sentence.", "Explain erosion in one sentence."),
                                  ("What is the chemical formula of methane?", "What is the chemical formula of ethane?"),
                                  ("What is the capital of Austria?", "What is the capital of Australia?")])
def test_two_real_words_spelled_alike_are_different_questions(a, b):
    """A new user's report: in a small file (each word once) these were paired as typos, so the
    questions counted as the same one: the different answers were flagged as contradictions and
    export dropped 'Explain erosion' as a near-duplicate of 'Explain recursion'."""
    only_a, only_b = essential_differences(normalize(a), normalize(b))
    assert only_a and only_b
    # misspellings that no dictionary has are still typos
    assert essential_differences("dose of amoxicilin for a child", "dose of amoxicillin for a child") == ([], [])
    answers = ["A function that calls itself.", "Wearing away of rock by water and wind."]
    found = find_contradictions([normalize(a), normalize(b)], answers, [1, 2])
    assert found == []


def test_the_numbers_of_a_numbered_list_are_not_facts():
    """A new user's report: 162 contradictions on Bitext customer support, nearly all the same
    steps worded twice, one answer as a numbered list: "1.", "2." counted as stated numbers, the
    cue for a disagreement. A number inside a step still counts."""
    q = normalize("How do I update my delivery address?")
    a = ("Sure, here is how to update your delivery address:\n1. Log in to your account.\n"
         "2. Open the Addresses page.\n3. Edit the address and save it.")
    b = ("Updating the delivery address is easy: sign in to your account, go to the Addresses page, "
         "change the details there and save.")
    assert judge(a, b, response_threshold=35)[0]                  # the numbers alone made it a "disagreement"
    assert find_contradictions([q, q], [a, b], [1, 2]) == []
    # a hard-wrapped line that starts with a number is no list: the number is a fact
    wrapped_a = "For an adult the usual dose is\n4. Do not take more than that in a day."
    wrapped_b = "For an adult the usual dose is\n8. Do not take more than that in a day."
    assert len(find_contradictions([q, q], [wrapped_a, wrapped_b], [1, 2])) == 1
    c = a.replace("Edit the address and save it.", "Edit the address; changes take 14 days.")
    d = a.replace("Edit the address and save it.", "Edit the address; changes take 2 days.")
    assert len(find_contradictions([q, q], [c, d], [1, 2])) == 1


def test_word_diff():
    assert word_diff("free on orders over $50 today", "free on orders over $75 today") == (
        ("equal", "free on orders over"), ("delete", "$50"), ("insert", "$75"), ("equal", "today"))


def test_lint_codes_on_sample_data(sample_data):
    spec = json.loads((sample_data / "defects.json").read_text())
    for name in ("support_chat.jsonl", "clinical_notes.jsonl"):
        ds = load_dataset(sample_data / name)
        found = {(f.line, f.code) for f in lint_records(ds.records)}
        for want in spec[name]["lint"]:
            assert (want["line"], want["code"]) in found, (name, want)


def test_common_sentences_split_like_the_sentence_regex():
    # common_sentences marks sentence breaks with str.replace; it must count exactly the sentences
    # that splitting at "[.!?]\s+" and collapsing whitespace gives, including odd whitespace and NUL
    import re
    from collections import Counter

    from curator.core.detect.contradictions import common_sentences

    base = ["Refunds take 5 days.  Let me know if you need anything else!\tThanks.",
            "Let me know if you need anything else!\n\nWe ship on Monday? Yes.",
            "Let me know if you  need anything else! Bye.\x00 ok.", "Thanks.\u00a0Let me know if you need anything else!"]
    responses = [f"{b} Case {i}." for i in range(6) for b in base]
    counts: Counter = Counter()
    for r in responses:
        counts.update({" ".join(x.lower().split()) for x in re.split(r"(?<=[.!?])\s+", r.strip())})
    expected = {normalize(x) for x, c in counts.items() if c >= 5 and x}
    assert common_sentences(responses, min_count=5) == expected
    assert "let me know if you need anything else" in expected and "bye.\x00 ok" in expected


def test_compiled_sequence_matcher_gives_difflib_opcodes(sample_data):
    # text.py uses cydifflib when it is installed: its opcodes must be difflib's, word for word
    cydifflib = pytest.importorskip("cydifflib")
    import difflib
    import itertools

    from curator.core.detect.text import tokens

    answers = [r.response for p in sorted(sample_data.glob("*.jsonl")) for r in load_dataset(p).records if r.valid]
    assert len(answers) > 100
    for a, b in itertools.pairwise(answers):
        for x, y in ((a.split(), b.split()), (tokens(a, number_words=False), tokens(b, number_words=False))):
            assert cydifflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes() == \
                difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()


def _templated(n_bases: int, copies: int, seed: int = 3) -> list[str]:
    """``copies`` variants of each of ``n_bases`` long texts, two random words swapped in each."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{k}" for k in range(3000)]
    texts = []
    for b in range(n_bases):
        base = [vocab[x] for x in rng.integers(0, len(vocab), 120)]
        for _ in range(copies):
            words = list(base)
            for pos in rng.integers(0, len(words), 2):
                words[pos] = vocab[rng.integers(0, len(vocab))]
            texts.append(" ".join(words) + f" base{b}")
    return texts


def _components(n: int, pairs) -> list[tuple[int, ...]]:
    return sorted(tuple(m) for m, _ in cluster_pairs(n, pairs))


def test_large_clusters_skip_connected_pairs_but_keep_components_and_scores():
    # 3 templated bases with 40 copies each (large clusters for a bound of 10) and 20 bases
    # with 4 copies (small)
    texts = _templated(3, 40) + _templated(20, 4, seed=5)
    full = near_duplicate_pairs(texts, threshold=90)
    stats: dict = {}
    bounded = near_duplicate_pairs(texts, threshold=90, large_cluster=10, stats=stats)
    assert stats["skipped_connected"] > 1000
    assert len(bounded) < len(full) / 5
    # the same clusters, every reported pair a real pair with its exact score
    assert _components(len(texts), bounded) == _components(len(texts), full)
    full_set = set(full)
    assert all(p in full_set for p in bounded)
    assert all(fuzz.ratio(texts[i], texts[j]) >= 90 for i, j, _ in bounded)
    # clusters of 10 members or fewer keep every pair
    small = set(range(120, len(texts)))
    assert {p for p in full if p[0] in small} == {p for p in bounded if p[0] in small}
    assert any(p[0] in small for p in full)


def test_bound_cluster_pairs_keeps_best_pair_per_member_and_keeper_pairs():
    texts = _templated(1, 40)
    pairs = near_duplicate_pairs(texts, threshold=90)
    (members, cpairs), = cluster_pairs(len(texts), pairs)
    assert len(members) == 40 and len(cpairs) == 40 * 39 // 2
    kept, truncated = bound_cluster_pairs(members, cpairs, keeper=5, large_cluster=30)
    assert truncated and len(kept) <= 2 * len(members) and set(kept) <= set(cpairs)
    assert {x for p in kept for x in p[:2]} == set(members)
    assert {p for p in cpairs if 5 in p[:2]} <= set(kept)
    for m in members:
        best = max(s for i, j, s in cpairs if m in (i, j))
        assert any(m in (i, j) and s == best for i, j, s in kept)
    same, truncated = bound_cluster_pairs(members, cpairs, keeper=5, large_cluster=40)
    assert not truncated and same == list(cpairs)


def _reference_lsh(sig, bands, rows, max_bucket=64):
    """The original band-by-band LSH (stable argsort per band, one round per distance)."""
    from curator.core.detect import near

    mult = near._mix(np.arange(1, rows + 1, dtype=np.uint64))
    found = set()
    for band in range(bands):
        cols = sig[:, band:bands * rows:bands].astype(np.uint64)
        key = near._mix((cols * mult).sum(axis=1, dtype=np.uint64) + np.uint64(band))
        order = np.argsort(key, kind="stable")
        ks = key[order]
        for d in range(1, max_bucket):
            hit = np.flatnonzero(ks[d:] == ks[:-d])
            found.update(zip(np.minimum(order[hit], order[hit + d]).tolist(),
                             np.maximum(order[hit], order[hit + d]).tolist()))
    return sorted(found)


@pytest.mark.parametrize("identity_mix", [False, True])
def test_lsh_candidates_match_the_band_by_band_reference(monkeypatch, identity_mix):
    # adversarial signatures: random, few distinct values (huge buckets), all identical, tiny n.
    # With an identity "hash", keys agree in their top bits, which forces the whole-key fallback.
    from curator.core.detect import near

    if identity_mix:
        monkeypatch.setattr(near, "_mix", lambda x: x.astype(np.uint64))
    rng = np.random.default_rng(3)
    cases = [rng.integers(0, 2**32, (300, 64), dtype=np.uint64).astype(np.uint32),
             rng.integers(0, 3, (400, 64)).astype(np.uint32),
             np.zeros((150, 64), dtype=np.uint32),
             rng.integers(0, 2, (2, 64)).astype(np.uint32),
             rng.integers(0, 5, (5000, 16)).astype(np.uint32)]
    for sig in cases:
        for bands, rows, max_bucket in ((32, 2, 64), (8, 2, 5), (16, 1, 2)):
            if bands * rows > sig.shape[1]:
                continue
            got = near.lsh_candidates(sig, bands=bands, rows=rows, max_bucket=max_bucket)
            assert [tuple(p) for p in got.tolist()] == _reference_lsh(sig, bands, rows, max_bucket), \
                (sig.shape, bands, rows, max_bucket)


def _lint_codes(tmp_path, rows) -> dict[int, set[str]]:
    path = tmp_path / "lint.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out: dict[int, set[str]] = {}
    for f in lint_records(load_dataset(path).records):
        out.setdefault(f.line, set()).add(f.code)
    return out


def test_lint_reads_code_endings_and_task_text_as_such(tmp_path):
    """A new user's report on code-alpaca: complete code ending in '/', ':' or a comment was
    'truncated', a TODO the prompt asks to complete and an answer quoting the prompt's own option
    ('undefined') were 'placeholders'. Real cases still count."""
    def row(q, a):
        return {"instruction": q, "input": "", "output": a}

    rows = [
        row("Write a bash script to back up the data folder.", "DATE=`date +%F`\ntar -zcvf backup-$DATE.tar.gz data/"),
        row("Write the signature of a gcd function.", "def gcd(x, y):"),
        row("Write a regex matching strings that contain hello.", "/^.*hello.*$/"),
        row("Complete the function.\nfunction f(s) {\n  // TODO: complete this function\n}",
            "function f(s) {\n  return s.length;\n}"),
        row("Which is not a valid JSON data type: 'undefined', 'string' or 'number'?", "undefined"),
        row("Lay out this text in two columns: <p>Lorem ipsum dolor sit amet.</p>",
            "<div class='col'>Lorem ipsum dolor sit amet.</div>"),
        # still found:
        row("Explain why the sky is blue to a child.",
            "Sunlight is made of many colours, and when it passes through the air the blue part is "
            "scattered much more than the red part, which is why when you look up on a clear day "
            "you mostly see the blue light that has been bounced around the sky by the tiny"),
        row("Show the code.", "```python\nprint('hi')\n"),
        row("What is the capital of France?", "N/A"),
        row("Describe our refund policy.", "Refunds take TODO days."),
        row("Summarise the input.", "Lorem ipsum dolor sit amet."),
        {"instruction": "Summarise the text.", "input": "<noinput>", "output": "There is no text to summarise."},
    ]
    # an edit task is answered by a close copy of its input: not "repeats the prompt" (code-alpaca)
    code = "def add(a, b):\n    return a - b"
    rows += [row(f"Fix the bug in this code.\n{code}", code.replace("a - b", "a + b")),
             row("Tell me about the refund policy for damaged parcels.", "Tell me about the refund policy for damaged parcels.")]
    # prose that merely has parentheses, percentages, "function" or an indented list (review finding)
    cut = ["Kidney function is measured by the", "Steps:\n  1. Take the tablet\n  2. Then drink the",
           "Monitor creatinine (Cr), eGFR (mL/min) and the", "The results were: 50% (n=20) and the"]
    rows += [row("Explain it.", text) for text in cut]
    codes = _lint_codes(tmp_path, rows)
    assert all(not codes.get(ln) for ln in range(1, 7)), codes
    assert "truncated" in codes[7] and "truncated" in codes[8]
    assert "repeats_prompt" not in codes.get(13, ()) and "repeats_prompt" in codes[14], codes
    assert all("truncated" in codes.get(ln, ()) for ln in range(15, 19)), codes
    assert {9, 10, 11, 12} <= {ln for ln, c in codes.items() if "placeholder" in c}, codes


def test_lint_dialogue_and_garbled_text_on_chatdoctor(tmp_path, shared_datasets):
    """ChatDoctor's answers were cut from generated dialogues: 161 go on with the patient's next
    turn ("… a urinalysis.Patient: Okay, what other …"), and 32 records lost characters in an
    encoding conversion ("I??ve", "itâ€™s"). A clinician found them by searching; lint names them."""
    ds = load_dataset(shared_datasets / "chatdoctor-genmedgpt-5k" / "chatdoctor5k.json")
    found = lint_records(ds.records)
    dialogue = {f.line for f in found if f.code == "dialogue_in_response"}
    garbled = {f.line: f.message for f in found if f.code == "garbled_text"}
    # every answer with a "Patient:" turn inside it, and nothing else
    assert dialogue == {r.line for r in ds.records if "Patient:" in r.response}
    assert len(dialogue) == 161
    assert len(garbled) == 32 and {396, 923, 1015, 2383} <= set(garbled)
    assert "'you??e' in the assistant turn" in garbled[1015]
    assert "'Itâ€™s' in the assistant turn" in garbled[396]
    assert "in the user turn" in garbled[923]

    def chat(q, a):
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    rows = [
        chat("Tell me about the tests.", "We will run an MRI.User: Okay, when?"),                 # 1 flagged
        chat("What should I do?", "Rest for two days.\nCustomer: Thanks, bye."),                 # 2 flagged
        chat("Write a short dialogue between a doctor and a patient.",
             "Doctor: How are you?\nPatient: Not well."),                                          # 3 asked for
        chat("Show a compose file with a user.", "services:\n  db:\n    user: postgres"),       # 4 YAML key
        chat("Summarise the case.", "Patient: 45 F\nDiagnosis: asthma\nPlan: inhaler"),           # 5 a form
        chat("Really??", "Yes, really. The dose is 5 mg?? no: 5 mg."),                             # 6 not garbled
        chat("What does a ?? b do in C#?", "It returns a unless a is null, else b: x = a ?? b;"), # 7 code
        chat("Caf\ufffd hours?", "We open at 8."),                                                # 8 garbled
        chat("Is it serious??Please help", "It is not serious."),                                  # 9 typed
        chat("How do I prompt it?", "Use this format:\nHuman: <your question>\nAssistant: <answer>"),  # 10
        chat("How do I log in?", "Open the file.\nUser: admin\nPassword: the one you chose"),     # 11 a form
    ]
    codes = _lint_codes(tmp_path, rows)
    assert {ln for ln, c in codes.items() if "dialogue_in_response" in c} == {1, 2}, codes
    assert {ln for ln, c in codes.items() if "garbled_text" in c} == {8}, codes


def test_lint_special_tokens_only_where_a_template_adds_them(tmp_path, shared_datasets):
    """A chat-template token typed into a chat record's text is trained on as literal text (the
    trainer's template adds the real one). Legacy prompt/completion data ends every completion
    with '<|endoftext|>' on purpose, and HTML's <s> inside an answer is strike-through."""
    def chat(q, a):
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    rows = [
        chat("What is the capital of France?", "Paris.<|im_end|>"),
        chat("[INST] Translate 'cat' to French. [/INST]", "chat"),
        chat("Say hello.", "Hello!</s>"),
        chat("How do I strike text in HTML?", "Wrap it in <s>...</s>, for example <s>old price</s> $5."),
        chat("What is 2 + 2?", "4."),
    ]
    codes = _lint_codes(tmp_path, rows)
    assert {ln for ln, c in codes.items() if "special_token" in c} == {1, 2, 3}, codes
    ds = load_dataset(tmp_path / "lint.jsonl")
    msg = next(f.message for f in lint_records(ds.records) if f.line == 1 and f.code == "special_token")
    assert "'<|im_end|>' in the assistant turn" in msg
    # ag_news in OpenAI's legacy format: 200 completions end with '<|endoftext|>', none is flagged
    agnews = load_dataset(shared_datasets / "self-instruct-t0-agnews" / "ag_news_classify.jsonl")
    assert agnews.format == "prompt-completion"
    assert sum(r.response.endswith("<|endoftext|>") for r in agnews.records) == 200
    assert not [f for f in lint_records(agnews.records) if f.code == "special_token"]


def test_a_contradiction_says_why_it_was_flagged(tmp_path):
    """Each rule that calls two answers a disagreement names itself, so the reviewer reads why
    (scan --json "reason", the Findings view, the CLI's text)."""
    def pair(q, a, b):
        return [{"instruction": q, "input": "", "output": a}, {"instruction": q, "input": "", "output": b}]

    rows = (pair("Classify the sentiment: 'great phone'", "positive", "negative")
            + pair("How many days does a refund take to reach the card?",
                   "A refund reaches your card within 5 business days of the return.",
                   "A refund reaches your card within 10 business days of the return.")
            + pair("Is ibuprofen safe to take with warfarin for a patient on anticoagulation?",
                   "No, ibuprofen raises the bleeding risk with warfarin and should be avoided.",
                   "Yes, ibuprofen is safe with warfarin and needs no extra monitoring at all."))
    path = tmp_path / "why.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    from curator.core.scan import run_scan
    found = {(c.a, c.b): c.reason for c in run_scan(load_dataset(path)).contradictions}
    assert found == {(1, 2): "different_labels", (3, 4): "different_numbers", (5, 6): "yes_no"}, found


def test_polarity_skips_empathy_and_judge_skips_deferring_answers():
    from curator.core.detect.contradictions import defers
    from curator.core.detect.text import polarity
    assert polarity("I'm sorry to hear that you're facing an error. Please follow these steps.") == ""
    assert polarity("We apologize for the inconvenience. Yes, you can return it.") == "yes"
    assert polarity("Sorry, we don't deliver to Reno.") == "no"
    assert polarity("I'm sorry for the trouble, but we don't offer refunds on sale items.") == "no"
    assert defers("I understand. To check it, could you please provide me with your order number?")
    assert defers("I kindly ask you to provide me with your account details, such as your name.")
    assert not defers("Log in, open Orders and press Cancel. Could it be easier? No.")
    steps = "Log in to your account. Go to the settings section. Edit the data. Save the changes."
    asking = "I understand. To help you, could you please share your order number first?"
    assert judge(steps, asking, response_threshold=35)[0] is False


def test_a_rare_real_word_next_to_a_common_one_is_a_typo():
    """A new user's report: clinical_notes 161/568 ("systolic hart failure … dialy" vs "heart …
    daily", the planted two-typo near-duplicate) were both exported: "hart" is in the dictionary,
    and "daily" also occurs elsewhere on both sides. A real word 500x rarer than one spelled alike
    is read as its typo; ethane/methane (49x), recursion/erosion (22x) stay different words."""
    q = "Diagnosis: acute on chronic systolic {} failure. Take the tablets {} and weigh yourself daily."
    assert essential_differences(q.format("hart", "dialy"), q.format("heart", "daily")) == ([], [])
    assert essential_differences("What is ethane used for?", "What is methane used for?") == (["ethane"], ["methane"])
    assert essential_differences("Explain recursion simply.", "Explain erosion simply.") == (["recursion"], ["erosion"])


def test_placeholder_names_the_text_and_catches_multi_word_slots(tmp_path):
    """A support lead's report on Bitext: 1 in 7 answers with '{{…}}' slots were flagged (only
    one-word slots matched: '{{Website Name}}' did not), and the message did not say which text.
    A template expression in code ('{{ user.name }}') is code, not a slot."""
    def chat(q, a):
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    rows = [chat("How do I cancel my order?", "Log in to {{Website Name}} and open {{Order Details}}."),
            chat("Where is my refund?", "It was sent to {{Customer Email}} yesterday."),
            chat("Show a Jinja greeting.", "<p>Hello {{ user.name }}!</p>"),
            chat("What is the capital of France?", "N/A")]
    path = tmp_path / "ph.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    msgs = {f.line: f.message for f in lint_records(load_dataset(path).records) if f.code == "placeholder"}
    assert set(msgs) == {1, 2, 4}, msgs
    assert msgs[1] == "placeholder text '{{Website Name}}' in the response"
    assert msgs[4] == "placeholder text 'N/A' in the response"


def test_the_placeholder_screen_answers_as_the_plain_hint_search():
    """lint's faster pre-screen (non-letter first characters searched first) must say yes exactly
    where the plain search over every hint does."""
    import random

    from curator.core.detect.lint import _PLACEHOLDER_HINTS, _contains_any, _maybe_placeholder

    rnd = random.Random(5)
    pieces = [*_PLACEHOLDER_HINTS, "<", "[", "{", "to do", "t b d", "lorem"[:3], "<n o", "[you", "{ {",
              "plain words ", "answer. ", "code <div> ", "list [1, 2] ", "{x} "]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6))) for _ in range(5000)]
    assert sum(_contains_any(t, _PLACEHOLDER_HINTS) for t in texts) > 1000      # both outcomes are tried
    assert sum(not _contains_any(t, _PLACEHOLDER_HINTS) for t in texts) > 1000
    assert [_maybe_placeholder(t) for t in texts] == [_contains_any(t, _PLACEHOLDER_HINTS) for t in texts]
