"""Word-level helpers for comparing prompts and answers: content words, numbers, polarity, diff."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz

from .normalize import has_spaces, normalize

try:
    # difflib's SequenceMatcher compiled (same algorithm, identical opcodes, about 10× faster on
    # the word diffs of contradiction judging); a dependency, but plain difflib gives the same
    # results if an environment lacks it
    from cydifflib import SequenceMatcher
except ImportError:  # pragma: no cover - depends on the environment
    from difflib import SequenceMatcher

# function words and conversational filler: never decide that two questions differ or that two
# answers disagree ("Quick question: …", "Please …", "… Thanks.")
STOPWORDS = frozenset("""
a an the and or but if then so of to in on at by for with from into onto about as is are was were be been
being am do does did doing have has had having i me my mine we us our you your yours he him his she her it
its they them their this that these those there here what which who whom whose when where why how can could
would should shall will may might must just also too very really quite only even still yet all any some
each every either neither both such than own same other another more most much many few lot lots up down
out over under again further once off s t d ll m re ve y o ain get got let lets please pls plz thanks thank
thx hi hello hey dear team there good morning afternoon evening quick question questions sir madam ok okay
well oh um uh kindly help assist know tell like want need wondering wonder
""".split())

NEGATIONS = frozenset("no not never cannot cant nor non none nobody without dont doesnt didnt isnt arent "
                      "wasnt werent wont wouldnt shouldnt couldnt cant hasnt havent hadnt unfortunately".split())
YES_WORDS = frozenset("yes yeah yep sure absolutely certainly definitely correct".split())
NO_FIRST = frozenset("no nope sorry unfortunately".split())

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update(thirty="30", forty="40", fifty="50", sixty="60", seventy="70", eighty="80",
                     ninety="90", hundred="100", thousand="1000")

# abbreviations that say the same as their expansion (common in clinical and support text), so
# "BID" / "twice daily" is a rewording, not a changed fact
_EXPAND = {
    "bid": ("twice", "daily"), "b.i.d": ("twice", "daily"), "tid": ("three", "times", "daily"),
    "qid": ("four", "times", "daily"), "qd": ("once", "daily"), "od": ("once", "daily"),
    "po": ("by", "mouth"), "prn": ("as", "needed"), "qhs": ("at", "bedtime"), "hrs": ("hours",),
    "hr": ("hour",), "mins": ("minutes",), "min": ("minutes",), "yrs": ("years",), "approx": ("about",),
    "w/": ("with",), "w/o": ("without",), "pls": ("please",), "asap": ("as", "soon", "as", "possible"),
}

_TOKEN = re.compile(r"[a-z]*\d+(?:[.,]\d+)*[a-z]*|[^\W\d_]+(?:'[^\W\d_]+)?")
# the same on lower-case ASCII (what normalize() makes of ASCII text): letters are [a-z], digits
# [0-9], and possessive quantifiers skip backtracking that cannot succeed — 2x faster
_TOKEN_ASCII = re.compile(r"[a-z]*+[0-9]++(?:[.,][0-9]+)*+[a-z]*+|[a-z]++(?:'[a-z]+)?+")
_CJK_CHAR = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1 << 17)
def _stem(w: str) -> str:
    for suf in ("ing", "ed", "es", "ly", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            return w[: -len(suf)]
    return w


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL = re.compile(r"\d+\.\d+")


def _number(tok: str) -> str:
    t = tok.replace(",", "") if _GROUPED.fullmatch(tok) else tok
    if _DECIMAL.fullmatch(t):
        t = t.rstrip("0").rstrip(".")
    return t


# tokens replaced by others: abbreviations always, number words when ``number_words`` (an
# abbreviation wins, as it is checked first)
_REPLACE_PLAIN = dict(_EXPAND)
_REPLACE_NUMBERS = {**{w: (d,) for w, d in _NUMBER_WORDS.items()}, **_EXPAND}


@lru_cache(maxsize=1 << 16)
def tokens(text: str, *, number_words: bool = True) -> tuple[str, ...]:
    """Lower-case word tokens (numbers kept whole: ``4,000`` → ``4000``, ``2.0`` → ``2``).

    Text written without spaces (Chinese, Japanese) is tokenised into characters.
    """
    t = normalize(text).replace("’", "'").replace("n't", "nt")
    if not has_spaces(t):
        return tuple(_CJK_CHAR.findall(t))
    toks = (_TOKEN_ASCII if t.isascii() else _TOKEN).findall(t)
    replace = _REPLACE_NUMBERS if number_words else _REPLACE_PLAIN
    if _DIGIT.search(t) is None and replace.keys().isdisjoint(toks):
        # nothing to rewrite: no abbreviation or number word, and no digit (a token that
        # starts with a non-decimal digit such as "²" comes out of _number unchanged)
        return tuple(toks)
    out: list[str] = []
    for tok in toks:
        rep = replace.get(tok)
        if rep is not None:
            out.extend(rep)
        elif tok[0].isdigit() or tok[-1].isdigit():
            out.append(_number(tok))
        else:
            out.append(tok)
    return tuple(out)


_DIGIT = re.compile(r"\d")


def is_number(tok: str) -> bool:
    return _DIGIT.search(tok) is not None


def content_words(toks: tuple[str, ...] | list[str]) -> set[str]:
    return {_stem(w) for w in toks if w not in STOPWORDS and w not in NEGATIONS}


# prefixes that turn a word into its opposite: one letter apart, never a typo
_CONTRAST = [("hypo", "hyper"), ("pre", "post"), ("in", "out"), ("under", "over"), ("intra", "inter"),
             ("sub", "super"), ("pro", "anti"), ("up", "down"), ("inc", "dec"), ("im", "ex"), ("in", "ex"),
             ("bi", "uni"), ("min", "max")]


def contrasting(a: str, b: str) -> bool:
    """"hypothyroidism"/"hyperthyroidism", "preoperative"/"postoperative": same stem, opposite prefix."""
    for x, y in _CONTRAST:
        for p, q in ((x, y), (y, x)):
            if a.startswith(p) and b.startswith(q) and a[len(p):] == b[len(q):] and len(a) - len(p) >= 3:
                return True
    return False


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """The 160,000 words of pyspellchecker's English word-frequency list (lower case) and their
    counts, loaded on first use (about 50 ms): tells a misspelling ("mmber", "amoxicilin") from a
    real word that is spelled alike ("erosion"/"recursion", "ethane"/"methane", "Austria"/"Australia")."""
    import gzip
    from importlib.resources import files

    import orjson

    try:
        # the list as the package ships it: 5x faster than building its SpellChecker object
        data = files("spellchecker").joinpath("resources", "en.json.gz").read_bytes()
        return dict(orjson.loads(gzip.decompress(data)))
    except (FileNotFoundError, ValueError, OSError):  # pragma: no cover - a future package layout
        from spellchecker import SpellChecker

        return dict(SpellChecker(language="en").word_frequency.dictionary)


# A real word at least this many times rarer than a real word spelled alike is read as its typo:
# "hart" (324 in the list) for "heart" (394,260), not "ethane" (50) for "methane" (2,429, 49x),
# "recursion" (50) for "erosion" (1,082, 22x) or "loose" for "lose" (7x).
TYPO_RARITY = 500


def _both_words(w: str, v: str) -> bool:
    """Two real words, neither a probable typo of the other (see :data:`TYPO_RARITY`)."""
    words = english_words()
    fw, fv = words.get(w), words.get(v)
    if not fw or not fv:
        return False
    return max(fw, fv) < TYPO_RARITY * min(fw, fv)


def word_profile(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(word set, stem set) of a text: what :func:`essential_differences` reads from each side.
    Callers that compare one text many times compute it once (see :func:`differences_of`)."""
    words = frozenset(tokens(text, number_words=False))
    return words, frozenset(map(_stem, words))


