"""The Flags cell says what is wrong: hovering the grey 'lint' badge of line 84 (a refusal) showed
only the word 'lint' (clinician trial). The tooltip lists each finding as the desk words it: the
lint code and message, the duplicate / contradiction partners, the schema problems."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from curator.gui.table_model import COL_FLAGS


def _hover_flags(qtbot, w, line: int) -> str:
    """Hover the Flags cell of ``line`` as a mouse does (a ToolTip event on the viewport)."""
    table = w.examples.table
    w.select_line(line)
    index = w.model.index(w.model.row_of_line(line), COL_FLAGS)
    table.scrollTo(index)
    pos = table.visualRect(index).center()
    QToolTip.hideText()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, table.viewport().mapToGlobal(pos))
    QApplication.sendEvent(table.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    return QToolTip.text()


def test_flag_tooltips_name_the_findings(window, sample_data, tmp_path, qtbot):
    shutil.copy(sample_data / "clinical_notes.jsonl", tmp_path / "clinical_notes.jsonl")
    w = window
    w.open_path(tmp_path / "clinical_notes.jsonl")
    scan = w.project.scan
    refusal = next(f for f in scan.lint if f.line == 84)
    tip = _hover_flags(qtbot, w, 84)
    assert f"{refusal.code}: " in tip and "refusal boilerplate" in tip, tip
    assert tip.strip() != "lint"

    k = scan.contradictions[0]
    tip = _hover_flags(qtbot, w, k.a)
    assert f"contradicts line {k.b}" in tip, tip
    near = next(c for c in scan.near_duplicates if k.a in c.lines)
    assert "near-duplicate of line " in tip and "similarity" in tip
    assert any(str(o) in tip for o in near.lines if o != k.a)

    g = scan.exact_duplicates[0]
    tip = _hover_flags(qtbot, w, g.lines[0])
    assert "exact duplicate of line " + ", ".join(str(o) for o in g.lines[1:]) in tip, tip


def test_a_fixed_record_is_style_checked_in_its_fixed_form(opened, qtbot):
    """A trial: line 413's answer was the placeholder 'TODO'; after Fix gave it a real answer the row
    kept its 'lint' badge, the reader still opened with "Style check (placeholder)" above the new
    text, and the lint count stayed. Style checks now run on the fix (undo brings them back)."""
    from curator.gui.example_view import note_words

    w = opened
    line = 413
    assert "placeholder" in " ".join(w.model.scan_notes(line))
    before = w.table.counts()["flag:lint"]
    i = w.table.index_of(line)
    assert "lint" in w.table.flag_names(i)
    w.select_line(line)
    assert "Style check (placeholder)" in w.examples.example.reader.toPlainText()

    dlg = w.open_fix_dialog(line)
    qtbot.waitExposed(dlg)
    dlg.form_boxes[-1].setPlainText("You can return it within 30 days for a full refund; the label is "
                                    "in your account under Orders.")
    qtbot.waitUntil(dlg.save_button.isEnabled, timeout=3000)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: w.project.decision(line) is not None, timeout=5000)
    assert "lint" not in w.table.flag_names(i)
    assert not any("placeholder" in n for n in w.model.scan_notes(line))
    assert w.table.counts().get("flag:lint", 0) == before - 1
    w.select_line(line)
    assert "Style check" not in w.examples.example.reader.toPlainText()
    assert not any("placeholder" in note_words(n) for n in w.model.scan_notes(line))

    # a fix that is itself a placeholder is flagged as one (of a record that was not)
    w.undo()
    qtbot.waitUntil(lambda: w.project.decision(line) is None, timeout=5000)
    assert "lint" in w.table.flag_names(i) and w.table.counts()["flag:lint"] == before
    assert "placeholder" in " ".join(w.model.scan_notes(line))
    flagged = {f.line for f in w.project.scan.lint}
    clean = next(ln for ln in range(400, 600) if ln not in flagged and w.project.dataset.by_line(ln).valid)
    k = w.table.index_of(clean)
    assert "lint" not in w.table.flag_names(k)
    dlg = w.open_fix_dialog(clean)
    qtbot.waitExposed(dlg)
    dlg.form_boxes[-1].setPlainText("N/A")
    qtbot.waitUntil(dlg.save_button.isEnabled, timeout=3000)
    dlg.save_button.click()
    qtbot.waitUntil(lambda: w.project.decision(clean) is not None, timeout=5000)
    assert "lint" in w.table.flag_names(k)
    assert "placeholder" in " ".join(w.model.scan_notes(clean))
