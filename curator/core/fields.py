"""The texts of a record that a reviewer corrects: one field per turn, in any supported format.

The Fix editor's form (one box per question and answer) is built from :func:`text_fields` and
written back with :func:`with_texts`, so a clinician corrects an answer without touching JSON.
Each field carries its JSON path in the *source* record (field mappings applied back), so the
fix is the user's own record with only the edited strings changed: every other key, tool call
and metadata field stays as it was. Anything that is not a plain string (tool calls, images,
non-text content parts) is left to the JSON editor.

A record with no answer (a conversation with no assistant turn or ending on the user, an Alpaca
record without an output, a prompt without its completion) gets one more field, empty, for the
answer: typing into it adds the reply in the record's own shape (``{"role": "assistant", …}``,
``{"from": "gpt", …}``, ``"output"``, ``"completion"``); left empty, it adds nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from .formats import OPENAI_ROLES, SHAREGPT_ROLES, apply_mapping

Path = tuple[str | int, ...]

_ROLE_LABEL = {"system": "System prompt", "user": "User", "assistant": "Assistant", "tool": "Tool result"}
ADD_REPLY = "Add assistant reply"      # the label of the empty answer box a record without one gets


@dataclass(frozen=True, slots=True)
class TextField:
    """One editable string of a record."""

    path: Path          # where it is in the source record, e.g. ("messages", 2, "content")
    label: str          # what the form calls it, e.g. "Assistant (message 3)"
    role: str           # canonical role: system, user, assistant, tool
    text: str
    # a reply the record does not have yet: the other keys of the message that holds it (e.g.
    # (("role", "assistant"),)), appended at path[-2] of the list at path[:-2] (created if missing)
    new: tuple[tuple[str, str], ...] = ()


def _label(role: str, where: str | None = None) -> str:
    base = _ROLE_LABEL.get(role, role.capitalize() or "Text")
    return f"{base} ({where})" if where else base


def _chat_fields(messages: object, key: str, role_keys: tuple[str, ...], text_keys: tuple[str, ...],
                 roles: Mapping[str, str], noun: str) -> list[TextField]:
    """Fields of a list of messages: each message's role is under the first of ``role_keys`` it
    has, its text under the first of ``text_keys`` it has (else the first of them)."""
    out: list[TextField] = []
    if not isinstance(messages, list):
        return out
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            continue
        src = next((m[k] for k in role_keys if k in m), None)
        role = roles.get(src, src) if isinstance(src, str) else ""
        where = f"{noun} {i + 1}"
        if isinstance(src, str) and src not in (role, "human", "gpt", "user", "assistant", "system"):
            where = f"{src}, {where}"      # as the reader names it: "Assistant (function_call, turn 4)"
        text_key = next((k for k in text_keys if k in m), text_keys[0])
        value = m.get(text_key)
        if isinstance(value, str) or (value is None and not m.get("tool_calls") and not m.get("function_call")):
            out.append(TextField((key, i, text_key), _label(role, where), role, value or ""))
        elif isinstance(value, list):
            # content parts: each text part is a field; images and other parts stay as they are
            texts = [(j, p) for j, p in enumerate(value) if isinstance(p, Mapping) and p.get("type") == "text"
                     and isinstance(p.get("text"), str)]
            for j, p in texts:
                part = f", part {j + 1}" if len(texts) > 1 else ""
                out.append(TextField((key, i, text_key, j, "text"), _label(role, where + part), role, p["text"]))
    return out


def _reply_field(messages: object, key: str, noun: str, spelling: tuple[str, str, str] | None = None,
                 roles: Mapping[str, str] = OPENAI_ROLES) -> list[TextField]:
    """The empty answer box for a list of messages that has no answer: no assistant turn, or the
    last turn is the user's (or a tool result waiting for the reply). ``spelling`` is (role key,
    text key, assistant's role value) of a new message, as the list already writes its turns."""
    if messages is not None and not isinstance(messages, list):
        return []            # a string or number where the list should be: the JSON tab's job
    msgs = messages or []
    role_key, text_key, speaker = spelling or ("role", "content", "assistant")
    spoken = [m[role_key] for m in msgs if isinstance(m, Mapping) and isinstance(m.get(role_key), str)]
    if spoken and roles.get(spoken[-1], spoken[-1]) == "assistant":
        return []            # it ends on an answer
    n = len(msgs)
    return [TextField((key, n, text_key), f"{ADD_REPLY} ({noun} {n + 1}, new)", "assistant", "",
                      ((role_key, speaker),))]


