"""One record, rendered as a reader expects, and the Fix editor.

Chat records read as a conversation (role headings, then the text); Alpaca records as
Instruction / Input / Output sections; a Raw JSON tab shows the source record. Every piece of
record text goes in through ``QTextCursor.insertText`` / ``setPlainText``: it is never parsed as
HTML (STYLE.md §7).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from curator.core.decisions import FIXED, Decision
from curator.core.records import Record

ROLE_COLORS = {"system": "#7f8c8d", "user": "#2f7fd1", "assistant": "#2e9d4f", "tool": "#a77d1c"}
ROLE_TITLES = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}
MAX_SHOWN_CHARS = 200_000   # a pathological 10 MB field is cut in the reader (the editor shows it whole)


def _heading_format(color: str | None = None, size_delta: float = 0.0) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setFontWeight(QFont.Weight.Bold)
    if color:
        fmt.setForeground(QColor(color))
    if size_delta:
        fmt.setFontPointSize(max(8.0, QFont().pointSizeF() + size_delta))
    return fmt


def _cut(text: str) -> str:
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return text[:MAX_SHOWN_CHARS] + f"\n… ({len(text) - MAX_SHOWN_CHARS:,} more characters; Fix shows all)"


def record_sections(rec: Record) -> list[tuple[str, str, str | None]]:
    """(heading, text, colour) in reading order; Alpaca keeps its own section names."""
    data = rec.data if isinstance(rec.data, dict) else {}
    if rec.format == "alpaca":
        out: list[tuple[str, str, str | None]] = []
        if isinstance(data.get("system"), str) and data["system"]:
            out.append(("System", data["system"], ROLE_COLORS["system"]))
        for k, pair in enumerate(data.get("history") or [], 1):
            if isinstance(pair, list) and len(pair) == 2:
                out.append((f"Earlier turn {k}: user", str(pair[0]), ROLE_COLORS["user"]))
                out.append((f"Earlier turn {k}: assistant", str(pair[1]), ROLE_COLORS["assistant"]))
        for key, title, role in (("instruction", "Instruction", "user"), ("input", "Input", "user"),
                                 ("output", "Output", "assistant")):
            value = data.get(key)
            if key == "input" and not (isinstance(value, str) and value.strip()):
                continue
            out.append((title, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
                        ROLE_COLORS[role]))
        return out
    if rec.format == "prompt-completion":
        return [("Prompt" if t.role == "user" else ("Completion" if t.role == "assistant" else t.role.title()),
                 t.content, ROLE_COLORS.get(t.role)) for t in rec.turns]
    out = []
    for t in rec.turns:
        title = ROLE_TITLES.get(t.role, t.role or "?")
        if t.source_role and t.source_role not in (t.role, "text"):
            title += f" ({t.source_role})"
        if t.weight == 0:
            title += " · not trained on (weight 0)"
        out.append((title, t.content, ROLE_COLORS.get(t.role)))
    return out


def record_title(rec: Record, unit: str = "line") -> str:
    """How a reader names the record: "Line 5" in JSONL; in a JSON array (``unit`` "record") the
    element index, with the line the element starts on: "Record 238 · starts at line 1187"."""
    if unit == "record":
        starts = f" · starts at line {rec.start_line}" if getattr(rec, "start_line", None) else ""
        return f"Record {rec.line}{starts}"
    return f"Line {rec.line}"


def render_record(edit: QTextEdit, rec: Record, decision: Decision | None = None,
                  shown: Record | None = None, unit: str = "line") -> None:
    """Write the record into ``edit`` as plain text runs with headings (no HTML anywhere).
    ``unit`` is "record" for a JSON array's records (see :func:`record_title`)."""
    edit.clear()
    cur = edit.textCursor()
    body = QTextCharFormat()
    meta = QTextCharFormat()
    meta.setForeground(QColor("#808080"))
    gap = QTextBlockFormat()
    gap.setTopMargin(10)
    first = True

    def block(fmt_block: QTextBlockFormat | None = None) -> None:
        nonlocal first
        if first:
            first = False
            if fmt_block is not None:
                cur.setBlockFormat(fmt_block)
            return
        cur.insertBlock(fmt_block or QTextBlockFormat())

    block()
    title = record_title(rec, unit) + (f" · {rec.format}" if rec.format != "unknown" else "")
    cur.insertText(title, _heading_format(size_delta=2))
    if decision is not None:
        block()
        what = decision.status + (f" ({decision.reason})" if decision.reason else "")
        who = f" by {decision.reviewer}" if decision.reviewer else ""
        cur.insertText(f"Decision: {what}{who}" + (f" — {decision.note}" if decision.note else ""), meta)
    for p in rec.errors:
        block()
        cur.insertText("✖ " + p.message + (f"  [{p.path}]" if p.path and p.path != "$" else ""),
                       _heading_format("#c0392b"))
    for p in rec.warnings:
        block()
        cur.insertText("⚠ " + p.message, _heading_format("#a77d1c"))
    target = shown if shown is not None else rec
    if shown is not None:
        block(gap)
        cur.insertText("Showing the fixed version (Raw JSON has the original).", meta)
    sections = record_sections(target)
    if not sections:
        block(gap)
        cur.insertText("Source text", _heading_format())
        block()
        cur.insertText(_cut(rec.raw.decode("utf-8", "replace")), body)
    for heading, text, color in sections:
        block(gap)
        cur.insertText(heading, _heading_format(color))
        block()
        cur.insertText(_cut(text) if text else "(empty)", body if text else meta)
    edit.moveCursor(QTextCursor.MoveOperation.Start)


