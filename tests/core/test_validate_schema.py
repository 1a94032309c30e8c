"""The compiled schema predicate must equal jsonschema's ``is_valid`` exactly.

It decides which records skip jsonschema, so a single disagreement would hide an
error. Checked on every record of the real files, on thousands of random
mutants of them, and keyword by keyword on edge values (bool vs 0/1, 1.0, null).
"""

from __future__ import annotations

import copy
import json
import random

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from curator.core.dataset import load_dataset
from curator.core.formats import FORMAT_NAMES
from curator.core.schema import builtin_validator, compile_predicate, fast_predicate, schema_path, validate

REAL = [
    "anthropic-json-mode/json_mode_dataset.jsonl",
    "chatdoctor-genmedgpt-5k/chatdoctor5k.json",
    "code-alpaca-2k/code_alpaca_2k.json",
    "llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json",
    "medicalgpt-medical-sft-1k/medical_sft_1K_format.jsonl",
    "openai-toy-chat/toy_chat_fine_tuning.jsonl",
    "self-instruct-t0-agnews/ag_news_classify.jsonl",
]

ODD_VALUES = [None, True, False, 0, 1, 2, 1.0, 0.5, -1, "", " ", "user", "assistant", "function", [], {},
              [1], {"a": 1}, ["x", "y"], [["a", "b"]], [{"type": "text", "text": "t"}], 2**70]


def mutate(obj: object, rng: random.Random) -> object:
    """Change one random spot of a record: replace, delete or add a value."""
    obj = copy.deepcopy(obj)
    spots = []

    def walk(v):
        if isinstance(v, dict):
            for k in list(v):
                spots.append((v, k))
                walk(v[k])
        elif isinstance(v, list):
            for i in range(len(v)):
                spots.append((v, i))
                walk(v[i])
    walk(obj)
    if not spots:
        return obj
    parent, key = rng.choice(spots)
    action = rng.random()
    if action < 0.6:
        parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif action < 0.8:
        del parent[key]
    elif isinstance(parent, dict):
        parent[rng.choice(["weight", "name", "extra", "tool_calls", "input", "history", "system"])] = \
            copy.deepcopy(rng.choice(ODD_VALUES))
    else:
        parent.append(copy.deepcopy(rng.choice(ODD_VALUES)))
    return obj


def test_every_builtin_schema_compiles():
    for fmt in FORMAT_NAMES:
        assert fast_predicate(builtin_validator(fmt)) is not None, fmt


def test_predicate_equals_jsonschema_on_real_files_and_mutants(shared_datasets):
    rng = random.Random(7)
    checked = disagreements = 0
    for rel in REAL:
        records = [r.data for r in load_dataset(shared_datasets / rel).records if r.parsed]
        sample = records[:300] + rng.sample(records, min(200, len(records)))
        for fmt in FORMAT_NAMES:
            v = builtin_validator(fmt)
            pred = fast_predicate(v)
            for obj in sample[:150]:
                for candidate in (obj, mutate(obj, rng), mutate(mutate(obj, rng), rng)):
                    checked += 1
                    if pred(candidate) != v.is_valid(candidate):
                        disagreements += 1
                        pytest.fail(f"{fmt}: predicate {pred(candidate)} vs jsonschema for {json.dumps(candidate)[:300]}")
    assert checked > 10_000 and disagreements == 0


def test_mutants_actually_exercise_both_answers(shared_datasets):
    """Guard against a vacuous equivalence test: mutants must be both valid and invalid."""
    rng = random.Random(3)
    v = builtin_validator("openai")
    recs = [r.data for r in load_dataset(shared_datasets / REAL[0]).records][:100]
    verdicts = {v.is_valid(mutate(r, rng)) for r in recs for _ in range(5)}
    assert verdicts == {True, False}


EDGE_SCHEMAS = [
    {"enum": [0, 1]},
    {"const": 1},
    {"const": True},
    {"enum": ["a", None, 1.5]},
    {"enum": [[1, 2], {"a": 1}]},
    {"type": "integer"},
    {"type": "number"},
    {"type": ["string", "null"]},
    {"type": "boolean"},
    {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"type": "object", "additionalProperties": {"type": "integer"}},
    {"properties": {"a": {"minLength": 2, "maxLength": 3}}, "required": ["a"]},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
    {"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "null"}, "minItems": 1, "maxItems": 3},
    {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/$defs/x"}}],
     "$defs": {"x": {"type": "object", "required": ["t"]}}},
    {"oneOf": [{"type": "integer"}, {"enum": [1, "a"]}]},
    {"allOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"not": {"type": "object"}},
    {"type": "object", "properties": {"a": {"type": "array"}}, "anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {
        "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": False}}},
    True,
    False,
]
EDGE_VALUES = ODD_VALUES + [
    {"a": "x"}, {"a": "xy"}, {"a": "xyzw"}, {"a": 1}, {"a": "x", "b": 2}, {"b": 1}, {"a": [], "b": 1},
    ["s", 1], ["s", 1, 2], ["s", None], ["s", None, None, None], [1, "s"], [{"t": 1}], [{}],
    {"kids": [{"kids": []}, {}]}, {"kids": [{"kids": [{"x": 1}]}]}, "a", 1.5,
]


@pytest.mark.parametrize("schema", EDGE_SCHEMAS, ids=[json.dumps(s)[:40] for s in EDGE_SCHEMAS])
def test_keyword_semantics_match_jsonschema(schema):
    pred = compile_predicate(schema)
    assert pred is not None
    v = Draft202012Validator(schema)
    for value in EDGE_VALUES:
        assert pred(value) == v.is_valid(value), (schema, value)


def test_unknown_keywords_fall_back_to_jsonschema(tmp_path):
    for schema in ({"type": "integer", "minimum": 1}, {"patternProperties": {"^x": {}}},
                   {"$ref": "https://example.com/x.json"}, {"properties": {"a": {"$id": "other"}}},
                   {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}):
        assert compile_predicate(schema) is None, schema
    # a draft-7 validator is never given the 2020-12 predicate
    assert fast_predicate(Draft7Validator({"type": "string"})) is None
    v = Draft202012Validator({"type": "object", "properties": {"n": {"minimum": 5}}})
    assert fast_predicate(v) is None
    assert validate(v, {"n": 6}, 1, 1) == []
    assert [p.path for p in validate(v, {"n": 4}, 1, 1)] == ["$.n"]


def test_errors_still_come_from_jsonschema_with_paths():
    v = builtin_validator("openai")
    bad = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": 5, "weight": True}],
           "tools": "x"}
    probs = validate(v, bad, 9, 9)
    assert [p.path for p in probs] == ["$.messages[1].content", "$.messages[1].weight", "$.tools"]
    assert all(p.code == "schema" and p.line == 9 for p in probs)


def test_schema_files_are_draft_2020_12():
    for fmt in FORMAT_NAMES:
        schema = json.loads(schema_path(fmt).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
