"""Text normalisation shared by every detector.

Two records are "the same text" for Curator when they agree after Unicode NFKC,
case folding, collapsing runs of whitespace and stripping punctuation that
surrounds the text. Everything that compares text (exact, near, contradictions)
goes through :func:`normalize` so the detectors agree with each other.
"""

from __future__ import annotations

import re
import string
import unicodedata

_ASCII_EDGES = string.punctuation + " "
_MINUS = "-\u2212"   # hyphen-minus and the minus sign (NFKC keeps U+2212)
# the first letter/digit (\W is Unicode-aware, so CJK punctuation counts as punctuation)
_WORDCHAR = re.compile(r"[^\W_]")


def normalize(text: str) -> str:
    """NFKC, casefold, whitespace runs → one space, surrounding punctuation removed — except the
    minus sign of a leading number: "-5" and "5" are different answers."""
    if not text:
        return ""
    if text.isascii():
        # fast path (most training data): NFKC is the identity, casefold is lower(), and
        # [\W_] at the edges is exactly ASCII punctuation and whitespace
        t = text.lower()
        # any whitespace but single spaces (str.split also splits at \x1c-\x1f)?
        if ("  " in t or "\n" in t or "\t" in t or "\r" in t or "\x0b" in t or "\x0c" in t
                or "\x1c" in t or "\x1d" in t or "\x1e" in t or "\x1f" in t):
            t = " ".join(t.split())
        # (with only single spaces between words, collapsing would change nothing but the ends,
        # which the strip removes anyway: 2x faster than split + join on typical turns)
        s = t.strip(_ASCII_EDGES)
        if s[:1].isdigit():
            start = len(t) - len(t.lstrip(_ASCII_EDGES))
            if start and t[start - 1] == "-":
                return "-" + s
        return s
    t = unicodedata.normalize("NFKC", text).casefold()
    t = " ".join(t.split())
    # strip surrounding punctuation/symbols/spaces; searching the reversed text for the last
    # letter keeps this linear (a "[\W_]+$" pattern is quadratic on long punctuation runs)
    m = _WORDCHAR.search(t)
    if m is None:
        return ""
    end = _WORDCHAR.search(t[::-1])
    start = m.start()
    if start and t[start - 1] in _MINUS and t[start].isdigit():
        return "-" + t[start: len(t) - end.start()]
    return t[start: len(t) - end.start()]


def has_spaces(text: str) -> bool:
    """True when the text is written with spaces between words (not Chinese/Japanese/Thai…).

    Decided by the share of whitespace: spaced scripts have about one space per
    4–8 characters; unspaced ones have almost none even when they embed a few
    Latin words.
    """
    if not text or text.isascii() or len(text) < 24:
        return True
    spaces = text.count(" ")
    return spaces * 12 >= len(text)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def estimate_tokens(text: str) -> int:
    """Rough tokenizer-free token count: ~4 characters per token, one per CJK character."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text)) if not text.isascii() else 0
    return cjk + (len(text) - cjk + 3) // 4