def raw_json(rec: Record) -> str:
    if rec.data is None:
        return rec.raw.decode("utf-8", "replace")
    return json.dumps(rec.data, ensure_ascii=False, indent=2)


class ExampleView(QWidget):
    """The reader for one record: a conversation tab and a Raw JSON tab, plus action buttons."""

    fix_requested = Signal()
    approve_requested = Signal()
    reject_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: Record | None = None
        self.unit = "line"          # "record" while a JSON-array dataset is open (the window sets it)
        self.tabs = QTabWidget(self)
        self.reader = QTextEdit(self)
        self.reader.setReadOnly(True)
        self.reader.setAcceptRichText(False)
        self.reader.setObjectName("exampleReader")
        self.reader.setPlaceholderText("Select an example in the table to read it here.")
        self.raw = QPlainTextEdit(self)
        self.raw.setReadOnly(True)
        self.raw.setObjectName("exampleRaw")
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.tabs.addTab(self.reader, "Example")
        self.tabs.addTab(self.raw, "Raw JSON")
        self.tabs.setTabToolTip(0, "The example as a reader sees it")
        self.tabs.setTabToolTip(1, "The record exactly as the file has it (pretty-printed)")

        self.approve_btn = QPushButton(self)
        self.reject_btn = QPushButton(self)
        self.fix_btn = QPushButton(self)
        self.show_keys()
        self.approve_btn.clicked.connect(self.approve_requested)
        self.reject_btn.clicked.connect(self.reject_requested)
        self.fix_btn.clicked.connect(self.fix_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_btn)
        buttons.addWidget(self.reject_btn)
        buttons.addWidget(self.fix_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(buttons)
        self.set_record(None)

    def show_keys(self, overrides: dict | None = None) -> None:
        """Label the buttons with their keys, read from the one shortcut table (and the user's
        overrides), so the labels say what the keys do."""
        from . import shortcuts as sc

        for button, action, text, tip in (
                (self.approve_btn, sc.APPROVE, "Approve", "Keep this example"),
                (self.reject_btn, sc.REJECT, "Reject…",
                 "Leave this example out of the export, with an optional reason"),
                (self.fix_btn, sc.FIX, "Fix…",
                 "Edit the record with live schema validation; saving stores a fix (undoable)")):
            keys = sc.letter_keys(action, overrides)
            button.setText(f"{text}  [{keys[0]}]" if keys else text)   # as the review desk labels them
            button.setToolTip(f"{tip} ({', '.join(keys)})" if keys else tip)

    def set_record(self, rec: Record | None, decision: Decision | None = None,
                   fixed: Record | None = None) -> None:
        self.record = rec
        for b in (self.approve_btn, self.reject_btn, self.fix_btn):
            b.setEnabled(rec is not None)
        if rec is None:
            self.reader.clear()
            self.raw.clear()
            return
        render_record(self.reader, rec, decision, fixed if decision is not None and decision.status == FIXED else None,
                      self.unit)
        raw = raw_json(rec)
        if decision is not None and decision.status == FIXED and decision.fixed is not None:
            raw = ("// fixed version\n" + json.dumps(decision.fixed, ensure_ascii=False, indent=2)
                   + "\n\n// original\n" + raw)
        self.raw.setPlainText(raw)

    def text(self) -> str:
        """What the reader shows, as plain text (for tests and copy)."""
        return self.reader.toPlainText()


class FixDialog(QDialog):
    """Edit a record as JSON; every keystroke (debounced) re-validates it against the schema.

    ``validate`` turns a parsed object into a list of problem strings (empty: valid); it is a
    core function, the dialog only shows its answer. Save is enabled only for a valid record.
    """

    def __init__(self, line: int, obj: object, validate: Callable[[object], list[str]],
                 parent: QWidget | None = None, unit: str = "line") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Fix {unit} {line}")
        self.validate = validate
        self.result_obj: dict | None = None
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("fixEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlainText(json.dumps(obj, ensure_ascii=False, indent=2))
        self._original = self.editor.toPlainText()
        self.discard_box: QMessageBox | None = None     # the "Discard your changes?" question, while asked
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Store this as the fixed record (Ctrl+S); undo takes it back")
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("Edit the JSON. It is checked against the dataset's schema as you type.", self)
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self.resize(720, 560)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.revalidate)
        self.editor.textChanged.connect(self._timer.start)
        self.revalidate()

    def edited(self) -> bool:
        """Whether the text differs from what the editor opened with."""
        return self.editor.toPlainText() != self._original

    def reject(self) -> None:
        """Esc, Cancel or the close button: typed edits are not thrown away without asking."""
        if self.edited():
            box = QMessageBox(QMessageBox.Icon.Question, "Discard changes?", "Discard your changes?",
                              QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setInformativeText("Cancel goes back to the editor; Discard closes it without saving.")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.setEscapeButton(QMessageBox.StandardButton.Cancel)
            self.discard_box = box
            try:
                answer = box.exec()
            finally:
                self.discard_box = None
            if answer != QMessageBox.StandardButton.Discard:
                self.editor.setFocus()
                return
        super().reject()

    def revalidate(self) -> bool:
        self._timer.stop()
        text = self.editor.toPlainText()
        try:
            obj = json.loads(text)
        except ValueError as exc:
            self._show([f"Not valid JSON: {exc}"])
            self.result_obj = None
            return False
        problems = self.validate(obj)
        self._show(problems)
        self.result_obj = obj if not problems and isinstance(obj, dict) else None
        return self.result_obj is not None

    def _show(self, problems: list[str]) -> None:
        if problems:
            shown = problems[:6] + ([f"… and {len(problems) - 6} more"] if len(problems) > 6 else [])
            self.status.setText("✖ " + "\n✖ ".join(shown))
            self.status.setStyleSheet("color: #c0392b;")
        else:
            self.status.setText("✔ Valid: ready to save.")
            self.status.setStyleSheet("color: #2e9d4f;")
        self.save_button.setEnabled(not problems)

    def _save(self) -> None:
        if self.revalidate():
            self.accept()


def edit_record(parent: QWidget, record: Record, current_fix: dict | None, project) -> dict | None:
    """Blocking Fix editor: the corrected record (valid for ``project``), or None if cancelled."""
    from curator.core.table import unit_of

    line = record.line
    obj = current_fix if current_fix is not None else (record.data if record.data is not None else {})

    def validate(o: object) -> list[str]:
        return [p.describe() if p.path else p.message for p in project.validate_fix(line, o)]

    dlg = FixDialog(line, obj, validate, parent, unit_of(project.dataset))
    if dlg.exec() == QDialog.DialogCode.Accepted:
        return dlg.result_obj
    return None
