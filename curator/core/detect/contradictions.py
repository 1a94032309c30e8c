"""Contradictions: the same question (prompt similarity ≥ threshold, or identical) answered
in ways that disagree.

Prompts are compared on what varies (boilerplate removed). Two near-identical prompts that
differ in an essential word ("… to a school" / "… to a war", "type 1" / "type 2") ask
different things and are skipped; typos, casing, punctuation and filler ("Quick question:",
"Thanks.") do not make a different question.

Answers are judged in this order (see README "Finding duplicates and contradictions" for the
measurements behind it):

1. label-like answers (≤ 3 words) are labels: any difference is a contradiction;
2. conflicting numbers: each answer states a number the other does not ("14 days" / "30 days");
3. opposite polarity: one opens with yes, the other with no / a negation; two answers that both
   open by declining take the same stance;
4. the same template with a swapped fact: plain ratio ≥ 70 and an essential word differs
   ("left lower lobe" / "right lower lobe", "free" / "$4.99");
5. an answer that opens by asking back ("Have you noticed …?") is a clarifying move, not a
   disagreement;
6. otherwise content-word similarity (Jaccard of stemmed content words, 0–100, greetings and
   sentences shared by many answers left out): below the response threshold *and* a cue (only
   one side negates, or only one side states numbers), or below 0.57 × the threshold with no cue.
   Harmless rewordings keep most content words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from curator.core.findings import Contradiction
from curator.core.progress import Ticker

from .near import near_duplicate_pairs
from .normalize import normalize
from .text import (
    NEGATIONS,
    content_words,
    differences_of,
    is_number,
    polarity,
    swapped_words,
    tokens,
    word_diff,
    word_profile,
)

COUNTING_LABEL = "Counting words and repeated sentences"
MAX_GROUP = 40   # distinct answers compared per question; larger groups are reviewed as a whole


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PUNCT = "!\"#$%&()*+,./:;<=>?@[\\]^_`{|}~-"
_PUNCT_TO_SPACE = str.maketrans({c: " " for c in _PUNCT})
# the same mapping on UTF-8 bytes (ASCII bytes never occur inside a multi-byte character), which
# runs at memcpy speed where str.translate looks up every character in a dict
_PUNCT_TO_SPACE_BYTES = bytes.maketrans(_PUNCT.encode(), b" " * len(_PUNCT))
# sentence breaks in text whose whitespace runs are already collapsed to one space
_SENTENCE_1 = re.compile(r"(?<=[.!?]) ")
_GREETING = ("hi ", "hello", "hey", "dear ", "thanks for", "thank you for", "happy to help", "good morning",
             "good afternoon", "good evening", "greetings")


# "1. Log in", "2) Open Settings": the numbers of a numbered list, at the start of a line
_LIST_NUMBER = re.compile(r"^([ \t]*)(\d{1,2})[.)][ \t]+(?=\S)", re.MULTILINE)


def without_list_numbers(text: str) -> str:
    """The answer without the numbers of its numbered lists. They are layout, not facts: two
    answers giving the same steps, one numbered and one not, or five steps and four, do not
    disagree on a number (bitext customer-support answers were flagged for exactly that).

    Only a list counts: markers 1, 2, … each following the one before it. A hard-wrapped line
    that happens to start with "4. " ("the dose is\n4. Do not …") keeps its number.
    """
    if "\n" not in text:
        return text
    found = {int(m.group(2)) for m in _LIST_NUMBER.finditer(text)}
    if not {1, 2} <= found:
        return text
    listed = {1}
    while listed and max(listed) + 1 in found:
        listed.add(max(listed) + 1)
    return _LIST_NUMBER.sub(lambda m: m.group(1) if int(m.group(2)) in listed else m.group(0), text)


def strip_formulas(a: str, b: str, common: set[str]) -> tuple[str, str]:
    """Drop the sentences both answers share with many other answers ("Let me know if you have
    any other questions.") and each answer's short opening greeting ("Thanks for reaching out,
    Hiro."): the same in agreeing and disagreeing answers, they only blur the comparison. A
    common sentence is dropped only when both answers contain it, so a changed copy of it
    still counts as a difference."""
    return _strip_split(_split_sentences(a), _split_sentences(b), common, a, b)


def _split_sentences(text: str) -> tuple[list[str], list[str]]:
    """A text's sentences and their normalised forms (see :func:`strip_formulas`)."""
    sents = _SENTENCE.split(text.strip())
    return sents, [normalize(x) for x in sents]


def _strip_split(split_a: tuple[list[str], list[str]], split_b: tuple[list[str], list[str]],
                 common: set[str], a: str, b: str) -> tuple[str, str]:
    """:func:`strip_formulas` on sentences already split (each answer is split once per scan)."""
    sa, na = split_a
    sb, nb = split_b
    shared = common & set(na) & set(nb)

    def clean(sents: list[str], norms: list[str], original: str) -> str:
        kept = [x for x, n in zip(sents, norms) if n not in shared]
        if len(kept) > 1 and kept[0].lower().startswith(_GREETING) and len(kept[0].split()) <= 8:
            kept = kept[1:]
        return " ".join(kept) if kept else original

    return clean(sa, na, a), clean(sb, nb, b)


def common_sentences(responses: Sequence[str], *, min_count: int = 5, share: float = 0.005) -> set[str]:
    """Normalised sentences that at least ``share`` of the answers (and ``min_count``) contain."""
    import random

    # a sample of 20,000 answers finds every sentence that 0.5 % of answers share
    sample = responses if len(responses) <= 20000 else random.Random(0).sample(list(responses), 20000)
    counts: Counter[str] = Counter()
    # collapsing each answer's whitespace first and splitting at ". " gives the same sentences as
    # splitting at "[.!?]\s+" and collapsing each one (str.split and \s agree on whitespace)
    # (marking the breaks with str.replace is 10× faster than the regex; NUL is the marker, so
    # text that contains NUL takes the regex)
    split = _SENTENCE_1.split
    for r in sample:
        t = " ".join(r.lower().split())
        if "\0" in t:
            counts.update(set(split(t)))
        else:
            counts.update(set(t.replace(". ", ".\0").replace("! ", "!\0").replace("? ", "?\0").split("\0")))
    limit = max(min_count, share * len(sample))
    return {normalize(x) for x, c in counts.items() if c >= limit and x}


def is_label(text: str) -> bool:
    return _is_label_normalized(normalize(text))


def _is_label_normalized(t: str) -> bool:
    return 0 < len(t) <= 30 and len(t.split()) <= 3


STRONG = 0.57   # below this share of the response threshold, answers disagree without any cue
MAX_SWAPS = 2   # a changed fact swaps words in at most this many places of an otherwise equal answer

_QUESTION_START = ("have ", "has ", "do ", "does ", "did ", "are ", "is ", "can ", "could ", "may ",
                   "what ", "how ", "when ", "where ", "which ", "who ", "would ", "will ", "were ", "was ")
_INTERJECTION = re.compile(r"^(?:(?:ok(?:ay)?|oh|well|alright|i see|hmm|sure|thanks|thank you)\b[ ,.!]*)+", re.IGNORECASE)


def asks_back(text: str) -> bool:
    """The answer opens by asking the user something ("Have you noticed …?", "Okay, may I know …?")."""
    sents = _SENTENCE.split(text.strip())
    for s in sents[:2]:
        s2 = _INTERJECTION.sub("", s.strip()).lower()
        if not s2 or (len(s2.split()) <= 3 and "?" not in s2):
            continue
        head = s2.split("?")[0]
        return "?" in s2 and s2.startswith(_QUESTION_START) and len(head) < 200
    return False


# an answer that asks the user for what it needs before it can answer ("Could you please provide
# the order number?", "please provide me with more details", "may I kindly request your
# transaction number?"): it defers, so it takes no position another answer could contradict
_ASKS_FOR = re.compile(
    r"\b(?:could|can|would|will|may) (?:you|i)\b[^.!?]{0,60}?\b(?:provide|share|tell me|let me know|know|"
    r"confirm|send|request|ask for|have)\b[^.!?]{0,120}\?"
    r"|\b(?:please|kindly)(?: ask you to)? (?:provide|share|send|let me know|tell me|confirm)\b[^.!?]{0,40}\b(?:details?|information|"
    r"number|id|name|email|address|date|which|what|more)\b",
    re.IGNORECASE)


def defers(text: str) -> bool:
    """The answer asks the user for details it needs instead of answering (see ``_ASKS_FOR``)."""
    head = text[:1500]
    return ("?" in head or "lease" in head or "indly" in head) and _ASKS_FOR.search(head) is not None


@lru_cache(maxsize=1 << 14)
def _features(text: str) -> tuple[str, bool, frozenset[str], frozenset[str], bool]:
    """What :func:`judge` reads from one answer, computed once per distinct text (an answer is
    judged against every other answer to its question): normalised text, label-like?, content
    words, numbers, negates?"""
    t = normalize(text)
    toks = tokens(text)
    negates = bool(set(toks) & NEGATIONS)
    if negates and _POLITE.search(text):
        # "please don't hesitate to contact us", "no problem at all!" negate nothing
        negates = bool(set(tokens(_POLITE.sub(" ", text))) & NEGATIONS)
    return (t, _is_label_normalized(t), frozenset(content_words(toks)),
            # (a token of letters only has no digit: skips the regex for most words)
            frozenset(x for x in toks if not x.isalpha() and is_number(x)), negates)


# courtesy formulas whose negation words take no position (a support answer's "don't hesitate to
# reach out" made one side "negate" and counted as a cue that the two answers disagree)
_POLITE = re.compile(r"\b(?:do not|don[’']?t|never|not) hesitate\b|\bno (?:problem|worries)\b"
                     r"|\bnot a problem\b|\bnot only\b", re.IGNORECASE)


def judge(ra: str, rb: str, *, response_threshold: float, vocab: Counter | None = None,
          polarities: tuple[str, str] | None = None) -> tuple[bool, float, str]:
    """(disagree?, response similarity 0–100, reason) for two answers to the same question.

    A disagreement's reason is one of :data:`curator.core.findings.CONTRADICTION_REASONS`.

    ``polarities`` (optional) are the answers' yes/no openings taken before shared formulas were
    stripped ("I'm sorry, but I'm unable to assist with that." is both a formula and a "no").
    """
    na, label_a, ca, nums_a, neg_a = _features(ra)
    nb, label_b, cb, nums_b, neg_b = _features(rb)
    if na == nb:
        return False, 100.0, "same"
    if label_a and label_b:
        return True, round(fuzz.ratio(na, nb), 2), "different_labels"
    sim = 100.0 * len(ca & cb) / max(1, len(ca | cb))
    sim = round(sim, 2)
    if (nums_a - nums_b) and (nums_b - nums_a):
        return True, sim, "different_numbers"
    pa, pb = polarities or (polarity(ra), polarity(rb))
    if {pa, pb} == {"yes", "no"}:
        return True, sim, "yes_no"
    if pa == pb == "no":
        # both decline (two wordings of "I can't do that"): the same stance
        return False, sim, "both decline"
    if fuzz.ratio(na, nb) >= 70:
        # one fact changed in the same wording ("left" → "right", "$4.99" → "free"): one or two
        # swaps. A rewording swaps words all over (Bitext's generated answers: 4–12 places; the
        # sample data's benign paraphrases: 5) and takes no other position.
        swaps = swapped_words(ra, rb, vocab=vocab)
        return 0 < len(swaps) <= MAX_SWAPS, sim, "swapped_words" if len(swaps) <= MAX_SWAPS else "rewording"
    if asks_back(ra) or asks_back(rb) or defers(ra) or defers(rb):
        # a clarifying question is a different move, not a different answer
        return False, sim, "clarifying question"
    # a cue that the answers take different positions: only one side negates, or only one side
    # commits to numbers (a fee vs "free", a time window vs none)
    cue = neg_a != neg_b or bool(nums_a) != bool(nums_b)
    if sim < response_threshold and (cue or sim < STRONG * response_threshold):
        return True, sim, "different_content"
    return False, sim, "rewording"


def distinct_prompts(prompts: Sequence[str]) -> list[str]:
    """The prompts :func:`find_contradictions` compares, in its order: each non-empty one once."""
    return list(dict.fromkeys(p for p in prompts if p))


def near_prompt_pairs(uniq: Sequence[str], *, threshold: float, large_cluster: int | None,
                      progress=None, cancel=None) -> tuple[list[tuple[int, int, float]], dict]:
    """The near-identical pairs among distinct prompts, and their ``near_duplicate_pairs`` stats."""
    stats: dict = {}
    pairs = near_duplicate_pairs(uniq, threshold=threshold, large_cluster=large_cluster,
                                 progress=progress, cancel=cancel, stats=stats)
    return pairs, stats


def _word_counts(uniq: list[str]) -> Counter:
    # the data's own word counts tell a typo ("mmber", once) from a real word ("hyperthyroidism")
    return Counter("\n".join(uniq).encode().translate(_PUNCT_TO_SPACE_BYTES).decode().split())


def find_contradictions(prompts: Sequence[str], responses: Sequence[str], lines: Sequence[int], *,
                        prompt_threshold: float = 90.0, response_threshold: float = 35.0,
                        normalized_responses: Sequence[str] | None = None, large_cluster: int | None = None,
                        near_prompts=None, progress=None, cancel=None,
                        stats: dict | None = None) -> list[Contradiction]:
    """Contradicting pairs among records.

    Parameters
    ----------
    prompts
        the varying part of each record's prompt, normalised ("" = nothing to compare).
    responses
        each record's answer (raw text; normalised here).
    lines
        each record's public line.
    normalized_responses
        the answers already normalised (saves the work when the caller has them).
    large_cluster
        inside a group of more than this many near-identical prompts (templated data), prompts
        already connected through compared pairs are not compared again (see
        ``near.verify_pairs``): each prompt is still compared with at least one other of its
        group, but not with all of them. ``stats["skipped_connected"]`` counts the skipped pairs.
    near_prompts
        the near-identical prompt pairs being found elsewhere: a job (``curator.core.helper``) whose
        ``result()`` is ``near_prompt_pairs(distinct_prompts(prompts), threshold=prompt_threshold,
        large_cluster=large_cluster)``. Meanwhile this thread counts the data's words and the
        answers' common sentences. None: they are found here.
    """
    if near_prompts is not None and progress is not None:
        # (the prompt pass, which reports its own steps, runs elsewhere: this is what runs here)
        progress.update(done=0, total=None, label=COUNTING_LABEL)
    # one representative per (prompt, distinct normalised answer)
    by_prompt: dict[str, dict[str, int]] = {}
    for i, p in enumerate(prompts):
        if not p:
            continue
        answers = by_prompt.setdefault(p, {})
        answers.setdefault(normalized_responses[i] if normalized_responses is not None
                           else normalize(responses[i]), i)
    uniq = list(by_prompt)   # = distinct_prompts(prompts)
    pairs: list[tuple[int, int, float]] = []
    for members in by_prompt.values():
        reps = list(members.values())[:MAX_GROUP]
        for x in range(len(reps)):
            for y in range(x + 1, len(reps)):
                pairs.append((reps[x], reps[y], 100.0))
    vocab: Counter | None = None
    common: set[str] | None = None
    if near_prompts is not None:
        vocab, common = _word_counts(uniq), common_sentences(responses)
        near, near_stats = near_prompts.result()
    else:
        near, near_stats = near_prompt_pairs(uniq, threshold=prompt_threshold, large_cluster=large_cluster,
                                             progress=progress, cancel=cancel)
    if vocab is None:
        vocab = _word_counts(uniq) if near or pairs else Counter()
    different_questions = 0
    # each prompt's words and stems, once: a prompt is in a pair with each of its near prompts
    # (templated data: 565k pairs of 80k prompts)
    profiles: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
    for pi, qi, score in near:
        pa, pb = profiles.get(pi), profiles.get(qi)
        if pa is None:
            pa = profiles[pi] = word_profile(uniq[pi])
        if pb is None:
            pb = profiles[qi] = word_profile(uniq[qi])
        only_a, only_b = differences_of(pa, pb, vocab=vocab)
        if only_a or only_b:
            different_questions += 1
            continue
        ra = list(by_prompt[uniq[pi]].values())[:MAX_GROUP]
        rb = list(by_prompt[uniq[qi]].values())[:MAX_GROUP]
        for a in ra:
            for b in rb:
                pairs.append((a, b, score))
    del profiles
    out: list[Contradiction] = []
    seen: set[tuple[int, int]] = set()
    if common is None:
        common = common_sentences(responses) if pairs else set()
    tick = Ticker(progress, cancel, len(pairs), "Comparing answers to the same question", every=2000)
    # per answer, computed once however many pairs it is in: its sentences and its polarity
    splits: dict[int, tuple[list[str], list[str]]] = {}
    texts: dict[int, str] = {}
    pols: dict[int, str] = {}
    for k, (a, b, psim) in enumerate(pairs):
        tick.tick(k)
        if lines[a] > lines[b]:
            a, b = b, a
        if (a, b) in seen:
            continue
        seen.add((a, b))
        for i in (a, b):
            if i not in splits:
                texts[i] = without_list_numbers(responses[i])
                splits[i] = _split_sentences(texts[i])
                pols[i] = polarity(responses[i])
        bad, rsim, reason = judge(*_strip_split(splits[a], splits[b], common, texts[a], texts[b]),
                                   response_threshold=response_threshold, vocab=vocab,
                                   polarities=(pols[a], pols[b]))
        if bad:
            out.append(Contradiction(lines[a], lines[b], round(psim, 2), rsim,
                                     word_diff(responses[a], responses[b]), reason))
    tick.finish()
    if stats is not None:
        stats.update(question_pairs=len(pairs), near_prompt_pairs=len(near),
                     different_questions=different_questions,
                     skipped_connected=near_stats.get("skipped_connected", 0))
    out.sort(key=lambda c: (c.a, c.b))
    return out
