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
