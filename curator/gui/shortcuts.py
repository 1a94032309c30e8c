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


def key_sequences(action: str, overrides: Mapping[str, Sequence[str]] | None = None) -> list:
    """``QKeySequence`` objects for ``action`` (Qt imported here so the table stays plain data)."""
    from PySide6.QtGui import QKeySequence

    return [QKeySequence(k) for k in keys_for(action, overrides)]
