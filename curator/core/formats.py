"""Fine-tuning record formats: detection, the canonical turn view, the checks
trainers trip over, and projections between formats.

The canonical view of every record is a tuple of :class:`Turn` (chat
``messages`` shape, see ../shared/FORMATS.md). Alpaca, ShareGPT,
prompt/completion and plain text are projections to and from it, each written
once here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .records import Problem, Turn

FORMAT_NAMES = ("alpaca", "openai", "sharegpt", "prompt-completion", "text")

# ShareGPT speaker labels → canonical roles. LLaMA-Factory: human/observation on the
# user side, gpt/function_call on the model side (observation = tool result).
SHAREGPT_ROLES = {
    "human": "user", "user": "user",
    "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant", "bing": "assistant",
    "bard": "assistant", "model": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool", "tool": "tool", "function": "tool",
}
_SHAREGPT_USER_SIDE = {"user", "tool"}
OPENAI_ROLES = {"system": "system", "user": "user", "assistant": "assistant",
                "tool": "tool", "function": "tool"}


def detect_format(obj: Mapping) -> str:
    """Name the format of one parsed record (``"unknown"`` when none fits)."""
    if "messages" in obj:
        return "openai"
    if "conversations" in obj:
        return "sharegpt"
    if "instruction" in obj and "output" in obj:
        return "alpaca"
    if "prompt" in obj and "completion" in obj:
        return "prompt-completion"
    if "instruction" in obj:
        return "alpaca"
    if "text" in obj:
        return "text"
    return "unknown"


def apply_mapping(obj: dict, mapping: Mapping[str, str] | None) -> dict:
    """Return a view of ``obj`` with user fields renamed to canonical ones.

    ``mapping`` maps canonical field → source field, e.g. ``{"output": "response"}``.
    The source object is not modified.
    """
    if not mapping:
        return obj
    view = dict(obj)
    for canonical, source in mapping.items():
        if source in view and canonical not in obj:
            view[canonical] = view.pop(source)
    return view


def content_text(content: object) -> str:
    """Text of an OpenAI ``content`` value: a string, a list of parts, or null."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, Mapping):
                if part.get("type") == "text":
                    parts.append(str(part.get("text", "")))
                elif part.get("type") == "image_url":
                    parts.append("[image]")
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return json.dumps(content, ensure_ascii=False)


def _tool_call_text(calls: object) -> str:
    out = []
    if isinstance(calls, list):
        for call in calls:
            fn = call.get("function", {}) if isinstance(call, Mapping) else {}
            if not isinstance(fn, Mapping):
                fn = {}
            args = fn.get("arguments", "")
            if not isinstance(args, str):
                args = json.dumps(args, ensure_ascii=False, sort_keys=True)
            out.append(f"[tool call] {fn.get('name', '?')}({args})")
    return "\n".join(out)


def to_turns(obj: Mapping, fmt: str) -> tuple[Turn, ...]:
    """The canonical turns of a record already known to be of format ``fmt``.

    Tolerant: malformed parts are skipped (validation reports them separately).
    """
    turns: list[Turn] = []
    if fmt == "openai":
        system = obj.get("system")
        if isinstance(system, str) and system:
            turns.append(Turn("system", system, "system"))
        for m in obj.get("messages") or []:
            if not isinstance(m, Mapping):
                continue
            src = str(m.get("role", ""))
            role = OPENAI_ROLES.get(src, src)
            text = content_text(m.get("content"))
            if m.get("tool_calls"):
                calls = _tool_call_text(m["tool_calls"])
                text = f"{text}\n{calls}" if text else calls
            elif isinstance(m.get("function_call"), Mapping):
                fc = m["function_call"]
                text = text or f"[tool call] {fc.get('name', '?')}({fc.get('arguments', '')})"
            w = m.get("weight")
            turns.append(Turn(role, text, src, w if w in (0, 1) else None))
    elif fmt == "sharegpt":
        system = obj.get("system")
        if isinstance(system, str) and system:
            turns.append(Turn("system", system, "system"))
        for m in obj.get("conversations") or []:
            if not isinstance(m, Mapping):
                continue
            src = str(m.get("from", m.get("role", "")))
            value = m.get("value", m.get("content", ""))
            turns.append(Turn(SHAREGPT_ROLES.get(src, src), value if isinstance(value, str) else content_text(value), src))
    elif fmt == "alpaca":
        system = obj.get("system")
        if isinstance(system, str) and system:
            turns.append(Turn("system", system, "system"))
        for pair in obj.get("history") or []:
            if isinstance(pair, list) and len(pair) == 2:
                turns.append(Turn("user", str(pair[0]), "history"))
                turns.append(Turn("assistant", str(pair[1]), "history"))
        instruction = obj.get("instruction")
        inp = obj.get("input")
        prompt = instruction if isinstance(instruction, str) else ""
        if isinstance(inp, str) and inp.strip():
            prompt = f"{prompt}\n{inp}" if prompt else inp
        turns.append(Turn("user", prompt, "instruction"))
        out = obj.get("output")
        turns.append(Turn("assistant", out if isinstance(out, str) else "", "output"))
    elif fmt == "prompt-completion":
        for key, default_role in (("prompt", "user"), ("completion", "assistant")):
            v = obj.get(key)
            if isinstance(v, list):
                for m in v:
                    if isinstance(m, Mapping):
                        src = str(m.get("role", default_role))
                        turns.append(Turn(OPENAI_ROLES.get(src, src), content_text(m.get("content")), src))
            else:
                turns.append(Turn(default_role, v if isinstance(v, str) else "", key))
    elif fmt == "text":
        v = obj.get("text")
        turns.append(Turn("assistant", v if isinstance(v, str) else "", "text"))
    return tuple(turns)


