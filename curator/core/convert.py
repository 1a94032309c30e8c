"""Projections between the canonical turn view and each trainer format (export side).

Each projection is written once here; export and the GUI both call these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

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
                      "tool calls and tool results become plain text")
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
}


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

    if target == "openai":
        return turns_to_openai(turns, obj), losses
    if any(t.weight is not None for t in turns):
        losses.append("weights_dropped")
    if target == "sharegpt":
        return turns_to_sharegpt(turns, obj), losses
    if target == "alpaca":
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
