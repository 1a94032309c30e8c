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

from .records import Problem, Turn, make_turn

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


def _is_mapping(x: object) -> bool:
    return type(x) is dict or isinstance(x, Mapping)  # the type test first: abc checks are slow


def _as_list(x: object) -> list:
    """The items of a list field; anything else (a string, a number, null) has none."""
    return x if isinstance(x, list) else []


def _weight(w: object) -> int | None:
    """OpenAI's assistant weight as 0/1 (1.0 counts; true/false and other values do not)."""
    return int(w) if type(w) in (int, float) and w in (0, 1) else None


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
        return _openai_view(obj, 0, 0)[0]
    if fmt == "sharegpt":
        system = obj.get("system")
        if isinstance(system, str) and system:
            turns.append(Turn("system", system, "system"))
        for m in _as_list(obj.get("conversations")):
            if not _is_mapping(m):
                continue
            src = str(m.get("from", m.get("role", "")))
            value = m.get("value", m.get("content", ""))
            turns.append(Turn(SHAREGPT_ROLES.get(src, src), value if isinstance(value, str) else content_text(value), src))
    elif fmt == "alpaca":
        system = obj.get("system")
        if isinstance(system, str) and system:
            turns.append(Turn("system", system, "system"))
        for pair in _as_list(obj.get("history")):
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
                    if _is_mapping(m):
                        src = str(m.get("role", default_role))
                        turns.append(Turn(OPENAI_ROLES.get(src, src), content_text(m.get("content")), src))
            else:
                turns.append(Turn(default_role, v if isinstance(v, str) else "", key))
    elif fmt == "text":
        v = obj.get("text")
        turns.append(Turn("assistant", v if isinstance(v, str) else "", "text"))
    return tuple(turns)


def _openai_view(obj: Mapping, line: int, start_line: int) -> tuple[
        tuple[Turn, ...], str, str, list[Problem], list[Problem]]:
    """Turns, prompt, response, errors and warnings of an OpenAI chat record in one pass.

    This is the only implementation of the OpenAI branch of :func:`to_turns`,
    :func:`split_prompt_response` and :func:`semantic_checks` (they call it), written as
    one loop because it runs for every line of large files.
    """
    turns: list[Turn] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    system = obj.get("system")
    if isinstance(system, str) and system:
        turns.append(Turn("system", system, "system"))
    msgs = obj.get("messages")
    if type(msgs) is not list:
        return tuple(turns), *split_prompt_response(tuple(turns)), errors, warnings
    roles = OPENAI_ROLES
    texts = [t.content for t in turns]
    add_turn, add_text = turns.append, texts.append
    has_user = has_assistant = False
    last_role = ""
    last_assistant = -1
    call_ids: set = set()  # ids of the assistant tool_calls so far, which tool messages answer
    for i, m in enumerate(msgs):
        if type(m) is not dict and not isinstance(m, Mapping):
            continue
        src = m.get("role")
        content = m.get("content")
        if type(content) is str:
            text = content
            empty = not content or content.isspace()  # no copy, unlike strip()
        else:
            text = content_text(content)
            empty = content is None or (isinstance(content, list) and not text.strip())
        if len(m) == 2 and src is not None and "content" in m:
            calls = fcall = weight = None  # just role and content: the common case
        else:
            calls = m.get("tool_calls")
            fcall = m.get("function_call")
            if calls:
                if type(calls) is list:
                    call_ids.update(c.get("id") for c in calls if isinstance(c, Mapping))
                calls_text = _tool_call_text(calls)
                text = f"{text}\n{calls_text}" if text else calls_text
            elif fcall is not None and _is_mapping(fcall):
                text = text or f"[tool call] {fcall.get('name', '?')}({fcall.get('arguments', '')})"
            weight = m.get("weight")
            if weight is not None:
                weight = _weight(weight)
        role = roles.get(src) if type(src) is str else None
        if role is None:  # unknown role: kept as written
            label = "" if src is None else src if type(src) is str else json.dumps(src, default=str)
            add_turn(make_turn(label, text, label, weight))
            add_text(text)
            errors.append(Problem(line, "unrecognized_role", f"unknown role {json.dumps(src, default=str)}; "
                                  "expected one of system, user, assistant, tool",
                                  f"$.messages[{i}].role", "error", start_line))
            continue
        if role == "assistant":
            has_assistant = True
            last_assistant = len(turns)
        elif role == "user":
            has_user = True
        elif src == "tool":
            tcid = m.get("tool_call_id")
            if type(tcid) is not str or tcid not in call_ids:
                what = ("has no tool_call_id" if tcid is None else
                        f"answers tool_call_id {json.dumps(tcid, ensure_ascii=False, default=str)}, which no "
                        "earlier assistant tool_calls entry has")
                warnings.append(Problem(line, "tool_message_without_call",
                                        f"the tool message {what}; OpenAI requires each tool message to "
                                        "answer a preceding assistant tool call by its id",
                                        f"$.messages[{i}]", "warning", start_line))
        last_role = role
        add_turn(make_turn(role, text, src, weight))
        add_text(text)
        if empty and not (role == "assistant" and (calls or fcall)):
            errors.append(Problem(line, "missing_content", f"the {src} message has no text",
                                  f"$.messages[{i}].content", "error", start_line))
        if role == "system" and i > 0:
            warnings.append(Problem(line, "system_not_first",
                                    "a system message appears after the conversation started",
                                    f"$.messages[{i}]", "warning", start_line))
    if not has_assistant:
        errors.append(Problem(line, "example_missing_assistant_message",
                              "the conversation has no assistant turn, so there is nothing to learn",
                              "$", "error", start_line))
    else:
        if last_role == "user":
            warnings.append(Problem(line, "ends_on_user_turn", _ENDS_ON_USER, "$", "warning", start_line))
        if not has_user:
            warnings.append(Problem(line, "missing_user_message", "the conversation has no user turn",
                                    "$", "warning", start_line))
    if last_assistant < 0:
        prompt, response = "\n".join(texts), ""
    else:
        prompt = "\n".join(texts[:last_assistant])
        response = texts[last_assistant]
    return tuple(turns), prompt, response, errors, warnings


