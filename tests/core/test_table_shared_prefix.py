"""The Prompt column leaves out an opening every prompt shares (ChatDoctor's instruction)."""

from __future__ import annotations

from curator.core.dataset import load_dataset
from curator.core.table import ExamplesTable, finding_items, shared_prefix, unit_of


def test_shared_prefix_leaves_out_whole_lines_or_sentences_only():
    assert shared_prefix(["Answer as a doctor please.\nI cough", "Answer as a doctor please.\nI am cold"]) == \
        "Answer as a doctor please.\n"
    assert shared_prefix(["Answer as a doctor please. I cough", "Answer as a doctor please. I am cold"]) == \
        "Answer as a doctor please. "
    # the shared part ends inside a sentence: that sentence stays whole in the preview
    assert shared_prefix(["Answer as a doctor please. Symptom 1 worries me",
                          "Answer as a doctor please. Symptom 2 worries me"]) == "Answer as a doctor please. "
    assert shared_prefix(["Answer as a doctor please, symptom 1", "Answer as a doctor please, symptom 2"]) == ""
    assert shared_prefix(["Answer as a doctor please.\n", "Answer as a doctor please.\nHi"]) == ""
    assert shared_prefix(["Hi there, cough", "Hi there, cold"]) == ""          # too short to matter
    assert shared_prefix(["Answer as a doctor please: x"]) == ""               # one text
    assert shared_prefix(["Totally different", "Answer as a doctor please"]) == ""


def test_chatdoctor_prompts_show_the_varying_part(shared_datasets):
    ds = load_dataset(shared_datasets / "chatdoctor-genmedgpt-5k" / "chatdoctor5k.json")
    t = ExamplesTable(ds)
    assert t.shared_prompt_prefix.startswith("If you are a doctor, please answer the medical questions")
    assert all(p.startswith("…") for p in t.prompts)
    assert "If you are a doctor" not in t.prompts[0]
    assert len(set(t.prompts[:200])) > 190            # rows differ now, they were all the same
    assert unit_of(ds) == "record" == t.unit


def test_finding_items_name_the_unit(sample_data):
    from curator.core.scan import run_scan

    ds = load_dataset(sample_data / "support_chat.jsonl")
    result = run_scan(ds)
    line_items = finding_items(result)
    rec_items = finding_items(result, "record")
    assert line_items and any(i.detail.startswith("lines ") for i in line_items)
    assert all("line" not in (i.title + i.detail) for i in rec_items)
