#!/usr/bin/env python3
"""Generate Curator's bundled sample datasets, with documented planted defects.

    python sample_data/make_samples.py            # rewrite the files beside this script
    python sample_data/make_samples.py --out DIR  # write them somewhere else

Writes ``support_chat.jsonl`` (OpenAI chat format), ``clinical_notes.jsonl``
(Alpaca format) and ``defects.json`` (every planted defect with its 1-based
line number). Standard library only, no network, one seeded ``random.Random``:
running it twice gives byte-identical files.

Every sentence is written here, for this project (MIT, see README.md); the
company "Larkspur Home", its customers and the patients are fictional.

How it works: a background of ordinary examples is generated from templates x
slots x paraphrase lists. A new background example is kept only if it shares
few word trigrams with every example kept so far (so the background holds no
accidental duplicates, near-duplicates or contradictions). The planted
defects are then derived from fresh examples (copies, edits, rewritten
answers) or written by hand, everything is shuffled, and the line of each
planted record is recorded in defects.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261130
HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- infrastructure

def _pick(rng: random.Random, items):
    return items[rng.randrange(len(items))]


def _fmt(template: str, **slots) -> str:
    return template.format(**slots)


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


_WORD = re.compile(r"[a-z0-9]+")


def _shingles(text: str, n: int = 3) -> list[str]:
    # digits are masked: two messages that differ only in an order number are not "diverse"
    words = _WORD.findall(re.sub(r"[0-9]+", "0", text.lower()))
    if len(words) < n:
        return [" ".join(words)] if words else []
    return sorted({" ".join(words[i:i + n]) for i in range(len(words) - n + 1)})


class DiversityIndex:
    """Keeps generated examples apart: a candidate is refused when its word
    trigrams overlap too much (Jaccard) with any example already accepted, on
    the prompt alone or on prompt + response."""

    def __init__(self, prompt_limit: float, full_limit: float) -> None:
        self.prompt_limit = prompt_limit
        self.full_limit = full_limit
        self._index: dict[str, dict[str, list[int]]] = {"p": {}, "f": {}}
        self._sizes: dict[str, list[int]] = {"p": [], "f": []}

    def _too_close(self, kind: str, sh: list[str], limit: float) -> bool:
        counts: dict[int, int] = {}
        index = self._index[kind]
        for s in sh:
            for j in index.get(s, ()):
                counts[j] = counts.get(j, 0) + 1
        sizes = self._sizes[kind]
        for j, inter in counts.items():
            union = len(sh) + sizes[j] - inter
            if union and inter / union > limit:
                return True
        return False

    def accept(self, prompt: str, full: str) -> bool:
        sp, sf = _shingles(prompt), _shingles(full)
        if self._too_close("p", sp, self.prompt_limit) or self._too_close("f", sf, self.full_limit):
            return False
        for kind, sh in (("p", sp), ("f", sf)):
            j = len(self._sizes[kind])
            self._sizes[kind].append(len(sh))
            for s in sh:
                self._index[kind].setdefault(s, []).append(j)
        return True


class Builder:
    """Collects the file's entries (a record dict or a raw, deliberately broken
    line), each under a key, and the planted defects in terms of keys."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: list[tuple[str, object]] = []
        self._n = 0
        self.defects: dict[str, list] = {
            "invalid": [], "exact_duplicates": [], "near_duplicates": [], "contradictions": [],
            "benign_paraphrases": [], "different_questions": [], "lint": [],
        }
        self.notes: dict[str, list] = {k: [] for k in self.defects}
        self.last_raw: str | None = None  # a truncated final line, kept at the end of the file

    def add(self, record: object) -> str:
        self._n += 1
        key = f"k{self._n}"
        self.entries.append((key, record))
        return key

    def finish(self, rng: random.Random) -> tuple[bytes, dict, dict, int]:
        order = list(self.entries)
        rng.shuffle(order)
        lines: list[str] = []
        where: dict[str, int] = {}
        for key, rec in order:
            where[key] = len(lines) + 1
            lines.append(rec if isinstance(rec, str) else dump(rec))
        text = "\n".join(lines) + "\n"
        if self.last_raw is not None:
            self._n += 1
            where["last"] = len(lines) + 1
            text += self.last_raw  # no newline: the file was cut off mid-record

        def resolve(x):
            if isinstance(x, str) and x in where:
                return where[x]
            if isinstance(x, list):
                return [resolve(v) for v in x]
            if isinstance(x, dict):
                return {k: resolve(v) for k, v in x.items()}
            return x

        def ordered(v):
            v = resolve(v)
            if v and isinstance(v[0], list):
                v = sorted(sorted(g) for g in v)
            elif v and isinstance(v[0], dict) and "lines" in v[0]:
                v = sorted(({**d, "lines": sorted(d["lines"])} for d in v), key=lambda d: d["lines"])
            elif v and isinstance(v[0], dict):
                v = sorted(v, key=lambda d: (d["line"], d["code"]))
            return v

        defects = {k: ordered(v) for k, v in self.defects.items()}
        notes = {k: ordered(v) for k, v in self.notes.items()}
        n_lines = len(lines) + (1 if self.last_raw is not None else 0)
        return text.encode("utf-8"), defects, notes, n_lines


def dump(rec: object) -> str:
    return json.dumps(rec, ensure_ascii=False)


# Variants that a normaliser (NFKC, case, whitespace runs, surrounding punctuation) must undo.

def norm_variant(text: str, how: str) -> str:
    if how == "lower":
        return text.lower()
    if how == "upper_first_words":
        words = text.split(" ")
        return " ".join(w.upper() if i < 3 else w for i, w in enumerate(words))
    if how == "spaces":
        return re.sub(r"([.?!,]) ", r"\1  ", text).replace(" and ", "  and ") + "  "
    if how == "newlines":
        out = re.sub(r"([.?!,]) ", r"\1\n\n", text, count=2)
        return out if out != text else text.replace(" ", "\n", 1)
    if how == "nbsp":
        out = text.replace(" the ", " the\u00a0").replace(" your ", "\u00a0your ")
        return out if out != text else text.replace(" ", "\u00a0", 2)
    if how == "fullwidth":
        # NFKC folds fullwidth forms back to ASCII
        return re.sub(r"[0-9]", lambda m: chr(ord(m.group(0)) - 0x30 + 0xFF10), text, count=6)
    if how == "final_exclaim":
        return text.rstrip(".!?") + "!"
    if how == "extra_final_punct":
        return text.rstrip(".!?") + "!!"
    raise ValueError(how)


NORM_WORDS = {"lower": "lower-cased", "upper_first_words": "first words upper-cased", "spaces": "doubled spaces and trailing spaces",
              "newlines": "spaces turned into blank lines", "nbsp": "some spaces turned into no-break spaces (U+00A0)",
              "fullwidth": "digits turned into fullwidth digits (NFKC folds them back)", "final_exclaim": "final full stop turned into '!'",
              "extra_final_punct": "final full stop turned into '!!'"}


def typo(rng: random.Random, text: str, count: int = 1) -> str:
    """Swap two adjacent letters or drop a letter inside a word of 5+ letters."""
    out = text
    words = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]{5,}", text)]
    chosen = sorted(rng.sample(range(len(words)), count), reverse=True)  # edit right to left
    for k in chosen:
        s, e = words[k]
        w = out[s:e]
        i = rng.randrange(1, len(w) - 2)
        if rng.random() < 0.5 and w[i] != w[i + 1]:
            w2 = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        else:
            w2 = w[:i] + w[i + 1:]
        out = out[:s] + w2 + out[e:]
    return out


def swap_word(text: str, pairs: list[tuple[str, str]]) -> str:
    for a, b in pairs:
        pat = re.compile(r"\b" + re.escape(a) + r"\b")
        if pat.search(text):
            return pat.sub(b, text, count=1)
    raise ValueError("no swappable word in: " + text[:80])


# =========================================================================== support chat
#
# Larkspur Home: a fictional online store for home goods and small electronics, with a
# paid membership (Larkspur Plus). Every background answer follows this policy.

POLICY = {
    "return_days": "30",            # days from delivery, unused, original packaging
    "electronics_return_days": "15",
    "return_fee": "$6.95",          # deducted from refund unless Plus member / defective
    "refund_process": "2 business days",  # after the warehouse receives the return
    "card_days": "5–7 business days",
    "paypal_days": "3–5 business days",
    "std_ship": "3–5 business days",
    "free_ship_over": "$50",
    "std_ship_fee": "$5.99",
    "express_ship": "1–2 business days",
    "express_fee": "$14.99",
    "intl_ship": "7–12 business days",
    "cancel_window": "1 hour",
    "plus_monthly": "$9.99",
    "plus_yearly": "$99",
    "plus_refund_days": "14",       # annual plan fully refundable within 14 days of renewal
    "warranty": "1-year",
    "damage_report": "48 hours",
    "price_adjust_days": "14",
    "reset_link_minutes": "30",
    "deletion_days": "30",
}

SUPPORT_SYSTEM = ("You are Larkspur Home's support assistant. Be friendly, concise and accurate, follow "
                  "Larkspur's published policies, never invent order details, and offer a human agent "
                  "when a request falls outside policy.")

