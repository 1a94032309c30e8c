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
    assert asked and f"fixing line {line} (" in asked[0] and "UTC) when Curator closed" in asked[0]
    fix = w2.fix_dialog
    answer = fix.form_boxes[-1]
    assert answer.toPlainText().endswith(TYPED)                       # goes on from what was typed
    # ... with the cursor where typing stopped (a trial: it sat at the start of the answer)
    qtbot.waitUntil(lambda: answer.hasFocus(), timeout=3000)
    assert answer.textCursor().position() == len(answer.toPlainText())
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


def test_the_fix_typed_last_is_offered_and_the_others_are_named(opened, qtbot, prefs, sample):
    """Two unsaved fixes: the opening question offered the lower line, not the one typed last, and
    did not say which other records wait (a trial)."""
    w = opened
    project = w.project
    assert project.save_fix_draft(2, "typed first") and project.save_fix_draft(5, "typed last")
    older = dict(project.store.get_meta("fix_draft:2:Tess Tester"), at="2026-01-01T09:00:00.000Z")
    project.store.set_meta("fix_draft:2:Tess Tester", older)
    w.close_project(ask=False)
    asked: list[str] = []

    def later(box):
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == "&Later").click()

    when_modal(QMessageBox, later, ready=lambda b: b.windowTitle() == "Unsaved fix")
    w2 = open_window(qtbot, prefs, sample)
    qtbot.waitUntil(lambda: bool(asked) and w2.unsaved_fix_box is None, timeout=5000)
    assert "You were fixing line 5 (" in asked[0]
    assert "Also not saved: your fix of line 2. Fix on that offers it back." in asked[0]
    # Later says where the kept fixes are, once the question is gone
    assert w2.statusBar().currentMessage() == "Unsaved fix kept: Fix on lines 2, 5 offers it back"
    w2.close_project(ask=False)


def test_fixing_a_record_being_fixed_in_another_window_asks_first(opened, qtbot, prefs, sample):
    """Two windows, one reviewer, one record: the second window's Fix opened on the original with no
    word, its keeps overwrote the first's draft, and the fix saved last silently replaced the other
    (a trial). The second editor now opens only after "Fix anyway"."""
    import os

    from curator.core.project import _host

    w = opened
    line = w.current_line()
    dlg = _type_fix(qtbot, w, line)
    w2 = open_window(qtbot, prefs, sample)
    asked: list[str] = []

    def cancel(box):
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    when_modal(QMessageBox, cancel, ready=lambda b: b.windowTitle() == "Being fixed in another window")
    assert w2.open_fix_dialog(line) is None and w2.fix_dialog is None
    assert asked and asked[0].startswith(f"Line {line} is being fixed in another Curator window by you, last typed ")
    assert w2.open_fix_dialog(line + 1) is not None                     # another record: no question
    w2.fix_dialog.reject()
    dlg.done(0)
    w.close_project(ask=False)

    # the same from another Curator process still running on this machine (its draft's pid is alive)
    doc = w2.project.store.get_meta(f"fix_draft:{line}:Tess Tester")
    w2.project.store.set_meta(f"fix_draft:{line}:Tess Tester", dict(doc, pid=os.getppid(), host=_host(),
                                                                     reviewer="Ana"))
    when_modal(QMessageBox, lambda box: next(b for b in box.buttons() if b.text() == "Fix &anyway").click(),
               ready=lambda b: b.windowTitle() == "Being fixed in another window" and "by Ana" in b.text())
    fix = w2.open_fix_dialog(line)
    assert fix is not None
    qtbot.waitExposed(fix)
    fix.reject()
    w2.close_project(ask=False)
