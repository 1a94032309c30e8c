"""Export projections that keep tool calls structured (OpenAI ⇄ ShareGPT/LLaMA-Factory)."""

from __future__ import annotations

import json

from curator.core.convert import project_record
from curator.core.dataset import build_record, load_dataset
from curator.core.formats import to_turns


def test_glaive_tool_calls_round_trip_through_openai_exactly(shared_datasets):
    ds = load_dataset(shared_datasets / "llamafactory-glaive-toolcall-en-demo" / "glaive_toolcall_en_demo.json")
    with_calls = 0
    for r in ds.records:
        if not r.valid:
            continue
        oa, losses = project_record(r.data, "sharegpt", r.turns, "openai")
        assert build_record(oa, line=r.line, fmt="openai").valid, r.line   # passes OpenAI's schema
        calls = [m for m in oa["messages"] if m.get("tool_calls")]
        if calls:
            with_calls += 1
            call = calls[0]["tool_calls"][0]
            assert call["type"] == "function" and isinstance(call["function"]["arguments"], str)
            assert calls[0]["content"] is None                          # LLaMA-Factory reads the key
            seen: set[str] = set()
            for m in oa["messages"]:                                  # each result answers an earlier call
                seen.update(c["id"] for c in m.get("tool_calls") or [])
                if m["role"] == "tool":
                    assert m["tool_call_id"] in seen
        back, _ = project_record(oa, "openai", to_turns(oa, "openai"), "sharegpt")
        assert back["conversations"] == r.data["conversations"], r.line
        assert back.get("system") == r.data.get("system")
        if r.data.get("tools"):
            assert json.loads(back["tools"]) == [{"type": "function", "function": t}
                                                 for t in json.loads(r.data["tools"])]
    assert with_calls >= 100


def test_openai_tool_calls_become_function_call_and_observation_turns():
    obj = {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "w", "arguments": "{\"city\": \"Paris\"}"}},
            {"id": "b", "type": "function", "function": {"name": "w", "arguments": "{\"city\": \"Rome\"}"}}]},
        {"role": "tool", "tool_call_id": "a", "content": "18C"},
        {"role": "tool", "tool_call_id": "b", "content": "24C"},
        {"role": "assistant", "content": "Paris 18C, Rome 24C.", "weight": 1}],
        "tools": [{"type": "function", "function": {"name": "w", "parameters": {"type": "object"}}}], "id": 7}
    sg, losses = project_record(obj, "openai", to_turns(obj, "openai"), "sharegpt")
    assert sg["system"] == "Be brief."
    assert [t["from"] for t in sg["conversations"]] == ["human", "function_call", "observation", "gpt"]
    assert json.loads(sg["conversations"][1]["value"]) == [{"name": "w", "arguments": {"city": "Paris"}},
                                                          {"name": "w", "arguments": {"city": "Rome"}}]
    assert sg["conversations"][2]["value"] == "18C\n24C"
    assert json.loads(sg["tools"]) == obj["tools"]
    assert set(losses) == {"metadata_dropped", "weights_dropped"}


def test_sample_support_chat_tool_calls_convert_structured(sample_data):
    path = sample_data / "support_chat.jsonl"
    ds = load_dataset(path)
    n = 0
    for r in ds.records:
        if r.valid and any(isinstance(m, dict) and m.get("tool_calls") for m in r.data["messages"]):
            sg, losses = project_record(r.data, "openai", r.turns, "sharegpt")
            assert "function_call" in [t["from"] for t in sg["conversations"]]
            assert "tool_calls_as_text" not in losses
            n += 1
    assert n >= 5


def test_legacy_stop_token_is_removed_when_prompt_completion_becomes_chat(shared_datasets, tmp_path):
    """ag_news ends every completion with OpenAI's legacy stop token. Converted to a chat format
    the trainer adds the model's own end-of-turn token, so the literal one is dropped, and the
    manifest says so; exported as it is, the completion is untouched."""
    src = shared_datasets / "self-instruct-t0-agnews" / "ag_news_classify.jsonl"
    rec = load_dataset(src).records[0]
    assert rec.response == "Business<|endoftext|>"
    for target, answer in (("openai", lambda o: o["messages"][-1]["content"]),
                           ("sharegpt", lambda o: o["conversations"][-1]["value"]),
                           ("alpaca", lambda o: o["output"])):
        out, losses = project_record(rec.data, rec.format, rec.turns, target)
        assert answer(out) == "Business" and "stop_token_removed" in losses, target


