"""Two reviewers on one project, each in a window of their own, on one machine (a team lead's
trial): names, a colleague's decisions, and whose step Undo takes back."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from curator.core.decisions import APPROVED, REJECTED, UNDECIDED
from curator.gui.settings import REVIEWER, Preferences

from gui_helpers import open_window, when_modal


def _prefs(path) -> Preferences:
    return Preferences(QSettings(str(path), QSettings.Format.IniFormat))


def test_each_window_keeps_its_reviewer_name(tmp_path):
    """Ben set his name in his window; Ana's next decision in hers was recorded as Ben's (both
    windows read the one settings file at every decision)."""
    ini = tmp_path / "Curator.conf"
    ana = _prefs(ini)
    ana.set(REVIEWER, "Ana")
    ana.sync()
    ben = _prefs(ini)
    assert ben.get(REVIEWER) == "Ana"            # a new window starts from the last name used
    ben.set(REVIEWER, "Ben")
    ben.sync()
    ana.qs.sync()
    assert ana.qs.value(REVIEWER.key) == "Ben"   # the file says Ben now ...
    assert ana.get(REVIEWER) == "Ana"            # ... Ana's window still signs as Ana
    assert _prefs(ini).get(REVIEWER) == "Ben"    # the next start begins with the last one set


def _rows(n):
    return "".join(json.dumps({"messages": [{"role": "user", "content": f"Question {i} about order {i * 7}?"},
                                            {"role": "assistant", "content": f"Answer {i}: it ships in {i} days."}]})
                   + "\n" for i in range(n))


def test_a_window_shows_a_colleagues_decisions_and_asks_before_undoing_them(qtbot, tmp_path):
    data = tmp_path / "team.jsonl"
    data.write_text(_rows(12), encoding="utf-8")
    wins = {}
    for name in ("Ana", "Ben"):
        prefs = _prefs(tmp_path / f"{name}.conf")
        prefs.set(REVIEWER, name)
        wins[name] = open_window(qtbot, prefs, data, (1200, 800))
    ana, ben = wins["Ana"], wins["Ben"]
    ana.select_line(3)
    ana.approve_current()
    qtbot.waitUntil(lambda: ana.project.status_of(3) == APPROVED, timeout=5000)
    # Ben's window shows it without anything being clicked (it polls the project)
    qtbot.waitUntil(lambda: ben.table.status_of(ben.table.index_of(3)) == APPROVED, timeout=5000)
    assert "changed elsewhere" in ben.statusBar().currentMessage()
    assert "0 of 12 reviewed" not in ben.count_label.text() and "1 of 12 reviewed" in ben.count_label.text()
    # Ben's Undo would take back Ana's step: it says whose, and asks first (Cancel keeps it)
    ben._update_actions()
    assert "(by Ana)" in ben.undo_action.text()
    when_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    ben.undo()
    assert ben.project.status_of(3) == APPROVED
    # his own step is undone without a question
    ben.select_line(5)
    ben.reject_current(reason="wrong", ask=False)
    qtbot.waitUntil(lambda: ben.project.status_of(5) == REJECTED, timeout=5000)
    assert "(by" not in ben.undo_action.text()
    ben.undo()
    qtbot.waitUntil(lambda: ben.project.status_of(5) == UNDECIDED, timeout=5000)
    for w in (ana, ben):
        w.close_project()


def test_a_saved_reviewer_name_is_said_at_the_first_decision(opened, qtbot):
    """A clinician's desk said "Reviewer: Dana", an earlier user's name, and nobody asked: the first
    decision in a window says whose name signs it (once)."""
    w = opened
    w.select_line(w.model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1))
    w.approve_current()
    qtbot.waitUntil(lambda: "your decisions are signed “Tess Tester”" in w.statusBar().currentMessage(), timeout=5000)
    w.statusBar().clearMessage()
    w.approve_current()
    assert "signed" not in w.statusBar().currentMessage()


def test_replacing_a_colleagues_decision_is_said(qtbot, tmp_path):
    """Ben approved a line Ana had rejected as a duplicate, and nothing said so."""
    import curator

    data = tmp_path / "team.jsonl"
    data.write_text(_rows(8), encoding="utf-8")
    with curator.open_project(data, reviewer="Ana", scan=False) as p:
        p.reject(6, reason="duplicate")
    prefs = _prefs(tmp_path / "ben.conf")
    prefs.set(REVIEWER, "Ben")
    w = open_window(qtbot, prefs, data)
    w.select_line(6)
    w.approve_current()
    qtbot.waitUntil(lambda: w.project.status_of(6) == APPROVED, timeout=5000)
    assert "this replaced Ana's “rejected” on line 6 (Ctrl+Z brings it back)" in w.statusBar().currentMessage()
    w.close_project()


def test_the_status_cell_says_who_decided(opened, qtbot):
    """A team lead could see who decided a row only one example at a time: the Status cell's
    tooltip names the reviewer, the time and the reason."""
    from curator.gui.table_model import COL_STATUS

    w = opened
    line = w.model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1)
    w.select_line(line)
    w.reject_current(reason="wrong", ask=False)
    qtbot.waitUntil(lambda: w.project.status_of(line) == REJECTED, timeout=5000)
    tip = w.model.index(w.model.row_of_line(line), COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "rejected by Tess Tester on " in tip and " UTC" in tip and "reason: wrong" in tip, tip
    undecided = next(r for r in range(w.model.rowCount())
                     if w.model.index(r, COL_STATUS).data() in ("", "—", None, "undecided"))
    assert w.model.index(undecided, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole) is None