# a record is compared with every kept member of its cluster (export) or every near prompt (scan),
# so the same text comes back many times (an 80k-record templated file: 702k comparisons of 80k texts)
_cached_profile = lru_cache(maxsize=4096)(word_profile)


def token_set(text: str) -> frozenset[str]:
    """``tokens(text, number_words=False)`` as a set (the word half of the cached
    :func:`word_profile` that :func:`essential_differences` reads too)."""
    return _cached_profile(text)[0]


def essential_differences(a: str, b: str, *, typo_ratio: float = 75.0,
                          vocab: Counter | None = None) -> tuple[list[str], list[str]]:
    """Content words only in ``a`` and only in ``b``, after pairing up typos ("mmber"/"member").

    Function words and conversational filler do not count; a different number always counts.
    Two similar spellings are a typo only when they are not both English words ("erosion" /
    "recursion" are two words, "mmber" is a misspelling) and one of them is rare in ``vocab``
    (the data's own word counts, for words no dictionary has): "hypothyroidism"/"hyperthyroidism"
    both occur often, so they are different words.
    """
    return differences_of(_cached_profile(a), _cached_profile(b), typo_ratio=typo_ratio, vocab=vocab)


def differences_of(pa: tuple[frozenset[str], frozenset[str]], pb: tuple[frozenset[str], frozenset[str]], *,
                   typo_ratio: float = 75.0, vocab: Counter | None = None) -> tuple[list[str], list[str]]:
    """:func:`essential_differences` of two texts' :func:`word_profile` s."""
    ta, sa = pa
    tb, sb = pb
    # a misspelt function word ("shold") pairs with the other side's word ("should")
    extra_a, extra_b = ta - tb, tb - ta
    if not extra_a and not extra_b:
        return [], []
    # stemming: "refund" vs "refunds" is not a different word
    only_a = sorted(w for w in extra_a if w not in STOPWORDS and _stem(w) not in sb)
    only_b = sorted(w for w in extra_b if w not in STOPWORDS and _stem(w) not in sa)
    if not only_a and not only_b:
        return only_a, only_b

    def real(w: str) -> bool:
        return vocab is not None and vocab.get(w, 0) >= 2

    def typo_of(w: str, others: Iterable[str]) -> bool:
        return not is_number(w) and len(w) >= 4 and any(
            not is_number(v) and fuzz.ratio(w, v) >= typo_ratio and not (real(w) and real(v))
            and not contrasting(w, v) and not _both_words(w, v) for v in others)

    # a spelling no dictionary has ("dialy") is a typo of a word the other side has anywhere, also
    # when that word ("daily") is on both sides; a real word only pairs with the other side's extras
    words = english_words()
    return ([w for w in only_a if not typo_of(w, extra_b if w in words else tb)],
            [v for v in only_b if not typo_of(v, extra_a if v in words else ta)])


