"""Projections between the canonical turn view and each trainer format (export side).

Each projection is written once here; export and the GUI both call these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from .records import Turn


def turns_to_openai(turns: tuple[Turn, ...], extra: Mapping | None = None) -> dict:
    msgs = []
    for t in turns:
        m: dict = {"role": t.role, "content": t.content}
        if t.weight is not None:
            m["weight"] = t.weight
        msgs.append(m)
    out: dict = {"messages": msgs}
    if extra and "tools" in extra:
        tools = extra["tools"]
        if isinstance(tools, str):
            try:
                tools = json.loads(tools)
            except ValueError:
                tools = None
        if isinstance(tools, list):
            # LLaMA-Factory/glaive list bare function specs {name, description, parameters};
            # OpenAI wants each wrapped as {"type": "function", "function": spec}.
            out["tools"] = [{"type": "function", "function": t}
                            if isinstance(t, Mapping) and "type" not in t and "name" in t else t
                            for t in tools]
    return out


def turns_to_sharegpt(turns: tuple[Turn, ...], extra: Mapping | None = None) -> dict:
    back = {"user": "human", "assistant": "gpt", "tool": "observation"}
    convo = []
    out: dict = {}
    for t in turns:
        if t.role == "system" and not convo:
            out["system"] = t.content
            continue
        src = t.source_role if t.source_role in ("function_call", "observation") else back.get(t.role, t.role)
        convo.append({"from": src, "value": t.content})
    result = {"conversations": convo}
    result.update(out)
    if extra and "tools" in extra:
        result["tools"] = extra["tools"] if isinstance(extra["tools"], str) else json.dumps(extra["tools"], ensure_ascii=False)
    return result


def turns_to_alpaca(turns: tuple[Turn, ...]) -> dict:
    """Alpaca keeps one instruction and one output; earlier pairs go to ``history``
    (LLaMA-Factory's convention), system turns to ``system``.

    ``output`` is the last assistant turn and ``instruction`` everything after the
    last earlier exchange, so instruction/output match the canonical prompt/response
    of a single exchange. A run of several assistant turns closes one history pair
    (joined with newlines); no turn before the last assistant answer is dropped.
    Turns after the last assistant answer have no place in Alpaca and are dropped.
    """
    system = "\n".join(t.content for t in turns if t.role == "system")
    convo = [t for t in turns if t.role != "system"]
    last_assistant = max((i for i, t in enumerate(convo) if t.role == "assistant"), default=-1)
    if last_assistant < 0:
        out: dict = {"instruction": "\n".join(t.content for t in convo), "input": "", "output": ""}
    else:
        history: list[list[str]] = []
        question: list[str] = []
        answer: list[str] = []
        for t in convo[:last_assistant]:
            if t.role == "assistant":
                answer.append(t.content)
                continue
            if answer:  # a question after an answer closes the previous exchange
                history.append(["\n".join(question), "\n".join(answer)])
                question, answer = [], []
            question.append(t.content)
        out = {"instruction": "\n".join(question + answer), "input": "",
               "output": convo[last_assistant].content}
    if system:
        out["system"] = system
    if last_assistant >= 0 and history:
        out["history"] = history
    return out


def conversion_losses(fmt_from: str, fmt_to: str) -> list[str]:
    """What a conversion between formats drops, in words for the manifest."""
    if fmt_from == fmt_to or fmt_to == "same":
        return []
    losses = []
    if fmt_to == "alpaca":
        losses.append("roles collapse to instruction/output; earlier turns go to 'history'; "
                      "tool calls and tool results become plain text; tool definitions ('tools') are dropped")
        if fmt_from == "alpaca":
            losses = []
    if fmt_from == "alpaca" and fmt_to != "alpaca":
        losses.append("instruction and input are joined with a newline into one user turn")
    if fmt_from == "openai" and fmt_to == "sharegpt":
        losses.append("per-message weight and message names are dropped; tool calls become text")
    if fmt_from in ("openai", "sharegpt") and fmt_to == "openai" and fmt_from == "sharegpt":
        losses.append("function_call/observation turns become assistant/tool text turns")
    if fmt_from not in ("openai",) and fmt_to == "openai":
        losses.append("metadata fields outside the conversation are dropped")
    return losses


# --- whole-record projection for export -------------------------------------------------------

EXPORT_FORMATS = ("same", "openai", "alpaca", "sharegpt")

# Top-level keys each format carries; anything else is metadata a conversion drops.
FORMAT_KEYS = {
    "openai": ("messages", "tools", "parallel_tool_calls", "functions"),
    "sharegpt": ("conversations", "system", "tools"),
    "alpaca": ("instruction", "input", "output", "system", "history"),
    "prompt-completion": ("prompt", "completion"),
    "text": ("text",),
}

#: Loss codes → what the conversion dropped, in words for the manifest and the export dialog.
LOSS_TEXT = {
    "metadata_dropped": "top-level fields outside the target format were dropped",
    "weights_dropped": "per-message training weights (0/1) were dropped, so every answer is trained on",
    "tool_calls_as_text": "tool calls and tool results became plain-text turns",
    "names_dropped": "message 'name' fields were dropped",
    "parts_as_text": "multi-part message content became text (images became '[image]')",
    "history": "earlier turns moved to 'history' (LLaMA-Factory trains on it; Axolotl's alpaca type ignores it)",
    "input_joined": "Alpaca instruction and input were joined with a newline into one user turn",
    "text_as_answer": "a plain-text record became one assistant turn with an empty prompt",
    "trailing_turns_dropped": "turns after the last assistant answer were dropped",
    "system_joined": "several system turns were joined into one 'system' field",
    "tool_call_text_dropped": "text sent alongside a tool call was dropped (ShareGPT has one value per turn)",
    "tools_dropped": "tool (function) definitions in 'tools' were dropped: Alpaca has no field for them "
                     "(LLaMA-Factory's alpaca format does not read tools)",
    "stop_token_removed": "the legacy stop token ending each completion (such as '<|endoftext|>') was removed: "
                          "chat trainers end every answer with the model's own end-of-turn token, and a literal "
                          "one would be trained on as text",
}

#: End-of-text tokens that legacy prompt/completion data puts at the end of every completion
#: (OpenAI's GPT-3 fine-tuning asked for a fixed stop sequence). In a chat format the trainer's
#: template adds the model's own end token, so a literal one is learnt as text.
STOP_TOKENS = ("<|endoftext|>", "</s>", "<|eot_id|>", "<|im_end|>", "<|end|>", "<eos>", "<end_of_turn>")


def strip_stop_token(text: str) -> str | None:
    """``text`` without a trailing :data:`STOP_TOKENS` token (and the spaces before it), or None
    when it has none."""
    end = text.rstrip()
    for tok in STOP_TOKENS:
        if end.endswith(tok):
            return end[: -len(tok)].rstrip()
    return None


def _openai_passthrough(obj: Mapping) -> dict:
    # LLaMA-Factory's openai converter reads message["content"] directly: a tool-call message
    # without content must carry "content": null, not omit the key (FORMATS.md 1.4)
    msgs = [dict(m, content=None) if isinstance(m, Mapping) and "content" not in m else m
            for m in (obj.get("messages") or [])]
    system = obj.get("system")
    if isinstance(system, str) and system:
        msgs.insert(0, {"role": "system", "content": system})
    out: dict = {"messages": msgs}
    for key in ("tools", "parallel_tool_calls", "functions"):
        if key in obj:
            out[key] = obj[key]
    return out


def _call_value(calls: object) -> str | None:
    """OpenAI ``tool_calls`` → a LLaMA-Factory ``function_call`` value (JSON text of
    ``{"name", "arguments"}``, a list of them for parallel calls); None if malformed."""
    out = []
    for call in calls if isinstance(calls, list) else [calls]:
        fn = call.get("function", call) if isinstance(call, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            return None
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                pass
        out.append({"name": fn["name"], "arguments": args})
    if not out:
        return None
    return json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False)


def openai_to_sharegpt(obj: Mapping) -> tuple[dict, list[str]] | None:
    """OpenAI messages with tool calls → ShareGPT with ``function_call``/``observation`` turns
    (LLaMA-Factory's tool format), keeping the calls structured. None when a message does not fit."""
    from .formats import content_text

    convo: list[dict] = []
    out: dict = {}
    losses: set[str] = set()
    for m in obj.get("messages") or []:
        if not isinstance(m, Mapping):
            return None
        role = m.get("role")
        text = content_text(m.get("content"))
        if isinstance(m.get("content"), list):
            losses.add("parts_as_text")
        if "name" in m:
            losses.add("names_dropped")
        if "weight" in m:
            losses.add("weights_dropped")
        if role == "system" and not convo and "system" not in out:
            out["system"] = text
        elif role == "user":
            convo.append({"from": "human", "value": text})
        elif role == "assistant" and (m.get("tool_calls") or m.get("function_call")):
            value = _call_value(m.get("tool_calls") or m.get("function_call"))
            if value is None:
                return None
            if text.strip():
                losses.add("tool_call_text_dropped")
            convo.append({"from": "function_call", "value": value})
        elif role == "assistant":
            convo.append({"from": "gpt", "value": text})
        elif role in ("tool", "function"):
            if convo and convo[-1]["from"] == "observation":   # results of parallel calls: one turn
                convo[-1]["value"] += "\n" + text
            else:
                convo.append({"from": "observation", "value": text})
        else:
            return None
    result: dict = {"conversations": convo, **out}
    if "tools" in obj:
        result["tools"] = obj["tools"] if isinstance(obj["tools"], str) else json.dumps(obj["tools"], ensure_ascii=False)
    return result, sorted(losses)


def sharegpt_to_openai(obj: Mapping) -> tuple[dict, list[str]] | None:
    """ShareGPT with ``function_call``/``observation`` turns → OpenAI ``tool_calls``/``tool``
    messages (ids ``call_1``, ``call_2`` … in order). None when a turn does not fit."""
    msgs: list[dict] = []
    system = obj.get("system")
    if isinstance(system, str) and system:
        msgs.append({"role": "system", "content": system})
    pending: list[str] = []
    n_calls = 0
    roles = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}
    for t in obj.get("conversations") or []:
        if not isinstance(t, Mapping) or not isinstance(t.get("value"), str):
            return None
        src, value = t.get("from"), t["value"]
        if src == "function_call":
            try:
                parsed = json.loads(value)
            except ValueError:
                return None
            calls = []
            for c in parsed if isinstance(parsed, list) else [parsed]:
                if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
                    return None
                n_calls += 1
                args = c.get("arguments", {})
                calls.append({"id": f"call_{n_calls}", "type": "function",
                              "function": {"name": c["name"],
                                           "arguments": args if isinstance(args, str)
                                           else json.dumps(args, ensure_ascii=False)}})
            pending = [c["id"] for c in calls]
            msgs.append({"role": "assistant", "content": None, "tool_calls": calls})
        elif src in ("observation", "tool", "function"):
            if not pending:
                return None
            # each result answers the next unanswered call of the preceding function_call turn
            # (one result for parallel calls answers the first)
            msgs.append({"role": "tool", "tool_call_id": pending.pop(0) if len(pending) > 1 else pending[0],
                         "content": value})
        elif src in roles:
            msgs.append({"role": roles[src], "content": value})
        else:
            return None
    out: dict = {"messages": msgs}
    tools = obj.get("tools")
    if isinstance(tools, str) and tools.strip():
        try:
            tools = json.loads(tools)
        except ValueError:
            tools = None
    if isinstance(tools, list) and tools:
        out["tools"] = [{"type": "function", "function": t} if isinstance(t, Mapping) and "type" not in t
                        and "name" in t else t for t in tools]
    return out, []


def _has_tool_definitions(obj: Mapping) -> bool:
    """True if the record defines tools (``tools``, or OpenAI's legacy ``functions``): a non-empty
    list, or a string holding one (LLaMA-Factory keeps ``tools`` as JSON text)."""
    for key in ("tools", "functions"):
        v = obj.get(key)
        if isinstance(v, str):
            v = v.strip()
            if v and v not in ("[]", "null"):
                return True
        elif v:
            return True
    return False


def project_record(obj: Mapping, src_fmt: str, turns: tuple[Turn, ...], target: str) -> tuple[dict, list[str]]:
    """Project one record to ``target`` (one of :data:`EXPORT_FORMATS` except ``"same"``).

    Returns the new object and the loss codes (keys of :data:`LOSS_TEXT`) that
    apply to this record. A record already in the target format keeps its
    conversation untouched (tool calls, weights, names survive); only keys
    outside the format are dropped.
    """
    losses: list[str] = []
    known = FORMAT_KEYS.get(src_fmt, ())
    if src_fmt == "openai" and "system" in obj:
        known = known + ("system",)
    if any(k not in known for k in obj):
        losses.append("metadata_dropped")
    if target == src_fmt:
        if target == "openai":
            return _openai_passthrough(obj), losses
        return {k: obj[k] for k in FORMAT_KEYS[target] if k in obj}, losses

    # tool calls: keep them structured between the two chat formats when the record fits
    has_tools = (src_fmt == "openai" and any(isinstance(m, Mapping) and (m.get("tool_calls") or m.get("function_call"))
                                             for m in obj.get("messages") or [])) or \
                (src_fmt == "sharegpt" and any(isinstance(t, Mapping) and t.get("from") == "function_call"
                                               for t in obj.get("conversations") or []))
    if has_tools and (src_fmt, target) in (("openai", "sharegpt"), ("sharegpt", "openai")):
        direct = openai_to_sharegpt(obj) if target == "sharegpt" else sharegpt_to_openai(obj)
        if direct is not None:
            return direct[0], losses + direct[1]

    msgs = obj.get("messages") if src_fmt == "openai" else None
    if isinstance(msgs, list):
        ms = [m for m in msgs if isinstance(m, Mapping)]
        if any(m.get("tool_calls") or m.get("function_call") or m.get("role") in ("tool", "function") for m in ms):
            losses.append("tool_calls_as_text")
        if any("name" in m for m in ms):
            losses.append("names_dropped")
        if any(isinstance(m.get("content"), list) for m in ms):
            losses.append("parts_as_text")
    if src_fmt == "sharegpt" and target == "openai" and any(
            t.source_role in ("function_call", "observation", "function") for t in turns):
        losses.append("tool_calls_as_text")
    if src_fmt == "alpaca" and isinstance(obj.get("input"), str) and obj["input"].strip():
        losses.append("input_joined")
    if src_fmt == "text":
        losses.append("text_as_answer")
    if src_fmt == "prompt-completion" and turns and turns[-1].role == "assistant":
        answer = strip_stop_token(turns[-1].content)
        if answer is not None:
            turns = (*turns[:-1], replace(turns[-1], content=answer))
            losses.append("stop_token_removed")

    if target == "openai":
        return turns_to_openai(turns, obj), losses
    if any(t.weight is not None for t in turns):
        losses.append("weights_dropped")
    if target == "sharegpt":
        return turns_to_sharegpt(turns, obj), losses
    if target == "alpaca":
        if _has_tool_definitions(obj):
            losses.append("tools_dropped")
        if src_fmt in ("openai", "sharegpt") and "tool_calls_as_text" not in losses and any(
                t.role == "tool" or t.source_role in ("function_call", "observation") for t in turns):
            losses.append("tool_calls_as_text")
        if sum(1 for t in turns if t.role == "system") > 1:
            losses.append("system_joined")
        last_assistant = max((i for i, t in enumerate(turns) if t.role == "assistant"), default=-1)
        if 0 <= last_assistant < len(turns) - 1:
            losses.append("trailing_turns_dropped")
        out = turns_to_alpaca(turns)
        if "history" in out:
            losses.append("history")
        return out, losses
    raise ValueError(f"unknown export format {target!r}; expected one of {', '.join(EXPORT_FORMATS)}")
