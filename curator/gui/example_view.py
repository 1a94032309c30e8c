"""One record, rendered as a reader expects, and the Fix editor.

Chat records read as a conversation (role headings, then the text); Alpaca records as
Instruction / Input / Output sections; a Raw JSON tab shows the source record. Every piece of
record text goes in through ``QTextCursor.insertText`` / ``setPlainText``: it is never parsed as
HTML (STYLE.md §7).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence

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
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from curator.core.decisions import FIXED, REJECT_REASONS, Decision
from curator.core.records import Record
from curator.core.project import FixDraft

ROLE_COLORS = {"system": "#7f8c8d", "user": "#2f7fd1", "assistant": "#2e9d4f", "tool": "#a77d1c"}
ROLE_TITLES = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}
MAX_SHOWN_CHARS = 200_000   # a pathological 10 MB field is cut in the reader (the editor shows it whole)


# The words a reviewer reads for each reject reason code (the desk's reason list, the Examples
# tab's reject dialog, the reader and the desk's status line all use these).
REASON_LABELS = {code: code.replace("_", " ") for code in REJECT_REASONS}


def reason_label(code: str | None) -> str | None:
    """"low quality" for "low_quality"; an unknown code (from a newer version) as it is."""
    return REASON_LABELS.get(code, code) if code else code


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
                  shown: Record | None = None, unit: str = "line", *, notes: Sequence[str] = (),
                  raw_tab: bool = False) -> None:
    """Write the record into ``edit`` as plain text runs with headings (no HTML anywhere).
    ``unit`` is "record" for a JSON array's records (see :func:`record_title`). ``notes``: what
    the scan says about the record in words (a style check's message, "contradicts line 7"), shown
    under the title as its errors and warnings are. ``raw_tab``: the pane sits beside a Raw JSON
    tab (the Examples tab's does; the review desk has none), which may then be pointed to."""
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
    # a fixed record is shown as its fix: that is what is exported; the original comes second
    target = shown if shown is not None else rec
    title = record_title(rec, unit) + (f" · {target.format}" if target.format != "unknown" else "")
    cur.insertText(title, _heading_format(size_delta=2))
    if decision is not None:
        block()
        what = decision.status + (f" ({reason_label(decision.reason)})" if decision.reason else "")
        who = f" by {decision.reviewer}" if decision.reviewer else ""
        cur.insertText(f"Decision: {what}{who}" + (f" — {decision.note}" if decision.note else ""), meta)
    if shown is not None:
        block()
        cur.insertText("Showing the fixed version: this is what the export writes.", meta)
    for p in target.errors:
        block()
        cur.insertText("✖ " + p.message + (f"  [{p.path}]" if p.path and p.path != "$" else ""),
                       _heading_format("#c0392b"))
    for p in target.warnings:
        block()
        cur.insertText("⚠ " + p.message, _heading_format("#a77d1c"))
    for note in notes:
        # a lint finding was only in the tooltip of a small "lint" badge: say it here, in words
        block()
        words = note_words(note)
        cur.insertText("⚑ " + words[:1].upper() + words[1:], _heading_format("#a77d1c"))
    sections = record_sections(target)
    if not sections:
        block(gap)
        cur.insertText("Source text", _heading_format())
        block()
        cur.insertText(_cut(target.raw.decode("utf-8", "replace")), body)
    for heading, text, color in sections:
        block(gap)
        cur.insertText(heading, _heading_format(color))
        block()
        cur.insertText(_cut(text) if text else "(empty)", body if text else meta)
    if shown is not None:
        # what was wrong before the fix: still there to read, but after the record and labelled
        block(gap)
        cur.insertText(f"The original {unit} (before the fix)", _heading_format("#808080"))
        problems = [("✖ ", p) for p in rec.errors] + [("⚠ ", p) for p in rec.warnings]
        for mark, p in problems:
            block()
            cur.insertText(f"{mark}the original {unit}: {p.message}", meta)
        if not problems:
            # only its shape was checked: "It had no problems" read as "its answer was right" to a
            # clinician whose fix corrected a medically wrong answer
            block()
            cur.insertText("No format problems found in it (only its fields and format are checked, "
                           "not whether its answer is right).", meta)
        # its text, here: the review desk has no Raw JSON tab to point to
        for heading, text, _color in record_sections(rec):
            block()
            cur.insertText(heading, _heading_format("#808080"))
            block()
            cur.insertText(_cut(text) if text else "(empty)", meta)
        if not record_sections(rec):
            block()
            cur.insertText(_cut(rec.raw.decode("utf-8", "replace")), meta)
        if raw_tab:
            block()
            cur.insertText("The Raw JSON tab shows both as JSON: the fixed version first, then the original.",
                           meta)
    edit.moveCursor(QTextCursor.MoveOperation.Start)


def note_words(note: str) -> str:
    """A scan note in plain words: "truncated: the response …" reads "Style check (truncated): the
    response …"; the other notes ("contradicts line 7", "exact duplicate of …") read as they are."""
    code, sep, message = note.partition(": ")
    if sep and code.replace("_", "").isalpha() and code == code.lower() and " " not in code:
        return f"Style check ({code.replace('_', ' ')}): {message}"
    return note


def raw_json(rec: Record) -> str:
    if rec.data is None:
        return rec.raw.decode("utf-8", "replace")
    return json.dumps(rec.data, ensure_ascii=False, indent=2)


# The Examples tab's buttons: (attribute, shortcut action, words, tooltip). The buttons and the
# window's key list (F1) both read this, so the list says what the buttons say.
EXAMPLE_BUTTONS = (
    ("approve_btn", "approve", "Approve", "Keep this example"),
    ("reject_btn", "reject", "Reject…", "Leave this example out of the export, with an optional reason"),
    ("fix_btn", "fix", "Fix…", "Edit the record with live schema validation; saving stores a fix (undoable)"),
)


class ExampleView(QWidget):
    """The reader for one record: a conversation tab and a Raw JSON tab, plus action buttons."""

    fix_requested = Signal()
    approve_requested = Signal()
    reject_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: Record | None = None
        # line → what the scan says about it in words (table_model.flag_notes); set by the window
        self.notes_of: Callable[[int], list[str]] | None = None
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

        for name, action, text, tip in EXAMPLE_BUTTONS:
            button = getattr(self, name)
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
        notes = self.notes_of(rec.line) if self.notes_of is not None else []
        render_record(self.reader, rec, decision, fixed if decision is not None and decision.status == FIXED else None,
                      self.unit, notes=notes, raw_tab=True)
        raw = raw_json(rec)
        if decision is not None and decision.status == FIXED and decision.fixed is not None:
            raw = ("// fixed version\n" + json.dumps(decision.fixed, ensure_ascii=False, indent=2)
                   + "\n\n// original\n" + raw)
        self.raw.setPlainText(raw)

    def text(self) -> str:
        """What the reader shows, as plain text (for tests and copy)."""
        return self.reader.toPlainText()


class FixDialog(QDialog):
    """Correct a record: a form with one box per text (question, answer, system prompt …) and
    the whole record as JSON; every change (debounced) re-validates it against the schema.

    ``validate`` turns a parsed object into a list of problem strings (empty: valid); it is a
    core function, the dialog only shows its answer. Save is enabled only for a valid record.
    The form is built by ``curator.core.fields`` from the record's format (``fmt``) and field
    mapping; it edits only strings, so tool calls, images and metadata stay as they are (the
    JSON tab edits everything). Without a format, or for a record with no texts, only JSON shows.

    ``raw_text``: a line that is not valid JSON (cut off, a stray comma) has no ``obj``; the JSON
    tab then starts from the line's own text, so the reviewer repairs it instead of retyping it
    (the form is disabled: it needs a parsed record).
    """

    def __init__(self, line: int, obj: object, validate: Callable[[object], list[str]],
                 parent: QWidget | None = None, unit: str = "line", fmt: str | None = None,
                 mapping: dict | None = None, raw_text: str | None = None,
                 keep_draft: Callable[[str | None], object] | None = None,
                 draft: FixDraft | None = None, editing: tuple[str, int] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Fix {unit} {line}")
        self.validate = validate
        self.result_obj: dict | None = None
        self._fmt, self._mapping = fmt, mapping
        self._from_raw = raw_text is not None
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("fixEditor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlainText(raw_text if raw_text is not None else json.dumps(obj, ensure_ascii=False, indent=2))
        self._original = self.editor.toPlainText()      # what the record is: "edited" compares with it
        # the unsaved fix restored from the project (typed before the app closed): the editor starts
        # from it, the form too when it is a record
        self._restored = draft
        if draft is not None:
            self.editor.setPlainText(draft.text)
            try:
                parsed = json.loads(draft.text)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                obj, raw_text = parsed, None
                self._from_raw = False          # a broken line the draft had already repaired
            else:
                raw_text = draft.text
        # what is typed is kept in the project a second after each pause (``keep_draft(text)``;
        # None when the text is back to the record), so a crash loses at most that second
        self._keep_draft = keep_draft
        # (project file, line) while open, so another window of this process does not offer its
        # draft as a crash leftover (see drafts_to_offer)
        self._editing = editing
        if editing is not None:
            _OPEN_EDITORS[editing] += 1
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(1000)
        self._draft_timer.timeout.connect(self.keep_draft_now)
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

        # the form: one labelled box per text of the record
        self.form_boxes: list[QPlainTextEdit] = []
        self._fields: list = []
        self._form_base: object = obj        # the record the form's fields were read from
        self._form_dirty = False             # a box changed since the JSON was last written from the form
        self._json_dirty = False             # the JSON changed since the form was last built from it
        self._syncing = False
        self.form_page = QWidget(self)
        self.form_page.setObjectName("fixForm")
        self._form_layout = QVBoxLayout(self.form_page)
        self.form_note = QLabel(self.form_page)
        self.form_note.setTextFormat(Qt.TextFormat.PlainText)
        self.form_note.setWordWrap(True)
        self.form_scroll = QScrollArea(self)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(self.form_page)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.form_scroll, "&Form")
        self.tabs.addTab(self.editor, "&JSON")
        self.tabs.setTabToolTip(0, "The texts of the record, one box each (Alt+F)")
        self.tabs.setTabToolTip(1, "The whole record as JSON, every field (Alt+J)")
        has_form = self._build_form(obj) if raw_text is None else False
        self.tabs.setTabEnabled(0, has_form)
        self.tabs.setCurrentIndex(0 if has_form else 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._form_usable = has_form
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self.resize(760, 600)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.revalidate)
        self.editor.textChanged.connect(self._json_edited)
        self._show_hint()
        self.revalidate()
        if self._restored is not None:
            self._focus_where_typing_stopped()
        elif self._from_raw:
            self.editor.moveCursor(QTextCursor.MoveOperation.End)    # a cut-off line is repaired at its end
            self.editor.setFocus()
        elif has_form:
            self._focus_answer()

    def _focus_answer(self, box: QPlainTextEdit | None = None, at: int | None = None) -> None:
        """Put the cursor in ``box`` at ``at`` (default: the answer, what a reviewer corrects
        most, or the first box; at its start)."""
        if not self.form_boxes:
            return
        answers = [b for b, f in zip(self.form_boxes, self._fields) if f.role == "assistant"]
        first = box or (answers[-1] if answers else self.form_boxes[0])
        if at is not None:
            cursor = first.textCursor()
            cursor.setPosition(at)
            first.setTextCursor(cursor)
        first.setFocus()

        def show() -> None:
            # boxes just built are shown only once the layout runs: focus again when they are
            if first in self.form_boxes:
                first.setFocus()
                self.form_scroll.ensureWidgetVisible(first)
                first.ensureCursorVisible()

        QTimer.singleShot(0, show)

    def _focus_where_typing_stopped(self) -> None:
        """A restored fix goes on where the reviewer stopped: the cursor at the end of the first
        change from the record (a trial: it sat at the start of the answer, away from the text
        just typed), in the box holding it, else in the JSON."""
        from curator.core.fields import text_fields

        try:
            before = json.loads(self._original)
        except ValueError:
            before = None
        if self.tabs.isTabEnabled(0) and self.form_boxes:
            old = ({f.path: _lf(f.text) for f in text_fields(before, self._fmt, self._mapping)}
                   if isinstance(before, dict) and self._fmt else {})
            for box, f in zip(self.form_boxes, self._fields):
                now = box.toPlainText()      # (the box's line ends: a "\r\n" is one "\n" there)
                if old.get(f.path) != now:
                    self._focus_answer(box, qt_position(now, change_end(old.get(f.path, ""), now)))
                    return
            if self.editor.toPlainText() == self._original:
                self._focus_answer()
                return
            self.tabs.setCurrentIndex(1)     # the change is outside the texts: show it in the JSON
        cursor = self.editor.textCursor()
        text = self.editor.toPlainText()
        cursor.setPosition(qt_position(text, change_end(self._original, text)))
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    # ---- the form ----------------------------------------------------------------------------

    def _build_form(self, obj: object) -> bool:
        """(Re)build the boxes from ``obj``; False when it has no texts to show as a form."""
        from curator.core.fields import text_fields

        while self._form_layout.count():
            item = self._form_layout.takeAt(0)
            if item.widget() is not None and item.widget() is not self.form_note:
                item.widget().deleteLater()
        self.form_boxes = []
        self._fields = text_fields(obj, self._fmt, self._mapping) if self._fmt else []
        self._form_base = obj
        self._form_dirty = self._json_dirty = False
        line_h = self.fontMetrics().lineSpacing()
        for f in self._fields:
            label = QLabel(f.label, self.form_page)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setStyleSheet(f"font-weight: bold; color: {ROLE_COLORS.get(f.role, '#808080')};")
            box = QPlainTextEdit(self.form_page)
            box.setObjectName("fixField")
            box.setPlainText(f.text)
            if f.new or (f.role == "assistant" and not f.text):
                # the record has no answer: this box adds one, in the record's own shape
                box.setPlaceholderText("Type the answer here; saving adds it to the record.")
            box.setTabChangesFocus(True)         # Tab moves to the next box, as in any form
            box.setAccessibleName(f.label)
            label.setBuddy(box)
            # as tall as its text (3-12 lines; longer texts scroll inside the box), so a short
            # question does not push the answer out of sight
            shown_lines = min(12, max(3, f.text.count("\n") + 1 + len(f.text) // 90))
            box.setFixedHeight(line_h * shown_lines + 12)
            box.textChanged.connect(self._form_edited)
            box.textChanged.connect(lambda b=box, h=line_h: b.setFixedHeight(
                h * min(12, max(3, int(b.document().size().height()) + 1)) + 12))   # grows as you type
            self._form_layout.addWidget(label)
            self._form_layout.addWidget(box)
            self.form_boxes.append(box)
        self.form_note.setText("Only the texts are here; tool calls, images and other fields are kept as "
                               "they are (the JSON tab shows and edits everything).")
        self._form_layout.addWidget(self.form_note)
        self._form_layout.addStretch(1)
        return bool(self._fields)

    def _form_edited(self) -> None:
        if not self._syncing:
            self._form_dirty = True
            self._timer.start()
            self._draft_timer.start()

    def _json_edited(self) -> None:
        if not self._syncing:
            self._json_dirty = True
            self._draft_timer.start()
        self._timer.start()

    def done(self, result: int) -> None:
        """However the editor closes, nothing is kept after it (a pending keep fired later, on a
        project the window had closed meanwhile). Closed by the window (another dataset opened),
        the last second of typing is kept first; Save and Discard have stopped the timer."""
        if self._draft_timer.isActive() and result == QDialog.DialogCode.Rejected:
            self.keep_draft_now()
        self._draft_timer.stop()
        if self._editing is not None and _OPEN_EDITORS[self._editing] > 0:
            _OPEN_EDITORS[self._editing] -= 1
            if not _OPEN_EDITORS[self._editing]:
                del _OPEN_EDITORS[self._editing]
        super().done(result)

    def keep_draft_now(self) -> None:
        """Hand what is typed to ``keep_draft`` (None once it is the record again)."""
        self._draft_timer.stop()
        if self._keep_draft is not None:
            self._keep_draft(self.editor.toPlainText() if self.edited() else None)

    def _sync_form_to_json(self) -> None:
        """Write the boxes' texts into the record and show it in the JSON tab."""
        from curator.core.fields import with_field_texts

        if not self._form_dirty:
            return
        edits = {f: box.toPlainText() for f, box in zip(self._fields, self.form_boxes)
                 if box.toPlainText() != f.text}
        obj = with_field_texts(self._form_base, edits) if isinstance(self._form_base, dict) else self._form_base
        self._syncing = True
        try:
            self.editor.setPlainText(json.dumps(obj, ensure_ascii=False, indent=2))
        finally:
            self._syncing = False
        self._form_dirty = False

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self._sync_form_to_json()
        elif self._json_dirty:
            # back from the JSON tab: the form shows the record as the JSON now has it
            try:
                obj = json.loads(self.editor.toPlainText())
            except ValueError:
                obj = None
            self._form_usable = isinstance(obj, dict) and self._build_form(obj)
            self.form_scroll.setEnabled(self._form_usable)
        if index == 0 and self._form_usable:
            self._focus_answer()
        self._show_hint()

    def _show_hint(self) -> None:
        self._show_tab_hint()
        if self._restored is not None:
            when = self._restored.at.replace("T", " ")[:16]
            self.hint.setText(f"Restored the fix you had not saved ({when} UTC). " + self.hint.text())

    def _show_tab_hint(self) -> None:
        if self.tabs.currentIndex() == 0 and not self._form_usable:
            self.hint.setText("The JSON has an error, so the form cannot show the record: correct it in the "
                              "JSON tab (Alt+J) first.")
        elif self.tabs.currentIndex() == 0:
            self.hint.setText("Correct the texts below. The record is checked against the dataset's schema "
                              "as you type; Tab moves to the next box.")
        elif self._from_raw:
            self.hint.setText("This line is not valid JSON; below is its text as the file has it (the end "
                              "of a cut-off line is where the cursor is). Repair it; it is checked as you type.")
        else:
            self.hint.setText("Edit the JSON. It is checked against the dataset's schema as you type.")

    def edited(self) -> bool:
        """Whether the record differs from what the editor opened with."""
        self._sync_form_to_json()
        return self.editor.toPlainText() != self._original

    def reject(self) -> None:
        """Esc, Cancel or the close button: typed edits are not thrown away without asking."""
        if self.edited():
            back = self.focusWidget()      # the box or editor the reviewer was typing in
            box = QMessageBox(QMessageBox.Icon.Question, "Discard changes?", "Discard your changes?",
                              QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setInformativeText("Cancel goes back to the editor; Discard closes it without saving.")
            box.button(QMessageBox.StandardButton.Discard).setText("&Discard")    # Alt+D, as elsewhere
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.setEscapeButton(QMessageBox.StandardButton.Cancel)
            self.discard_box = box
            try:
                answer = box.exec()
            finally:
                self.discard_box = None
            if answer != QMessageBox.StandardButton.Discard:
                (back if back is not None else self.editor).setFocus()
                return
        self._draft_timer.stop()
        if self._keep_draft is not None:
            self._keep_draft(None)          # discarded on purpose: nothing to offer back
        super().reject()

    def revalidate(self) -> bool:
        self._timer.stop()
        self._sync_form_to_json()
        text = self.editor.toPlainText()
        try:
            obj = json.loads(text)
        except ValueError as exc:
            from curator.core.io import json_error_message

            where = f"line {exc.lineno}: " if isinstance(exc, json.JSONDecodeError) and "\n" in text else ""
            self._show([where + json_error_message(exc, text).replace("not valid JSON", "Not valid JSON", 1)])
            self.result_obj = None
            return False
        problems = self.validate(obj)
        self._show(problems)
        self.result_obj = obj if not problems and isinstance(obj, dict) else None
        if not self.tabs.isTabEnabled(0) and self._fmt and isinstance(obj, dict):
            # a record started from broken text is JSON now: its texts can be edited in the form
            self._form_usable = self._build_form(obj)
            self.form_scroll.setEnabled(self._form_usable)
            self.tabs.setTabEnabled(0, self._form_usable)
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
            self._draft_timer.stop()        # storing the fix removes the draft (Project.fix)
            self.accept()


def change_end(before: str, after: str) -> int:
    """Where the last change from ``before`` to ``after`` ends in ``after`` (what is typed at the
    end ends there; an insertion in the middle ends before the unchanged rest)."""
    n = min(len(before), len(after))
    prefix = 0
    while prefix < n and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < n - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    return len(after) - suffix


def _lf(text: str) -> str:
    """``text`` with its line ends as a text box holds them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def qt_position(text: str, index: int) -> int:
    """A cursor position (UTF-16 units, as Qt counts them) for a Python index into ``text``."""
    return len(text[:index].encode("utf-16-le")) // 2


def fix_form_options(project, record: Record) -> tuple[str | None, dict | None]:
    """(format, field mapping) the Fix form reads ``record`` with: the dataset's own."""
    fmt = record.format if record.format != "unknown" else project.dataset.format
    return (fmt if fmt not in ("unknown", "mixed") else None), project.dataset.mapping


def fix_start(record: Record, current_fix: dict | None) -> tuple[object, str | None]:
    """What the Fix editor starts from: (the fix so far, else the parsed record; the line's own
    text when it did not parse, else None)."""
    if current_fix is not None:
        return current_fix, None
    if record.data is not None:
        return record.data, None
    return {}, record.raw.decode("utf-8", "replace").rstrip("\r\n")


# (project file, line) of every Fix editor open in this process: its draft is being typed, not left
# by a crash (a second window on the same project must not offer it back)
# (counted: "Fix anyway" opens a second one, and closing it must not forget the first)
_OPEN_EDITORS: Counter[tuple[str, int]] = Counter()


def drafts_to_offer(project) -> list[FixDraft]:
    """The project reviewer's unsaved fixes to offer back: :meth:`Project.fix_drafts` less those
    whose editor is open in this process (still being typed, not left by a crash)."""
    return [d for d in project.fix_drafts(project.reviewer)
            if (str(project.path), d.line) not in _OPEN_EDITORS]


def ask_restore_draft(parent: QWidget | None, draft: FixDraft, unit: str) -> bool | None:
    """Offer back an unsaved fix: True (restore it), False (discard it, start from the record) or
    None (do not open the editor now; the draft stays)."""
    when = draft.at.replace("T", " ")[:16]
    box = QMessageBox(QMessageBox.Icon.Question, "Restore your unsaved fix?",
                      f"You were fixing {unit} {draft.line} ({when} UTC) and it was not saved: Curator closed "
                      "before you pressed Save.", QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText("Restore goes on from what you had typed; Discard starts again from the record.")
    restore = box.addButton("&Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return True if clicked is restore else False if clicked is discard else None


def ask_fix_anyway(parent: QWidget | None, project, line: int, unit: str) -> tuple[bool, bool]:
    """When ``line`` is being fixed in another window (of this Curator, or another one running on
    this machine), say so and ask before opening a second editor on it. Returns (open it?, may it
    keep its draft?): a second editor of the same reviewer must not keep or drop the draft, which
    is the other editor's (one key per line and reviewer: its keeps overwrote the other's typing,
    and its Cancel deleted it). (True, True) at once when nobody else is fixing it."""
    here = (str(project.path), line) in _OPEN_EDITORS
    others = project.fixes_elsewhere(line, this_process=here)
    if not others and not here:
        return True, True
    names = sorted({d.reviewer or "someone" for d in others if d.reviewer != project.reviewer})
    if here or any(d.reviewer == project.reviewer for d in others):
        names.append("you")
    by = f" by {names[0]}" if len(names) == 1 else f" by {', '.join(names[:-1])} and {names[-1]}" if names else ""
    typed = (f" Typing there was last kept {others[-1].at.replace('T', ' ')[:16]} UTC and is not saved yet."
             if others else " Nothing is saved there yet.")
    box = QMessageBox(QMessageBox.Icon.Warning, "Being fixed in another window",
                      f"{unit.capitalize()} {line} is open in the Fix editor of another Curator window{by}.{typed}",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    shares = "you" in names
    box.setInformativeText(
        "If you fix it here too, whichever fix is saved last replaces the other (the status bar says so, "
        "and Ctrl+Z brings the other back)." + (" What you type here is not kept if Curator closes before "
                                               "you save, as the other window keeps its own." if shares else "")
        + " Fix it here anyway?")
    anyway = box.addButton("Fix &anyway", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is anyway, not shares


def fix_dialog(parent: QWidget | None, project, record: Record, current_fix: dict | None,
               restore: bool | None = None) -> FixDialog | None:
    """The Fix editor for ``record``, keeping what is typed in the project as it goes. An unsaved
    fix of the record left by a crash is offered back first (``restore``: True restores it without
    asking), and a fix of it being typed in another window is said first; None when the reviewer
    chose not to open the editor now."""
    from curator.core.table import unit_of

    line, unit = record.line, unit_of(project.dataset)
    go, may_keep = ask_fix_anyway(parent, project, line, unit)
    if not go:
        return None
    obj, raw_text = fix_start(record, current_fix)
    draft = next((d for d in drafts_to_offer(project) if d.line == line), None)
    if draft is not None and restore is None:
        restore = ask_restore_draft(parent, draft, unit)
        if restore is None:
            return None
        if not restore:
            project.drop_fix_draft(line)
    if not restore:
        draft = None

    def validate(o: object) -> list[str]:
        return [p.describe() if p.path else p.message for p in project.validate_fix(line, o)]

    def keep(text: str | None) -> None:
        if project.store.closed:
            return
        if text is None:
            project.drop_fix_draft(line)
        else:
            project.save_fix_draft(line, text)

    return FixDialog(line, obj, validate, parent, unit, *fix_form_options(project, record), raw_text=raw_text,
                     keep_draft=keep if may_keep else None, draft=draft, editing=(str(project.path), line))


def edit_record(parent: QWidget, record: Record, current_fix: dict | None, project) -> dict | None:
    """Blocking Fix editor: the corrected record (valid for ``project``), or None if cancelled."""
    dlg = fix_dialog(parent, project, record, current_fix)
    if dlg is not None and dlg.exec() == QDialog.DialogCode.Accepted:
        return dlg.result_obj
    return None