_ENDS_ON_USER = "the conversation ends on a user turn; that last turn gets no answer and is not learned"


def record_view(obj: Mapping, fmt: str, line: int, start_line: int) -> tuple[
        tuple[Turn, ...], str, str, list[Problem], list[Problem]]:
    """(turns, prompt, response, errors, warnings) of a record known to be of format ``fmt``:
    :func:`to_turns`, :func:`split_prompt_response` and :func:`semantic_checks` in one call."""
    if fmt == "openai":
        return _openai_view(obj, line, start_line)
    turns = to_turns(obj, fmt)
    prompt, response = split_prompt_response(turns)
    errors, warnings = semantic_checks(obj, fmt, turns, line, start_line)
    return turns, prompt, response, errors, warnings


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

    if fmt == "openai":
        return _openai_view(obj, line, start_line)[3:]
    elif fmt == "sharegpt":
        msgs = obj.get("conversations")
        if not isinstance(msgs, list):
            return errors, warnings
        roles: list[str] = []
        where: list[int] = []  # message index of each entry of roles
        for i, m in enumerate(msgs):
            if not _is_mapping(m):
                continue
            src = m.get("from", m.get("role"))
            role = SHAREGPT_ROLES.get(src) if type(src) is str else None  # a list as a role is unhashable
            if role is None:
                label = json.dumps(src, ensure_ascii=False, default=str)
                err("unrecognized_role", f"unknown speaker {label}; expected one of "
                    "human, gpt, system, function_call, observation", f"$.conversations[{i}].from")
                continue
            roles.append(role)
            where.append(i)
            value = m.get("value", m.get("content"))
            if not isinstance(value, str) or not value.strip():
                err("missing_content", f"the {src} turn has no text", f"$.conversations[{i}].value")
            if role == "system" and i > 0:
                err("system_not_first", "a system turn may only come first", f"$.conversations[{i}]")
        if "assistant" not in roles:
            err("example_missing_assistant_message",
                "the conversation has no assistant turn, so there is nothing to learn")
        elif roles[-1] == "user":
            warn("ends_on_user_turn", _ENDS_ON_USER)
        convo = [(r, i) for r, i in zip(roles, where) if r != "system"]
        for n, (r, i) in enumerate(convo):
            want_user = n % 2 == 0
            if (r in _SHAREGPT_USER_SIDE) != want_user:
                src = msgs[i].get("from", msgs[i].get("role"))
                side = "the user side (human or observation)" if want_user else \
                    "the model side (gpt or function_call)"
                err("turns_not_alternating",
                    f"turn {n + 1} is from {json.dumps(src, ensure_ascii=False)} but should come from "
                    f"{side}; ShareGPT turns must alternate user, model, user, model …",
                    f"$.conversations[{i}].from")
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
