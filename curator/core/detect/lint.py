"""Lint checks reviewers ask for. Each finding has a stable code and a severity.

Codes (public: sample data and the GUI filter on them):

``empty_response``   error    the answer is empty or whitespace only
``repeats_prompt``   warning  the answer repeats the prompt instead of answering it
``placeholder``      warning  placeholder text such as "N/A", "<noinput>", "TODO", "lorem ipsum"
``truncated``        warning  the answer looks cut off (open code fence, ends mid-sentence)
``refusal``          warning  refusal boilerplate ("As an AI language model …")
``too_long``         warning  the estimated token count exceeds the budget
``special_token``    warning  a chat-template token ("<|im_end|>", "[INST]", "</s>") written into the text
                              of a chat record (prompt/completion and plain-text records are
                              pre-formatted on purpose and not checked)
``dialogue_in_response`` warning  the answer goes on to write the other speaker's turn ("… tests.
                              Patient: Okay, doctor. Thank you …"): a generated dialogue cut
                              into examples, so the model learns to answer for the user
``garbled_text``     warning  characters lost or mangled by an encoding conversion ("I??ve",
                              "itâ€™s", U+FFFD)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from curator.core.findings import LintFinding
from curator.core.progress import Ticker
from curator.core.records import Record

from .normalize import estimate_tokens, normalize

SEVERITY = {
    "empty_response": "error",
    "repeats_prompt": "warning",
    "placeholder": "warning",
    "truncated": "warning",
    "refusal": "warning",
    "too_long": "warning",
    "special_token": "warning",
    "dialogue_in_response": "warning",
    "garbled_text": "warning",
}

# whole-field placeholders (after normalisation, which strips surrounding punctuation)
_PLACEHOLDER_EXACT = {
    "n/a", "na", "none", "null", "nil", "todo", "tbd", "tba", "fixme", "xxx", "placeholder",
    "noinput", "nooutput", "no input", "no output", "lorem ipsum", "answer", "response", "output",
    "insert answer here", "your answer here", "to be added", "to be written", "undefined",
}
# unfilled slots: never legitimate anywhere
_SLOT_PATTERN = (r"<\s*no\s*(?:input|output)\s*>|\[(?:insert|your|placeholder)[^\]]{0,40}\]"
                 r"|\{\{[\w \-]{1,60}\}\}|<\s*(?:insert|placeholder)[^>]{0,40}>")
_SLOT = re.compile(_SLOT_PATTERN, re.IGNORECASE)
# in an answer, also to-do markers and filler text; in a prompt those are usually the task
# ("complete the marked function", "lay out the given text"), so prompts are checked for slots only
_PLACEHOLDER_INSIDE = re.compile(_SLOT_PATTERN + r"|(?-i:\bTODO\b|\bTBD\b|\bFIXME\b)|lorem ipsum", re.IGNORECASE)

_REFUSAL = re.compile(
    r"\bas an ai(?: language)? model\b|\bas a (?:large )?language model\b|\bi am an ai(?: language model)?\b"
    r"|\bi(?:'m| am) (?:sorry|afraid),? (?:but )?i (?:can(?:not|'t)|am (?:not able|unable)) "
    r"(?:help|assist|provide|comply|do that|answer)"
    r"|\bi can(?:not|'t) (?:help|assist) with (?:that|this)\b"
    r"|\bi(?:'m| am) not able to (?:help|assist|provide) (?:with )?(?:that|this)\b"
    r"|作为(?:一个)?(?:人工智能|ai)(?:语言)?模型",
    re.IGNORECASE)

# prompts whose answer is their own input, changed: "fix the bug in this code", "correct the grammar"
_EDIT_TASK = re.compile(r"(?:please |can you |could you )?(?:fix|debug|correct|edit|rewrite|refactor|"
                        r"improve|modify|update|clean up|format|reformat|optimi[sz]e|proofread|look at the code)\b")

_TERMINAL = set(".!?。！？…)]}>\"'`”’»*|;")
_DANGLING_WORDS = {"the", "a", "an", "and", "or", "but", "of", "to", "with", "for", "in", "on", "at",
                   "that", "which", "is", "are", "was", "were", "be", "by", "from", "as", "if", "because",
                   "this", "these", "their", "your", "my", "our", "its", "such"}


_CODE = re.compile(
    r"\bdef \w+\s*\(|\bfunction\s*\w*\s*\(|=>|#include\b|</\w+>|\$\{|\$[A-Z_][A-Z0-9_]*\b"
    r"|^\s*(?:import \w|from [\w.]+ import |class \w+\s*[(:{]|public |private |var |let |const |SELECT |print\s*\()",
    re.MULTILINE)
_CODE_LINE_END = re.compile(r"[{};]\s*$", re.MULTILINE)
# an indented line that is not a list item ("  1. Take the tablet", "  - rest")
_INDENTED = re.compile(r"^(?: {2,}|\t)+(?![-*•]\s|\d+[.)]\s)\S", re.MULTILINE)
_CODE_CHARS = set("{}[];=<>/\\$#`|^*")


def _looks_like_code(text: str) -> bool:
    """Code (or a regex, a shell line, pseudocode): its last character says nothing about whether
    it was cut off the way prose's does ("…/data/", "def gcd(x, y):", "while i < 20:"). Prose with
    parentheses, percentages, "kidney function" or an indented list is not code."""
    if _CODE.search(text) or len(_CODE_LINE_END.findall(text)) >= 2 or len(_INDENTED.findall(text)) >= 2:
        return True
    # a single token such as a regex: /^.*hello.*$/
    return " " not in text.strip() and sum(c in _CODE_CHARS for c in text) >= 3


def _is_truncated(resp: str) -> bool:
    text = resp.rstrip()
    if not text:
        return False
    if text.count("```") % 2 == 1:
        return True
    # the prose rules read code endings as cut-off sentences, so code is exempt from them; the
    # code test is the costly part (most answers end with a full stop), so it runs last
    return _prose_cut_off(text) and not _looks_like_code(text)


def _prose_cut_off(text: str) -> bool:
    last = text[-1]
    if last in ",:-–(\\/":
        return True
    if last in _TERMINAL or last.isdigit():
        return False
    words = text.split()
    tail = words[-1].lower() if words else ""
    if tail in _DANGLING_WORDS and len(words) >= 6:
        return True
    # a long prose answer whose last line is a sentence without an end: cut mid-sentence
    last_line = text.rsplit("\n", 1)[-1].strip()
    return (len(text) >= 200 and len(last_line.split()) >= 8 and last.isalpha()
            and not last_line.startswith(("-", "*", "#", "|")) and not re.match(r"^\d+[.)]", last_line))


# cheap substring tests that must hold before the regexes run (they rarely do)
_REFUSAL_HINTS = ("as an ai", "as a language", "as a large", "i am an ai", "i'm an ai", "sorry", "afraid",
                  "can't help", "cannot help", "can't assist", "cannot assist", "not able to", "作为")
_PLACEHOLDER_HINTS = ("todo", "tbd", "fixme", "lorem", "<no", "< no", "[insert", "[your", "[placeholder",
                      "{{", "<insert", "<placeholder")


def _contains_any(low: str, hints: tuple[str, ...]) -> bool:
    # C-speed substring tests (map over a bound method), no regex alternation per position
    return any(map(low.__contains__, hints))


def _screen(hints: tuple[str, ...]):
    """:func:`_contains_any` for ``hints``, faster: hints that share a first character that is not
    a letter ("<no", "<insert", "<placeholder") are tried only when that character occurs, which a
    one-character search (memchr) answers at memory speed. Same answer for every text."""
    first: dict[str, list[str]] = {}
    for h in hints:
        first.setdefault(h[0], []).append(h)
    plain = tuple(h for c, hs in first.items() for h in hs if c.isalpha() or len(hs) == 1)
    groups = tuple((c, tuple(hs)) for c, hs in first.items() if not c.isalpha() and len(hs) > 1)
    contains = str.__contains__

    def test(low: str) -> bool:
        return any(map(low.__contains__, plain)) or any(
            contains(low, c) and any(map(low.__contains__, hs)) for c, hs in groups)

    return test


_maybe_placeholder = _screen(_PLACEHOLDER_HINTS)    # ~1/3 less time than 12 plain searches


def _has_refusal(text: str) -> bool:
    low = text[:600].lower()
    return _contains_any(low, _REFUSAL_HINTS) and _REFUSAL.search(low) is not None


def _has_placeholder(text: str, quoted_from: str = "", pattern: re.Pattern = _PLACEHOLDER_INSIDE) -> str | None:
    """The first placeholder text in ``text`` that is not quoted from ``quoted_from`` (an answer
    that lays out the prompt's own lorem ipsum, or keeps its TODO comment, is not a placeholder),
    or None."""
    if not _maybe_placeholder(text.lower()):
        return None
    quoted = quoted_from.lower()
    return next((m.group(0) for m in pattern.finditer(text) if m.group(0).lower() not in quoted), None)


def _exact_placeholder(norm_answer: str, prompt: str) -> bool:
    """The whole answer is "N/A", "TODO", "undefined"…, and not one of the options the prompt
    asks about ("which of these is not a valid JSON type: 'undefined', …")."""
    return norm_answer in _PLACEHOLDER_EXACT and not re.search(
        rf"(?<![\w]){re.escape(norm_answer)}(?![\w])", normalize(prompt))


# chat-template and end-of-text tokens of the common model families; "<s>"/"</s>" only at the
# very start/end of a turn (inside a text they are HTML's strike-through)
_SPECIAL = re.compile(r"<\|[A-Za-z_]{2,30}\|>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|<(?:bos|eos)>"
                      r"|\A\s*<s>|</s>\s*\Z")
#: formats whose turns the trainer wraps in its own chat template
_CHAT_FORMATS = ("openai", "sharegpt", "alpaca")


def _special_token(rec: Record) -> str | None:
    """"'<|im_end|>' in the assistant turn" for the first template token in a chat record's text."""
    if rec.format not in _CHAT_FORMATS:
        return None
    for t in rec.turns:
        text = t.content
        # every token has a "<" but [INST]/[/INST]: two C-speed scans before the regex
        if ("<" in text or "INST]" in text) and (m := _SPECIAL.search(text)) is not None:
            return f"'{m.group(0).strip()}' in the {t.role} turn"
    return None


# the user's side of a dialogue given a turn inside the answer, after a sentence or at a line start
# ("… a urinalysis.Patient: Okay, what other …"); labels are capitalised as speaker labels are
# (a YAML "user:" key is not one)
_SPEAKER = re.compile(r'(?:\n|(?<=[.!?"”)]))[ \t]*(?:\*\*)?(Patient|PATIENT|User|USER|Human|HUMAN|Customer|CUSTOMER'
                      r"|Client|CLIENT|### ?(?:Instruction|Human|User|Input))(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*\S")
# an answer that is a form ("Patient: 45 F\nDiagnosis: …", "User: admin\nPassword: …") has two or
# more "Label: value" lines
_FIELD_LINE = re.compile(r"^[ \t]*[A-Z][\w ]{0,30}:[ \t]*\S", re.MULTILINE)
# the prompt asks for a dialogue, so speaker labels are the answer
_WANTS_DIALOGUE = re.compile(r"\b(?:dialog(?:ue)?s?|conversations?|scripts?|role-?play\w*|transcripts?|interviews?"
                             r"|chat logs?|screenplays?)\b", re.IGNORECASE)


def _dialogue_label(resp: str, question: str) -> str | None:
    """The speaker label ("Patient:") the answer writes the other side's turn under, or None."""
    if ":" not in resp:
        return None
    m = _SPEAKER.search(resp)
    if m is None or len(_FIELD_LINE.findall(resp)) >= 2 or _WANTS_DIALOGUE.search(question):
        return None
    if resp[m.end() - 1:m.end() + 5].lower().startswith(("<", "{", "[", "your ")):
        return None          # a format being explained ("Human: <your question>"), not a turn
    return m.group(1) + ":"


# "I??ve" / "??ased" (characters an encoding conversion replaced by "?"), UTF-8 read as Latin-1
# or cp1252 ("itâ€™s", "Ã©"), and the Unicode replacement character
# ("??" followed by a lower-case letter: inside a word; "Is it serious??Please" is typed, not lost)
_GARBLED = re.compile(r"(?:\A|(?<=[^\W_]))\?{2,}(?=[a-z0-9])|\ufffd|â€|Ã[\u0080-\u00bf]")


def _garbled(rec: Record) -> str | None:
    """"'I??ve' in the user turn" for the first garbled spot in the record's text, or None."""
    for t in rec.turns:
        text = t.content
        if ("??" in text or "\ufffd" in text or "â€" in text or "Ã" in text) and (m := _GARBLED.search(text)):
            a, b = m.start(), m.end()
            while a > 0 and a > m.start() - 12 and not text[a - 1].isspace():
                a -= 1
            while b < len(text) and b < m.end() + 12 and not text[b].isspace():
                b += 1
            return f"'{text[a:b]}' in the {t.role} turn"
    return None


def lint_record(rec: Record, *, token_budget: int) -> list[LintFinding]:
    out: list[LintFinding] = []

    def add(code: str, message: str) -> None:
        out.append(LintFinding(rec.line, code, message, SEVERITY[code]))

    resp = rec.response
    if not resp.strip() and any(t.role == "assistant" for t in rec.turns):
        # an assistant turn that only calls a tool is not empty
        last = next(t for t in reversed(rec.turns) if t.role == "assistant")
        if not last.content.strip():
            add("empty_response", "the response is empty or whitespace only")
    nresp = normalize(resp) if len(resp) <= 40 else ""
    # the question asked: the last user turn (a system prompt is not what gets repeated)
    last_user = next((t.content for t in reversed(rec.turns[:-1]) if t.role == "user"), rec.prompt)
    for raw in {last_user, rec.prompt}:
        # a repeat is about as long as the prompt: skip the normalising for everything else
        if not raw or not 0.5 * len(raw) - 20 <= len(resp) <= 1.5 * len(raw) + 20:
            continue
        # cheap screen on the raw text before normalising (case/space changes cost < 30 points)
        if len(resp) > 40 and not fuzz.ratio(resp, raw, score_cutoff=60):
            continue
        nprompt = normalize(raw)
        nresp = nresp or normalize(resp)
        # an edit task ("fix the bug in this code: …", "rewrite this note …") is answered by a close
        # copy of its input: there it is a repeat only when nothing was changed (the answer is a
        # verbatim piece of the prompt)
        edit = _EDIT_TASK.match(nprompt) is not None
        if nresp and nprompt and len(nprompt) >= 3 and (
                nresp == nprompt
                or (edit and len(nresp) >= 20 and nresp in nprompt)
                or (not edit and len(nprompt) >= 20 and nprompt in nresp and len(nresp) < 1.2 * len(nprompt))
                or (not edit and len(nresp) >= 20 and fuzz.ratio(nresp, nprompt, score_cutoff=90))):
            add("repeats_prompt", "the response repeats the prompt instead of answering it")
            break
    placeholder_in = found = None
    if _exact_placeholder(nresp, rec.prompt):
        placeholder_in, found = "response", resp.strip()
    elif resp.strip() and (found := _has_placeholder(resp, rec.prompt)):
        placeholder_in = "response"
    else:
        for t in rec.turns:
            if t is rec.turns[-1] and t.role == "assistant":
                continue
            if not t.content:
                continue
            found = _has_placeholder(t.content, pattern=_PLACEHOLDER_INSIDE if t.role == "assistant" else _SLOT)
            if not found and t.role == "user" and normalize(t.content) in _PLACEHOLDER_EXACT:
                found = t.content.strip()
            if found:
                placeholder_in = f"{t.role} turn"
                break
    if placeholder_in:
        shown = found if len(found) <= 60 else found[:59] + "…"
        add("placeholder", f"placeholder text '{shown}' in the {placeholder_in}")
    if resp.strip() and _is_truncated(resp):
        add("truncated", "the response looks cut off (it ends mid-sentence or inside a code block)")
    if _has_refusal(resp):
        add("refusal", "the response contains refusal boilerplate (\"As an AI language model…\")")
    special = _special_token(rec)
    if special:
        add("special_token", f"chat-template token {special}: the trainer adds the model's own template "
                             "tokens, so this one is trained on as literal text")
    label = _dialogue_label(resp, last_user)
    if label:
        add("dialogue_in_response", f"the response goes on to write the other speaker's turn ('{label}' "
                                    "inside the answer): the model would learn to answer for the user too")
    garbled = _garbled(rec)
    if garbled:
        add("garbled_text", f"garbled characters {garbled}: text damaged by an encoding conversion")
    tokens = sum(estimate_tokens(t.content) for t in rec.turns)
    if tokens > token_budget:
        add("too_long", f"about {tokens:,} tokens, above the budget of {token_budget:,}")
    return out


def lint_records(records: Iterable[Record], *, total: int | None = None, token_budget: int = 4096,
                 progress=None, cancel=None) -> list[LintFinding]:
    """Run every lint check on every parsed record (valid or not; invalid ones are linted too
    because an empty answer is both a schema error and something a reviewer filters on)."""
    tick = Ticker(progress, cancel, total, "Checking records (lint)", every=5000)
    out: list[LintFinding] = []
    for i, rec in enumerate(records):
        if rec.parsed and rec.turns:
            out.extend(lint_record(rec, token_budget=token_budget))
        tick.tick(i)
    tick.finish()
    return out
