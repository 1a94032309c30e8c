"""The one shortcut table: no key does two things, overrides replace defaults, the overlay reads it."""

from __future__ import annotations

from curator.gui import shortcuts as sc


def test_default_table_has_no_conflicts_and_the_issue_keys():
    assert sc.conflicts() == {}
    assert {"A", "Return"} <= set(sc.keys_for(sc.APPROVE))
    assert {"R", "Backspace"} <= set(sc.keys_for(sc.REJECT))
    assert sc.keys_for(sc.FIX) == ("E",) and sc.keys_for(sc.SKIP) == ("S",)
    assert {"J", "Right"} <= set(sc.keys_for(sc.NEXT)) and {"K", "Left"} <= set(sc.keys_for(sc.PREVIOUS))
    assert sc.keys_for(sc.UNDO) == ("Ctrl+Z",) and "Ctrl+Shift+Z" in sc.keys_for(sc.REDO)
    assert "?" in sc.keys_for(sc.HELP)


def test_overrides_replace_defaults_and_conflicts_are_reported():
    ov = {sc.APPROVE: ["Y"], sc.SKIP: ["Y"]}
    assert sc.keys_for(sc.APPROVE, ov) == ("Y",)
    assert sc.conflicts(ov) == {"y": [sc.APPROVE, sc.SKIP]}
    rows = sc.keymap_rows(ov)
    assert [r[1] for r in rows] == [s.label for s in sc.SHORTCUTS]
    assert rows[0][2] == "Y"


def test_key_sequences_are_valid_qt_sequences(qapp):
    for s in sc.SHORTCUTS:
        seqs = sc.key_sequences(s.action)
        assert seqs and all(not q.isEmpty() for q in seqs), s.action
