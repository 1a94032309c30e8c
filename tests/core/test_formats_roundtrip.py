"""Round trips of the projections in curator/core/convert.py on the real files (STYLE.md §10).

Source → canonical turns → target format → canonical turns must keep every role,
text and weight the target can hold; where a format cannot hold something (Alpaca
has no separate input after conversion, OpenAI has no function_call speaker), the
test states exactly what changes.
"""

from __future__ import annotations

import json

import pytest

from curator.core.convert import turns_to_alpaca, turns_to_openai, turns_to_sharegpt
from curator.core.dataset import load_dataset
from curator.core.formats import split_prompt_response, to_turns
from curator.core.records import Turn
from curator.core.schema import builtin_validator


def load(shared_datasets, rel):
    ds = load_dataset(shared_datasets / rel)
    assert ds.records
    return ds


def strip(turns):
    """What survives any projection: (role, text, weight)."""
    return [(t.role, t.content, t.weight) for t in turns]


@pytest.mark.parametrize("rel", ["openai-toy-chat/toy_chat_fine_tuning.jsonl",
                                 "anthropic-json-mode/json_mode_dataset.jsonl"])
def test_openai_turns_openai_is_lossless(shared_datasets, rel):
    ds = load(shared_datasets, rel)
    for rec in ds.records:
        out = turns_to_openai(rec.turns, rec.data)
        assert builtin_validator("openai").is_valid(out)
        src = list(rec.data["messages"])
        if isinstance(rec.data.get("system"), str):  # top-level system (Bedrock style) becomes the first message
            src = [{"role": "system", "content": rec.data["system"]}] + src
        assert out["messages"] == src, rec.line
        again = to_turns(out, "openai")
        assert again == rec.turns
        assert split_prompt_response(again) == (rec.prompt, rec.response)


def test_openai_weights_survive_the_round_trip():
    obj = {"messages": [{"role": "user", "content": "Hi"},
                        {"role": "assistant", "content": "Hello! How can I help?", "weight": 0},
                        {"role": "user", "content": "Which form do I file for an appeal?"},
                        {"role": "assistant", "content": "Form 12, within 30 days.", "weight": 1}]}
    turns = to_turns(obj, "openai")
    assert [t.weight for t in turns] == [None, 0, None, 1]
    assert turns_to_openai(turns) == obj
    assert to_turns(turns_to_openai(turns), "openai") == turns


@pytest.mark.parametrize("rel", ["llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json",
                                 "medicalgpt-medical-sft-1k/medical_sft_1K_format.jsonl"])
def test_sharegpt_turns_sharegpt_is_exact(shared_datasets, rel):
    ds = load(shared_datasets, rel)
    for rec in ds.records:
        out = turns_to_sharegpt(rec.turns, rec.data)
        expected = {k: rec.data[k] for k in ("conversations", "system", "tools") if k in rec.data}
        assert out == expected, rec.line
        assert builtin_validator("sharegpt").is_valid(out)


def test_glaive_tool_turns_through_openai_and_back(shared_datasets):
    ds = load(shared_datasets, "llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json")
    with_tools = [r for r in ds.records if any(t.source_role == "function_call" for t in r.turns)]
    assert len(with_tools) > 100
    for rec in with_tools:
        oa = turns_to_openai(rec.turns, rec.data)
        assert builtin_validator("openai").is_valid(oa), rec.line
        # LLaMA-Factory's JSON-string list of bare function specs becomes OpenAI's wrapped tools array
        assert oa["tools"] == [{"type": "function", "function": f} for f in json.loads(rec.data["tools"])]
        # function_call → assistant text, observation → tool: roles and texts survive
        assert strip(to_turns(oa, "openai")) == strip(rec.turns)
        back = turns_to_sharegpt(to_turns(oa, "openai"))
        # through OpenAI the function_call speaker is no longer known: it comes back as gpt
        want = [{"from": "gpt" if c["from"] == "function_call" else c["from"], "value": c["value"]}
                for c in rec.data["conversations"]]
        assert back["conversations"] == want


@pytest.mark.parametrize("rel", ["code-alpaca-2k/code_alpaca_2k.json", "chatdoctor-genmedgpt-5k/chatdoctor5k.json"])
def test_alpaca_with_input_round_trip(shared_datasets, rel):
    ds = load(shared_datasets, rel)
    with_input = 0
    for rec in ds.records:
        obj = rec.data
        out = turns_to_alpaca(rec.turns)
        assert out["output"] == obj["output"]
        if (obj.get("input") or "").strip():
            with_input += 1
            # the one documented change: instruction and input are joined with a newline (LLaMA-Factory's rule)
            assert out["instruction"] == f"{obj['instruction']}\n{obj['input']}" and out["input"] == ""
        else:
            assert out["instruction"] == obj["instruction"]
        again = to_turns(out, "alpaca")
        assert strip(again) == strip(rec.turns)
        assert split_prompt_response(again) == (rec.prompt, rec.response)
        # and through the chat shape: alpaca → openai → alpaca is stable
        oa = turns_to_openai(rec.turns)
        assert turns_to_alpaca(to_turns(oa, "openai")) == out
    assert with_input > 500


def test_multi_turn_openai_to_alpaca_keeps_every_turn(shared_datasets):
    ds = load(shared_datasets, "openai-toy-chat/toy_chat_fine_tuning.jsonl")
    rec = ds.by_line(2)  # system + four exchanges
    out = turns_to_alpaca(rec.turns)
    assert out["system"] == rec.turns[0].content
    assert out["history"] == [["I lost my tennis match today.", "It's ok, it happens to everyone."],
                              ["But I trained so hard!", "It will pay off next time."],
                              ["I'm going to switch to golf.", "Golf is fun too!"]]
    assert (out["instruction"], out["output"]) == ("I don't even know how to play golf.", "It's easy to learn!")
    assert strip(to_turns(out, "alpaca")) == strip(rec.turns)


def test_alpaca_projection_never_drops_a_turn_before_the_answer():
    T = Turn
    turns = (T("user", "u1", "user"), T("assistant", "a1", "assistant"), T("assistant", "a1b", "assistant"),
             T("user", "u2", "user"), T("assistant", "a2", "assistant"), T("assistant", "a3", "assistant"))
    out = turns_to_alpaca(turns)
    assert out == {"instruction": "u2\na2", "input": "", "output": "a3", "history": [["u1", "a1\na1b"]]}
    texts = "\n".join(sum(out["history"], [])) + "\n" + out["instruction"] + "\n" + out["output"]
    assert all(t.content in texts for t in turns)
    # the instruction/output pair equals the canonical prompt/response of the final exchange
    assert (out["instruction"], out["output"]) == split_prompt_response(turns[3:])