_EMPATHY = re.compile(r"(?:(?:i'?m|i am|we'?re|we are|we|i|so|really|very|truly)\s+)*(?:sorry|apologi[sz]e)\s+"
                      r"(?:to hear|to learn|for|about|that you|if)\b", re.IGNORECASE)


def polarity(text: str) -> str:
    """'yes', 'no' or '' from how the answer opens (greetings skipped): "Yes, …" / "No, …"/"Sorry, we don't…"."""
    sentences = re.split(r"(?<=[.!?:;])\s+", text.strip())
    for s in sentences[:3]:
        toks = tokens(s)
        if not toks:
            continue
        if toks[0] in ("hi", "hello", "hey", "dear", "thanks", "thank", "happy", "good", "greetings") \
                and len(sentences) > 1 and not (set(toks) & (YES_WORDS | NO_FIRST)):
            continue  # greeting sentence
        if len(sentences) > 1 and _EMPATHY.match(s) and not (set(toks) & NEGATIONS):
            continue  # "I'm sorry to hear that…", "We apologize for the inconvenience.": no answer yet
        head = toks[:3]
        if any(t in YES_WORDS for t in head):
            return "yes"
        if any(t in NO_FIRST for t in head) or any(t in NEGATIONS for t in toks[:12]):
            return "no"
        return ""
    return ""


def word_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    """Word-level diff of two texts: ("equal"|"delete"|"insert", text) runs."""
    wa, wb = a.split(), b.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(wa[i1:i2])))
            continue
        if i2 > i1:
            out.append(("delete", " ".join(wa[i1:i2])))
        if j2 > j1:
            out.append(("insert", " ".join(wb[j1:j2])))
    return tuple(out)


def swapped_words(a: str, b: str, *, vocab: Counter | None = None) -> list[tuple[str, str]]:
    """Places where the same template says something else: diff runs replaced on both sides,
    each side with an essential word ("left" → "right", "free" → "$4.99"). Pure additions or
    omissions are not swaps."""
    ta, tb = tokens(a, number_words=False), tokens(b, number_words=False)
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op != "replace":
            continue
        da, db = essential_differences(" ".join(ta[i1:i2]), " ".join(tb[j1:j2]), vocab=vocab)
        if da and db:
            out.append((" ".join(ta[i1:i2]), " ".join(tb[j1:j2])))
    return out
