"""A fix typed but never saved survives a crash: the Fix editor keeps what is typed in the project
as it goes, and the next window offers it back (a demanding reviewer's long correction was lost
when the app was killed mid-edit)."""

from __future__ import annotations

import json

from gui_helpers import open_window, when_modal
from PySide6.QtWidgets import QMessageBox

from curator.core.decisions import FIXED
from curator.gui.example_view import drafts_to_offer

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


def _click(text: str, said: list[str]):
    """A ``when_modal`` answer: note the question's text in ``said``, then click the button ``text``."""
    def answer(box) -> None:
        said.append(box.text())
        next(b for b in box.buttons() if b.text() == text).click()
    return answer


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

    when_modal(QMessageBox, _click("&Open the fix", asked), ready=lambda b: b.windowTitle() == "Unsaved fix")
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
    when_modal(QMessageBox, _click("&Later", offered), ready=lambda b: b.windowTitle() == "Unsaved fix")
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
    when_modal(QMessageBox, _click("&Later", asked), ready=lambda b: b.windowTitle() == "Unsaved fix")
    w2 = open_window(qtbot, prefs, sample)
    qtbot.waitUntil(lambda: bool(asked) and w2.unsaved_fix_box is None, timeout=5000)
    assert "You were fixing line 5 (" in asked[0]
    assert asked[0].endswith("was not saved.\n\nAlso not saved: your fix of line 2.")
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
    assert asked and asked[0].startswith(f"Line {line} is open in the Fix editor of another Curator window by "
                                         "you. Typing there was last kept ")
    assert w2.open_fix_dialog(line + 1) is not None                     # another record: no question
    w2.fix_dialog.reject()

    # "Fix anyway", then Cancel: the first window's draft and its open editor are still known (a
    # review found the second editor's Cancel deleted the first's draft and forgot its editor)
    when_modal(QMessageBox, lambda box: next(b for b in box.buttons() if b.text() == "Fix &anyway").click(),
               ready=lambda b: b.windowTitle() == "Being fixed in another window")
    second = w2.open_fix_dialog(line)
    qtbot.waitExposed(second)
    qtbot.keyClicks(second.form_boxes[-1], " typed in the second window")
    second.keep_draft_now()
    assert line not in [d.line for d in drafts_to_offer(w.project)]    # not offered: still open ...
    doc = w.project.store.get_meta(f"fix_draft:{line}:Tess Tester")
    assert TYPED in doc["text"] and "typed in the second window" not in doc["text"]   # ... the first's text
    when_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Discard).click(),
               ready=lambda b: b.text() == "Discard your changes?")
    second.reject()
    assert TYPED in w.project.store.get_meta(f"fix_draft:{line}:Tess Tester")["text"]
    asked.clear()
    when_modal(QMessageBox, cancel, ready=lambda b: b.windowTitle() == "Being fixed in another window")
    assert w2.open_fix_dialog(line) is None and asked                   # still said
    dlg.done(0)
    w.close_project(ask=False)

    # the same from another Curator process still running on this machine (its draft's pid is alive)
    doc = w2.project.store.get_meta(f"fix_draft:{line}:Tess Tester")
    w2.project.store.set_meta(f"fix_draft:{line}:Ana", dict(doc, pid=os.getppid(), host=_host(), reviewer="Ana"))
    w2.project.fix(line, w2.project.dataset.by_line(line).data)         # a decision since: still open there
    asked.clear()
    when_modal(QMessageBox, _click("Fix &anyway", asked), ready=lambda b: b.windowTitle() == "Being fixed in another window")
    fix = w2.open_fix_dialog(line)
    assert fix is not None and asked and " by Ana. Typing there" in asked[0]
    qtbot.waitExposed(fix)
    fix.reject()
    w2.close_project(ask=False)


def test_a_restored_fix_with_windows_line_ends_puts_the_cursor_after_the_typing(opened, qtbot, prefs, sample):
    """The box holds "\r\n" as one line end: a position counted on the record's text landed past
    the end (Qt refused it; the cursor stayed at 0) — a review finding."""
    w = opened
    project = w.project
    line = w.current_line()
    rec = project.dataset.by_line(line)
    fixed = json.loads(json.dumps(rec.data))
    # the answer, wherever the format keeps it: the last string that equals the record's response
    def set_answer(o, new):
        if isinstance(o, dict):
            for k, v in o.items():
                if v == rec.response:
                    o[k] = new
                    return True
                if set_answer(v, new):
                    return True
        if isinstance(o, list):
            return any(set_answer(v, new) for v in reversed(o))
        return False

    assert set_answer(fixed, "line one\r\nline two\r\n" + rec.response + TYPED)
    project.fix(line, fixed)          # a fix with Windows line ends, then a draft typed on top of it
    text = json.dumps(fixed, ensure_ascii=False, indent=2).replace(TYPED, TYPED + " more")
    assert project.save_fix_draft(line, text)
    doc = dict(project.store.get_meta(f"fix_draft:{line}:Tess Tester"), at="2099-01-01T00:00:00.000Z")
    project.store.set_meta(f"fix_draft:{line}:Tess Tester", doc)
    fix = w.open_fix_dialog(line, restore=True)
    qtbot.waitExposed(fix)
    box = fix.form_boxes[-1]
    qtbot.waitUntil(lambda: box.hasFocus(), timeout=3000)
    assert box.toPlainText().endswith(TYPED + " more")
    assert box.textCursor().position() == len(box.toPlainText())
    fix.done(0)
    w.close_project(ask=False)