def _sharegpt_spelling(messages: object) -> tuple[str, str, str]:
    """(speaker key, text key, model's speaker) as the conversation already writes its turns:
    from/value/gpt, or the role/content spelling some exports use ("assistant" beside "user")."""
    turns = [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []
    if turns and not any("from" in m for m in turns) and any("role" in m for m in turns):
        return "role", "content", "assistant"
    speakers = {m.get("from") for m in turns}
    return "from", "value", ("assistant" if "user" in speakers and "human" not in speakers else "gpt")


def _view_fields(view: Mapping, fmt: str) -> list[TextField]:
    out: list[TextField] = []
    system = view.get("system")
    if isinstance(system, str) and fmt in ("alpaca", "sharegpt", "openai"):
        out.append(TextField(("system",), _label("system"), "system", system))
    if fmt == "openai":
        out += _chat_fields(view.get("messages"), "messages", ("role",), ("content",), OPENAI_ROLES, "message")
        out += _reply_field(view.get("messages"), "messages", "message")
    elif fmt == "sharegpt":
        # from/value, or the role/content spelling some exports use
        convo = view.get("conversations")
        out += _chat_fields(convo, "conversations", ("from", "role"), ("value", "content"), SHAREGPT_ROLES, "turn")
        out += _reply_field(convo, "conversations", "turn", _sharegpt_spelling(convo), SHAREGPT_ROLES)
    elif fmt == "alpaca":
        history = view.get("history")
        if isinstance(history, list):
            for i, pair in enumerate(history):
                if isinstance(pair, list) and len(pair) == 2:
                    for k, role in ((0, "user"), (1, "assistant")):
                        if isinstance(pair[k], str):
                            out.append(TextField(("history", i, k), f"Earlier turn {i + 1}: {role}", role, pair[k]))
        # the reader's section names
        for key, label, role in (("instruction", "Instruction", "user"), ("input", "Input", "user"),
                                 ("output", "Output", "assistant")):
            value = view.get(key)
            if isinstance(value, str) or value is None:
                missing = key == "output" and not (value or "").strip()
                out.append(TextField((key,), "Output (none yet: type the answer)" if missing else label, role,
                                     value or ""))
    elif fmt == "prompt-completion":
        conversational = isinstance(view.get("prompt"), list)
        for key, role in (("prompt", "user"), ("completion", "assistant")):
            value = view.get(key)
            if isinstance(value, list):
                out += _chat_fields(value, key, ("role",), ("content",), OPENAI_ROLES, f"{key} message")
                if key == "completion":
                    out += _reply_field(value, key, "completion message")
            elif key == "completion" and value is None and conversational:
                # a conversational prompt's completion is a list of messages too
                out.append(TextField((key, 0, "content"), f"{ADD_REPLY} (the completion, new)", role, "",
                                     (("role", "assistant"),)))
            elif isinstance(value, str) or value is None:
                missing = key == "completion" and not (value or "").strip()
                out.append(TextField((key,), "Completion (none yet: type the answer)" if missing
                                     else key.capitalize(), role, value or ""))
    elif fmt == "text":
        value = view.get("text")
        if isinstance(value, str) or value is None:
            out.append(TextField(("text",), "Text", "assistant", value or ""))
    return out


def text_fields(obj: object, fmt: str, mapping: Mapping[str, str] | None = None) -> list[TextField]:
    """The editable strings of ``obj`` (a record of format ``fmt``), in reading order.

    ``mapping`` is the dataset's field mapping (canonical → source field, ``--field``): the
    fields are found under their canonical names and their paths name the source fields.
    An object that is not a JSON object has no fields.
    """
    if not isinstance(obj, Mapping):
        return []
    view = apply_mapping(dict(obj), mapping) if mapping else obj
    fields = _view_fields(view, fmt)
    if mapping:
        # a field the record lacks (an answer to add) is written under the dataset's own name too
        to_source = {canonical: source for canonical, source in mapping.items() if canonical not in obj}
        fields = [TextField((to_source.get(f.path[0], f.path[0]), *f.path[1:]), f.label, f.role, f.text, f.new)
                  if isinstance(f.path[0], str) else f for f in fields]
    return fields


def with_field_texts(obj: Mapping, edits: Mapping[TextField, str]) -> dict:
    """A copy of ``obj`` with the texts of ``edits`` (field → its new text) written in, the form's
    save. A field for a reply the record lacks (:attr:`TextField.new`) adds the message, in the
    record's own shape, when its text is not empty; the others go through :func:`with_texts`
    (pass only the fields whose text changed)."""
    out = with_texts(obj, {f.path: t for f, t in edits.items() if not f.new})
    for f, text in sorted(((f, t) for f, t in edits.items() if f.new and t),
                          key=lambda ft: tuple(str(x) for x in ft[0].path)):
        *where, index, text_key = f.path
        node: object = out
        for k, key in enumerate(where):
            if isinstance(node, dict) and key not in node and k == len(where) - 1:
                node[key] = []           # a missing completion list is created
            try:
                node = node[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError) as exc:
                raise KeyError(f"no field at {list(f.path)} in the record") from exc
        if not isinstance(node, list) or not isinstance(index, int) or index > len(node):
            raise KeyError(f"no place for a new message at {list(f.path)} in the record")
        if index == len(node):
            node.append({**dict(f.new), str(text_key): text})
        else:
            node[index] = {**dict(f.new), str(text_key): text}
    return out


def with_texts(obj: Mapping, texts: Mapping[Path, str]) -> dict:
    """A copy of ``obj`` with the string at each path replaced (``obj`` is not modified). Pass
    only the texts that changed: an unchanged ``null`` content must stay ``null``.

    A path whose last key is missing is created only for a non-empty text (an Alpaca record
    without "input" stays without it unless the reviewer types one). A path that does not lead
    into the object raises ``KeyError``.
    """
    out = copy.deepcopy(dict(obj))
    for path, text in texts.items():
        node: object = out
        for key in path[:-1]:
            try:
                node = node[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError) as exc:
                raise KeyError(f"no field at {list(path)} in the record") from exc
        last = path[-1]
        if isinstance(node, dict):
            if last in node or text:
                node[last] = text
        elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
            node[last] = text
        else:
            raise KeyError(f"no field at {list(path)} in the record")
    return out