def test_export_of_legacy_completions_reports_the_removed_stop_token(shared_datasets, tmp_path, capsys):
    import shutil

    from curator.cli import main as cli_main
    src = tmp_path / "ag.jsonl"
    shutil.copy(shared_datasets / "self-instruct-t0-agnews" / "ag_news_classify.jsonl", src)
    assert cli_main(["export", str(src), "--out", str(tmp_path / "chat"), "--format", "openai", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    losses = {x["code"]: x["records"] for x in report["conversion"]["losses"]}
    rows = [json.loads(x) for p in ("train.jsonl", "eval.jsonl") for x in (tmp_path / "chat" / p).open()]
    assert losses == {"stop_token_removed": len(rows)}
    assert not any("<|endoftext|>" in m["content"] for r in rows for m in r["messages"])
    assert cli_main(["export", str(src), "--out", str(tmp_path / "same"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = [json.loads(x) for p in ("train.jsonl", "eval.jsonl") for x in (tmp_path / "same" / p).open()]
    assert all(r["completion"].endswith("<|endoftext|>") for r in rows)
    # kept as written, but said: TRL reads prompt/completion and adds its own EOS
    assert any(f"{len(rows)} completion(s) end with a literal stop token" in w for w in report["warnings"])


def test_a_top_level_system_field_exported_as_it_is_warns(shared_datasets, tmp_path, capsys):
    """An ML engineer's report: anthropic-json-mode keeps the system prompt in a top-level 'system'
    field beside 'messages'. Exported as it is, trainers that read 'messages' silently drop it;
    --format openai moves it into a system message."""
    import shutil

    from curator.cli import main as cli_main
    src = tmp_path / "jm.jsonl"
    shutil.copy(shared_datasets / "anthropic-json-mode" / "json_mode_dataset.jsonl", src)
    cli_main(["export", str(src), "--out", str(tmp_path / "same"), "--allow-contradictions", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert any("top-level 'system' field" in w for w in report["warnings"]), report["warnings"]
    cli_main(["export", str(src), "--out", str(tmp_path / "oa"), "--format", "openai", "--allow-contradictions",
              "--json"])
    report = json.loads(capsys.readouterr().out)
    assert not any("top-level 'system' field" in w for w in report["warnings"])
    row = json.loads((tmp_path / "oa" / "train.jsonl").open().readline())
    assert "system" not in row and row["messages"][0]["role"] == "system"


def test_sharegpt_export_readme_maps_tool_roles_and_names_the_system_column(shared_datasets, sample_data,
                                                                          tmp_path, capsys):
    """An ML engineer's report: the ShareGPT export's Axolotl snippet did not map function_call /
    observation turns (not in Axolotl's default roles, FORMATS.md 1.3) and did not say that the
    separate 'system' column is not read by chat_template."""
    import shutil

    import yaml  # PyYAML comes with the test extra's datasets

    from curator.cli import main as cli_main
    src = tmp_path / "glaive.json"
    shutil.copy(shared_datasets / "llamafactory-glaive-toolcall-en-demo" / "glaive_toolcall_en_demo.json", src)
    cli_main(["export", str(src), "--out", str(tmp_path / "g"), "--allow-contradictions"])
    readme = (tmp_path / "g" / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Axolotl", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    cfg = yaml.safe_load(block)
    assert cfg["datasets"][0]["roles"]["assistant"] == ["gpt", "function_call"]
    assert cfg["datasets"][0]["roles"]["tool"] == ["observation"]
    assert cfg["datasets"][0]["roles"]["system"] == ["system"]   # a roles map replaces the defaults
    chat = tmp_path / "sc.jsonl"
    shutil.copy(sample_data / "support_chat.jsonl", chat)
    cli_main(["export", str(chat), "--out", str(tmp_path / "s"), "--format", "sharegpt", "--allow-contradictions"])
    capsys.readouterr()
    assert "separate `system` column" in (tmp_path / "s" / "README.md").read_text(encoding="utf-8")
