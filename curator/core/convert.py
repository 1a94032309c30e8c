"""Projections between the canonical turn view and each trainer format (export side).

Each projection is written once here; export and the GUI both call these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .formats import split_prompt_response
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
            out["tools"] = tools
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
    (LLaMA-Factory's convention), a system turn to ``system``."""
    system = "\n".join(t.content for t in turns if t.role == "system")
    convo = [t for t in turns if t.role != "system"]
    prompt, response = split_prompt_response(tuple(convo))
    # rebuild user/assistant pairs before the final exchange
    history = []
    last_assistant = max((i for i, t in enumerate(convo) if t.role == "assistant"), default=-1)
    final_user_idx = max((i for i, t in enumerate(convo[:last_assistant]) if t.role != "assistant"), default=-1)
    pending: list[str] = []
    for t in convo[:final_user_idx]:
        if t.role == "assistant":
            history.append([ "\n".join(pending), t.content])
            pending = []
        else:
            pending.append(t.content)
    instruction = "\n".join(pending + ([convo[final_user_idx].content] if final_user_idx >= 0 else []))
    out: dict = {"instruction": instruction, "input": "", "output": response}
    if system:
        out["system"] = system
    if history:
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
