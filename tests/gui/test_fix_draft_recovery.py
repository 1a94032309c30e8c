"""A fix typed but never saved survives a crash: the Fix editor keeps what is typed in the project
as it goes, and the next window offers it back (a demanding reviewer's long correction was lost
when the app was killed mid-edit)."""

from __future__ import annotations

import json

from gui_helpers import open_window, when_modal
from PySide6.QtWidgets import QMessageBox

from curator.core.decisions import FIXED

TYPED = " Call us on 0800 123 456, any day from 8:00 to 20:00."


def _type_fix(qtbot, w, line: int):
    dlg = w.open_fix_dialog(line)
    qtbot.waitExposed(dlg)
    box = dlg.form_boxes[-1]                       # the answer
    box.setFocus()
    box.moveCursor(box.textCursor().MoveOperation.End)
    qtbot.keyClicks(box, TYPED)
    # kept a second after the last key, without Save
    qtbot.waitUntil(lambda: w.project.fix_draft(line, "Tess Tester") is not None, timeout=5000)
    return dlg


def _crash(w, dlg) -> None:
    """The app dies with the editor open: no Cancel, no Discard question, nothing cleaned up."""
    dlg.done(0)                                    # closes without FixDialog.reject()
    w.close_project(ask=False)


def test_a_fix_typed_before_a_crash_is_offered_back_on_opening_and_saved(opened, qtbot, prefs, sample):
    w = opened
    line = w.current_line()
    dlg = _type_fix(qtbot, w, line)
    _crash(w, dlg)

    asked: list[str] = []

    def open_it(box):
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "&Open the fix").click()

    when_modal(QMessageBox, open_it, ready=lambda b: b.windowTitle() == "Unsaved fix")
    w2 = open_window(qtbot, prefs, sample)
    qtbot.waitUntil(lambda: w2.fix_dialog is not None and w2.fix_dialog.isVisible(), timeout=5000)
    assert asked and f"fixing line {line} when Curator closed" in asked[0]
    fix = w2.fix_dialog
    assert fix.form_boxes[-1].toPlainText().endswith(TYPED)          # goes on from what was typed
    assert fix.hint.text().startswith("Restored the fix you had not saved")
    assert fix.edited()                                               # Cancel would ask first
    fix.save_button.click()
    qtbot.waitUntil(lambda: w2.project.decision(line) is not None, timeout=5000)
    d = w2.project.decision(line)
    assert d.status == FIXED and json.dumps(d.fixed).count("0800 123 456") == 1
    assert w2.project.fix_drafts() == []                              # saved: nothing left to offer
    w2.close_project(ask=False)


def test_later_keeps_the_draft_and_discard_on_fix_starts_from_the_record(opened, qtbot, prefs, sample):
    w = opened
    line = w.current_line()
    dlg = _type_fix(qtbot, w, line)
    original = w.project.dataset.by_line(line).response
    _crash(w, dlg)

    when_modal(QMessageBox, lambda box: next(b for b in box.buttons() if b.text() == "&Later").click(),
               ready=lambda b: b.windowTitle() == "Unsaved fix")
    w2 = open_window(qtbot, prefs, sample)
    qtbot.waitUntil(lambda: w2.unsaved_fix_box is None, timeout=5000)
    assert w2.fix_dialog is None and w2.project.fix_draft(line, "Tess Tester") is not None   # kept

    # Fix on that line asks again; Discard opens the editor on the record as the file has it
    when_modal(QMessageBox, lambda box: next(b for b in box.buttons() if b.text() == "&Discard").click(),
               ready=lambda b: b.windowTitle() == "Restore your unsaved fix?")
    fix = w2.open_fix_dialog(line)
    qtbot.waitExposed(fix)
    assert fix.form_boxes[-1].toPlainText() == original and not fix.edited()
    assert w2.project.fix_drafts() == []
    fix.reject()
    w2.close_project(ask=False)


def test_cancelling_an_edit_on_purpose_leaves_no_draft(opened, qtbot):
    w = opened
    line = w.current_line()
    dlg = _type_fix(qtbot, w, line)
    when_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Discard).click(),
               ready=lambda b: b.text() == "Discard your changes?")
    dlg.reject()
    assert not dlg.isVisible()
    assert w.project.fix_drafts() == []


def test_closing_the_dataset_right_after_typing_keeps_nothing_on_a_closed_project(opened, qtbot):
    """A keep still pending when the window closes the dataset must not write to (or fail on) the
    closed project."""
    w = opened
    dlg = w.open_fix_dialog(w.current_line())
    qtbot.waitExposed(dlg)
    qtbot.keyClicks(dlg.form_boxes[-1], " more")
    project = w.project
    w.close_project(ask=False)
    assert project.store.closed
    dlg.keep_draft_now()              # what the pending keep would do: nothing, no error
    qtbot.wait(1300)                  # and the timer itself never fires into the closed project


def test_a_second_window_does_not_offer_an_edit_still_open_in_the_first(opened, qtbot, prefs, sample):
    """Ana's editor is open and typing in one window; a second window on the project must not say
    "Curator closed" and open a second editor on her draft (review finding)."""
    w = opened
    line = w.current_line()
    dlg = _type_fix(qtbot, w, line)
    w2 = open_window(qtbot, prefs, sample)
    qtbot.wait(300)                                   # the offer would come right after opening
    assert w2.unsaved_fix_box is None and w2.fix_dialog is None
    assert w2.project.fix_draft(line, "Tess Tester") is not None           # the draft is there
    dlg.done(0)                                       # the first window's editor goes away unsaved
    w2.close_project(ask=False)
    offered: list[str] = []

    def later(box):
        offered.append(box.text())
        next(b for b in box.buttons() if b.text() == "&Later").click()

    when_modal(QMessageBox, later, ready=lambda b: b.windowTitle() == "Unsaved fix")
    w3 = open_window(qtbot, prefs, sample)           # now it is a leftover: offered
    qtbot.waitUntil(lambda: bool(offered), timeout=5000)
    assert f"fixing line {line}" in offered[0] and w3.project.fix_draft(line, "Tess Tester") is not None
    w3.close_project(ask=False)
