"""Format detection and the checks trainers trip over (issue 2 §3), through load_dataset."""

from __future__ import annotations

import json

import pytest

from curator.core.dataset import build_record, load_dataset
from curator.core.formats import detect_format, record_view, split_prompt_response, to_turns
from curator.core.records import Turn
from curator.core.schema import SchemaFileError


def write(tmp_path, rows, name="d.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def chat(*pairs, **extra):
    return {"messages": [{"role": r, "content": c} for r, c in pairs], **extra}


def codes(ds, line):
    rec = ds.by_line(line)
    return [p.code for p in rec.errors], [p.code for p in rec.warnings]


OK = chat(("system", "Be brief."), ("user", "Where is my parcel?"), ("assistant", "It ships today."))


def test_openai_checks(tmp_path):
    path = write(tmp_path, [
        OK,
        chat(("user", "Hello?")),                                           # 2 no assistant
        chat(("customer", "Hi"), ("assistant", "Hello")),                  # 3 unknown role
        chat(("user", "   \n"), ("assistant", "Hello")),                    # 4 whitespace-only content
        chat(("user", "Hi"), ("assistant", "")),                            # 5 empty assistant
        chat(("user", "Hi"), ("assistant", "Hello"), ("user", "Thanks")),  # 6 ends on user
        chat(("system", "Be brief."), ("assistant", "You're great!")),     # 7 no user turn
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "A", "weight": 2}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": None,
                      "tool_calls": [{"id": "c1", "type": "function",
                                      "function": {"name": "f", "arguments": "{}"}}]},
                      {"role": "tool", "tool_call_id": "c1", "content": "42"},
                      {"role": "assistant", "content": "It is 42."}]},  # 9 valid tool call
        {"messages": [{"role": "user", "content": [{"type": "text", "text": " "}]},
                      {"role": "assistant", "content": "x"}]},           # 10 empty content parts
        {"messages": "not a list"},                                       # 11
        {"messages": [{"role": ["user"], "content": "x"}, {"role": "assistant", "content": "y"}]},  # 12
    ])
    ds = load_dataset(path)
    assert ds.format == "openai"
    assert codes(ds, 1) == ([], [])
    assert codes(ds, 2) == (["example_missing_assistant_message"], [])
    errs, _ = codes(ds, 3)
    assert errs == ["schema"]
    assert ds.by_line(3).errors[0].path == "$.messages[0].role"
    assert 'role "customer" is not allowed' in ds.by_line(3).errors[0].message
    assert codes(ds, 4) == (["missing_content"], [])
    assert ds.by_line(4).errors[0].describe() == "line 4: the user message has no text at $.messages[0].content"
    assert codes(ds, 5) == (["missing_content"], [])
    assert codes(ds, 6) == ([], ["ends_on_user_turn"])
    assert ds.by_line(6).valid
    assert codes(ds, 7) == ([], ["missing_user_message"])
    assert codes(ds, 8)[0] == ["schema"] and ds.by_line(8).errors[0].path == "$.messages[1].weight"
    assert codes(ds, 9) == ([], [])
    assert ds.by_line(9).turns[1] == Turn("assistant", '[tool call] f({})', "assistant")
    assert ds.by_line(9).response == "It is 42."
    assert codes(ds, 10) == (["missing_content"], [])
    assert codes(ds, 11)[0] == ["schema"]
    assert codes(ds, 12)[0] == ["schema"]
    assert ds.invalid_count == 8


