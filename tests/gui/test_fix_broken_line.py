"""Fix on a line that is not valid JSON (cut off) starts from the line's own text, not from '{}':
the reviewer closes the quote and saves (clinician trial: the editor showed only {})."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from curator import open_project
from curator.core.decisions import FIXED
from curator.gui import run_op
from curator.gui.example_view import FixDialog
from curator.gui.review_view import ReviewDesk
from curator.gui.settings import REVIEWER

CUT = '{"instruction": "Summarise the note.", "output": "Start metformin 500 mg'


@pytest.fixture
def broken(tmp_path, sample_data):
    """The clinical sample with line 6 cut off mid-answer."""
    src = (sample_data / "clinical_notes.jsonl").read_text(encoding="utf-8").splitlines()
    src[5] = CUT
    p = tmp_path / "clinical_notes.jsonl"
    p.write_text("\n".join(src[:40]) + "\n", encoding="utf-8")
    return p


def _close_the_quote_and_save(qtbot, dlg):
    ed = dlg.editor
    assert ed.toPlainText() == CUT
    assert not dlg.tabs.isTabEnabled(0) and dlg.tabs.currentIndex() == 1      # no form for a broken line
    assert "Not valid JSON" in dlg.status.text() and not dlg.save_button.isEnabled()
    assert dlg.focusWidget() is ed and ed.textCursor().atEnd()                # ready to type the missing end
    qtbot.keyClicks(ed, ' daily."}')
    qtbot.waitUntil(dlg.save_button.isEnabled, timeout=2000)
    # a record now: its texts can be edited in the form too (it stayed greyed out)
    assert dlg.tabs.isTabEnabled(0)
    dlg.tabs.setCurrentIndex(0)
    assert [b.toPlainText() for b in dlg.form_boxes][-1] == "Start metformin 500 mg daily."
    dlg.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)


def test_fix_on_a_cut_off_line_starts_from_its_text(window, broken, qtbot):
    w = window
    w.open_path(broken)
    assert w.select_line(6)
    assert CUT in w.examples.example.text()                   # shown under "Source text"
    w.examples.table.setFocus()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_E)
    dlg = w.fix_dialog
    qtbot.waitExposed(dlg)
    _close_the_quote_and_save(qtbot, dlg)
    d = w.project.decision(6)
    assert d.status == FIXED and d.fixed == json.loads(CUT + ' daily."}')


def test_fix_on_a_cut_off_line_from_the_review_desk(broken, qtbot, prefs):
    from curator.gui.example_view import edit_record

    prefs.set(REVIEWER, "Dr. Reyes")
    project = open_project(broken, reviewer="")
    try:
        desk = ReviewDesk(project, run_op.OpRunner(), prefs,
                          edit_record=lambda parent, rec, fix: edit_record(parent, rec, fix, project))
        qtbot.addWidget(desk)
        desk.resize(1000, 700)
        desk.start("all", line=6)
        with qtbot.waitActive(desk):
            desk.show()
            desk.activateWindow()
        desk.setFocus()
        assert desk.current_line() == 6

        def inside():
            dlgs = [x for x in QApplication.topLevelWidgets() if isinstance(x, FixDialog) and x.isVisible()]
            if not dlgs:
                QTimer.singleShot(20, inside)
                return
            _close_the_quote_and_save(qtbot, dlgs[0])

        QTimer.singleShot(0, inside)
        qtbot.keyClick(desk, Qt.Key.Key_E)
        d = project.decision(6)
        assert d.status == FIXED and d.fixed == json.loads(CUT + ' daily."}')
    finally:
        project.close()


def test_fix_dialog_from_raw_text_asks_before_discarding_it(qtbot):
    dlg = FixDialog(6, None, lambda o: [], raw_text=CUT, fmt="alpaca")
    qtbot.addWidget(dlg)
    assert dlg.editor.toPlainText() == CUT and not dlg.edited() and dlg.result_obj is None
    qtbot.keyClicks(dlg.editor, "x")
    assert dlg.edited()