def split_prompt_response(turns: tuple[Turn, ...]) -> tuple[str, str]:
    """Prompt = every turn before the last assistant turn; response = that turn."""
    last = -1
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].role == "assistant":
            last = i
            break
    if last < 0:
        return "\n".join(t.content for t in turns), ""
    return "\n".join(t.content for t in turns[:last]), turns[last].content


def semantic_checks(obj: Mapping, fmt: str, turns: tuple[Turn, ...], line: int,
                    start_line: int) -> tuple[list[Problem], list[Problem]]:
    """The checks a schema cannot express and trainers trip over.

    Returns (errors, warnings). Codes follow OpenAI's cookbook where one exists
    (``example_missing_assistant_message``, ``unrecognized_role``, ``missing_content``).
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def err(code: str, msg: str, path: str = "$") -> None:
        errors.append(Problem(line, code, msg, path, "error", start_line))

    def warn(code: str, msg: str, path: str = "$") -> None:
        warnings.append(Problem(line, code, msg, path, "warning", start_line))

    if fmt in ("openai", "sharegpt"):
        key = "messages" if fmt == "openai" else "conversations"
        role_key = "role" if fmt == "openai" else "from"
        msgs = obj.get(key)
        if not isinstance(msgs, list):
            return errors, warnings
        known = OPENAI_ROLES if fmt == "openai" else SHAREGPT_ROLES
        roles: list[str] = []
        for i, m in enumerate(msgs):
            if not isinstance(m, Mapping):
                continue
            src = m.get(role_key, m.get("role") if fmt == "sharegpt" else None)
            path = f"$.{key}[{i}]"
            if fmt == "sharegpt" and src not in known:
                err("unrecognized_role", f"unknown speaker {json.dumps(src)}; expected one of "
                    "human, gpt, system, function_call, observation", path + ".from")
                continue
            if src not in known:
                continue  # the schema reports unknown OpenAI roles
            role = known[src]
            roles.append(role)
            if fmt == "openai":
                content = m.get("content")
                has_call = bool(m.get("tool_calls")) or bool(m.get("function_call"))
                if content is None or (isinstance(content, str) and not content.strip()) or (
                        isinstance(content, list) and not content_text(content).strip()):
                    if not (role == "assistant" and has_call):
                        err("missing_content", f"the {src} message has no text", path + ".content")
                if role == "system" and i > 0:
                    warn("system_not_first", "a system message appears after the conversation started", path)
            else:
                value = m.get("value", m.get("content"))
                if not isinstance(value, str) or not value.strip():
                    err("missing_content", f"the {src} turn has no text", path + ".value")
                if role == "system" and i > 0:
                    err("system_not_first", "a system turn may only come first", path)
        if "assistant" not in roles:
            err("example_missing_assistant_message",
                "the conversation has no assistant turn, so there is nothing to learn")
        elif roles and roles[-1] in ("user",):
            warn("ends_on_user_turn", "the conversation ends on a user turn; that last turn "
                 "gets no answer and is not learned")
        if fmt == "openai" and "user" not in roles and "assistant" in roles:
            warn("missing_user_message", "the conversation has no user turn")
        if fmt == "sharegpt":
            convo = [r for r in roles if r != "system"]
            for i, r in enumerate(convo):
                want_user = i % 2 == 0
                if (r in _SHAREGPT_USER_SIDE) != want_user:
                    err("turns_not_alternating",
                        f"turn {i + 1} should come from the {'user (human/observation)' if want_user else 'model (gpt/function_call)'} side; "
                        "ShareGPT turns must alternate", f"$.conversations[{i + (len(roles) - len(convo))}]")
                    break
    elif fmt == "alpaca":
        out = obj.get("output")
        if isinstance(out, str) and not out.strip():
            err("empty_output", "the output is empty", "$.output")
        ins = obj.get("instruction")
        if isinstance(ins, str) and not ins.strip() and not str(obj.get("input") or "").strip():
            err("empty_instruction", "the instruction and input are both empty", "$.instruction")
    elif fmt == "prompt-completion":
        comp = obj.get("completion")
        text = comp if isinstance(comp, str) else split_prompt_response(turns)[1]
        if not text.strip():
            err("empty_completion", "the completion is empty", "$.completion")
        pr = obj.get("prompt")
        if isinstance(pr, str) and not pr.strip():
            err("empty_prompt", "the prompt is empty", "$.prompt")
    elif fmt == "text":
        t = obj.get("text")
        if isinstance(t, str) and not t.strip():
            err("empty_text", "the text is empty", "$.text")
    return errors, warnings
