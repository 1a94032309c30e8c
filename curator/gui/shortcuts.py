"""The one shortcut table (STYLE.md §5).

Every key binding in the review desk comes from :data:`SHORTCUTS`. The review desk binds
from it, the key-map overlay (``?``) prints it, and the settings page lists it for
overrides. Key strings are Qt's portable ``QKeySequence`` text ("Ctrl+Shift+Z"), so an
override stored in QSettings is a list of the same strings.

This module holds data only; :func:`key_sequences` turns an entry into ``QKeySequence``
objects when a widget binds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Action ids: stable names stored in QSettings overrides; never rename one.
APPROVE = "approve"
REJECT = "reject"
FIX = "fix"
SKIP = "skip"
NEXT = "next"
PREVIOUS = "previous"
UNDO = "undo"
REDO = "redo"
HELP = "help"
LEAVE = "leave"
QUEUE = "queue"


@dataclass(frozen=True, slots=True)
class Shortcut:
    """One bindable action: its id, the words a user reads, and its default keys."""

    action: str
    label: str
    keys: tuple[str, ...]
    help: str
    group: str = "Review"


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(APPROVE, "Approve", ("A", "Return", "Enter"),
             "Keep this example as it is and move to the next one."),
    Shortcut(REJECT, "Reject", ("R", "Backspace"),
             "Leave this example out of the export (you may give a reason). Undoable."),
    Shortcut(FIX, "Fix", ("E",),
             "Edit the example; it is checked against the schema as you type."),
    Shortcut(SKIP, "Skip", ("S",), "Decide later; the example stays in the queue as skipped."),
    Shortcut(NEXT, "Next example", ("J", "Right", "Down"), "Move on without deciding.",
             group="Move"),
    Shortcut(PREVIOUS, "Previous example", ("K", "Left", "Up"), "Go back one example.",
             group="Move"),
    Shortcut(UNDO, "Undo", ("Ctrl+Z",), "Take back the last decision.", group="Edit"),
    Shortcut(REDO, "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the decision you took back.",
             group="Edit"),
    # F1 stays the window's "Keyboard Shortcuts" (every key of the app); binding it here too would
    # make the key ambiguous inside the desk, and Qt then fires neither.
    Shortcut(HELP, "Show keys", ("?", "Shift+?"), "Show this key map.", group="Help"),
    Shortcut(LEAVE, "Leave the review desk", ("Escape",), "Back to the examples table.",
             group="Help"),
    # A clinician tried Alt+Q, then the arrows, to pick a random sample: the arrows moved the example
    # behind the list. Alt+Q opens the list; while it (or any box of the queue row) has the keyboard,
    # the arrows, Enter, Space and letters belong to it, not to the desk.
    Shortcut(QUEUE, "Choose the queue", ("Alt+Q",),
             "Opens the Queue list (all, flagged only, random sample): Up/Down move, Enter picks. For a "
             "sample, Tab goes through Fraction, Seed and Stratify (or Alt+R, Alt+D, Alt+T), and Enter "
             "(or Alt+S) starts it. Esc: back to the example.", group="Queue"),
)

BY_ACTION: dict[str, Shortcut] = {s.action: s for s in SHORTCUTS}


def keys_for(action: str, overrides: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """The keys bound to ``action``: the user's override when there is one, else the default."""
    if overrides and overrides.get(action):
        return tuple(str(k) for k in overrides[action] if str(k).strip())
    return BY_ACTION[action].keys


def letter_keys(action: str, overrides: Mapping[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """The single-character keys of ``action`` ("A", "J" …): the ones the Examples tab binds too.

    Enter, Backspace and the arrows are left out there: the search box and the table need them
    (Return runs the search, arrows move through rows), so only letter keys are shared."""
    return tuple(k for k in keys_for(action, overrides) if len(k) == 1 and k.isalnum())


def conflicts(overrides: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """Keys bound to more than one action (key -> actions), so a settings page can refuse them."""
    seen: dict[str, list[str]] = {}
    for s in SHORTCUTS:
        for key in keys_for(s.action, overrides):
            seen.setdefault(key.lower(), []).append(s.action)
    return {k: v for k, v in seen.items() if len(v) > 1}


def keymap_rows(overrides: Mapping[str, Sequence[str]] | None = None) -> list[tuple[str, str, str, str]]:
    """(group, label, keys text, help) for every action, in table order: what the overlay shows."""
    return [(s.group, s.label, "  /  ".join(d for k in keys_for(s.action, overrides) if (d := _display(k))),
             s.help) for s in SHORTCUTS]


def _display(key: str) -> str:
    # "Shift+?" is how some keyboards deliver "?": bound, but not worth showing twice
    return {"Return": "Enter", "Enter": "Enter (keypad)", "Shift+?": ""}.get(key, key)


@dataclass(frozen=True, slots=True)
class FindingKey:
    """One resolution button of the Findings panel: the attribute of the button, its key, and its
    words. ``label`` is the button's own text with ``{unit}`` ("record"/"line"), ``{line}`` (the
    member it acts on) and ``{other}`` (the member it rejects) to fill in; the panel labels its
    buttons from it and the key list (F1) prints it, so the two say the same."""

    button: str
    key: str
    label: str
    side: str
    help: str
    many: str = ""      # the words for a group of more than two members, when they differ


FINDING_KEYS: tuple[FindingKey, ...] = (
    FindingKey("keep_left", "Alt+1", "Keep {unit} {line}", "left",
               "Approve the left example and reject the other one(s)."),
    FindingKey("keep_right", "Alt+2", "Keep {unit} {line}", "right",
               "Approve the right example and reject the other one(s)."),
    FindingKey("keep_all", "Alt+5", "Approve both", "",
               "Approve every member: all of them are exported (a false alarm).", many="Approve all"),
    FindingKey("reject_all", "Alt+4", "Reject both", "", "Reject every member of the finding.",
               many="Reject all"),
    FindingKey("fix_btn", "Alt+3", "Fix {unit} {line}… (rejects {unit} {other})", "left",
               "Contradictions: correct the left example; the right one is rejected when the fix is saved."),
    FindingKey("fix_right", "Alt+6", "Fix {unit} {line}… (rejects {unit} {other})", "right",
               "Contradictions: correct the right example; the left one is rejected when the fix is saved."),
)
FINDING_BY_BUTTON: dict[str, FindingKey] = {f.button: f for f in FINDING_KEYS}


def finding_key_rows(unit: str = "line") -> list[tuple[str, str]]:
    """(words, key) for the key list: each Findings button as it reads, members shown as N and M."""
    rows = []
    for f in FINDING_KEYS:
        words = f.label.format(unit=unit, line="N", other="M")
        if f.many:
            words += f" / {f.many}"
        rows.append((f"{words} — {f.side} side" if f.side else words, f.key))
    return rows


def key_sequences(action: str, overrides: Mapping[str, Sequence[str]] | None = None) -> list:
    """``QKeySequence`` objects for ``action`` (Qt imported here so the table stays plain data)."""
    from PySide6.QtGui import QKeySequence

    return [QKeySequence(k) for k in keys_for(action, overrides)]