SUPPORT_TOOLS = [
    {"type": "function", "function": {
        "name": "lookup_order", "description": "Look up an order's status, items, carrier and tracking number.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string", "description": "Order number such as LK-4821907"}},
                       "required": ["order_id"]}}},
    {"type": "function", "function": {
        "name": "get_refund_status", "description": "Get the status of a refund for an order.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}},
]

FIRST_NAMES = ["Amara", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Imani", "Jonas", "Keiko",
               "Luis", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sanjay", "Tessa", "Umar", "Vera",
               "Wes", "Ximena", "Yusuf", "Zoe", "Aiden", "Bea", "Chidi", "Dana", "Emeka", "Fiona", "Gus",
               "Hana", "Ivan", "Jada", "Kofi", "Lena", "Marco", "Noor", "Oscar", "Priya", "Reza", "Sofia",
               "Theo", "Uma", "Victor", "Wren", "Yara", "Zane", "Mei", "Tomasz", "Aisha", "Rafael", "Ingrid"]

PRODUCTS = [
    ("Alder 12-cup programmable coffee maker", "kitchen", False), ("Harbor linen duvet cover (queen)", "bedding", False),
    ("Cinder 10-inch cast-iron skillet", "kitchen", False), ("Vale wireless earbuds", "electronics", True),
    ("Birch bamboo cutting board set", "kitchen", False), ("Juniper memory-foam pillow", "bedding", False),
    ("Lumen smart LED desk lamp", "electronics", True), ("Moss large ceramic planter", "decor", False),
    ("Quarry stoneware dinner set (16 pieces)", "kitchen", False), ("Tide 1.7 L electric kettle", "electronics", True),
    ("Fern cotton bath towel set", "bath", False), ("Ridge stainless steel knife block", "kitchen", False),
    ("Ember portable Bluetooth speaker", "electronics", True), ("Willow woven storage baskets (3-pack)", "decor", False),
    ("Slate robot vacuum S2", "electronics", True), ("Aspen wool throw blanket", "bedding", False),
    ("Coast glass food containers (10-pack)", "kitchen", False), ("Pine air purifier P300", "electronics", True),
    ("Dune jute area rug 5x8", "decor", False), ("Glacier insulated water bottle", "kitchen", False),
    ("Orbit smart thermostat", "electronics", True), ("Meadow scented candle trio", "decor", False),
    ("Canyon 6-quart Dutch oven", "kitchen", False), ("Brook rain shower head", "bath", False),
    ("Summit 5-speed stand mixer", "electronics", True), ("Cove blackout curtains (2 panels)", "decor", False),
    ("Hollow oak floating shelves", "decor", False), ("Flint electric toothbrush", "electronics", True),
    ("Prairie percale sheet set (king)", "bedding", False), ("Nova wireless charging pad", "electronics", True),
]

CARRIERS = ["UPS", "FedEx", "USPS", "OnTrac"]
MONTHS = [("October", 31), ("November", 30)]
CITIES = ["Portland", "Denver", "Austin", "Columbus", "Raleigh", "Tucson", "Madison", "Boise", "Omaha",
          "Richmond", "Spokane", "Albany", "Savannah", "Fresno", "Lansing", "Tacoma"]

GREET = ["Hi,", "Hello,", "Hey there,", "Hi there!", "Good morning,", "Good afternoon,", "", "", "", "Hi team,",
         "Hello Larkspur,", "Hey,"]
SIGN = ["Thanks!", "Thank you.", "Thanks in advance.", "Appreciate the help.", "", "", "", "Any help is appreciated.",
        "Thanks so much.", "Please let me know."]
OPEN = ["Thanks for reaching out, {name}.", "Hi {name}, thanks for getting in touch.", "Happy to help with this, {name}.",
        "Thanks for your patience, {name}.", "Hi {name}!", "Thanks for the details, {name}.", "Hello {name}, I can help with that.",
        "Thanks for contacting Larkspur Home, {name}.", "", ""]
OPEN_SORRY = ["I'm sorry about this, {name}.", "Sorry for the trouble, {name}.", "I'm sorry to hear that, {name}.",
              "That's frustrating, {name}, and I'm sorry.", "Apologies for the hassle, {name}."]
CLOSE = ["Is there anything else I can help you with?", "Let me know if you have any other questions.",
         "If anything else comes up, just reply here.", "Have a great rest of your day!", "", "",
         "I hope that helps!", "Feel free to write back if you need anything else."]


class Slots:
    """Random but coherent details for one conversation."""

    def __init__(self, rng: random.Random) -> None:
        self.name = _pick(rng, FIRST_NAMES)
        self.oid = f"LK-{rng.randrange(1_000_000, 9_999_999)}"
        self.oid2 = f"LK-{rng.randrange(1_000_000, 9_999_999)}"
        prod = _pick(rng, PRODUCTS)
        self.product, self.dept, self.electronic = prod
        self.product2 = _pick(rng, [p for p in PRODUCTS if p[0] != self.product])[0]
        month, days = _pick(rng, MONTHS)
        d = rng.randrange(2, days - 12)
        self.month = month
        self.date = f"{month} {d}"
        self.date2 = f"{month} {d + rng.randrange(2, 5)}"
        self.date3 = f"{month} {d + rng.randrange(6, 11)}"
        self.carrier = _pick(rng, CARRIERS)
        self.tracking = (f"1Z{rng.randrange(10**9, 10**10)}{rng.randrange(10**5, 10**6)}" if self.carrier == "UPS"
                         else f"{rng.randrange(10**11, 10**12)}")
        self.amount = f"${rng.randrange(12, 420)}.{rng.randrange(0, 100):02d}"
        self.amount2 = f"${rng.randrange(5, 60)}.{rng.randrange(0, 100):02d}"
        self.last4 = f"{rng.randrange(0, 10000):04d}"
        self.city = _pick(rng, CITIES)
        self.n = rng.randrange(3, 9)
        self.ticket = f"#{rng.randrange(300000, 999999)}"
        self.email = f"{self.name.lower()}.{_pick(rng, ['m', 'k', 'r', 'j', 't', 's'])}{rng.randrange(10, 99)}@example.com"
        self.email2 = f"{self.name.lower()}{rng.randrange(100, 999)}@example.net"
        self.policy = POLICY

    def __getitem__(self, k):  # lets str.format_map read attributes
        return getattr(self, k)

    def f(self, template: str) -> str:
        return template.format_map(self._Map(self))

    class _Map(dict):
        def __init__(self, s):
            super().__init__()
            self.s = s

        def __missing__(self, k):
            if k in POLICY:
                return POLICY[k]
            return getattr(self.s, k)


USER_CONTEXT = ["I'm in {city}.", "It was meant to be a gift.", "This is for my new apartment.",
                "My partner placed the order on my account.", "I've been a Plus member since last year.",
                "I'm travelling next week, so timing matters.", "I ordered through the app, not the website.",
                "I already checked my spam folder.", "This is my first order with you.",
                "I've ordered from you plenty of times without problems.", "I'm writing from my work email.",
                "Sorry for the long message.", "I looked through the help center first but couldn't find an answer.",
                "I'm a bit short on time today.", "My old account was under {email}.", "I live in an apartment building with a front desk.",
                "I paid with my card ending {last4}.", "The order total was {amount}.", "I usually shop in your {city} pop-up store.",
                "My neighbour recommended you.", "I tried calling but the line was busy.", "English isn't my first language, sorry.",
                "We're hosting family on the weekend.", "I work nights so email is easiest for me."]
AGENT_EXTRA = ["I've added a note to your account so any colleague can pick this up.",
               "You'll get an email confirmation at the address on your account.",
               "Your reference for this conversation is {ticket}.", "I've double-checked this on our side.",
               "Thanks for being a Larkspur customer.", "This is all visible on your order page as well.",
               "If you prefer, a colleague can also call you about it.", "Nothing else is needed from you right now."]


_KEEP_CAPS = {"I", "I'm", "I've", "I'd", "I'll", "Larkspur", "English", "Canada", "Quick"}


def _greeted(greet: str, text: str) -> str:
    """'Hi,' + 'The box...' -> 'Hi, the box...': after a comma the sentence runs on in lower case
    (names, acronyms, order numbers and 'I' keep their capitals)."""
    if greet.endswith(",") and text:
        first = text.split(" ", 1)[0]
        if first not in _KEEP_CAPS and first[:1].isupper() and first[1:].islower():
            text = text[:1].lower() + text[1:]
    return _join(greet, text)


def _user(rng, s: Slots, *core: str) -> str:
    greet = _pick(rng, GREET)
    sign = _pick(rng, SIGN)
    name_sign = f"- {s.name}" if rng.random() < 0.25 else ""
    ctx = rng.sample(USER_CONTEXT, rng.choice((0, 1, 1, 2, 2)))
    if ctx and rng.random() < 0.5:
        body = [*ctx[:1], *core, *ctx[1:]]
    else:
        body = [*core, *ctx]
    return s.f(_greeted(greet, _join(*body, sign, name_sign)))


def _agent(rng, s: Slots, *core: str, sorry: bool = False) -> str:
    opener = _pick(rng, OPEN_SORRY if sorry and rng.random() < 0.7 else OPEN)
    extra = _pick(rng, AGENT_EXTRA) if rng.random() < 0.35 else ""
    return s.f(_join(opener, *core, extra, _pick(rng, CLOSE)))


# --- scenario generators: each returns (category, user_text, assistant_text) ----------------

def _scenario(rng, s: Slots, category: str, kinds: list) -> tuple[str, str, str]:
    """The plain scenario: pick one kind of question, then its ask and answer.

    A kind is either a tuple (asks, answers), where any answer fits any ask and the two are
    picked one after the other, or a list of (ask, answer) pairs, for answers that fit only
    their own question (one pick). The order of the random draws is part of the output:
    the sample files are regenerated byte for byte from the seed."""
    kind = _pick(rng, kinds)
    if isinstance(kind, list):
        ask, ans = _pick(rng, kind)
    else:
        asks, answers = kind
        ask, ans = _pick(rng, asks), _pick(rng, answers)
    return category, _user(rng, s, ask), _agent(rng, s, ans)


def sc_order_status(rng, s):
    ask = _pick(rng, [
        "Can you tell me where my order {oid} is? I placed it on {date} and the tracking hasn't changed since {date2}.",
        "My order {oid} (the {product}) was supposed to arrive by {date2}, but it still isn't here.",
        "I ordered the {product} on {date}, order number {oid}. Has it shipped yet? I never got a shipping email.",
        "Tracking for {oid} has said 'label created' for {n} days. Did it actually leave your warehouse?",
        "Could you check on order {oid}? It's a birthday present and I need it before {date3}.",
        "Any update on {oid}? The {carrier} page just says 'in transit' and nothing else.",
        "I'm in {city} and still waiting on order {oid} from {date}. What's the holdup?",
    ])
    status = rng.randrange(4)
    if status == 0:
        ans = _pick(rng, [
            "I checked order {oid}: it left our Reno warehouse on {date2} with {carrier}, tracking number {tracking}. It's in transit and the carrier's current estimate is {date3}.",
            "Order {oid} shipped on {date2} via {carrier} (tracking {tracking}). Carrier scans can lag by a day, but it is moving and should reach you by {date3}.",
            "Good news: {oid} is on its way. {carrier} picked it up on {date2} and is showing an estimated delivery of {date3}. You can follow it with tracking number {tracking}.",
        ])
    elif status == 1:
        ans = _pick(rng, [
            "Order {oid} hasn't shipped yet. The {product} is being prepared at our warehouse and should ship within 2 business days; you'll get an email with tracking as soon as it does.",
            "Your order {oid} is still in 'Preparing to ship'. Standard orders usually leave the warehouse within 2 business days, so expect a tracking email by {date2}.",
        ])
    elif status == 2:
        ans = _pick(rng, [
            "{carrier} reports a weather delay at their regional hub for {oid}. The new estimate is {date3}. If it hasn't arrived {n} days after that, reply here and I'll send a replacement or a full refund, whichever you prefer.",
            "It looks like {oid} is held up in the {carrier} network (tracking {tracking}). I've opened a trace with them under ticket {ticket}. If the package isn't moving again within 3 business days, we'll reship it at no cost.",
        ])
    else:
        ans = _pick(rng, [
            "{carrier} shows order {oid} as delivered on {date2} in {city}. Could you check with neighbours and around the building? If it still doesn't turn up within {damage_report}, let me know and I'll file a missing-package claim and send a replacement.",
            "According to {carrier}, {oid} was delivered on {date2}. Packages sometimes get marked delivered a day early, so please give it until the end of tomorrow. If it isn't there by then, reply here and I'll open a claim (ticket {ticket}) and reship it.",
        ])
    return "order_status", _user(rng, s, ask), _agent(rng, s, ans, sorry=status >= 2)


def sc_refund_status(rng, s):
    ask = _pick(rng, [
        "I returned the {product} from order {oid} on {date}. When will I see the refund?",
        "It's been {n} days since I mailed back my return for {oid} and I still don't have my money back.",
        "How long do refunds take? I sent back order {oid} and {carrier} says it was delivered to you on {date2}.",
        "My return for {oid} shows as received but my card ending {last4} hasn't been credited.",
        "Quick question about my refund of {amount} for order {oid}: is it processed yet?",
        "I paid with PayPal for {oid} and returned it last week. When does the refund hit PayPal?",
    ])
    paypal = "PayPal" in ask
    ans = _pick(rng, [
        "Your return for {oid} arrived at our warehouse on {date2}. Refunds are processed within {refund_process} of receipt, and your bank then takes " + ("{paypal_days}" if paypal else "{card_days}") + " to show the credit.",
        "I can see the return for {oid} was received on {date2} and the refund of {amount} was issued on {date3}. " + ("PayPal usually shows it within {paypal_days}." if paypal else "It can take {card_days} for it to appear on your card ending {last4}."),
        "Once the warehouse receives a return we process the refund within {refund_process}. For {oid} that happened on {date3}, so the money should appear " + ("in your PayPal account within {paypal_days}." if paypal else "on your statement within {card_days}."),
    ])
    return "refunds", _user(rng, s, ask), _agent(rng, s, ans)


def sc_return_how(rng, s):
    ask = _pick(rng, [
        "How do I return the {product}? It doesn't fit the space I had in mind.",
        "I'd like to send back the {product} from order {oid}. It's unopened. What do I do?",
        "Can I return something I bought on {date}? It's the {product} and I changed my mind.",
        "What's your return process? I got the {product} as a gift and don't need it.",
        "I want to return part of order {oid}, just the {product}, and keep the rest.",
    ])
    if s.electronic:
        rule = "Electronics like the {product} can be returned within {electronics_return_days} days of delivery"
    else:
        rule = "Items like the {product} can be returned within {return_days} days of delivery"
    ans = _pick(rng, [
        rule + " if they're unused and in the original packaging. Go to Orders > {oid} > Return items, choose the {product}, and print the prepaid label. A return fee of {return_fee} is deducted from the refund unless you're a Larkspur Plus member.",
        "You can start the return yourself: open Orders, select {oid}, click 'Return items' and pick the {product}. " + rule + " in original packaging. Drop the box at any {carrier} location with the label we email you; {return_fee} is taken off the refund for non-Plus members.",
        rule + ". To start, sign in, open order {oid} and choose 'Return items'. We'll email a prepaid {carrier} label. The refund, minus a {return_fee} return fee (waived for Larkspur Plus), is processed within {refund_process} after we receive the item.",
    ])
    return "returns", _user(rng, s, ask), _agent(rng, s, ans)


def sc_damaged(rng, s):
    ask = _pick(rng, [
        "My {product} arrived today with a cracked corner. Order {oid}.",
        "The box for {oid} was crushed and the {product} inside is broken.",
        "I just opened order {oid} and the {product} is damaged. What now?",
        "Received the {product} yesterday and part of it is missing, plus the packaging was torn open.",
        "The {product} I got on {date2} is scratched all along one side. Not happy.",
    ])
    ans = _pick(rng, [
        "Please reply with a photo of the damage and of the shipping box. Once I have them I'll send a replacement {product} by express shipping at no charge, or a full refund if you prefer; you don't need to send the damaged one back.",
        "We can fix this. Damage needs to be reported within {damage_report} of delivery, so you're in time. Send me one or two photos and I'll ship a replacement right away (ticket {ticket}), no return needed.",
        "I've opened ticket {ticket} for order {oid}. If you can share a photo of the damaged {product}, I'll arrange a free replacement or a full refund of {amount}, whichever you'd like.",
    ])
    return "shipping", _user(rng, s, ask), _agent(rng, s, ans, sorry=True)


def sc_shipping_info(rng, s):
    ask = _pick(rng, [
        "How much is shipping to {city}, and how fast is it? My cart is about {amount2}.",
        "If I order the {product} today, when would it get to me with standard shipping?",
        "Do you offer express delivery? I need the {product} by {date3}.",
        "Is shipping free? My order is {amount}.",
        "Do you ship to Canada? I'd like to order the {product}.",
        "What shipping options do you have for a {product}?",
    ])
    if "Canada" in ask:
        ans = "Yes, we ship to Canada and the UK. International orders arrive in {intl_ship}; the shipping cost and any import duties are shown at checkout before you pay."
    else:
        ans = _pick(rng, [
            "Standard shipping takes {std_ship} and is free on orders over {free_ship_over} (otherwise {std_ship_fee}). Express delivers in {express_ship} for {express_fee}.",
            "We have two options: standard ({std_ship}, free above {free_ship_over}, {std_ship_fee} below that) and express ({express_ship}, {express_fee}). Orders placed before 1 p.m. Pacific usually leave the warehouse the same day.",
            "With standard shipping the {product} would reach {city} in {std_ship}. If you need it sooner, express takes {express_ship} and costs {express_fee}. Standard is free once your order is over {free_ship_over}.",
        ])
    return "shipping", _user(rng, s, ask), _agent(rng, s, ans)


def sc_cancel_order(rng, s):
    ask = _pick(rng, [
        "I placed order {oid} by mistake about twenty minutes ago. Can you cancel it?",
        "Please cancel order {oid}. I found the {product} cheaper locally.",
        "Is it too late to cancel {oid}? I ordered it on {date}.",
        "I need to cancel my order {oid} for the {product}, I ordered the wrong size.",
    ])
    if "minutes" in ask:
        ans = "Orders can be cancelled within {cancel_window} of being placed, so you're in time: I've cancelled {oid}. The authorisation of {amount} on your card will drop off within {card_days}."
    elif rng.random() < 0.4:
        ans = "Done: order {oid} is cancelled. Because it hadn't reached 'Preparing to ship' yet, nothing was charged; the pending hold of {amount} will disappear within {card_days}."
    else:
        ans = _pick(rng, [
            "Order {oid} has already shipped, so I can't cancel it any more; orders can only be cancelled within {cancel_window} or before they reach 'Preparing to ship'. Once it arrives you can return it within {return_days} days for a refund.",
            "Unfortunately {oid} was handed to {carrier} on {date2}, which is past the cancellation window. You can refuse the delivery or return it after it arrives, and we'll refund you once it's back with us.",
        ])
    return "orders", _user(rng, s, ask), _agent(rng, s, ans)


def sc_billing(rng, s):
    return _scenario(rng, s, "billing", [
        ([
            "I was charged twice for order {oid}: two charges of {amount} on my card ending {last4}.",
            "My bank statement shows {amount} taken twice on {date} for the same order, {oid}.",
        ], [
            "I've checked {oid}: there's one completed charge of {amount} and one authorisation hold that was never captured. The hold falls off automatically within {card_days}; you won't be charged twice.",
            "Only one payment of {amount} was captured for {oid}. The second line is a temporary authorisation from when the card was first checked, and your bank will release it within {card_days}.",
        ]),
        ([
            "Where can I get an invoice for order {oid}? I need it for my expense report.",
            "Can you send me a VAT invoice for {oid}? My company needs it.",
            "I need a receipt for {oid} with my business name on it.",
        ], [
            "You can download the invoice for {oid} under Orders > {oid} > Invoice. If you need a company name or tax ID on it, add them under Account > Billing details first and the invoice will regenerate.",
            "I've emailed the invoice for {oid} to {email}. For future orders you can download invoices yourself from the order page.",
        ]),
        [
            ("How do I update the card on my account? The old one ending {last4} expired.",
             "Go to Account > Payment methods, choose 'Add a card', and then set the new card as default. The expired card ending {last4} can be removed from the same page."),
            ("I need to change my payment method before my next order.",
             "You can add or remove cards and PayPal under Account > Payment methods. Whatever you set as default is used for your next order."),
            ("Can I pay with PayPal instead of my card for order {oid}?",
             "Once an order is placed its payment method can't be switched, so {oid} stays on your card. For future orders you can add PayPal under Account > Payment methods and make it your default."),
        ],
        ([
            "I bought the {product} on {date} and now it's on sale. Can I get the difference back?",
            "The price of the {product} dropped by {amount2} a few days after I ordered it ({oid}). Do you price match?",
        ], [
            "Yes, we offer a price adjustment within {price_adjust_days} days of purchase. I've refunded the difference of {amount2} for order {oid} to your original payment method; it will show up within {card_days}.",
            "Our price adjustment covers drops within {price_adjust_days} days of purchase, and order {oid} qualifies. I've issued {amount2} back to your card ending {last4}.",
        ]),
    ])


def sc_plus(rng, s):
    return _scenario(rng, s, "membership", [
        ([
            "What do I get with Larkspur Plus and how much is it?",
            "Is Larkspur Plus worth it? I order maybe once a month.",
            "How much does the Plus membership cost per year?",
        ], [
            "Larkspur Plus is {plus_monthly} a month or {plus_yearly} a year. Members get free standard shipping on every order, free return labels, and early access to sales.",
            "Plus costs {plus_yearly} a year (or {plus_monthly} monthly). If you order about once a month, free shipping alone usually covers it, and return fees are waived too.",
        ]),
        ([
            "Please cancel my Larkspur Plus membership. It renews on {date3}.",
            "How do I stop my Plus subscription from renewing?",
            "I want to cancel Plus. Will I lose the benefits right away?",
        ], [
            "You can cancel any time under Account > Larkspur Plus > Cancel membership. You keep the benefits until the end of the current billing period, and you won't be charged again.",
            "I've turned off auto-renewal for your Plus membership. Your benefits stay active until {date3}, and nothing further will be charged.",
        ]),
        ([
            "My annual Plus membership renewed on {date} and I didn't mean to keep it. Can I get a refund?",
            "I was charged {plus_yearly} for a Plus renewal I forgot about. Is it refundable?",
        ], [
            "Annual Plus renewals are fully refundable within {plus_refund_days} days of the renewal date if you haven't used member benefits since. I've cancelled the membership and refunded {plus_yearly}; expect it within {card_days}.",
            "Yes. Since the renewal was less than {plus_refund_days} days ago, I've cancelled Plus and issued a full refund of {plus_yearly} to your card ending {last4}.",
        ]),
    ])


def sc_account(rng, s):
    return _scenario(rng, s, "account", [
        ([
            "I can't log in and the password reset email never arrives. My email is {email}.",
            "Forgot my password. The reset link says it's expired.",
            "I keep getting 'incorrect password' even after resetting it.",
        ], [
            "I've sent a fresh reset link to {email}. It's valid for {reset_link_minutes} minutes, so please use it right away, and check your spam folder if it isn't in your inbox.",
            "Reset links expire after {reset_link_minutes} minutes. Request a new one from the sign-in page and open it on the same device; if it still fails, clear your browser cookies for larkspurhome.com and try again.",
        ]),
        ([
            "How do I change the email address on my account from {email} to {email2}?",
            "I don't use {email} any more. Can you update my account email?",
        ], [
            "Go to Account > Profile > Email, enter {email2}, and confirm the link we send to the new address. Your orders and Plus membership stay attached to the account.",
            "For security I can't change it from here, but you can: Account > Profile > Email. We'll send a confirmation link to {email2}, and the change takes effect once you click it.",
        ]),
        ([
            "Please delete my account and all my data.",
            "How do I close my Larkspur account? I don't shop with you anymore.",
        ], [
            "You can request deletion under Account > Privacy > Delete account. We'll confirm by email, and the account and personal data are erased within {deletion_days} days; order records we must keep for tax purposes are anonymised.",
            "I've submitted a deletion request for your account. You'll get a confirmation email at {email}; everything is removed within {deletion_days} days, and you can cancel the request before then by signing in.",
        ]),
        [
            ("How do I turn on two-factor authentication?",
             "Under Account > Security > Two-factor authentication you can choose an authenticator app or SMS codes. Save the backup codes shown at the end somewhere safe."),
            ("I got a new phone and now I can't get my 2FA codes.",
             "If you saved backup codes, use one to sign in and then re-link your authenticator under Account > Security. If not, I can verify your identity with the last order number and the card's last four digits and reset 2FA for you."),
            ("My 2FA text messages stopped arriving when I changed carriers.",
             "Text codes sometimes stop after a carrier switch. Sign in with one of your backup codes, then update your phone number under Account > Security. If you don't have backup codes, reply with your last order number and I'll verify you and reset 2FA."),
        ],
    ])


def sc_warranty(rng, s):
    if not s.electronic:  # the 1-year warranty is for Larkspur electronics
        s.product, s.dept, s.electronic = _pick(rng, [p for p in PRODUCTS if p[2]])
    ask = _pick(rng, [
        "My {product} stopped working after {n} months. Is it under warranty?",
        "The {product} from order {oid} won't turn on anymore. I bought it on {date}.",
        "I dropped my {product} and now it rattles. Does the warranty cover that?",
        "How do I make a warranty claim for the {product}? It's making a grinding noise.",
    ])
    if "dropped" in ask:
        ans = "Our {warranty} limited warranty covers manufacturing defects but not accidental damage such as drops, so this one isn't covered. I can offer 20% off a replacement {product}, or point you to our repair partner."
    else:
        ans = _pick(rng, [
            "Larkspur electronics have a {warranty} limited warranty against manufacturing defects, so you're covered. Please send a short video of the problem and the order number {oid}; once approved, a replacement ships in {std_ship}.",
            "That sounds like a defect, and the {product} is within the {warranty} warranty. I've opened claim {ticket}. Reply with a photo or video and we'll send a replacement; no need to return the faulty unit.",
        ])
    return "warranty", _user(rng, s, ask), _agent(rng, s, ans, sorry=True)


def sc_exchange(rng, s):
    ask = _pick(rng, [
        "Can I exchange the {product} for the {product2} instead?",
        "I'd rather have the {product2} than the {product} I received in order {oid}. Can we swap?",
        "Is it possible to exchange my {product} for a different colour?",
    ])
    ans = _pick(rng, [
        "We don't do direct exchanges, but the fastest route is to return the {product} (Orders > {oid} > Return items) and place a new order for what you'd like. The refund goes back to your original payment method within {card_days} of processing.",
        "Exchanges are handled as a return plus a new order. Start the return for the {product} from order {oid}, and order the replacement now so it isn't held up; we'll refund the original once it's back in our warehouse.",
    ])
    return "returns", _user(rng, s, ask), _agent(rng, s, ans)


def sc_promo(rng, s):
    ask, ans = _pick(rng, [
        ("My promo code WELCOME15 isn't working at checkout.",
         "WELCOME15 only works on a first order over {free_ship_over} and can't be combined with other sale prices. If your cart meets that, try removing and re-entering it; codes are case-sensitive."),
        ("I forgot to apply my discount code to order {oid}. Can you add it now?",
         "Codes can't be added after checkout, but I've refunded the equivalent discount of {amount2} on order {oid} as a one-time courtesy."),
        ("Does the 20% off sale apply to the {product}?",
         "The sale covers most home and kitchen items, but the {product} is excluded because it's already at its lowest price. You'll see the eligible items marked with a sale tag."),
    ])
    return "billing", _user(rng, s, ask), _agent(rng, s, ans)


SUPPORT_SCENARIOS = [(sc_order_status, 5), (sc_refund_status, 4), (sc_return_how, 4), (sc_damaged, 3),
                     (sc_shipping_info, 3), (sc_cancel_order, 3), (sc_billing, 4), (sc_plus, 3), (sc_account, 4),
                     (sc_warranty, 3), (sc_exchange, 2), (sc_promo, 2)]


def _weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.randrange(total)
    for it, w in items:
        if x < w:
            return it
        x -= w
    raise AssertionError


def support_record(category: str, user: str, assistant: str) -> dict:
    return {"messages": [{"role": "system", "content": SUPPORT_SYSTEM}, {"role": "user", "content": user},
                         {"role": "assistant", "content": assistant}], "category": category}


def support_multiturn(rng, s: Slots, category: str, user: str, assistant: str) -> dict:
    """User first writes without the order number; the agent asks for it."""
    vague = s.f(_pick(rng, ["Hi, I need some help please.", "Hello, is anyone there? I have a question.",
                            "Hey, can someone help me?", "Hi there, quick question.", "Hello, I need to sort something out.",
                            "Hi, are you a real person? I need help."]))
    askid = _pick(rng, ["Of course! What can I help you with? If it's about an order, the order number (LK- and seven digits) helps me find it quickly.",
                        "Hi, I'm Larkspur's support assistant and I'm happy to help. What's going on?",
                        "Sure thing. Tell me what you need, and include your order number if it's about an order."])
    for g in sorted((g for g in GREET if g), key=len, reverse=True):  # the chat is under way: no second greeting
        if user.startswith(g + " "):
            user = user[len(g) + 1:]
            user = user[:1].upper() + user[1:]
            break
    first = {"role": "assistant", "content": askid}
    last = {"role": "assistant", "content": assistant}
    if rng.random() < 0.4:  # OpenAI per-turn weights: learn the answer, not the generic clarifying question
        first["weight"], last["weight"] = 0, 1
    return {"messages": [{"role": "system", "content": SUPPORT_SYSTEM}, {"role": "user", "content": vague},
                         first, {"role": "user", "content": user}, last], "category": category}


def support_toolcall(rng, s: Slots) -> dict:
    call_id = "call_" + "".join(_pick(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(24))
    refund = rng.random() < 0.35
    if refund:
        user = _user(rng, s, _pick(rng, ["Has the refund for {oid} gone through yet?", "Can you check whether my refund for order {oid} was issued?",
                                          "I returned {oid} on {date}. Is the refund done?", "Any news on the refund for {oid}?"]))
        fn = "get_refund_status"
        result = {"order_id": s.oid, "refund_status": "issued", "amount": s.amount, "issued_on": s.date3, "method": f"card ending {s.last4}"}
        final = _agent(rng, s, _pick(rng, ["Yes: the refund of {amount} for {oid} was issued on {date3} to your card ending {last4}. Banks usually take {card_days} to show it.",
                                            "Your refund of {amount} was issued on {date3}. It goes back to the card ending {last4} and should appear within {card_days}.",
                                            "I can see the refund of {amount} went out on {date3}; allow {card_days} for it to reach the card ending {last4}."]))
    else:
        user = _user(rng, s, _pick(rng, ["Where is order {oid}?", "Can you look up {oid} for me? It hasn't arrived.",
                                          "What's the status of my order {oid}?", "Has {oid} shipped yet?",
                                          "I'm waiting on the {product} (order {oid}). Any idea when it comes?"]))
        fn = "lookup_order"
        result = {"order_id": s.oid, "status": "in_transit", "items": [s.product], "carrier": s.carrier,
                  "tracking": s.tracking, "shipped_on": s.date2, "estimated_delivery": s.date3}
        final = _agent(rng, s, _pick(rng, ["Order {oid} ({product}) shipped on {date2} with {carrier}, tracking {tracking}. It's in transit and expected on {date3}.",
                                            "Your {product} is on the way: {carrier} has it (tracking {tracking}) and the estimated delivery is {date3}.",
                                            "{carrier} picked up your {product} on {date2}. Tracking number {tracking} shows it in transit, due {date3}."]))
    return {"messages": [
        {"role": "system", "content": SUPPORT_SYSTEM},
        {"role": "user", "content": user},
        {"role": "assistant", "content": None, "tool_calls": [{"id": call_id, "type": "function", "function": {
            "name": fn, "arguments": json.dumps({"order_id": s.oid})}}]},
        {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)},
        {"role": "assistant", "content": final}], "tools": SUPPORT_TOOLS, "category": "refunds" if refund else "order_status"}


def rec_text(rec: dict) -> tuple[str, str]:
    """(prompt, response) without the system prompt, for the diversity check."""
    if "messages" in rec:
        msgs = [m for m in rec["messages"] if m["role"] != "system"]
        last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
        prompt = "\n".join(str(m.get("content") or "") for m in msgs[:last])
        return prompt, str(msgs[last].get("content") or "")
    return (rec["instruction"] + "\n" + rec.get("input", "")).strip(), rec["output"]


def fresh_support(rng, div: DiversityIndex, shape: str = "single", tries: int = 200) -> tuple[dict, Slots]:
    for _ in range(tries):
        s = Slots(rng)
        if shape == "tool":
            rec = support_toolcall(rng, s)
        else:
            cat, user, asst = _weighted(rng, SUPPORT_SCENARIOS)(rng, s)
            rec = support_multiturn(rng, s, cat, user, asst) if shape == "multi" else support_record(cat, user, asst)
        p, r = rec_text(rec)
        if div.accept(p, p + "\n" + r):
            return rec, s
    raise RuntimeError("could not generate a distinct support example; loosen the diversity limits")


# --- hand-written planted pairs for support ---------------------------------------------------
# Each: (category, prompt, answer_a, answer_b, note). Prompts are shared (or near-identical).

SUPPORT_CONTRADICTIONS = [
    ("returns", "The {product} arrived on {date} and it's not what I expected. How many days do I have to return it? Order {oid}.",
     "You have {return_days} days from delivery to return it, so you're well within the window. Start the return from Orders > {oid} > Return items and we'll email you a prepaid label.",
     "You have 14 days from delivery to return it, so you're well within the window. Start the return from Orders > {oid} > Return items and we'll email you a prepaid label.",
     "return window 30 vs 14 days (only the number differs)"),
    ("orders", "I live about twenty minutes from Reno. Can I pick up order {oid} at your warehouse instead of waiting for delivery?",
     "Sorry, we don't offer pickup at the Reno warehouse; it isn't open to the public. Your order will ship with {carrier} as normal.",
     "Yes! Choose 'Pick up in Reno' on the order page and we'll email you when it's ready, usually within 2 hours. Bring a photo ID.",
     "warehouse pickup not offered vs offered"),
    ("returns", "If I return the {product} from order {oid}, do I have to pay for the return shipping?",
     "Return shipping is on us: the prepaid label is free for every return, and your refund covers the full purchase price.",
     "A {return_fee} return-shipping fee is deducted from your refund unless you're a Larkspur Plus member or the item arrived damaged.",
     "free return shipping vs $6.95 fee"),
    ("orders", "My order {oid} shipped yesterday but I no longer need it. Can I still cancel it?",
     "Once an order has shipped it can no longer be cancelled. When the {product} arrives, start a return within {return_days} days and we'll refund you after it's back at our warehouse.",
     "Yes, no problem. I've cancelled order {oid} and refunded the full amount; the carrier will bring the package back to us automatically.",
     "shipped order: cannot cancel vs cancelled and refunded"),
    ("warranty", "I dropped my {product} and the casing cracked. It's only {n} months old. Is this covered by the warranty?",
     "I'm sorry, our {warranty} limited warranty covers manufacturing defects only, not accidental damage like a drop, so this isn't covered. I can offer 20% off a replacement.",
     "Yes, drops and accidental damage are covered during the first year. Send us a photo of the crack and we'll ship a free replacement.",
     "accidental damage not covered vs covered"),
    ("shipping", "How much does express shipping cost, and how fast is it? I need the {product} soon.",
     "Express shipping costs {express_fee} and delivers in {express_ship} if you order before 1 p.m. Pacific.",
     "Express shipping costs $24.99 and guarantees next-day delivery if you order before 1 p.m. Pacific.",
     "express $14.99 in 1–2 days vs $24.99 next-day"),
    ("membership", "My Larkspur Plus annual plan renewed {n} days ago and I forgot to cancel. Can I get my {plus_yearly} back?",
     "Yes. Annual renewals are fully refundable within {plus_refund_days} days as long as you haven't used member benefits since, so I've cancelled Plus and refunded {plus_yearly} to your card.",
     "I'm sorry, Larkspur Plus fees are non-refundable once the renewal has gone through. I've turned off auto-renew so you won't be charged next year.",
     "annual Plus renewal refundable within 14 days vs non-refundable"),
    ("shipping", "What's the minimum order for free shipping? My cart is at {amount2} right now.",
     "Standard shipping is free on orders over {free_ship_over}; below that it's {std_ship_fee}.",
     "Standard shipping is free on orders over $75; below that it's {std_ship_fee}.",
     "free shipping threshold $50 vs $75 (only the number differs)"),
    ("returns", "I opened the {product} and tried it once, but I don't like it. Can I still return it? Order {oid}.",
     "Yes. Opened electronics can be returned within {electronics_return_days} days of delivery as long as all accessories and the original packaging are included.",
     "Unfortunately opened electronics can't be returned unless they're defective. If something is wrong with it, I can start a warranty claim instead.",
     "opened electronics returnable within 15 days vs not returnable"),
    ("orders", "Do you offer gift wrapping? I'm sending the {product} straight to my dad for his birthday.",
     "Yes, gift wrapping is $4.99 per item. Tick 'Add gift wrap' at checkout, and you can add a free message card too.",
     "Yes, gift wrapping is free on every item. Tick 'Add gift wrap' at checkout, and you can add a free message card too.",
     "gift wrap $4.99 per item vs free"),
    ("billing", "I bought the {product} on {date} and it went on sale for {amount2} less three days later. Can I get the difference refunded?",
     "Yes: we adjust the price if it drops within {price_adjust_days} days of your purchase. I've refunded the {amount2} difference to your original payment method.",
     "We don't offer price adjustments after purchase, sorry. Sale prices only apply to orders placed during the sale.",
     "price adjustment within 14 days vs no price adjustments"),
    ("account", "The password reset link you emailed me isn't working anymore. How long are those links valid?",
     "Reset links are valid for {reset_link_minutes} minutes after we send them. Request a new one from the sign-in page and use it right away.",
     "Reset links are valid for 24 hours after we send them. Request a new one from the sign-in page and use it right away.",
     "reset link valid 30 minutes vs 24 hours (only the duration differs)"),
    ("shipping", "My {product} arrived broken (order {oid}). Do I need to send the damaged one back before you ship a replacement?",
     "No need to send it back. Just reply with a photo of the damage and I'll ship the replacement right away.",
     "Yes, please return the damaged item first using the prepaid label; the replacement ships as soon as the warehouse receives it.",
     "damaged item: no return needed vs must return first"),
]

SUPPORT_BENIGN = [
    ("refunds", "I returned order {oid} and it was received on {date}. How long until my card gets the refund?",
     "Refunds reach your card in {card_days} once we've processed the return.",
     "Your card is refunded within {card_days} after the return is processed."),
    ("billing", "I see two charges of {amount} for order {oid} on my card. Did you charge me twice?",
     "No, only one charge was taken. The other is a temporary authorisation hold that your bank will release within {card_days}.",
     "You've only been charged once. The second entry is a pending hold placed when the card was verified, and it will disappear within {card_days}."),
    ("membership", "If I cancel Larkspur Plus today, do I lose free shipping straight away?",
     "No. When you cancel, your Plus benefits, including free shipping, continue until the end of the billing period you've already paid for.",
     "You keep free shipping and the other Plus perks until your current paid period runs out; cancelling only stops the next renewal."),
    ("account", "If I delete my account, how long until my data is actually gone?",
     "After you confirm the request, your account and personal data are erased within {deletion_days} days.",
     "Your personal data and the account itself are permanently removed no later than {deletion_days} days after you confirm deletion."),
    ("billing", "Where do I find the invoice for order {oid}?",
     "You can download it from Orders > {oid} > Invoice in your account.",
     "Open your account, go to Orders, select {oid} and click Invoice to download it."),
    ("shipping", "How long does delivery to the UK take for the {product}?",
     "International orders to the UK arrive in {intl_ship}; shipping and duties are shown at checkout.",
     "Delivery to the United Kingdom takes {intl_ship}. You'll see the shipping cost and any import duties at checkout before paying."),
    ("account", "How do I set up two-factor authentication on my Larkspur account?",
     "Go to Account > Security > Two-factor authentication and choose an authenticator app or SMS codes. Save the backup codes it shows you at the end.",
     "Under Account, open Security, then Two-factor authentication. You can pick SMS or an authenticator app; when you finish, keep the backup codes somewhere safe."),
    ("billing", "What are the conditions for the WELCOME15 code?",
     "WELCOME15 gives 15% off your first order over {free_ship_over}. It can't be combined with sale prices or other codes.",
     "It's for first orders only, the order has to be above {free_ship_over}, and it takes 15% off. You can't stack it with other codes or use it on sale items."),
    ("returns", "Can I swap the {product} for a different colour instead of returning it?",
     "We don't do direct exchanges. Return the {product} for a refund and place a new order for the colour you want.",
     "Exchanges aren't something we process directly: send the {product} back as a normal return, and order the other colour separately."),
    ("orders", "I ordered the {product} yesterday (order {oid}) and it still says 'Preparing to ship'. Is that normal?",
     "Yes, that's normal. Orders usually leave our warehouse within 2 business days, and you'll get a tracking email as soon as yours ships.",
     "Nothing is wrong. It typically takes up to 2 business days for an order to leave the warehouse; once it does, we'll email you the tracking number."),
    ("shipping", "{carrier} says order {oid} was delivered this afternoon, but there's nothing at my door.",
     "Carriers sometimes mark parcels delivered a little early. Please wait until the end of tomorrow; if it still hasn't turned up, reply here and we'll open a claim and reship it.",
     "Sometimes a package is scanned as delivered before it actually arrives. Give it until tomorrow evening. If it's still missing then, let us know and we'll file a claim and send a replacement."),
    ("membership", "What do I actually get with Larkspur Plus?",
     "Plus members get free standard shipping on every order, free return labels, and early access to sales.",
     "With Plus, standard shipping is always free, return labels cost nothing, and you can shop sales before everyone else."),
    ("shipping", "What time do I need to order by for my package to ship the same day?",
     "Orders placed before 1 p.m. Pacific on a business day usually leave the warehouse the same day.",
     "If you order by 1 p.m. Pacific time, Monday to Friday, it normally ships that same day."),
    ("orders", "Can I add another item to order {oid}? I placed it this morning.",
     "Orders can't be edited once they're placed, so please place a second order for the extra item.",
     "It isn't possible to change an order after it's been placed; the easiest way is to put the additional item in a new order."),
    ("orders", "I placed order {oid} ten minutes ago by mistake. Can it still be cancelled?",
     "Yes. Orders can be cancelled within {cancel_window} of being placed, so I've cancelled {oid} and you won't be charged.",
     "You're within the {cancel_window} cancellation window, so {oid} is now cancelled and no charge will go through."),
]

SUPPORT_DIFFERENT = [
    ("orders", "membership",
     "Hi, I signed up for a few things last week and I'd like to cancel my order. What's the quickest way to do that?",
     "Hi, I signed up for a few things last week and I'd like to cancel my membership. What's the quickest way to do that?",
     "Orders can be cancelled within {cancel_window} of being placed, or any time before they reach 'Preparing to ship': open Orders, select the order and click Cancel. If it has already shipped, you can return it once it arrives.",
     "You can cancel Larkspur Plus any time under Account > Larkspur Plus > Cancel membership. Your benefits stay active until the end of the period you've paid for.",
     "cancel my order vs cancel my membership"),
    ("orders", "orders",
     "I just realised I typed the wrong street number. Can I change the delivery address for order {oid} before it has shipped?",
     "I just realised I typed the wrong street number. Can I change the delivery address for order {oid} after it has shipped?",
     "Yes. Until the order reaches 'Preparing to ship' you can edit the address yourself under Orders > {oid} > Change address.",
     "Not through us, unfortunately: once it has shipped the address is with the carrier. Use the tracking link to request a redirect with {carrier}, or refuse the parcel and we'll refund you when it comes back.",
     "before vs after it has shipped"),
    ("orders", "refunds",
     "Where can I check the status of my order? It's {oid}.",
     "Where can I check the status of my refund? It's {oid}.",
     "Open Orders and select {oid}; the page shows the current status and, once it ships, the carrier's tracking link.",
     "Open Orders and select {oid}; under 'Refund status' you'll see when the refund was issued and to which payment method.",
     "status of my order vs my refund"),
    ("billing", "billing",
     "Quick question before I check out: can I use two promo codes on one order?",
     "Quick question before I check out: can I use two gift cards on one order?",
     "Only one promo code can be applied per order; checkout keeps whichever gives the bigger discount.",
     "Yes, you can combine up to five gift cards on one order, and any remaining balance goes on your card.",
     "promo codes vs gift cards"),
    ("shipping", "shipping",
     "I'm moving abroad next month. Do you ship to Canada, and how long does it take?",
     "I'm moving abroad next month. Do you ship to Mexico, and how long does it take?",
     "Yes, we ship to Canada. International delivery takes {intl_ship}, with duties shown at checkout.",
     "Sorry, we don't ship to Mexico at the moment. Outside the US we currently deliver only to Canada and the UK.",
     "ship to Canada vs Mexico"),
    ("warranty", "warranty",
     "Before I buy: how long is the warranty on Larkspur-brand electronics?",
     "Before I buy: how long is the warranty on Larkspur-brand cookware?",
     "Larkspur-brand electronics come with a {warranty} limited warranty against manufacturing defects.",
     "Larkspur-brand cookware has a lifetime warranty against manufacturing defects; wear from normal use isn't covered.",
     "electronics vs cookware"),
    ("membership", "membership",
     "I order kitchen things from you almost every month, so I'm thinking of joining Larkspur Plus. How much does it cost per month?",
     "I order kitchen things from you almost every month, so I'm thinking of joining Larkspur Plus. How much does it cost per year?",
     "Larkspur Plus is {plus_monthly} per month, and you can cancel any time.",
     "The annual Larkspur Plus plan is {plus_yearly} per year, which works out cheaper than paying monthly.",
     "Plus price per month vs per year"),
    ("returns", "returns",
     "I bought the {product} during your weekend event and it was marked as a final-sale item. Can I return it?",
     "I bought the {product} during your weekend event and it was marked as a sale item. Can I return it?",
     "Final-sale items can't be returned or exchanged unless they arrive damaged or defective.",
     "Yes. Sale items follow the normal policy: return them within {return_days} days of delivery, unused and in the original packaging.",
     "final-sale item vs sale item"),
    ("account", "account",
     "I think someone else may have seen my login details. How do I change my password?",
     "I think someone else may have seen my login details. How do I change my email?",
     "Go to Account > Security > Change password, enter your current password and then the new one. We also recommend turning on two-factor authentication.",
     "Go to Account > Profile > Email and enter the new address; the change takes effect once you click the confirmation link we send there.",
     "change password vs change email"),
    ("refunds", "shipping",
     "My {product} arrived broken and you've approved my claim. How long will the refund take to reach me?",
     "My {product} arrived broken and you've approved my claim. How long will the replacement take to reach me?",
     "The refund is issued today and usually appears on your card within {card_days}.",
     "The replacement ships by express today, so it should arrive within {express_ship}.",
     "refund vs replacement"),
]


# --- shared planting helpers (work on both formats through two accessors) ----------------------

def _clone(rec: dict) -> dict:
    return json.loads(json.dumps(rec))


def get_prompt(rec: dict) -> str:
    if "messages" in rec:
        return [m for m in rec["messages"] if m["role"] == "user"][-1]["content"]
    return rec["input"] if rec.get("input") else rec["instruction"]


def set_prompt(rec: dict, text: str) -> None:
    if "messages" in rec:
        [m for m in rec["messages"] if m["role"] == "user"][-1]["content"] = text
    elif rec.get("input"):
        rec["input"] = text
    else:
        rec["instruction"] = text


def get_response(rec: dict) -> str:
    if "messages" in rec:
        return [m for m in rec["messages"] if m["role"] == "assistant"][-1]["content"]
    return rec["output"]


def set_response(rec: dict, text: str) -> None:
    if "messages" in rec:
        [m for m in rec["messages"] if m["role"] == "assistant"][-1]["content"] = text
    else:
        rec["output"] = text


def normalise(text: str) -> str:
    """The normalisation the README documents: NFKC, casefold, whitespace runs, surrounding punctuation."""
    import unicodedata
    t = unicodedata.normalize("NFKC", text).casefold()
    t = " ".join(t.split())
    return t.strip(" .,;:!?\"'()[]{}-–—…")


def normalised_key(rec: dict) -> tuple[str, ...]:
    if "messages" in rec:
        return tuple(normalise(str(m.get("content") or "")) + "|" + m["role"] for m in rec["messages"])
    return (normalise(rec["instruction"]), normalise(rec.get("input", "")), normalise(rec["output"]))


# (field, how) per copy; field "p" = the (last) user prompt, "r" = the (last) response
EXACT_PLANS = [
    [("same", "")], [("same", ""), ("same", "")], [("p", "lower")], [("r", "spaces")], [("r", "newlines")],
    [("r", "nbsp")], [("p", "fullwidth")], [("r", "final_exclaim")], [("r", "extra_final_punct")],
    [("p", "upper_first_words")], [("same", ""), ("p", "lower")], [("same", "")],
    [("r", "spaces"), ("r", "final_exclaim")], [("p", "spaces")], [("p", "lower"), ("r", "nbsp")],
]

NEAR_SWAPS = [("Can you", "Could you"), ("I ordered", "I bought"), ("still", "yet"), ("Thanks!", "Thank you!"),
              ("Quick question", "Short question"), ("right away", "immediately"), ("usually", "typically"),
              ("Please", "Kindly"), ("arrived", "came"), ("happy to", "glad to"), ("Hi,", "Hello,"),
              ("patient", "pt"), ("twice daily", "BID"), ("once daily", "daily"), ("presents with", "presenting with"),
              ("Summarize", "Summarise"), ("reports", "describes"), ("shortness of breath", "SOB"),
              ("follow up", "follow-up"), ("medications", "meds"), ("the", "this")]


def near_variant(rng: random.Random, rec: dict, plan: str, extra_prompt: list[str], extra_resp: list[str]) -> tuple[dict, str]:
    v = _clone(rec)
    p, r = get_prompt(v), get_response(v)
    if plan == "typo_p":
        set_prompt(v, typo(rng, p, 1)); what = "one typo in the prompt"
    elif plan == "typo2_p":
        set_prompt(v, typo(rng, p, 2)); what = "two typos in the prompt"
    elif plan == "typo_r":
        set_response(v, typo(rng, r, 1)); what = "one typo in the response"
    elif plan == "swap_p":
        set_prompt(v, swap_word(p, NEAR_SWAPS)); what = "one word swapped in the prompt"
    elif plan == "swap_r":
        set_response(v, swap_word(r, NEAR_SWAPS)); what = "one word swapped in the response"
    elif plan == "punct_r":
        r2 = r.replace(", ", " ", 2).replace(". ", "; ", 1)
        set_response(v, r2); what = "commas dropped and a full stop turned into a semicolon in the response"
    elif plan == "punct_p":
        p2 = p.replace(", ", " ", 1).replace("?", "??", 1).replace(". ", "! ", 1)
        set_prompt(v, p2); what = "punctuation changed inside the prompt"
    elif plan == "add_r":
        set_response(v, r + ("\n" if "\n" in r else " ") + _pick(rng, extra_resp)); what = "a sentence added to the response"
    elif plan == "add_p":
        set_prompt(v, p + " " + _pick(rng, extra_prompt)); what = "a sentence added to the prompt"
    elif plan == "typo_p+add_r":
        set_prompt(v, typo(rng, p, 1)); set_response(v, r + ("\n" if "\n" in r else " ") + _pick(rng, extra_resp))
        what = "a typo in the prompt and a sentence added to the response"
    else:
        raise ValueError(plan)
    if normalised_key(v) == normalised_key(rec):
        raise AssertionError(f"near-duplicate plan {plan} produced an exact duplicate")
    return v, what


NEAR_PLANS = ["typo_p", "typo2_p", "typo_r", "swap_p", "swap_r", "punct_r", "punct_p", "add_r", "add_p", "typo_p+add_r"] * 2


def _apply_norm(rec: dict, field: str, how: str) -> dict:
    v = _clone(rec)
    if field == "p":
        set_prompt(v, norm_variant(get_prompt(v), how))
    elif field == "r":
        set_response(v, norm_variant(get_response(v), how))
    if field != "same" and normalised_key(v) != normalised_key(rec):
        raise AssertionError(f"normalisation variant {how} is not undone by normalise()")
    if field != "same" and v == rec:
        raise AssertionError(f"variant {how} changed nothing")
    return v


def truncate_mid_sentence(text: str) -> str:
    words = text.split(" ")
    cut = max(6, int(len(words) * 0.6))
    while cut < len(words) - 1 and words[cut - 1].lower() not in (
            "the", "to", "and", "your", "a", "of", "within", "for", "with", "on", "in", "is", "be", "by", "as", "at"):
        cut += 1
    return " ".join(words[:cut]).rstrip(".,;:")


def plant_common(b: Builder, rng: random.Random, fresh, extra_prompt, extra_resp, *, exact_shapes, near_shapes):
    """Exact-duplicate groups and near-duplicate pairs, derived from fresh examples."""
    for i, plan in enumerate(EXACT_PLANS):
        base = fresh(exact_shapes[i % len(exact_shapes)])
        keys = [b.add(base)]
        hows = []
        for field, how in plan:
            keys.append(b.add(_apply_norm(base, field, how) if field != "same" else _clone(base)))
            hows.append("identical copy" if field == "same" else f"{'prompt' if field == 'p' else 'response'} {NORM_WORDS[how]}")
        b.defects["exact_duplicates"].append(keys)
        b.notes["exact_duplicates"].append({"lines": keys, "note": "; ".join(hows)})
    for i, plan in enumerate(NEAR_PLANS):
        for _ in range(50):
            base = fresh(near_shapes[i % len(near_shapes)])
            try:
                var, what = near_variant(rng, base, plan, extra_prompt, extra_resp)
                break
            except (ValueError, AssertionError):
                continue  # this example offers nothing to edit for this plan; take another
        else:
            raise RuntimeError(f"no example fits near-duplicate plan {plan}")
        ka, kb = b.add(base), b.add(var)
        b.defects["near_duplicates"].append([ka, kb])
        b.notes["near_duplicates"].append({"lines": [ka, kb], "note": what})


def _topic(prompt: str, s: "Slots | None" = None) -> str:
    text = s.f(prompt) if s is not None else prompt
    return '"' + (text if len(text) <= 70 else text[:67].rsplit(" ", 1)[0] + " …") + '"'


def plant_pairs(b: Builder, rng, kind: str, a: dict, c: dict, note: str) -> None:
    ka, kb = b.add(a), b.add(c)
    b.defects[kind].append([ka, kb])
    b.notes[kind].append({"lines": [ka, kb], "note": note})


def prompt_variant(rng, i: int, prompt: str) -> tuple[str, str]:
    """The second prompt of a same-question pair: identical, a typo, or a small edit."""
    k = i % 3
    if k == 0:
        return prompt, "identical prompts"
    if k == 1:
        return typo(rng, prompt, 1), "prompts differ by a typo"
    return prompt.rstrip("?.!") + "??" if prompt.endswith("?") else prompt + " Thanks.", "prompts differ in punctuation or a courtesy"


def add_lint(b: Builder, key: str, code: str, note: str, invalid_code: str | None = None) -> None:
    b.defects["lint"].append({"line": key, "code": code})
    b.notes["lint"].append({"line": key, "code": code, "note": note})
    if invalid_code:
        b.defects["invalid"].append({"line": key, "code": invalid_code})
        b.notes["invalid"].append({"line": key, "code": invalid_code, "note": note})


def add_invalid(b: Builder, key: str, code: str, note: str) -> None:
    b.defects["invalid"].append({"line": key, "code": code})
    b.notes["invalid"].append({"line": key, "code": code, "note": note})


# --- support file ------------------------------------------------------------------------------

SUPPORT_EXTRA_PROMPT = ["I've been a customer for years.", "Sorry if this is a silly question.",
                        "I'd appreciate a quick reply.", "This is my second message about it."]
SUPPORT_EXTRA_RESP = ["Thanks for shopping with Larkspur Home.", "I've also added a note to your account.",
                      "You'll get an email confirmation shortly.", "We appreciate your patience."]


def order_history_dump(rng: random.Random) -> str:
    rows = ["order_id,date,item,qty,price,status"]
    for _ in range(1200):
        s_m, s_d = _pick(rng, MONTHS)
        rows.append(f"LK-{rng.randrange(1_000_000, 9_999_999)},{s_m[:3]} {rng.randrange(1, s_d + 1)} 2026,"
                    f"{_pick(rng, PRODUCTS)[0].replace(',', '')},{rng.randrange(1, 4)},${rng.randrange(9, 300)}.{rng.randrange(100):02d},"
                    f"{_pick(rng, ['delivered', 'delivered', 'returned', 'in transit', 'cancelled'])}")
    return "\n".join(rows)


def build_support(rng: random.Random, total: int = 1500) -> tuple[bytes, dict, dict, int]:
    b = Builder("support_chat.jsonl")
    div = DiversityIndex(prompt_limit=0.45, full_limit=0.40)

    def fresh(shape: str = "single") -> dict:
        return fresh_support(rng, div, shape)[0]

    plant_common(b, rng, fresh, SUPPORT_EXTRA_PROMPT, SUPPORT_EXTRA_RESP,
                 exact_shapes=["single", "single", "multi", "single", "tool"], near_shapes=["single", "single", "multi"])

    def wrap(s: Slots, prompt: str, answer: str, greet: str, opener: str, closer: str, category: str) -> dict:
        user = s.f(_greeted(greet, prompt))
        asst = s.f(_join(opener, answer, closer))
        return support_record(category, user, asst)

    for i, (cat, prompt, ans_a, ans_b, note) in enumerate(SUPPORT_CONTRADICTIONS):
        s = Slots(rng)
        while (cat == "warranty" or "electronics" in ans_a) and not s.electronic:
            s = Slots(rng)
        greet, opener, closer = _pick(rng, GREET), _pick(rng, OPEN), _pick(rng, CLOSE)
        a = wrap(s, prompt, ans_a, greet, opener, closer, cat)
        p2, how = prompt_variant(rng, i, get_prompt(a))
        c = wrap(s, "", ans_b, "", opener, closer, cat)
        set_prompt(c, p2)
        if rng.random() < 0.5:
            a, c = c, a
        plant_pairs(b, rng, "contradictions", a, c, f"{note}; {how}")

    for i, (cat, prompt, ans_a, ans_b) in enumerate(SUPPORT_BENIGN):
        s = Slots(rng)
        greet = _pick(rng, GREET)
        o1, o2 = rng.sample([o for o in OPEN if o], 2)
        c1, c2 = rng.sample(CLOSE, 2)
        a = wrap(s, prompt, ans_a, greet, o1, c1, cat)
        p2, how = prompt_variant(rng, i + 1, get_prompt(a))
        c = wrap(s, "", ans_b, "", o2, c2, cat)
        set_prompt(c, p2)
        plant_pairs(b, rng, "benign_paraphrases", a, c, f"{_topic(prompt, s)}: same facts reworded; {how}")

    for cat_a, cat_b, pa, pb, ans_a, ans_b, note in SUPPORT_DIFFERENT:
        s = Slots(rng)
        opener, closer = _pick(rng, OPEN), _pick(rng, CLOSE)
        a = wrap(s, pa, ans_a, "", opener, closer, cat_a)
        c = wrap(s, pb, ans_b, "", opener, closer, cat_b)
        plant_pairs(b, rng, "different_questions", a, c, note)

    # lint
    r = fresh(); set_response(r, ""); add_lint(b, b.add(r), "empty_response", "assistant content is the empty string", "missing_content")
    r = fresh(); set_response(r, "  \n "); add_lint(b, b.add(r), "empty_response", "assistant content is only whitespace", "missing_content")
    for ph in ("N/A", "TODO", "<noinput>"):
        r = fresh(); set_response(r, ph); add_lint(b, b.add(r), "placeholder", f"response is the placeholder {ph!r}")
    for text in ("As an AI language model, I don't have access to order information or the ability to issue refunds. Please contact the store's customer service team directly for help with your order.",
                 "I'm sorry, but as an AI language model I cannot cancel orders or make changes to your account."):
        r = fresh(); set_response(r, text); add_lint(b, b.add(r), "refusal", "refusal boilerplate instead of an answer")
    for _ in range(3):
        r = fresh(); set_response(r, truncate_mid_sentence(get_response(r)))
        add_lint(b, b.add(r), "truncated", "response stops mid-sentence")
    for _ in range(2):
        r = fresh(); set_response(r, get_prompt(r)); add_lint(b, b.add(r), "repeats_prompt", "response is a verbatim copy of the user message")
    s = Slots(rng)
    dump_text = order_history_dump(rng)
    long_rec = support_record("returns", "Hi, below is my full order history export from your site. Which of these orders can I still return? "
                              "I want to send back anything that's still eligible.\n\n" + dump_text,
                              s.f("Thanks for sending the export, {name}. Items can be returned within {return_days} days of delivery "
                                  "({electronics_return_days} days for electronics), unused and in their original packaging. "
                                  "Of the orders listed, only those marked 'delivered' with a delivery date in the last {return_days} days "
                                  "are still eligible; orders marked 'returned' or 'cancelled' are already closed. Open each eligible order "
                                  "under Orders and choose 'Return items' to print a label."))
    add_lint(b, b.add(long_rec), "too_long", f"the user pasted a {len(dump_text) // 1000} kB order-history export (~{len(dump_text) // 4:,} tokens)")

    # malformed lines
    s = Slots(rng)
    good = fresh()
    add_invalid(b, b.add(dump(good)[:-1] + ', "category": "orders",}'), "invalid_json", "trailing comma before the closing brace")
    r = fresh(); r["messages"] = r["messages"][:2]
    add_invalid(b, b.add(r), "example_missing_assistant_message", "system + user only, no assistant turn")
    r = fresh(); r["messages"][-1]["role"] = "agent"
    add_invalid(b, b.add(r), "schema", "unknown role \"agent\" instead of \"assistant\"")
    r = fresh(); [m for m in r["messages"] if m["role"] == "user"][0]["content"] = ""
    add_invalid(b, b.add(r), "missing_content", "the user message is empty")
    r = fresh()
    line = dump(r)
    first_user = [m for m in r["messages"] if m["role"] == "user"][0]["content"]
    needle = '"content": ' + json.dumps(first_user, ensure_ascii=False)
    line = line.replace(needle, needle + ', "content": ' + json.dumps(first_user.upper(), ensure_ascii=False), 1)
    add_invalid(b, b.add(line), "duplicate_key", "a user message carries \"content\" twice")
    r = fresh()
    b.last_raw = dump(r)[: len(dump(r)) * 2 // 3]
    add_invalid(b, "last", "truncated", "the last line is cut off (file truncated, no final newline)")

    # background
    planted = len(b.entries) + 1
    n_bg = total - planted
    for i in range(n_bg):
        shape = "tool" if i % 37 == 5 else ("multi" if i % 9 == 4 else "single")
        b.add(fresh(shape))
    return b.finish(rng)


# =========================================================================== clinical notes
# Synthetic patients only: ages, vitals and histories are drawn at random; no real person.

PMH = {
    "hypertension": ("HTN", [("lisinopril", "10 mg", "PO", "once daily"), ("amlodipine", "5 mg", "PO", "once daily"),
                             ("losartan", "50 mg", "PO", "once daily")]),
    "type 2 diabetes": ("T2DM", [("metformin", "500 mg", "PO", "twice daily"), ("metformin", "1000 mg", "PO", "twice daily")]),
    "hyperlipidemia": ("HLD", [("atorvastatin", "20 mg", "PO", "nightly"), ("atorvastatin", "40 mg", "PO", "nightly"),
                               ("rosuvastatin", "10 mg", "PO", "once daily")]),
    "COPD": ("COPD", [("tiotropium", "18 mcg", "inhaled", "once daily")]),
    "hypothyroidism": ("hypothyroidism", [("levothyroxine", "50 mcg", "PO", "once daily"), ("levothyroxine", "88 mcg", "PO", "once daily")]),
    "GERD": ("GERD", [("omeprazole", "20 mg", "PO", "once daily"), ("pantoprazole", "40 mg", "PO", "once daily")]),
    "depression": ("MDD", [("sertraline", "50 mg", "PO", "once daily"), ("escitalopram", "10 mg", "PO", "once daily")]),
    "osteoarthritis": ("OA", [("acetaminophen", "650 mg", "PO", "every 6 hours as needed")]),
    "coronary artery disease": ("CAD", [("aspirin", "81 mg", "PO", "once daily"), ("metoprolol succinate", "25 mg", "PO", "once daily")]),
    "chronic kidney disease stage 3a": ("CKD 3a", []),
    "obesity": ("obesity", []),
    "asthma": ("asthma", [("albuterol", "90 mcg, 2 puffs", "inhaled", "every 4-6 hours as needed")]),
}

CONDITIONS = [
    {"key": "cap", "name": "community-acquired pneumonia", "short": "CAP", "icd": "J18.9", "icd_desc": "Pneumonia, unspecified organism",
     "icd_why": "the chart documents pneumonia without an identified organism; if a culture or antigen test later identifies one, a more specific code (for example J13 for pneumococcal pneumonia) should replace it",
     "sx": ["productive cough", "fever", "pleuritic chest pain", "shortness of breath", "fatigue"],
     "exam": ["crackles at the {side} base", "decreased breath sounds on the {side}", "dullness to percussion at the {side} base"],
     "labs": ["WBC {wbc}", "CRP {crp} mg/L", "CXR: {side} lower lobe consolidation"],
     "tx": [("amoxicillin", "1 g", "PO", "three times daily", "5 days"), ("doxycycline", "100 mg", "PO", "twice daily", "5 days")],
     "home": ["Rest and drink plenty of fluids.", "Take the antibiotic until it is finished, even if you feel better.",
              "Use acetaminophen for fever or chest discomfort."],
     "return": ["trouble breathing or lips turning blue", "fever above 39 °C (102 °F) after 3 days of antibiotics", "confusion or severe drowsiness"],
     "fu": "with your primary care clinician in 7 days; a repeat chest X-ray in 6 weeks is advised"},
    {"key": "uti", "name": "uncomplicated urinary tract infection", "short": "UTI", "icd": "N39.0", "icd_desc": "Urinary tract infection, site not specified",
     "icd_why": "the note describes a urinary tract infection without a documented site; if cystitis is confirmed, N30.00 (acute cystitis without hematuria) is more specific",
     "sx": ["dysuria", "urinary frequency", "suprapubic discomfort", "urgency"],
     "exam": ["mild suprapubic tenderness", "no CVA tenderness"],
     "labs": ["UA: positive leukocyte esterase and nitrites", "urine culture pending"],
     "tx": [("nitrofurantoin monohydrate/macrocrystals", "100 mg", "PO", "twice daily", "5 days")],
     "home": ["Drink plenty of water.", "Finish all of the antibiotic.", "Urine may turn dark yellow or brown on nitrofurantoin; this is harmless."],
     "return": ["fever or chills", "pain in your back or side", "vomiting and unable to keep the antibiotic down"],
     "fu": "if symptoms are not better in 48 hours; we will call you if the urine culture changes the plan"},
    {"key": "cellulitis", "name": "cellulitis of the {side} lower leg", "short": "cellulitis", "icd": "L03.11{legcode}",
     "icd_desc": "Cellulitis of {side} lower limb",
     "icd_why": "ICD-10-CM codes cellulitis by site and laterality; the note documents the {side} lower leg, which maps to L03.11{legcode}",
     "sx": ["redness and swelling of the {side} shin", "warmth over the {side} lower leg", "pain with walking"],
     "exam": ["erythema of the {side} anterior shin with demarcated borders", "no fluctuance", "tinea pedis between the toes"],
     "labs": ["WBC {wbc}", "no abscess on bedside ultrasound"],
     "tx": [("cephalexin", "500 mg", "PO", "four times daily", "5 days")],
     "home": ["Keep the leg raised above the level of your heart when resting.", "Take the antibiotic until it is finished.",
              "Treat the athlete's foot with the antifungal cream, because it can let bacteria in."],
     "return": ["redness spreading past the pen line", "fever or chills", "a soft, pus-filled swelling"],
     "fu": "in 2–3 days for a wound check"},
    {"key": "copd", "name": "acute exacerbation of COPD", "short": "AECOPD", "icd": "J44.1",
     "icd_desc": "Chronic obstructive pulmonary disease with (acute) exacerbation",
     "icd_why": "the patient has known COPD and the note documents an acute worsening of symptoms; J44.1 captures an exacerbation, while J44.0 would be used for COPD with an acute lower respiratory infection",
     "sx": ["increased dyspnea", "increased sputum", "wheezing", "chest tightness"],
     "exam": ["diffuse expiratory wheeze", "prolonged expiratory phase", "accessory muscle use"],
     "labs": ["VBG pH {ph}, pCO2 {pco2}", "CXR without consolidation"],
     "tx": [("prednisone", "40 mg", "PO", "once daily", "5 days"), ("albuterol", "90 mcg, 2 puffs", "inhaled", "every 4 hours as needed", "")],
     "home": ["Take prednisone in the morning with food.", "Use your rescue inhaler as prescribed.", "Do not smoke, and avoid smoke exposure."],
     "return": ["breathlessness at rest or when talking", "needing the rescue inhaler more often than every 4 hours", "blue lips or confusion"],
     "fu": "with your primary care clinician or pulmonologist within 7 days"},
    {"key": "afib", "name": "new-onset atrial fibrillation", "short": "AF", "icd": "I48.91", "icd_desc": "Unspecified atrial fibrillation",
     "icd_why": "atrial fibrillation is documented but not classified as paroxysmal, persistent or permanent; once the type is known, a more specific I48 code applies",
     "sx": ["palpitations", "lightheadedness", "reduced exercise tolerance"],
     "exam": ["irregularly irregular rhythm", "no murmurs", "no edema"],
     "labs": ["ECG: atrial fibrillation, rate {afrate}", "TSH normal", "echo: preserved EF"],
     "tx": [("apixaban", "5 mg", "PO", "twice daily", ""), ("metoprolol succinate", "50 mg", "PO", "once daily", "")],
     "home": ["Take apixaban twice a day, about 12 hours apart, and do not skip doses.", "Tell any dentist or surgeon that you take a blood thinner.",
              "Avoid NSAIDs such as ibuprofen unless your doctor approves."],
     "return": ["chest pain or fainting", "black stools, blood in urine, or bleeding that will not stop", "sudden weakness, facial droop or trouble speaking"],
     "fu": "with cardiology in 2–4 weeks"},
    {"key": "hf", "name": "acute on chronic systolic heart failure", "short": "ADHF", "icd": "I50.23",
     "icd_desc": "Acute on chronic systolic (congestive) heart failure",
     "icd_why": "the note specifies both the type (systolic, reduced EF) and the acuity (acute on chronic), which I50.23 captures; I50.9 would only fit if neither were documented",
     "sx": ["worsening shortness of breath", "orthopnea", "leg swelling", "weight gain of {gain} kg"],
     "exam": ["JVP elevated", "bibasilar crackles", "2+ pitting edema to the knees"],
     "labs": ["BNP {bnp} pg/mL", "creatinine {cr} mg/dL", "echo: EF {ef}%"],
     "tx": [("furosemide", "40 mg", "PO", "once daily", ""), ("metoprolol succinate", "25 mg", "PO", "once daily", "")],
     "home": ["Weigh yourself every morning after using the bathroom and write it down.", "Limit salt to less than 2 grams a day.",
              "Limit fluids to about 1.5 to 2 liters a day."],
     "return": ["weight gain of more than 1 kg (2 lb) in a day or 2 kg (5 lb) in a week", "shortness of breath at rest", "chest pain or fainting"],
     "fu": "with cardiology within 7 days and labs (kidney function and potassium) in 1 week"},
    {"key": "gastro", "name": "acute viral gastroenteritis", "short": "gastroenteritis", "icd": "A08.4", "icd_desc": "Viral intestinal infection, unspecified",
     "icd_why": "the clinician documents a viral cause without naming the virus; if the cause were not stated at all, A09 (infectious gastroenteritis and colitis, unspecified) would be used instead",
     "sx": ["nausea", "vomiting", "watery diarrhea", "crampy abdominal pain"],
     "exam": ["dry mucous membranes", "diffuse mild tenderness without guarding", "hyperactive bowel sounds"],
     "labs": ["BMP: sodium {na}, potassium {k}", "lactate normal"],
     "tx": [("ondansetron", "4 mg", "PO", "every 8 hours as needed for nausea", "")],
     "home": ["Sip oral rehydration solution or clear fluids often.", "Return to a normal diet as tolerated.", "Wash hands carefully to avoid spreading the infection."],
     "return": ["unable to keep fluids down for 12 hours", "blood in stool or vomit", "very little urine or dizziness when standing"],
     "fu": "with your primary care clinician if not improving in 3 days"},
    {"key": "dka_free_diabetes", "name": "poorly controlled type 2 diabetes", "short": "uncontrolled T2DM", "icd": "E11.65",
     "icd_desc": "Type 2 diabetes mellitus with hyperglycemia",
     "icd_why": "the note documents type 2 diabetes with hyperglycemia (HbA1c above goal), which E11.65 captures; E11.9 is only for type 2 diabetes without complications",
     "sx": ["polyuria", "polydipsia", "blurred vision", "fatigue"],
     "exam": ["no acute distress", "monofilament sensation intact", "BMI {bmi}"],
     "labs": ["HbA1c {a1c}%", "glucose {glu} mg/dL", "eGFR {egfr}"],
     "tx": [("metformin", "1000 mg", "PO", "twice daily", ""), ("empagliflozin", "10 mg", "PO", "once daily", "")],
     "home": ["Check your blood sugar before breakfast and write it down.", "Stay well hydrated, especially on empagliflozin.",
              "Look at your feet every day for cuts or sores."],
     "return": ["blood sugar above 300 mg/dL twice in a row", "vomiting or unable to eat", "signs of a genital or urinary infection"],
     "fu": "with your primary care clinician in 3 months with a repeat HbA1c"},
]

DRUG_INFO = {
    "metformin": ("Take it with meals to reduce stomach upset. Start at the dose prescribed; your clinician may increase it gradually.",
                  "nausea, diarrhea and a metallic taste, which usually settle in a few weeks", "Seek care for severe vomiting, because dehydration raises the risk of lactic acidosis."),
    "levothyroxine": ("Take it once a day on an empty stomach, 30–60 minutes before breakfast, with a full glass of water. Keep calcium, iron and antacids at least 4 hours apart.",
                      "palpitations, tremor or trouble sleeping, which can mean the dose is too high", "Your TSH will be rechecked in about 6–8 weeks."),
    "apixaban": ("Take it twice a day, about 12 hours apart, with or without food. Do not stop it without talking to your clinician.",
                 "easy bruising and minor bleeding from the gums or nose", "Seek care for black stools, vomiting blood, or a severe headache."),
    "nitrofurantoin": ("Take it with food, every 12 hours, until the course is finished.",
                       "nausea, headache, and dark yellow or brown urine, which is harmless", "Stop it and call if you develop a cough, chest pain or shortness of breath."),
    "prednisone": ("Take it in the morning with food, once a day, for the number of days prescribed.",
                   "trouble sleeping, increased appetite, mood changes and higher blood sugar", "People with diabetes should check their sugar more often while taking it."),
    "furosemide": ("Take it in the morning so you are not up at night to urinate.",
                   "frequent urination, dizziness when standing, and muscle cramps from low potassium", "Weigh yourself daily and report a gain of more than 1 kg in a day."),
    "sertraline": ("Take it once a day at the same time, with or without food. It can take 4–6 weeks to feel the full effect.",
                   "nausea, loose stools, sleep changes and sexual side effects", "Seek help right away for thoughts of self-harm, and do not stop it suddenly."),
    "atorvastatin": ("Take it once a day at any time, with or without food.",
                     "muscle aches and mild stomach upset", "Call if you have unexplained muscle pain or weakness, or dark urine."),
    "cephalexin": ("Take it four times a day, spaced through the day, until the course is finished.",
                   "diarrhea, nausea and stomach upset", "Call for a rash, hives, or severe watery diarrhea."),
    "ondansetron": ("Take it every 8 hours only when you feel sick; the tablet can dissolve on the tongue.",
                    "headache and constipation", "Call if you feel your heart racing or you faint."),
    "empagliflozin": ("Take it once a day in the morning, with or without food, and drink enough fluids.",
                      "more frequent urination and genital yeast infections", "Stop it and seek care if you are vomiting, unable to eat, or very unwell."),
    "amlodipine": ("Take it once a day at the same time each day.",
                   "ankle swelling, flushing and headache", "Call if the swelling is severe or you feel faint."),
    "ferrous sulfate": ("Take one tablet once a day, ideally on an empty stomach with water or orange juice; take it with a little food if it upsets your stomach.",
                        "dark or black stools, constipation and nausea", "Keep it away from children; iron overdose is dangerous."),
}

DRUG_DOSE = {"metformin": "500 mg twice daily with meals", "levothyroxine": "50 mcg once daily", "apixaban": "5 mg twice daily",
             "nitrofurantoin": "100 mg twice daily for 5 days", "prednisone": "40 mg once daily for 5 days",
             "furosemide": "40 mg once daily", "sertraline": "50 mg once daily", "atorvastatin": "20 mg once daily",
             "cephalexin": "500 mg four times daily for 5 days", "ondansetron": "4 mg every 8 hours as needed",
             "empagliflozin": "10 mg once daily", "amlodipine": "5 mg once daily", "ferrous sulfate": "325 mg once daily"}

CLIN_SUMMARY_INSTR = ["Summarize the following clinical note in two or three sentences.", "Write a brief summary of this note for the handoff.",
                      "Condense this admission note into a short summary for the attending.", "Give a one-paragraph summary of the clinical note below.",
                      "Summarise this note for a colleague taking over care.", "Provide a concise clinical summary of the following documentation."]
CLIN_MEDS_INSTR = ["List every medication mentioned in the note with dose, route and frequency.", "Extract the medication list from this note as bullet points.",
                   "From the note below, pull out all medications (home and new) with their doses.", "Create a medication list from this clinical note.",
                   "Identify each drug in the note and give its dose, route and frequency."]
CLIN_DC_INSTR = ["Write patient-friendly discharge instructions for this patient.", "Draft discharge instructions in plain language based on the details below.",
                 "Prepare after-visit instructions the patient can read at home.", "Write discharge instructions covering medications, home care, warning signs and follow-up.",
                 "Using the summary below, write clear discharge instructions for the patient."]
CLIN_ICD_INSTR = ["Assign the most appropriate ICD-10-CM code for the primary diagnosis below and explain your reasoning.",
                  "Which ICD-10-CM code fits the primary diagnosis in this assessment? Explain the choice.",
                  "Suggest an ICD-10-CM code for the documented diagnosis and justify it.", "Code the primary diagnosis (ICD-10-CM) and explain why that code applies."]
CLIN_SOAP_INSTR = ["Rewrite this note in SOAP format.", "Restructure the following free-text note into Subjective, Objective, Assessment and Plan.",
                   "Convert this narrative note into a SOAP note.", "Reorganize the clinical note below into SOAP sections."]
CLIN_EDU_INSTR = ["Explain to a patient newly started on {drug} how to take it and what side effects to watch for.",
                  "A patient is starting {drug}. Write a short counselling note: how to take it, common side effects and when to call.",
                  "In plain language, tell a patient what they need to know about taking {drug}.",
                  "Write patient education for {drug}: administration, side effects, and red flags."]


DURATIONS = {"dka_free_diabetes": ["3 weeks", "6 weeks", "2 months", "3 months", "several months"],
             "hf": ["4 days", "1 week", "10 days", "2 weeks"], "afib": ["2 days", "3 days", "1 week", "since yesterday"],
             "copd": ["3 days", "4 days", "5 days", "1 week"]}
MIN_AGE = {"copd": 52, "afib": 48, "hf": 50, "dka_free_diabetes": 32}
YOUNG_PMH = ["asthma", "depression", "GERD", "hypothyroidism", "obesity"]


class Patient:
    def __init__(self, rng: random.Random) -> None:
        cond = _pick(rng, CONDITIONS)
        self.age = rng.randrange(MIN_AGE.get(cond["key"], 19), 93)
        self.sex = _pick(rng, ["man", "woman"])
        self.sx_abbr = "M" if self.sex == "man" else "F"
        self.they = "He" if self.sex == "man" else "She"
        self.side = _pick(rng, ["right", "left"])
        slots = {"side": self.side, "legcode": "5" if self.side == "right" else "6",
                 "wbc": f"{rng.randrange(9, 19)}.{rng.randrange(10)}", "crp": rng.randrange(30, 180),
                 "ph": f"7.{rng.randrange(29, 37)}", "pco2": rng.randrange(48, 68), "afrate": rng.randrange(105, 150),
                 "gain": rng.randrange(2, 6), "bnp": rng.randrange(600, 2400), "cr": f"1.{rng.randrange(0, 8)}",
                 "ef": rng.randrange(20, 36), "na": rng.randrange(131, 140), "k": f"3.{rng.randrange(1, 8)}",
                 "bmi": rng.randrange(29, 41), "a1c": f"{rng.randrange(8, 12)}.{rng.randrange(10)}",
                 "glu": rng.randrange(190, 320), "egfr": rng.randrange(48, 95)}
        self.c = {k: (v.format(**slots) if isinstance(v, str) else [x.format(**slots) if isinstance(x, str) else x for x in v])
                  for k, v in cond.items()}
        pool = sorted(PMH) if self.age >= 45 else YOUNG_PMH
        self.pmh = rng.sample(pool, rng.randrange(1, 4) if self.age >= 45 else rng.randrange(1, 3))
        if cond["key"] == "copd" and "COPD" not in self.pmh:
            self.pmh = ["COPD"] + self.pmh[:2]
        self.home_meds = []
        for p in self.pmh:
            opts = PMH[p][1]
            if opts:
                self.home_meds.append(_pick(rng, opts))
        self.sx = rng.sample(self.c["sx"], min(len(self.c["sx"]), rng.randrange(2, 4)))
        self.exam = rng.sample(self.c["exam"], min(len(self.c["exam"]), rng.randrange(1, 3)))
        self.labs = rng.sample(self.c["labs"], min(len(self.c["labs"]), rng.randrange(1, 3)))
        self.duration = _pick(rng, DURATIONS.get(cond["key"], ["2 days", "3 days", "4 days", "5 days", "1 week", "since yesterday", "10 days", "36 hours"]))
        key = cond["key"]
        infection = key in ("cap", "uti", "cellulitis", "gastro")
        respiratory = key in ("cap", "copd", "hf")
        self.temp = f"{rng.randrange(373, 395) / 10 if infection else rng.randrange(364, 375) / 10:.1f}"
        self.hr = slots["afrate"] if key == "afib" else rng.randrange(88, 116) if infection else rng.randrange(62, 96)
        self.bp = f"{rng.randrange(98, 168)}/{rng.randrange(56, 98)}"
        self.rr = rng.randrange(20, 28) if respiratory else rng.randrange(14, 20)
        self.spo2 = rng.randrange(87, 95) if respiratory else rng.randrange(95, 100)
        self.o2 = _pick(rng, ["room air", "2 L nasal cannula", "3 L nasal cannula"]) if respiratory else "room air"
        self.allergy = _pick(rng, ["NKDA", "penicillin (rash)", "sulfa (hives)", "NKDA", "codeine (nausea)", "NKDA"])
        if key == "cap":  # one antibiotic, chosen around the allergy
            self.c["tx"] = [self.c["tx"][1 if self.allergy.startswith("penicillin") or rng.random() < 0.3 else 0]]
        self.style = rng.randrange(3)

    def pmh_text(self, short: bool = False) -> str:
        names = [PMH[p][0] if short else p for p in self.pmh]
        return ", ".join(names)

    def note(self, rng: random.Random) -> str:
        med_txt = "; ".join(f"{d} {dose} {route} {freq}" for d, dose, route, freq in self.home_meds) or "none"
        tx = "; ".join(f"{d} {dose} {route} {freq}" + (f" x {dur}" if dur else "") for d, dose, route, freq, dur in self.c["tx"])
        if self.style == 0:
            return (f"{self.age}yo {self.sx_abbr} w/ PMH {self.pmh_text(True)} p/w {', '.join(self.sx)} x {self.duration}. "
                    f"Vitals: T {self.temp}, HR {self.hr}, BP {self.bp}, RR {self.rr}, SpO2 {self.spo2}% on {self.o2}. "
                    f"Exam: {'; '.join(self.exam)}. Labs/imaging: {'; '.join(self.labs)}. Allergies: {self.allergy}. "
                    f"Home meds: {med_txt}. A/P: {self.c['short']}. Start {tx}.")
        if self.style == 1:
            return (f"{self.age}-year-old {self.sex} with a history of {self.pmh_text()} who presents with {' and '.join(self.sx)} "
                    f"for {self.duration}. On arrival temperature was {self.temp} °C, heart rate {self.hr}, blood pressure {self.bp}, "
                    f"respiratory rate {self.rr} and oxygen saturation {self.spo2}% on {self.o2}. Examination showed {' and '.join(self.exam)}. "
                    f"Results: {', '.join(self.labs)}. Allergies: {self.allergy}. Current medications: {med_txt}. "
                    f"Impression: {self.c['name']}. Plan: {tx}; follow up {self.c['fu'].replace('your ', '')}.")
        return (f"CC: {self.sx[0]}. HPI: {self.age} y/o {self.sex}, hx {self.pmh_text(True)}, reports {', '.join(self.sx)} starting {self.duration} ago. "
                f"VS T {self.temp} HR {self.hr} BP {self.bp} RR {self.rr} SpO2 {self.spo2}% {self.o2}. PE: {', '.join(self.exam)}. "
                f"Data: {', '.join(self.labs)}. Meds: {med_txt}. Allergies: {self.allergy}. Assessment: {self.c['name']}. Plan: {tx}.")

    def meds_list(self) -> list[str]:
        out = [f"{d} {dose} {route} {freq} (home medication)" for d, dose, route, freq in self.home_meds]
        out += [f"{d} {dose} {route} {freq}" + (f" for {dur}" if dur else "") + " (new)" for d, dose, route, freq, dur in self.c["tx"]]
        return out


def clin_summary(rng, pt: Patient):
    out = _pick(rng, [
        "{age}-year-old {sex} with {pmh} presenting with {sx} for {dur}, found to have {dx}. Key findings: {exam}; {labs}. Started on {tx}.",
        "{They} is a {age}-year-old {sex} ({pmh}) with {dx}, presenting after {dur} of {sx}. {exam_cap}; {labs}. Treatment: {tx}, with follow-up {fu}.",
        "Summary: {age}{sxa} with {pmh}; {dx} after {dur} of {sx}. Notable: {exam}, {labs}. Plan is {tx}.",
    ]).format(age=pt.age, sex=pt.sex, sxa=pt.sx_abbr, They=pt.they, pmh=pt.pmh_text(), sx=" and ".join(pt.sx), dur=pt.duration,
              dx=pt.c["name"], exam="; ".join(pt.exam), exam_cap=("; ".join(pt.exam))[:1].upper() + ("; ".join(pt.exam))[1:],
              labs=", ".join(pt.labs), tx=", ".join(f"{d} {dose} {freq}" for d, dose, _, freq, _ in pt.c["tx"]), fu=pt.c["fu"].replace("your ", ""))
    return "summarization", _pick(rng, CLIN_SUMMARY_INSTR), pt.note(rng), out


def clin_meds(rng, pt: Patient):
    meds = pt.meds_list()
    out = "\n".join(f"- {m}" for m in meds)
    if rng.random() < 0.4:
        out = "Medications:\n" + out
    return "medication_extraction", _pick(rng, CLIN_MEDS_INSTR), pt.note(rng), out


def clin_discharge(rng, pt: Patient):
    c = pt.c
    inp = (f"Patient: {pt.age}-year-old {pt.sex}. Diagnosis: {c['name']}. History: {pt.pmh_text()}. Allergies: {pt.allergy}. "
           f"Discharge medications: " + "; ".join(f"{d} {dose} {route} {freq}" + (f" for {dur}" if dur else "") for d, dose, route, freq, dur in c["tx"])
           + (("; continue " + ", ".join(f"{d} {dose}" for d, dose, _, _ in pt.home_meds)) if pt.home_meds else "") + f". Follow-up: {c['fu']}.")
    meds = "\n".join(f"- {d.capitalize()} {dose}, {freq}" + (f", for {dur}" if dur else "") + "." for d, dose, _, freq, dur in c["tx"])
    home = " ".join(rng.sample(c["home"], len(c["home"])))
    ret = "\n".join(f"- {r[:1].upper() + r[1:]}" for r in c["return"])
    intro = _pick(rng, ["You were treated for {dx}.", "You were in the hospital for {dx}.", "Your diagnosis was {dx}.",
                        "During this visit we treated {dx}."]).format(dx=c["name"])
    cont = ("\nKeep taking your usual medicines (" + ", ".join(d for d, _, _, _ in pt.home_meds) + ") as before.") if pt.home_meds else ""
    out = (f"{intro}\n\nMedicines:\n{meds}{cont}\n\nAt home: {home}\n\n"
           f"{_pick(rng, ['Call 911 or come back to the emergency department if you have:', 'Get medical help right away for:', 'Return to the hospital if you notice:'])}\n{ret}\n\n"
           f"Follow-up: {c['fu'][:1].upper() + c['fu'][1:]}.")
    return "discharge_instructions", _pick(rng, CLIN_DC_INSTR), inp, out


def clin_icd(rng, pt: Patient):
    c = pt.c
    inp = _pick(rng, ["Assessment: {age}-year-old {sex} with {dx}; background {pmh}. {extra}", "A/P: {dx} in a {age}yo {sxa} with {pmh}. {extra}",
                      "Primary diagnosis documented by the clinician: {dx}. Context: {age} y/o {sex}, history of {pmh}. {extra}"]).format(
        age=pt.age, sex=pt.sex, sxa=pt.sx_abbr, dx=c["name"], pmh=pt.pmh_text(True),
        extra=f"Findings: {', '.join(pt.exam)}; {', '.join(pt.labs)}.")
    out = _pick(rng, ["ICD-10-CM: {icd} ({desc}). Rationale: {why}.",
                      "Suggested code: {icd} — {desc}.\nWhy: {why}.",
                      "{icd}, {desc}. {Why}. Comorbidities such as {pmh} are coded separately if they affect care."]).format(
        icd=c["icd"], desc=c["icd_desc"], why=c["icd_why"], Why=c["icd_why"][:1].upper() + c["icd_why"][1:], pmh=pt.pmh_text())
    return "icd_coding", _pick(rng, CLIN_ICD_INSTR), inp, out


def clin_soap(rng, pt: Patient):
    c = pt.c
    inp = pt.note(rng)
    tx = "; ".join(f"{d} {dose} {route} {freq}" + (f" for {dur}" if dur else "") for d, dose, route, freq, dur in c["tx"])
    out = (f"S: {pt.age}-year-old {pt.sex} with {pt.pmh_text()} reports {', '.join(pt.sx)} for {pt.duration}. Allergies: {pt.allergy}.\n"
           f"O: T {pt.temp} °C, HR {pt.hr}, BP {pt.bp}, RR {pt.rr}, SpO2 {pt.spo2}% on {pt.o2}. {'; '.join(pt.exam).capitalize()}. {', '.join(pt.labs)}.\n"
           f"A: {c['name'][:1].upper() + c['name'][1:]}.\n"
           f"P: {tx}. Follow up {c['fu'].replace('your ', '')}.")
    return "soap_restructuring", _pick(rng, CLIN_SOAP_INSTR), inp, out


def clin_edu(rng, pt: Patient):
    drug = _pick(rng, sorted(DRUG_INFO))
    how, se, warn = DRUG_INFO[drug]
    instr = _pick(rng, CLIN_EDU_INSTR).format(drug=drug)
    dose = DRUG_DOSE[drug]
    inp = _pick(rng, ["Patient: {age}-year-old {sex} with {pmh}. New prescription: {drug} {dose}.",
                      "{age} y/o {sex}, history of {pmh}, allergies: {allergy}. Starting {drug} {dose} today.",
                      "New medication: {drug} {dose}. Patient is {age}, {sex}, and also has {pmh}."]).format(
        age=pt.age, sex=pt.sex, pmh=pt.pmh_text(), drug=drug, dose=dose, allergy=pt.allergy)
    out = _pick(rng, [
        "How to take it: your dose is {dose}. {how}\nCommon side effects: {se}.\nWhen to call: {warn}",
        "You are starting {drug} {dose}. {how} The most common side effects are {se}. {warn}",
        "About {drug} ({dose}):\n- {how}\n- Side effects to expect: {se}.\n- {warn}",
    ]).format(how=how, se=se, warn=warn, drug=drug, dose=dose)
    return "patient_education", instr, inp, out


CLIN_TASKS = [(clin_summary, 5), (clin_meds, 4), (clin_discharge, 4), (clin_icd, 4), (clin_soap, 3), (clin_edu, 1)]


def alpaca(category: str, instruction: str, input_text: str, output: str) -> dict:
    return {"instruction": instruction, "input": input_text, "output": output, "category": category}


def fresh_clinical(rng, div: DiversityIndex, tries: int = 300) -> dict:
    for _ in range(tries):
        pt = Patient(rng)
        rec = alpaca(*_weighted(rng, CLIN_TASKS)(rng, pt))
        p, r = rec_text(rec)
        if div.accept(p, p + "\n" + r):
            return rec
    raise RuntimeError("could not generate a distinct clinical example; loosen the diversity limits")


# --- hand-written planted pairs for clinical ----------------------------------------------------
# Contradictions / benign paraphrases: (category, instruction, input, output_a, output_b, note)

CLIN_CONTRADICTIONS = [
    ("patient_education", "What is the maximum daily dose of acetaminophen for a healthy adult, and why does it matter?", "",
     "For a healthy adult the maximum is 4,000 mg in 24 hours, counting every product that contains acetaminophen (many cold and flu remedies do). Higher amounts can cause severe liver injury; people who drink alcohol regularly or have liver disease should stay lower, often at 2,000–3,000 mg.",
     "For a healthy adult the maximum is 6,000 mg in 24 hours, counting every product that contains acetaminophen (many cold and flu remedies do). Higher amounts can cause severe liver injury; people who drink alcohol regularly or have liver disease should stay lower, often at 2,000–3,000 mg.",
     "acetaminophen maximum 4,000 mg vs 6,000 mg per day (only the number differs)"),
    ("patient_education", "How long should nitrofurantoin be taken for uncomplicated cystitis in a non-pregnant woman?", "",
     "Nitrofurantoin monohydrate/macrocrystals 100 mg by mouth twice daily for 5 days.",
     "Nitrofurantoin monohydrate/macrocrystals 100 mg by mouth twice daily for 14 days.",
     "nitrofurantoin course 5 vs 14 days"),
    ("icd_coding", "Assign the ICD-10-CM code for the primary diagnosis and explain your reasoning.",
     "Assessment: 71-year-old woman admitted with community-acquired pneumonia of the right lower lobe. Sputum and blood cultures negative; no organism identified.",
     "J18.9, Pneumonia, unspecified organism. No organism was identified, so the unspecified-organism code is correct; lobar location does not change the code.",
     "J15.9, Unspecified bacterial pneumonia. Community-acquired pneumonia is presumed bacterial, so the bacterial pneumonia code applies even without a positive culture.",
     "J18.9 vs J15.9 for culture-negative pneumonia"),
    ("patient_education", "What is the standard apixaban dose for stroke prevention in atrial fibrillation in a 64-year-old, 82 kg patient with a creatinine of 0.9 mg/dL?", "",
     "5 mg twice daily. The 2.5 mg twice-daily dose is only used when at least two of these apply: age 80 or older, weight 60 kg or less, serum creatinine 1.5 mg/dL or higher. This patient meets none of them.",
     "2.5 mg twice daily. The reduced dose is the usual starting dose for atrial fibrillation, and it can be increased to 5 mg twice daily later if the patient tolerates it.",
     "apixaban 5 mg vs 2.5 mg twice daily for the same patient"),
    ("discharge_instructions", "Write the antibiotic section of the discharge instructions for this patient.",
     "Diagnosis: cellulitis of the left lower leg, improving. Discharge medication: cephalexin 500 mg four times daily, 5-day course, 2 days completed.",
     "Keep taking cephalexin 500 mg four times a day until you finish the full course, 3 more days, even if the redness fades sooner. Stopping early can let the infection come back.",
     "Take cephalexin 500 mg four times a day until the redness has gone, then you can stop; there is no need to finish the remaining tablets.",
     "finish the antibiotic course vs stop when redness fades"),
    ("discharge_instructions", "What steroid course should this patient be discharged on?",
     "Diagnosis: acute exacerbation of COPD, treated with prednisone 40 mg on day 1 of admission. Now improved, going home on day 2.",
     "Continue prednisone 40 mg by mouth once daily to complete a total of 5 days, then stop; no taper is needed for a 5-day course.",
     "Continue prednisone 40 mg by mouth once daily for 14 days, then taper by 10 mg every 3 days to avoid adrenal insufficiency.",
     "prednisone 5 days no taper vs 14 days with taper"),
    ("patient_education", "Should metformin be held after IV iodinated contrast in a patient with an eGFR of 38?", "",
     "Yes. With an eGFR between 30 and 45, hold metformin at the time of the contrast study, recheck kidney function 48 hours later, and restart it if the eGFR is stable.",
     "No. Metformin only needs to be held if the eGFR is below 30, so it can be continued without interruption at an eGFR of 38.",
     "hold metformin after contrast at eGFR 38: yes vs no"),
    ("summarization", "Summarize the following clinical note in one sentence.",
     "67yo M w/ PMH HTN, HLD p/w productive cough, fever x 3 days. T 38.7, HR 104, SpO2 92% RA. Crackles R base. CXR: RLL consolidation. WBC 14.2. Started amoxicillin 1 g PO TID.",
     "67-year-old man with hypertension and hyperlipidemia presenting with 3 days of productive cough and fever, found to have right lower lobe pneumonia (WBC 14.2), started on amoxicillin.",
     "67-year-old man with hypertension and hyperlipidemia presenting with 3 days of productive cough and fever, found to have left lower lobe pneumonia (WBC 14.2), started on amoxicillin.",
     "summary says right vs left lower lobe (one word differs; the note says right)"),
    ("medication_extraction", "List every medication mentioned in the note with dose, route and frequency.",
     "58 y/o F, hx AF and hypothyroidism, seen for palpitations. Meds: metoprolol succinate 25 mg PO once daily; apixaban 5 mg PO twice daily; levothyroxine 75 mcg PO once daily. Plan: increase metoprolol succinate to 50 mg PO once daily.",
     "- metoprolol succinate 50 mg PO once daily (dose increased from 25 mg)\n- apixaban 5 mg PO twice daily\n- levothyroxine 75 mcg PO once daily",
     "- metoprolol succinate 25 mg PO once daily\n- apixaban 5 mg PO twice daily\n- levothyroxine 75 mcg PO once daily",
     "metoprolol listed at the new 50 mg vs the old 25 mg"),
    ("patient_education", "What is the usual amoxicillin dose for acute otitis media in an 18-month-old child?", "",
     "High-dose amoxicillin: 80–90 mg/kg/day by mouth, divided into two doses, usually for 10 days at this age.",
     "Amoxicillin 40 mg/kg/day by mouth, divided into three doses, usually for 5 days at this age.",
     "pediatric AOM amoxicillin 80–90 mg/kg/day BID vs 40 mg/kg/day TID"),
    ("patient_education", "How should levothyroxine be taken?", "",
     "Take it once a day on an empty stomach with water, 30–60 minutes before breakfast, and keep calcium, iron and antacids at least 4 hours away.",
     "Take it once a day with breakfast; food and calcium supplements help it absorb, so taking them together is best.",
     "levothyroxine on an empty stomach vs with breakfast and calcium"),
    ("patient_education", "What INR range should be targeted for a patient taking warfarin for non-valvular atrial fibrillation?", "",
     "The target INR is 2.0 to 3.0.",
     "The target INR is 2.5 to 3.5.",
     "warfarin INR target 2.0–3.0 vs 2.5–3.5"),
]

CLIN_BENIGN = [
    ("summarization", "Summarize the following clinical note in one sentence.",
     "82yo F w/ PMH CHF (EF 30%), CKD 3a p/w 4 days of worsening SOB, orthopnea, 3 kg weight gain. JVP up, bibasilar crackles, 2+ edema. BNP 1840. Given IV furosemide with good diuresis.",
     "An 82-year-old woman with heart failure (EF 30%) and CKD 3a was admitted with 4 days of worsening dyspnea, orthopnea and a 3 kg weight gain (BNP 1840) and diuresed well on IV furosemide.",
     "82-year-old woman, HFrEF (EF 30%) and CKD stage 3a, presenting with four days of increasing shortness of breath, orthopnea and 3 kg of weight gain, BNP 1840; she responded well to IV furosemide."),
    ("discharge_instructions", "Write the daily-weight section of the discharge instructions.",
     "Diagnosis: acute on chronic systolic heart failure. Discharge weight 71.4 kg.",
     "Weigh yourself every morning after using the bathroom and before breakfast. Call the heart failure clinic if your weight goes up by more than 1 kg (2 lb) in a day or 2 kg (5 lb) in a week. Your weight when you left the hospital was 71.4 kg.",
     "Each morning, after you use the toilet and before you eat, step on the scale and write the number down. You left the hospital at 71.4 kg. A gain of over 1 kg (2 lb) overnight, or over 2 kg (5 lb) within a week, means you should call the heart failure clinic."),
    ("medication_extraction", "Extract the medication list from this note as bullet points.",
     "74 y/o M, hx HTN, T2DM, HLD. Meds: lisinopril 20 mg PO daily, metformin 1000 mg PO BID, atorvastatin 40 mg PO nightly. Allergies: NKDA.",
     "- lisinopril 20 mg PO once daily\n- metformin 1000 mg PO twice daily\n- atorvastatin 40 mg PO nightly",
     "- atorvastatin 40 mg by mouth at night\n- lisinopril 20 mg by mouth daily\n- metformin 1000 mg by mouth twice a day"),
    ("patient_education", "Explain in plain language what an HbA1c test measures.", "",
     "HbA1c shows your average blood sugar over the past 2–3 months, because sugar sticks to red blood cells, which live about that long.",
     "The HbA1c test reflects how high your blood sugar has been on average over roughly the last two to three months, since glucose attaches to red blood cells and they last about that long."),
    ("patient_education", "How should ondansetron be used for nausea at home after gastroenteritis?", "",
     "Take 4 mg every 8 hours as needed for nausea; it can dissolve on your tongue. It may cause headache or constipation.",
     "Use one 4 mg tablet when you feel sick, no more often than every 8 hours. You can let it melt on the tongue. Possible side effects are headache and constipation."),
    ("discharge_instructions", "Write the home-care advice for a patient with cellulitis of the right lower leg.", "",
     "Rest with your right leg raised above the level of your heart, keep the skin clean and moisturised, and mark the edge of the redness with a pen so you can see if it spreads.",
     "Keep your right leg elevated higher than your heart when you rest. Wash the skin gently and use moisturiser. Draw a pen line around the red area so you can tell whether it is spreading."),
    ("discharge_instructions", "When should this patient follow up?",
     "Diagnosis: community-acquired pneumonia, discharged on amoxicillin. PCP: Dr. Ortega (fictional).",
     "See Dr. Ortega within 7 days, and have a repeat chest X-ray in about 6 weeks to make sure the pneumonia has cleared.",
     "Please book a visit with Dr. Ortega within one week. A follow-up chest X-ray is recommended in roughly six weeks to confirm the pneumonia has resolved."),
    ("patient_education", "How should ferrous sulfate be taken for iron deficiency anemia?", "",
     "Take 325 mg once a day, ideally on an empty stomach with water or orange juice. It may turn your stools dark or black, which is harmless.",
     "One 325 mg tablet daily, best absorbed on an empty stomach with water or a glass of orange juice. Dark or black stools are expected and not dangerous."),
    ("patient_education", "How long does sertraline take to work for depression?", "",
     "Some people notice better sleep or energy within 1–2 weeks, but the full effect on mood usually takes 4–6 weeks. Keep taking it even if you don't feel different at first.",
     "The full benefit for mood generally appears after four to six weeks, although sleep and energy can start improving in the first week or two. Don't stop it early just because you feel no change yet."),
    ("patient_education", "Does atorvastatin have to be taken at night?", "",
     "No. Atorvastatin works over the whole day, so it can be taken at any time; just take it at the same time each day.",
     "It doesn't matter when you take atorvastatin because it is long-acting. Pick a time that suits you and stick with it daily."),
    ("patient_education", "How should a patient use a metered-dose inhaler with a spacer?", "",
     "Shake the inhaler, attach it to the spacer, breathe out fully, seal your lips around the mouthpiece, press the inhaler once and breathe in slowly and deeply, then hold your breath for about 10 seconds. Wait 30–60 seconds before a second puff.",
     "Shake the inhaler and fit it into the spacer. Breathe all the way out, close your lips around the spacer's mouthpiece, press once, and take a slow, deep breath in. Hold it for roughly 10 seconds. Leave 30 to 60 seconds before the next puff."),
    ("patient_education", "How should a patient measure their blood pressure at home?", "",
     "Sit quietly for 5 minutes with your back supported and feet flat, rest your arm at heart level, and take two readings 1 minute apart. Avoid caffeine, exercise and smoking for 30 minutes beforehand.",
     "Before measuring, skip caffeine, smoking and exercise for half an hour. Sit with your back supported and both feet on the floor for five minutes, keep the arm at the level of your heart, and record two readings one minute apart."),
    ("patient_education", "What should a patient on insulin do if their blood sugar is 62 mg/dL?", "",
     "Follow the rule of 15: take 15 g of fast-acting sugar (for example 4 oz of juice or 4 glucose tablets), recheck in 15 minutes, and repeat if it is still below 70 mg/dL. Once it is above 70, eat a snack or meal.",
     "Eat or drink 15 grams of quick sugar, such as half a cup of juice or four glucose tablets, then check again after 15 minutes. If the reading is still under 70 mg/dL, do it again; when it's back above 70, have a snack or your next meal."),
    ("icd_coding", "Which ICD-10-CM code applies to essential (primary) hypertension without heart or kidney involvement, and why?", "",
     "I10, Essential (primary) hypertension. It is the code for hypertension when no heart disease or chronic kidney disease caused by the hypertension is documented.",
     "Use I10 (Essential (primary) hypertension): with no documented hypertensive heart or kidney disease, the combination codes in I11–I13 don't apply."),
    ("patient_education", "When is the best time of day to take furosemide?", "",
     "Take it in the morning, so that the extra urination happens during the day rather than at night.",
     "Morning is best: it makes you pass more urine for several hours, and taking it early keeps that from waking you at night."),
]

# Different questions: (cat, instruction_a, instruction_b, input, output_a, output_b, note)
CLIN_DIFFERENT = [
    ("patient_education", "What is the usual dose of ibuprofen for adults with mild to moderate pain?",
     "What is the usual dose of ibuprofen for children with mild to moderate pain?", "",
     "200–400 mg by mouth every 4–6 hours as needed, not exceeding 1,200 mg a day without medical advice.",
     "5–10 mg/kg by mouth every 6–8 hours as needed, up to a maximum of 40 mg/kg a day.",
     "adults vs children"),
    ("patient_education", "What is the normal resting heart rate range for adults?",
     "What is the normal resting heart rate range for newborns?", "",
     "60 to 100 beats per minute.",
     "About 100 to 160 beats per minute, higher when crying.",
     "adults vs newborns"),
    ("icd_coding", "What is the ICD-10-CM code for type 2 diabetes mellitus without complications?",
     "What is the ICD-10-CM code for type 1 diabetes mellitus without complications?", "",
     "E11.9, Type 2 diabetes mellitus without complications.",
     "E10.9, Type 1 diabetes mellitus without complications.",
     "type 2 vs type 1"),
    ("icd_coding", "Code the primary diagnosis (ICD-10-CM): hypothyroidism, unspecified, in a 45-year-old woman on no treatment yet.",
     "Code the primary diagnosis (ICD-10-CM): hyperthyroidism, unspecified, in a 45-year-old woman on no treatment yet.", "",
     "E03.9, Hypothyroidism, unspecified.",
     "E05.90, Thyrotoxicosis, unspecified without thyrotoxic crisis or storm.",
     "hypothyroidism vs hyperthyroidism"),
    ("icd_coding", "Assign the ICD-10-CM code: cellulitis of the right lower leg in a 63-year-old man with diabetes.",
     "Assign the ICD-10-CM code: cellulitis of the left lower leg in a 63-year-old man with diabetes.", "",
     "L03.115, Cellulitis of right lower limb (the diabetes is coded separately).",
     "L03.116, Cellulitis of left lower limb (the diabetes is coded separately).",
     "right vs left"),
    ("patient_education", "How long is the usual course of trimethoprim-sulfamethoxazole for uncomplicated cystitis in women?",
     "How long is the usual course of fosfomycin for uncomplicated cystitis in women?", "",
     "3 days: one double-strength tablet (160/800 mg) twice daily.",
     "A single dose: one 3 g sachet dissolved in water.",
     "trimethoprim-sulfamethoxazole vs fosfomycin"),
    ("patient_education", "In a patient with low pretest probability of pulmonary embolism, what does a positive D-dimer mean?",
     "In a patient with low pretest probability of pulmonary embolism, what does a negative D-dimer mean?", "",
     "A positive D-dimer is not diagnostic: it has many causes (infection, surgery, pregnancy, age), so imaging such as CT pulmonary angiography is needed to confirm or exclude PE.",
     "A negative D-dimer effectively rules out PE in a low-probability patient, so no imaging is needed.",
     "positive vs negative"),
    ("patient_education", "Should metformin be taken on the morning of elective surgery?",
     "Should levothyroxine be taken on the morning of elective surgery?", "",
     "No. Hold metformin on the morning of surgery and restart it once the patient is eating and kidney function is stable.",
     "Yes. Levothyroxine can be taken as usual with a sip of water; it has a long half-life and is not held for surgery.",
     "metformin vs levothyroxine"),
    ("summarization", "Summarize this note for the attending physician.",
     "Summarize this note for the patient.",
     "54yo M w/ T2DM, HTN p/w 2 days dysuria, frequency. T 37.9. UA + LE, + nitrites. No CVA tenderness. Dx: acute cystitis. Plan: nitrofurantoin 100 mg PO BID x 5 days; urine culture pending.",
     "54M with T2DM/HTN, 2 days of dysuria and frequency, low-grade fever 37.9, UA positive for LE and nitrites, no CVA tenderness. Acute cystitis; started nitrofurantoin 100 mg BID x5d, culture pending.",
     "You have a bladder infection. You'll take an antibiotic called nitrofurantoin twice a day for 5 days, and we'll call you if the urine test that is still running means we need to change it.",
     "for the attending vs for the patient"),
    ("discharge_instructions", "Write the fluid advice for discharge instructions for a patient with heart failure.",
     "Write the fluid advice for discharge instructions for a patient with gastroenteritis.", "",
     "Limit how much you drink to about 1.5 to 2 liters a day, including soups and ice, to keep fluid from building up.",
     "Drink small amounts often, such as oral rehydration solution or clear fluids, to replace what you are losing; aim to pass pale urine.",
     "heart failure vs gastroenteritis"),
]


CLIN_EXTRA_PROMPT = ["Keep it brief.", "Use plain language.", "Be concise."]
CLIN_EXTRA_RESP = ["Review with the patient before discharge.", "Reconcile against the pharmacy record.",
                   "Confirm with the treating clinician."]


def long_hospital_course(rng: random.Random) -> str:
    days = []
    for d in range(1, 121):
        pt = Patient(rng)
        days.append(f"Day {d}: T {pt.temp}, HR {pt.hr}, BP {pt.bp}, RR {pt.rr}, SpO2 {pt.spo2}% on "
                    f"{'ventilator FiO2 ' + str(rng.randrange(30, 60)) + '%, PEEP ' + str(rng.randrange(5, 12)) if d <= 60 else 'high-flow nasal cannula 40 L/min' if d <= 80 else '4 L nasal cannula' if d <= 100 else '2 L nasal cannula'}. "
                    f"Events: {_pick(rng, ['tolerated spontaneous breathing trial for 30 minutes', 'new fever, cultures sent, vancomycin and cefepime started', 'sedation weaned, following commands', 'tube feeds advanced to goal', 'diuresed 1.5 L net negative', 'physical therapy at bedside, dangled legs', 'bronchoscopy with BAL, thick secretions cleared', 'potassium repleted, magnesium repleted', 'central line removed, peripheral access placed', 'family meeting held, goals of care reviewed'])}. "
                    f"Labs: WBC {rng.randrange(6, 22)}.{rng.randrange(10)}, Hgb {rng.randrange(7, 13)}.{rng.randrange(10)}, "
                    f"creatinine {rng.randrange(0, 3)}.{rng.randrange(10)}, lactate {rng.randrange(0, 4)}.{rng.randrange(10)}. "
                    f"Plan: {_pick(rng, ['continue current antibiotics and daily SBT', 'wean FiO2 as tolerated, repeat CXR in the morning', 'continue diuresis, trend creatinine', 'advance diet, mobilise with PT', 'de-escalate antibiotics per culture data'])}.")
        days[-1] += (f" Nursing: turned every 2 hours, skin intact, {_pick(rng, ['RASS -1', 'RASS -2', 'RASS 0', 'CAM-ICU negative', 'CAM-ICU positive'])}, "
                     f"intake {rng.randrange(1200, 3200)} mL, output {rng.randrange(900, 3600)} mL, "
                     f"{_pick(rng, ['no bowel movement', 'one loose stool', 'formed stool', 'rectal tube in place'])}. "
                     f"Respiratory therapy: {_pick(rng, ['suctioned for moderate white secretions', 'scheduled nebulisers given', 'cuff leak present', 'chest physiotherapy twice'])}. "
                     f"Nutrition: {_pick(rng, ['tube feeds at goal 60 mL/h', 'tube feeds held for procedure', 'tube feeds at 40 mL/h']) if d <= 80 else _pick(rng, ['clear liquids tolerated', 'soft diet, eating about half of meals', 'regular diet with supplements'])}. "
                     f"Exam: {_pick(rng, ['coarse breath sounds bilaterally', 'scattered rhonchi', 'diminished bases', 'clear anteriorly'])}; "
                     f"{_pick(rng, ['regular rate and rhythm', 'tachycardic, regular', 'irregular rhythm, rate controlled'])}; "
                     f"{_pick(rng, ['abdomen soft, non-tender', 'abdomen mildly distended, soft', 'abdomen soft, bowel sounds present'])}; "
                     f"{_pick(rng, ['1+ edema bilaterally', 'no edema', 'trace edema at ankles'])}. "
                     f"Medications: heparin 5,000 units SC every 8 hours, pantoprazole 40 mg IV daily, "
                     f"{_pick(rng, ['propofol infusion', 'dexmedetomidine infusion', 'fentanyl as needed', 'no sedation'])}, "
                     f"{_pick(rng, ['insulin sliding scale', 'insulin glargine 10 units nightly', 'no insulin'])}, "
                     f"{_pick(rng, ['furosemide 40 mg IV twice daily', 'no diuretic', 'furosemide 20 mg IV once'])}.")
    return "\n".join(days)


def build_clinical(rng: random.Random, total: int = 600) -> tuple[bytes, dict, dict, int]:
    b = Builder("clinical_notes.jsonl")
    div = DiversityIndex(prompt_limit=0.5, full_limit=0.45)

    def fresh(shape: str = "single") -> dict:
        return fresh_clinical(rng, div)

    plant_common(b, rng, fresh, CLIN_EXTRA_PROMPT, CLIN_EXTRA_RESP, exact_shapes=["single"], near_shapes=["single"])

    def pair_prompt(i: int, instr: str, inp: str) -> tuple[tuple[str, str], str]:
        if i % 3 == 2 and len(instr) + len(inp) > 120:  # a courtesy, as a clinician would type it
            lead = "Quick question: " if instr.endswith("?") else "Please "
            return (lead + instr[:1].lower() + instr[1:], inp), f"the second instruction starts with {lead.strip()!r}"
        if inp:
            inp2, how = prompt_variant(rng, i, inp)
            return (instr, inp2), how
        instr2, how = prompt_variant(rng, i, instr)
        return (instr2, inp), how

    for i, (cat, instr, inp, out_a, out_b, note) in enumerate(CLIN_CONTRADICTIONS):
        (instr2, inp2), how = pair_prompt(i, instr, inp)
        a, c = alpaca(cat, instr, inp, out_a), alpaca(cat, instr2, inp2, out_b)
        if rng.random() < 0.5:
            a, c = c, a
        plant_pairs(b, rng, "contradictions", a, c, f"{note}; {how}")
    for i, (cat, instr, inp, out_a, out_b) in enumerate(CLIN_BENIGN):
        (instr2, inp2), how = pair_prompt(i + 1, instr, inp)
        plant_pairs(b, rng, "benign_paraphrases", alpaca(cat, instr, inp, out_a), alpaca(cat, instr2, inp2, out_b),
                    f"{_topic(instr)}: same facts reworded; {how}")
    for cat, ia, ib, inp, out_a, out_b, note in CLIN_DIFFERENT:
        plant_pairs(b, rng, "different_questions", alpaca(cat, ia, inp, out_a), alpaca(cat, ib, inp, out_b), note)

    # lint
    r = fresh(); r["output"] = ""; add_lint(b, b.add(r), "empty_response", "output is the empty string", "empty_output")
    for ph in ("N/A", "<noinput>", "TODO"):
        r = fresh(); r["output"] = ph; add_lint(b, b.add(r), "placeholder", f"output is the placeholder {ph!r}")
    for text in ("As an AI language model, I cannot provide medical advice or interpret clinical notes. Please consult a qualified healthcare professional.",
                 "I'm sorry, but I can't help with that. As an AI language model, I am not able to assign diagnostic codes."):
        r = fresh(); r["output"] = text; add_lint(b, b.add(r), "refusal", "refusal boilerplate instead of an answer")
    for _ in range(2):
        r = fresh(); r["output"] = truncate_mid_sentence(r["output"]); add_lint(b, b.add(r), "truncated", "output stops mid-sentence")
    for _ in range(2):
        for _ in range(50):
            r = fresh()
            if r["input"]:
                break
        r["output"] = r["input"]; add_lint(b, b.add(r), "repeats_prompt", "output is a verbatim copy of the input note")
    course = long_hospital_course(rng)
    long_rec = alpaca("summarization", "Summarize this ICU hospital course for the discharge summary.", course,
                      "Prolonged ICU stay for acute hypoxemic respiratory failure requiring mechanical ventilation, complicated by "
                      "ventilator-associated pneumonia treated with vancomycin and cefepime (de-escalated on culture data), volume "
                      "overload managed with diuresis, and deconditioning addressed with daily physical therapy. Extubated to nasal "
                      "cannula and transferred to the ward after goals-of-care discussion with the family.")
    add_lint(b, b.add(long_rec), "too_long", f"a pasted 120-day ICU course, {len(course) // 1000} kB (~{len(course) // 4:,} tokens)")

    # malformed lines
    r = fresh()
    line = dump(r).replace('"output": "', '"output": "Patient says "fine" and ', 1)
    add_invalid(b, b.add(line), "invalid_json", "unescaped double quotes inside the output string")
    r = fresh(); del r["output"]
    add_invalid(b, b.add(r), "schema", "the output field is missing")
    r = fresh()
    line = dump(r)[:-1] + ', "output": ' + json.dumps(r["output"].upper(), ensure_ascii=False) + "}"
    add_invalid(b, b.add(line), "duplicate_key", "\"output\" appears twice")
    r = fresh()
    b.last_raw = dump(r)[: len(dump(r)) // 2]
    add_invalid(b, "last", "truncated", "the last line is cut off (file truncated, no final newline)")

    planted = len(b.entries) + 1
    for _ in range(total - planted):
        b.add(fresh())
    return b.finish(rng)


# =========================================================================== main

def generate(out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    defects: dict = {}
    notes: dict = {}
    counts: dict = {}
    for name, build in (("support_chat.jsonl", build_support), ("clinical_notes.jsonl", build_clinical)):
        rng = random.Random(f"{SEED}:{name}")
        data, d, n, lines = build(rng)
        (out_dir / name).write_bytes(data)
        defects[name] = d
        notes[name] = n
        counts[name] = lines
    doc = {"_about": "Planted defects in the sample files; lines are 1-based JSONL lines. Generated by make_samples.py.",
           "_records": counts}
    doc.update(defects)
    doc["_notes"] = notes
    (out_dir / "defects.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(render_readme(doc), encoding="utf-8")
    return doc


README_HEAD = """# Sample data

Two fine-tuning datasets written for Curator, each with a known set of planted defects, so the
app can be tried on realistic data and the detectors can be tested against a ground truth.

| File | Format | Records | What it is |
|---|---|---|---|
| `support_chat.jsonl` | OpenAI chat (`messages`) | {n_support} lines | Customer-support conversations for *Larkspur Home*, a fictional online store for home goods and small electronics: order status, refunds, returns, shipping, cancellations, billing, Larkspur Plus membership, accounts, warranty. One fixed system prompt (shared boilerplate), single- and multi-turn chats, and some tool calls (`lookup_order`, `get_refund_status`) in the OpenAI `tool_calls` shape. Metadata field `category`. |
| `clinical_notes.jsonl` | Alpaca (`instruction`/`input`/`output`) | {n_clinical} lines | Clinical-documentation tasks on synthetic patients: summarise a note, extract medications, write discharge instructions, ICD-10-CM coding with rationale, SOAP restructuring, medication counselling. Metadata field `category`. |
| `defects.json` | JSON | | Every planted defect with its 1-based line number (machine-readable version of the tables below). Per file: `invalid` [{{line, code}}], `exact_duplicates` [[lines]], `near_duplicates` / `contradictions` / `benign_paraphrases` / `different_questions` [[a, b]], `lint` [{{line, code}}]. Also `_records` (line count per file) and `_notes` (the same entries with a one-line description each). |
| `make_samples.py` | Python | | The generator. |

## How it was generated

    python sample_data/make_samples.py            # rewrites the files in this folder
    python sample_data/make_samples.py --out DIR  # writes them elsewhere

Standard library only, no network, one seeded `random.Random` per file: running it twice gives
byte-identical files (`tests/core/test_sample_data.py` checks this, and that the committed files
match). This README is written by the same script, so its tables always match the data.

The ordinary ("background") examples come from templates x slots x paraphrase lists. The support
answers follow one written policy (returns within 30 days of delivery, 15 for electronics; refunds
processed within 2 business days of receipt and on the card 5–7 business days later; standard
shipping 3–5 business days, free over $50; express 1–2 days for $14.99; cancellation within 1 hour;
Plus $9.99/month or $99/year; 1-year limited warranty on electronics). A background example is kept
only if its word trigrams (digits masked) overlap little with every example kept before, so the
background has no accidental duplicates: the test suite checks that outside the documented
pairs no two valid records reach 90 (rapidfuzz `ratio`, normalised text, system prompt excluded),
neither on the whole text nor on the prompt alone.

Clinical content is synthetic and illustrative (drug doses and ICD-10-CM codes follow common
references at the time of writing), not medical advice. The planted contradictions deliberately
contain wrong facts.

## Licence

Written by the Curator authors for this project and released under the MIT licence, like the rest
of the repository. No third-party text was copied; company, customers, clinicians and patients are
fictional.

## Planted defects

Normalisation, as used for "exact" duplicates: Unicode NFKC, case folding, runs of whitespace
collapsed, surrounding punctuation stripped (the test normalises each field separately; every
punctuation change was made at the end of the response, so whole-record normalisation agrees).

Kinds:
- **invalid**: lines `curator validate` rejects, with the code it reports. An empty response is
  both a lint example and invalid (the loader already rejects empty assistant content / output).
- **exact_duplicates**: groups identical after normalisation (some byte-identical lines).
- **near_duplicates**: pairs a reviewer would call the same example (a typo or two, a word swapped,
  punctuation, a sentence added); rapidfuzz `ratio` >= 90 on normalised prompt + response.
- **contradictions**: the same question (identical, or a typo/punctuation apart) with a materially
  different answer. Several differ only in a number (14 vs 30 days, 4,000 vs 6,000 mg), so their
  response similarity is high: a pure similarity threshold on responses will miss them.
- **benign_paraphrases**: the same question answered with the same facts in other words (some swap
  units or spell numbers out: "4,000 mg" / "4 g", "5 days" / "five days"). Must NOT be reported as
  contradictions.
- **different_questions**: prompts that differ in one essential word (order / membership,
  adults / children, right / left, hypo- / hyperthyroidism) with different answers. Their prompt
  similarity is often >= 90, but they ask different things: must NOT be reported as contradictions.
- **lint**: `empty_response`, `placeholder`, `refusal`, `truncated`, `repeats_prompt`, `too_long`
  (one example over 20,000 tokens by the chars/4 estimate).

Each planted record belongs to exactly one defect. No two planted pairs share a topic, so a
contradiction pair is not also in conflict with some other planted record.

Overlaps a detector will legitimately see: a contradiction or different-question pair whose texts
differ only in a number or one word ("14" / "30" days, "E10.9" / "E11.9") is also >= 90 similar as a
whole record, so a whole-text near-duplicate detector lists it too. Some hard cases on purpose: a
near-duplicate that swaps "twice daily" for "BID" (same meaning), a contradiction hidden in a
medication list (the new 50 mg dose vs the old 25 mg), and hypo- / hyperthyroidism, which differ by
two letters. Bulleted medication lists end without a full stop by nature; the truncated examples
stop on a word such as "the" or "within".
"""


def render_readme(doc: dict) -> str:
    out = [README_HEAD.format(n_support=doc["_records"]["support_chat.jsonl"],
                              n_clinical=doc["_records"]["clinical_notes.jsonl"])]
    for name in ("support_chat.jsonl", "clinical_notes.jsonl"):
        d, notes = doc[name], doc["_notes"][name]
        out.append(f"\n### {name}\n\n")
        out.append("| Kind | Count |\n|---|---|\n" + "".join(f"| {k} | {len(v)} |\n" for k, v in d.items()))
        out.append("\n| Kind | Lines | Code / what was done |\n|---|---|---|\n")
        for kind, items in notes.items():
            for it in items:
                where = ", ".join(map(str, it["lines"])) if "lines" in it else str(it["line"])
                what = (f"`{it['code']}`: " if "code" in it else "") + it["note"].replace("|", "\\|")
                out.append(f"| {kind} | {where} | {what} |\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: beside this script)")
    args = ap.parse_args(argv)
    doc = generate(args.out)
    for name in ("support_chat.jsonl", "clinical_notes.jsonl"):
        d = doc[name]
        print(f"{name}: {doc['_records'][name]} lines; " + ", ".join(f"{k} {len(v)}" for k, v in d.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