def test_sharegpt_checks(tmp_path):
    def convo(*turns, **extra):
        return {"conversations": [{"from": f, "value": v} for f, v in turns], **extra}

    path = write(tmp_path, [
        convo(("human", "hi"), ("gpt", "hello")),
        convo(("human", "hi"), ("human", "again"), ("gpt", "yo")),         # 2 not alternating
        convo(("alien", "hi"), ("gpt", "yo")),                              # 3 unknown speaker
        convo(("human", "hi"), ("gpt", " ")),                               # 4 empty
        convo(("human", "hi")),                                             # 5 no assistant
        convo(("human", "hi"), ("gpt", "yo"), ("human", "bye")),            # 6 ends on user
        convo(("system", "sys"), ("human", "q"), ("function_call", '{"name": "f"}'),
              ("observation", "r"), ("gpt", "a")),                          # 7 tool turns, valid
        convo(("human", "q"), ("gpt", "a"), ("system", "late")),            # 8 system not first
    ])
    ds = load_dataset(path)
    assert ds.format == "sharegpt"
    assert codes(ds, 1) == ([], [])
    assert codes(ds, 2) == (["turns_not_alternating"], [])
    p = ds.by_line(2).errors[0]
    assert p.path == "$.conversations[1].from"
    assert p.message.startswith('turn 2 is from "human" but should come from the model side')
    errs, _ = codes(ds, 3)
    assert errs[0] == "unrecognized_role" and "unknown speaker \"alien\"" in ds.by_line(3).errors[0].message
    assert codes(ds, 4) == (["missing_content"], [])
    assert codes(ds, 5) == (["example_missing_assistant_message"], [])
    assert codes(ds, 6) == ([], ["ends_on_user_turn"])
    assert codes(ds, 7) == ([], [])
    assert [t.role for t in ds.by_line(7).turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert codes(ds, 8)[0] == ["system_not_first"]


def test_alpaca_prompt_completion_text(tmp_path):
    path = write(tmp_path, [
        {"instruction": "Translate", "input": "hola", "output": "hello"},
        {"instruction": "Sum 2+2", "output": " "},
        {"instruction": " ", "input": "", "output": "x"},
        {"instruction": "q", "output": 5},
    ])
    ds = load_dataset(path)
    assert ds.format == "alpaca"
    assert ds.by_line(1).prompt == "Translate\nhola" and ds.by_line(1).response == "hello"
    assert codes(ds, 2)[0] == ["empty_output"]
    assert codes(ds, 3)[0] == ["empty_instruction"]
    assert codes(ds, 4)[0] == ["schema"] and ds.by_line(4).errors[0].message == "expected string, found a number"
    ds = load_dataset(write(tmp_path, [{"prompt": "The sky is", "completion": " blue."},
                                       {"prompt": "x", "completion": ""}], "pc.jsonl"))
    assert ds.format == "prompt-completion" and codes(ds, 2)[0] == ["empty_completion"]
    ds = load_dataset(write(tmp_path, [{"text": "Some text."}, {"text": "  "}], "t.jsonl"))
    assert ds.format == "text" and codes(ds, 2)[0] == ["empty_text"]


def test_mixed_formats_are_reported(tmp_path):
    path = write(tmp_path, [OK, OK, OK, {"instruction": "a", "output": "b"},
                            {"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]},
                            {"foo": 1}])
    ds = load_dataset(path)
    assert ds.format == "openai" and ds.format_counts == {"openai": 3, "alpaca": 1, "sharegpt": 1}
    (w,) = [w for w in ds.warnings if w.code == "mixed_formats"]
    assert "3 openai, 1 alpaca, 1 sharegpt" in w.message and "4, 5" in w.message
    assert codes(ds, 4)[0] == ["mixed_format"] and codes(ds, 5)[0] == ["mixed_format"]
    assert codes(ds, 6)[0] == ["unknown_format"] and "found keys: foo" in ds.by_line(6).errors[0].message


def test_format_forcing(tmp_path):
    path = write(tmp_path, [OK, {"instruction": "a", "output": "b"}])
    ds = load_dataset(path, format="openai")
    assert ds.format == "openai" and not ds.file_warnings
    assert codes(ds, 2)[0] == ["schema"] and ds.by_line(2).errors[0].message == 'the field "messages" is missing'
    ds = load_dataset(path, format="alpaca")
    assert ds.by_line(2).valid and not ds.by_line(1).valid
    with pytest.raises(ValueError, match="unknown format"):
        load_dataset(path, format="csv")


def test_user_schema_replaces_builtin(tmp_path):
    schema = tmp_path / "my.json"
    schema.write_text(json.dumps({"type": "object", "required": ["messages", "id"],
                                  "properties": {"id": {"type": "integer", "minimum": 1}}}))
    path = write(tmp_path, [{**OK, "id": 1}, OK, {**OK, "id": 0}, chat(("robot", "x"), ("assistant", "y"))])
    ds = load_dataset(path, schema=schema)
    assert ds.schema_source == str(schema)
    assert ds.by_line(1).valid
    assert codes(ds, 2)[0] == ["schema"] and ds.by_line(2).errors[0].message == 'the field "id" is missing'
    assert codes(ds, 3)[0] == ["schema"]  # "minimum" is not compiled: jsonschema checks it
    # with a user schema the format checks still run, so the unknown role is still caught
    assert "unrecognized_role" in codes(ds, 4)[0]


@pytest.mark.parametrize("content,words", [
    (None, "cannot read the schema file"),
    ("{not json", "not valid JSON (line 1, column 2"),
    ("[1, 2]", "must be a JSON object"),
    ('{"type": 5}', "not a valid JSON Schema — at $.type"),
    ('{"$ref": "https://example.com/remote.json"}', "cannot be found offline"),
])
def test_bad_user_schema_is_a_clear_error(tmp_path, content, words):
    schema = tmp_path / "bad.schema.json"
    if content is not None:
        schema.write_text(content)
    with pytest.raises(SchemaFileError) as exc:
        load_dataset(write(tmp_path, [OK]), schema=schema)
    assert str(exc.value).startswith(str(schema)) and words in str(exc.value)


def test_field_mapping(tmp_path):
    path = write(tmp_path, [{"instruction": "Translate", "input": "hola", "response": "hello"},
                            {"instruction": "Sum", "response": ""}])
    plain = load_dataset(path)
    assert plain.invalid_count == 2 and codes(plain, 1)[0] == ["schema"]
    ds = load_dataset(path, mapping={"output": "response"})
    assert ds.by_line(1).valid and ds.by_line(1).response == "hello"
    assert ds.by_line(1).data == {"instruction": "Translate", "input": "hola", "response": "hello"}  # untouched
    (p,) = ds.by_line(2).errors
    assert (p.code, p.path) == ("empty_output", "$.response")


def test_detect_format_and_prompt_response_view():
    assert detect_format(OK) == "openai"
    assert detect_format({"instruction": "a"}) == "alpaca"
    assert detect_format({"prompt": "a", "completion": "b"}) == "prompt-completion"
    assert detect_format({"foo": 1}) == "unknown"
    multi = chat(("system", "S"), ("user", "U1"), ("assistant", "A1"), ("user", "U2"), ("assistant", "A2"))
    turns = to_turns(multi, "openai")
    assert split_prompt_response(turns) == ("S\nU1\nA1\nU2", "A2")
    view = record_view(multi, "openai", 1, 1)
    assert view[:3] == (turns, "S\nU1\nA1\nU2", "A2") and view[3:] == ([], [])


@pytest.mark.parametrize("obj", [
    {"messages": 5}, {"conversations": 3}, {"instruction": "a", "output": "b", "history": 5},
    {"prompt": 5, "completion": [1]}, {"messages": [{"role": {"a": 1}, "content": 5}]},
    {"conversations": [{"from": ["x"], "value": 1}]},
])
def test_malformed_shapes_never_crash(obj):
    rec = build_record(obj, line=1, fmt="auto")
    assert not rec.valid


def test_schema_messages_read_plainly():
    rec = build_record({"messages": [{"role": "user", "content": 5, "foo": 1, "bar": 2},
                                     {"role": "assistant", "content": "x"}]}, line=3, fmt="auto")
    assert [p.describe() for p in rec.errors] == [
        'line 3: unexpected fields "foo", "bar"; allowed here: role, content, name, weight, tool_calls, '
        "tool_call_id, function_call, refusal at $.messages[0]",
        "line 3: expected text, null or a list, found a number at $.messages[0].content",
    ]
    rec = build_record({"instruction": "a"}, line=4, fmt="alpaca")
    assert [p.describe() for p in rec.errors] == ['line 4: the field "output" is missing']
