"""The texts of a record that a reviewer corrects: one field per turn, in any supported format.

The Fix editor's form (one box per question and answer) is built from :func:`text_fields` and
written back with :func:`with_texts`, so a clinician corrects an answer without touching JSON.
Each field carries its JSON path in the *source* record (field mappings applied back), so the
fix is the user's own record with only the edited strings changed: every other key, tool call
and metadata field stays as it was. Anything that is not a plain string (tool calls, images,
non-text content parts) is left to the JSON editor.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from .formats import OPENAI_ROLES, SHAREGPT_ROLES, apply_mapping

Path = tuple[str | int, ...]

_ROLE_LABEL = {"system": "System prompt", "user": "User", "assistant": "Assistant", "tool": "Tool result"}


@dataclass(frozen=True, slots=True)
class TextField:
    """One editable string of a record."""

    path: Path          # where it is in the source record, e.g. ("messages", 2, "content")
    label: str          # what the form calls it, e.g. "Assistant (message 3)"
    role: str           # canonical role: system, user, assistant, tool
    text: str


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


def _view_fields(view: Mapping, fmt: str) -> list[TextField]:
    out: list[TextField] = []
    system = view.get("system")
    if isinstance(system, str) and fmt in ("alpaca", "sharegpt", "openai"):
        out.append(TextField(("system",), _label("system"), "system", system))
    if fmt == "openai":
        out += _chat_fields(view.get("messages"), "messages", ("role",), ("content",), OPENAI_ROLES, "message")
    elif fmt == "sharegpt":
        # from/value, or the role/content spelling some exports use
        out += _chat_fields(view.get("conversations"), "conversations", ("from", "role"), ("value", "content"),
                            SHAREGPT_ROLES, "turn")
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
                out.append(TextField((key,), label, role, value or ""))
    elif fmt == "prompt-completion":
        for key, role in (("prompt", "user"), ("completion", "assistant")):
            value = view.get(key)
            if isinstance(value, list):
                out += _chat_fields(value, key, ("role",), ("content",), OPENAI_ROLES, f"{key} message")
            elif isinstance(value, str) or value is None:
                out.append(TextField((key,), key.capitalize(), role, value or ""))
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
        to_source = {canonical: source for canonical, source in mapping.items()
                     if source in obj and canonical not in obj}
        fields = [TextField((to_source.get(f.path[0], f.path[0]), *f.path[1:]), f.label, f.role, f.text)
                  if isinstance(f.path[0], str) else f for f in fields]
    return fields


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
