"""The Fix editor's form: every text of a record as a field, written back into the source record."""

from __future__ import annotations

import copy
import json

import pytest

from curator.core.dataset import build_record, load_dataset
from curator.core.fields import text_fields, with_texts
from curator.core.formats import to_turns

REAL = [
    "code-alpaca-2k/code_alpaca_2k.json",                          # alpaca
    "openai-toy-chat/toy_chat_fine_tuning.jsonl",                  # openai
    "anthropic-json-mode/json_mode_dataset.jsonl",                 # openai with a system field
    "llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json",   # sharegpt, tool calls
    "medicalgpt-medical-sft-1k/medical_sft_1K_format.jsonl",       # sharegpt, Chinese
    "self-instruct-t0-agnews/ag_news_classify.jsonl",              # prompt/completion
]


@pytest.mark.parametrize("name", REAL)
def test_every_turn_text_of_real_records_is_a_field_and_edits_land_in_that_turn(shared_datasets, name):
    ds = load_dataset(shared_datasets / name)
    checked = 0
    for rec in ds.records[:40]:
        if not rec.valid:
            continue
        original = copy.deepcopy(rec.data)
        fields = text_fields(rec.data, rec.format)
        assert fields, rec.line
        # every turn that is plain text is offered (alpaca's instruction+input make one turn)
        texts = [f.text for f in fields]
        for turn in rec.turns:
            if turn.content and "[tool call]" not in turn.content and rec.format != "alpaca":
                assert turn.content in texts, (rec.line, turn)
        assert with_texts(rec.data, {}) == rec.data
        for f in fields:
            edited = with_texts(rec.data, {f.path: f"EDITED {f.label}"})
            assert rec.data == original                      # the source object is not touched
            turns = to_turns(edited, rec.format)
            assert any(f"EDITED {f.label}" in t.content for t in turns), (rec.line, f)
            # nothing else changed: putting the old text back gives the record again
            assert with_texts(edited, {f.path: f.text}) == rec.data or (f.text == "" and f.path[-1] not in
                                                                        _parent(rec.data, f.path))
        checked += 1
    assert checked >= 5


def _parent(obj, path):
    for key in path[:-1]:
        obj = obj[key]
    return obj


def test_an_answer_fixed_in_the_form_is_a_valid_record_with_only_that_string_changed():
    obj = {"messages": [{"role": "system", "content": "You are a triage nurse."},
                        {"role": "user", "content": "Fever of 39.5 C for 3 days in an adult?"},
                        {"role": "assistant", "content": "Wait it out.", "weight": 1}],
           "meta": {"source": "ward-4"}}
    fields = text_fields(obj, "openai")
    assert [(f.label, f.role) for f in fields] == [("System prompt (message 1)", "system"),
                                                   ("User (message 2)", "user"),
                                                   ("Assistant (message 3)", "assistant")]
    answer = fields[-1]
    fixed = with_texts(obj, {answer.path: "See a doctor today: 3 days of fever needs a check."})
    rec = build_record(fixed, line=1, fmt="openai")
    assert rec.valid and rec.response.startswith("See a doctor today")
    assert fixed["meta"] == obj["meta"] and fixed["messages"][2]["weight"] == 1
    assert json.dumps(obj["messages"][:2]) == json.dumps(fixed["messages"][:2])


def test_alpaca_fields_and_a_missing_input_is_added_only_when_typed():
    obj = {"instruction": "Summarise the note.", "output": "Pt stable."}
    fields = {f.path: f for f in text_fields(obj, "alpaca")}
    assert list(fields) == [("instruction",), ("input",), ("output",)]
    assert fields[("output",)].label == "Output"
    assert with_texts(obj, {("input",): ""}) == obj                     # no empty "input" appears
    assert with_texts(obj, {("input",): "BP 120/80"})["input"] == "BP 120/80"


def test_tool_calls_images_and_null_contents_stay_as_they_are():
    obj = {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "What is on this X-ray?"},
                                     {"type": "image_url", "image_url": {"url": "https://x/1.png"}}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                               "function": {"name": "lookup", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "no fracture"},
        {"role": "assistant", "content": "No fracture is visible."}]}
    fields = text_fields(obj, "openai")
    assert [f.path for f in fields] == [("messages", 0, "content", 0, "text"), ("messages", 2, "content"),
                                        ("messages", 3, "content")]
    assert fields[1].label == "Tool result (message 3)"
    fixed = with_texts(obj, {fields[0].path: "What does this X-ray show?"})
    assert fixed["messages"][0]["content"][1] == obj["messages"][0]["content"][1]
    assert fixed["messages"][1] == obj["messages"][1]


def test_fields_under_a_field_mapping_name_the_users_own_keys():
    obj = {"question": "Dose of amoxicillin for a 20 kg child?", "answer": "40 mg/kg/day"}
    fields = text_fields(obj, "alpaca", {"instruction": "question", "output": "answer"})
    assert [f.path for f in fields] == [("question",), ("input",), ("answer",)]
    fixed = with_texts(obj, {("answer",): "25-45 mg/kg/day in two doses"})
    assert fixed == {"question": obj["question"], "answer": "25-45 mg/kg/day in two doses"}


def test_sharegpt_role_content_spelling_and_a_path_that_does_not_exist():
    obj = {"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
    fields = text_fields(obj, "sharegpt")
    assert [(f.path, f.role) for f in fields] == [(("conversations", 0, "content"), "user"),
                                                  (("conversations", 1, "content"), "assistant")]
    with pytest.raises(KeyError, match="no field"):
        with_texts(obj, {("conversations", 5, "content"): "x"})
    assert text_fields(["not", "an", "object"], "openai") == []


def test_tool_turns_are_named_as_the_reader_names_them(shared_datasets):
    ds = load_dataset(shared_datasets / "llamafactory-glaive-toolcall-en-demo" / "glaive_toolcall_en_demo.json")
    labels = [f.label for f in text_fields(ds.records[0].data, "sharegpt")]
    assert labels[:6] == ["User (turn 1)", "Assistant (turn 2)", "User (turn 3)", "Assistant (function_call, turn 4)",
                          "Tool result (observation, turn 5)", "Assistant (turn 6)"]
