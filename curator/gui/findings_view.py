"""The findings panel: duplicate clusters and contradictions, worst first, with a side-by-side diff.

The list order and the word diff come from the core (:func:`curator.core.table.finding_items`,
:func:`curator.core.table.word_diff`); this module only shows them and turns button clicks into
a :attr:`FindingsView.resolve` request that the main window passes to the project.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from curator.core.decisions import UNDECIDED
from curator.core.export import DISTINCT_TEXTS, distinct_reason
from curator.core.findings import CONTRADICTION_REASONS
from curator.core.records import Record
from curator.core.review import plural
from curator.core.table import (
    ExamplesTable,
    FindingItem,
    diff_sides,
    finding_items,
    format_pct,
    labelled_text,
    word_diff,
)

from . import shortcuts as sc

FindingRole = Qt.ItemDataRole.UserRole
KIND_TEXT = {"contradiction": "Contradiction", "duplicate": "Exact duplicates", "near_duplicate": "Near duplicates"}
# The differing words, the same tint on both sides: a clinician read the old red (left) and green
# (right) as "wrong" and "correct". Amber is told apart from the page by every kind of colour vision
# and says nothing about which side is right; translucent, so either theme's text stays readable,
# and underlined too, so it never rests on colour alone.
CHANGED = QColor(255, 176, 0, 110)
DIFF_LEGEND = ("Highlighted (amber, underlined): words that differ between the two. "
               "The highlight does not say which side is right.")
MAX_LISTED = 40        # members a list entry names; the view elides what its width cannot show
# The resolution buttons' keys and words come from one table (shortcuts.FINDING_KEYS): the
# buttons' labels, the panel's shortcuts and the window's key list (F1) all read it.
BUTTON_KEYS = tuple((f.button, f.key) for f in sc.FINDING_KEYS)


def member_list(lines: tuple[int, ...], unit: str = "line") -> str:
    """"lines 5, 166, 375", or the first few and a closing "…": one elision mark only, at the end,
    where the list's own elision (when the row is narrower) also cuts, so the two never stack."""
    shown = ", ".join(str(x) for x in lines[:MAX_LISTED])
    return f"{unit}s {shown}" + (", …" if len(lines) > MAX_LISTED else "")


class FindingsModel(QAbstractListModel):
    """The scan's findings, worst first, with how many members are still undecided."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[FindingItem] = []
        self.table: ExamplesTable | None = None

    def set_findings(self, table: ExamplesTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self.items = finding_items(table.scan, table.unit) if table is not None else []
        self.endResetModel()

    def open_count(self, item: FindingItem) -> int:
        if self.table is None:
            return len(item.lines)
        n = 0
        for ln in item.lines:
            i = self.table.index_of(ln)
            if i is not None and self.table.status_of(i) == UNDECIDED:
                n += 1
        return n

    def is_resolved(self, item: FindingItem) -> bool:
        return self.open_count(item) == 0

    def open_findings(self) -> int:
        """How many findings still have an undecided member."""
        return sum(1 for it in self.items if not self.is_resolved(it))

    def refresh(self) -> None:
        if self.items:
            self.dataChanged.emit(self.index(0), self.index(len(self.items) - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "✔ " if self.is_resolved(item) else ""
            # the title has the count; the core's detail ends "… (+38)", which the list cut again
            # to "… ..." on a narrow row: members are listed here with one closing mark
            detail = item.detail if item.kind == "contradiction" else \
                member_list(item.lines, self.table.unit if self.table is not None else "line")
            return f"{mark}{item.title}\n{detail}"
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "resolved" if self.is_resolved(item) else f"{self.open_count(item)} undecided"
            return f"{KIND_TEXT[item.kind]} ({state}). Select to compare the members side by side."
        if role == Qt.ItemDataRole.ForegroundRole and self.is_resolved(item):
            return QColor("#808080")
        if role == FindingRole:
            return item
        return None


class DiffView(QWidget):
    """Two members side by side, differing words highlighted, with one-click resolutions."""

    # resolve(item, action, line): action in keep (line kept, others rejected) / fix (line fixed,
    # other rejected) / reject_all
    resolve = Signal(object, str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: FindingItem | None = None
        self.table: ExamplesTable | None = None
        # line → the record as it now stands (a reviewer's fix, else the source): set by the window
        self.record_of: Callable[[int], Record] | None = None
        self.title = QLabel("Select a finding on the left to compare its examples.", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() + 1)
        self.title.setFont(f)
        self.scores = QLabel(self)
        self.scores.setTextFormat(Qt.TextFormat.PlainText)
        self.scores.setWordWrap(True)
        self.left_pick = QComboBox(self)
        self.right_pick = QComboBox(self)
        self.left_pick.setToolTip("Which member to show on the left")
        self.right_pick.setToolTip("Which member to show on the right")
        self.left_pick.currentIndexChanged.connect(self._show_pair)
        self.right_pick.currentIndexChanged.connect(self._show_pair)
        self.left = self._side("diffLeft")
        self.right = self._side("diffRight")
        self.left_head = QLabel(self)
        self.right_head = QLabel(self)
        for lab in (self.left_head, self.right_head):
            lab.setTextFormat(Qt.TextFormat.PlainText)
        self.legend = QLabel(DIFF_LEGEND, self)
        self.legend.setObjectName("diffLegend")
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        self.legend.setWordWrap(True)
        self.legend.setToolTip("The same highlight on both sides: it marks where the two texts differ, "
                               "not which one is right.")

        self.keep_left = QPushButton("Keep left", self)
        self.keep_right = QPushButton("Keep right", self)
        self.fix_btn = QPushButton("Fix left…", self)
        self.fix_right = QPushButton("Fix right…", self)
        self.keep_all = QPushButton("Approve both", self)
        self.reject_all = QPushButton("Reject both", self)
        self.keep_all.clicked.connect(lambda: self._emit("keep_all", 0))
        self.keep_left.clicked.connect(lambda: self._emit("keep", self._line(self.left_pick)))
        self.keep_right.clicked.connect(lambda: self._emit("keep", self._line(self.right_pick)))
        self.fix_btn.clicked.connect(lambda: self._fix(self._line(self.left_pick), self._line(self.right_pick)))
        self.fix_right.clicked.connect(lambda: self._fix(self._line(self.right_pick), self._line(self.left_pick)))
        self.fix_confirm: QMessageBox | None = None     # "Fix record N and reject record M?" while asked
        self.reject_all.clicked.connect(lambda: self._emit("reject_all", 0))

        grid = QGridLayout()
        grid.addWidget(self.left_pick, 0, 0)
        grid.addWidget(self.right_pick, 0, 1)
        grid.addWidget(self.left_head, 1, 0)
        grid.addWidget(self.right_head, 1, 1)
        grid.addWidget(self.left, 2, 0)
        grid.addWidget(self.right, 2, 1)
        grid.addWidget(self.legend, 3, 0, 1, 2)
        grid.setRowStretch(2, 1)
        self._keys = {getattr(self, name): QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
                      for name, key in BUTTON_KEYS}
        for b in self._keys:
            self._label(b, b.text())
        self._buttons = (self.keep_left, self.keep_right, self.keep_all, self.reject_all, self.fix_btn,
                         self.fix_right)
        # two rows (keep / approve / reject, then the two fixes, whose words name the member each
        # rejects): with their keys shown, six buttons in one row need more than the panel's width
        buttons = QVBoxLayout()
        for row in (self._buttons[:4], self._buttons[4:]):
            line = QHBoxLayout()
            for b in row:
                line.addWidget(b)
            line.addStretch(1)
            buttons.addLayout(line)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.scores)
        lay.addLayout(grid, 1)
        lay.addLayout(buttons)
        self.set_item(None, None)

    def _side(self, name: str) -> QTextEdit:
        edit = QTextEdit(self)
        edit.setObjectName(name)
        edit.setReadOnly(True)
        edit.setAcceptRichText(False)
        return edit

    @staticmethod
    def _line(combo: QComboBox) -> int:
        value = combo.currentData()
        return int(value) if value is not None else 0

    def _emit(self, action: str, line: int) -> None:
        if self.item is not None:
            self.resolve.emit(self.item, action, line)

    def _fix(self, line: int, other: int) -> None:
        """Fix one member of a contradiction. That resolves it: the other member is rejected when
        the fix is saved. A clinician pressed "Fix record 1300…" and found 524 rejected without a
        word, so the button says it, and this asks before the editor opens (Enter goes on)."""
        if self.item is None:
            return
        if not self.confirm_fix(line, other):
            return
        self._emit("fix", line)

    def confirm_fix(self, line: int, other: int) -> bool:
        """Ask "Fix record N and reject record M?"; True to go on to the editor."""
        unit = self._unit()
        box = QMessageBox(QMessageBox.Icon.Question, f"Fix {unit} {line} and reject {unit} {other}?",
                          f"Fixing {unit} {line} resolves this contradiction: you correct {unit} {line}, and "
                          f"when you save the fix {unit} {other} is rejected (left out of the export), "
                          f"because the two give different answers to the same question.\n\n"
                          f"Undo (Ctrl+Z) takes both back. To correct {unit} {line} without deciding "
                          f"{unit} {other}, select it on the Examples tab and press Fix there.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        go = box.addButton(f"Fix {unit} {line}, reject {unit} {other}", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(go)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        self.fix_confirm = box
        back = QApplication.focusWidget()
        try:
            box.exec()
        finally:
            self.fix_confirm = None
            if back is not None and back.isVisible():
                # the panel's Alt+1…6 need the keyboard back in it (no window manager may do it)
                self.window().activateWindow()
                back.setFocus(Qt.FocusReason.OtherFocusReason)
        return box.clickedButton() is go

    def set_item(self, item: FindingItem | None, table: ExamplesTable | None) -> None:
        self.item, self.table = item, table
        has = item is not None and table is not None
        for w in (*self._buttons, self.left_pick, self.right_pick):
            w.setEnabled(has)
        if not has:
            self.title.setText("Select a finding on the left to compare its examples.")
            self.scores.clear()
            self.left.clear()
            self.right.clear()
            self.left_head.clear()
            self.right_head.clear()
            self.left_pick.clear()
            self.right_pick.clear()
            return
        assert item is not None
        self.title.setText(f"{item.title} — {item.detail}")
        lines = list(item.lines)
        # Suggested keeper on the left; the most similar other member on the right.
        left = item.keeper if item.keeper in lines else lines[0]
        others = [x for x in lines if x != left]
        right = max(others, key=lambda x: item.pair_score(left, x) or 0.0) if others else left
        for combo, chosen in ((self.left_pick, left), (self.right_pick, right)):
            combo.blockSignals(True)
            combo.clear()
            for ln in lines:
                tag = " (suggested keeper)" if ln == item.keeper else ""
                combo.addItem(f"{self._unit().title()} {ln}{tag}", ln)
            combo.setCurrentIndex(lines.index(chosen))
            combo.blockSignals(False)
        multi = len(lines) > 2
        self.left_pick.setVisible(multi)
        self.right_pick.setVisible(multi)
        for name, button in (("reject_all", self.reject_all), ("keep_all", self.keep_all)):
            # "Approve", not "keep": a reviewer read "keep both" as "they do not conflict"
            words = sc.FINDING_BY_BUTTON[name]
            self._label(button, words.many if multi and words.many else words.label)
        self.keep_all.setToolTip(
            "Approves both records: both are marked approved and both go into the export. Use it when "
            "the two answers do not really conflict (a false alarm). (Alt+5)" if item.kind == "contradiction" else
            f"Approves all {len(lines)} records: each is marked approved and exported as a separate example "
            "(they are different examples, not copies). (Alt+5)")
        self.fix_btn.setVisible(item.kind == "contradiction")
        self.fix_right.setVisible(item.kind == "contradiction")
        self.keep_left.setToolTip("Approve the left example and reject the other(s) as duplicates"
                                  if item.kind != "contradiction" else
                                  "Approve the left example and reject the right one (Alt+1)")
        self.keep_right.setToolTip("Approve the right example and reject the other(s) (Alt+2)")
        self.reject_all.setToolTip("Reject every example of this finding (Alt+4)")
        self._show_pair()

    def _label(self, button: QPushButton, text: str) -> None:
        """``text`` and the button's key, as the review desk labels its buttons ("Approve  [A]")."""
        key = self._keys.get(button)
        button.setText(f"{text}  [{key}]" if key else text)

    def _unit(self) -> str:
        """"record" for a JSON array (ids are element indexes), "line" for JSONL."""
        return self.table.unit if self.table is not None else "line"

    def _status(self, line: int) -> str:
        assert self.table is not None
        i = self.table.index_of(line)
        return self.table.status_of(i) if i is not None else "?"

    def _show_pair(self) -> None:
        if self.item is None or self.table is None:
            return
        a, b = self._line(self.left_pick), self._line(self.right_pick)
        current = self.record_of or self.table.dataset.by_line
        ra, rb = current(a), current(b)
        unit = self._unit()
        keep = sc.FINDING_BY_BUTTON["keep_left"].label
        self._label(self.keep_left, keep.format(unit=unit, line=a, other=b))
        self._label(self.keep_right, keep.format(unit=unit, line=b, other=a))
        fix = sc.FINDING_BY_BUTTON["fix_btn"].label
        self._label(self.fix_btn, fix.format(unit=unit, line=a, other=b))
        self._label(self.fix_right, fix.format(unit=unit, line=b, other=a))
        for button, (x, y) in ((self.fix_btn, (a, b)), (self.fix_right, (b, a))):
            button.setToolTip(f"Correct {unit} {x}; when you save the fix, {unit} {y} is rejected "
                              f"(this resolves the contradiction). You are asked first. "
                              f"({sc.FINDING_BY_BUTTON['fix_btn' if button is self.fix_btn else 'fix_right'].key})")
        item = self.item

        def keeper(ln: int) -> str:
            # a two-member group has no member pickers, whose entries carry this mark
            return " · suggested keeper" if item.kind != "contradiction" and ln == item.keeper else ""

        self.left_head.setText(f"{unit.title()} {a} · {self._status(a)}{keeper(a)}")
        self.right_head.setText(f"{unit.title()} {b} · {self._status(b)}{keeper(b)}")
        if item.kind == "contradiction":
            k = item.ref
            why = CONTRADICTION_REASONS.get(k.reason)
            self.scores.setText(f"Prompt similarity {format_pct(k.prompt_similarity)} · "
                                f"response similarity {format_pct(k.response_similarity)}"
                                + (f" · flagged because {why}" if why else "") + ". "
                                "Same question, different answers: keep the right one, fix, or reject both "
                                "— or approve both if they say the same thing.")
        else:
            score = item.pair_score(a, b)
            s = f"Similarity of these two: {format_pct(score)}" if score is not None and a != b else \
                f"Most similar pair in the cluster: {format_pct(item.score)}"
            opposed = {frozenset((k.a, k.b)) for k in self.table.scan.contradictions} if self.table.scan else set()
            why = distinct_reason(ra, rb, opposed) if ra is not None and rb is not None and a != b else None
            if why:
                # a clinician was offered two dosing records for different medicines as duplicates
                # ("keep one"); the export itself keeps both, and the view says so and why
                # (what the export keeps depends on the cluster's keeper and the decisions: not
                # claimed here, the dashboard and the export preview count it)
                self.scores.setText(f"{s}. These may be different examples: {DISTINCT_TEXTS[why]}. "
                                    "Approve both if they are, or keep one if they are copies.")
            else:
                self.scores.setText(f"{s}. Keep one and the others are rejected as its duplicates.")
        ops = word_diff(_reading_text(ra), _reading_text(rb))
        left, right = diff_sides(ops)
        _write_runs(self.left, left, CHANGED)
        _write_runs(self.right, right, CHANGED)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 300)


def _reading_text(rec: Record | None) -> str:
    """The record as the example pane reads it (Alpaca as Instruction / Input / Output, a
    prompt/completion as Prompt / Completion), so a reviewer sees the same headings in both places
    (a clinician saw "User:/Assistant:" here for records shown as Instruction/Output elsewhere)."""
    if rec is None or not rec.turns:
        return labelled_text(rec) if rec is not None else ""
    from .example_view import record_sections

    return "\n\n".join(f"{heading}: {text}" for heading, text, _colour in record_sections(rec))


def _write_runs(edit: QTextEdit, runs: list[tuple[str, bool]], color: QColor) -> None:
    edit.clear()
    cur = edit.textCursor()
    plain = QTextCharFormat()
    changed = QTextCharFormat()
    changed.setBackground(color)
    changed.setFontUnderline(True)  # not colour alone: readable for colour-blind reviewers
    for text, is_changed in runs:
        cur.insertText(text, changed if is_changed else plain)
    edit.moveCursor(QTextCursor.MoveOperation.Start)


class FindingsView(QWidget):
    """List of findings on the left, the diff of the selected one on the right."""

    resolve = Signal(object, str, int)
    selected = Signal(object)
    show_lint = Signal()        # "show the lint-flagged examples" (the window filters its table)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingsModel(self)
        self.list = QListView(self)
        self.list.setObjectName("findingsList")
        self.list.setModel(self.model)
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)
        self.list.setSpacing(2)
        self.empty = QLabel("No duplicates or contradictions found.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(False)
        self.diff = DiffView(self)
        self.diff.resolve.connect(self.resolve)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.count_label = QLabel(self)
        ll.addWidget(self.count_label)
        ll.addWidget(self.list, 1)
        ll.addWidget(self.empty)
        # Style checks (lint) are per example, not groups or pairs, so they are not listed here; a
        # clinician read "7 findings · 0 open" as "nothing else to look at" while 3 lint-flagged
        # answers went to training. The button opens them in the Examples table.
        self.lint_button = QPushButton(self)
        self.lint_button.setObjectName("showLint")
        self.lint_button.setToolTip("Style checks (lint: cut-off or empty answers, refusals, placeholders, "
                                    "leaked dialogue turns, garbled text …) flag single examples; they are "
                                    "reviewed in the Examples table, filtered by Flags: Lint (Edit › Reject "
                                    "All Shown rejects them together)")
        self.lint_button.clicked.connect(self.show_lint)
        self.lint_button.setVisible(False)
        ll.addWidget(self.lint_button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("findingsSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.diff)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([320, 900])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.splitter)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        # Alt+1…6 press the resolution buttons while focus is anywhere in this panel.
        d = self.diff
        for name, key in BUTTON_KEYS:
            button = getattr(d, name)
            act = QAction(self)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _c=False, b=button: b.click() if b.isEnabled() and b.isVisible() else None)
            self.addAction(act)

    def set_table(self, table: ExamplesTable | None, record_of: Callable[[int], Record] | None = None) -> None:
        """Show ``table``'s findings; ``record_of(line)`` gives a record as it now stands (with its
        fix), so the comparison shows what the reviewer would keep."""
        self.diff.record_of = record_of
        self.model.set_findings(table)
        n = len(self.model.items)
        self._show_count()
        self.empty.setVisible(table is not None and n == 0)
        self.diff.set_item(None, None)
        if n:
            # a reopened project starts at the first finding still open, not at one resolved before
            first = next((row for row, it in enumerate(self.model.items) if not self.model.is_resolved(it)), 0)
            self.list.setCurrentIndex(self.model.index(first))

    def refresh(self) -> None:
        """Statuses changed: repaint the list, the count of open findings and the member headings."""
        self.model.refresh()
        self._show_count()
        if self.diff.item is not None:
            self.diff._show_pair()

    def _show_count(self) -> None:
        """"56 findings · 12 open, worst first": the open count goes down as findings are resolved
        (and back up on undo)."""
        if self.model.table is None:
            self.count_label.setText("")
            return
        n = len(self.model.items)
        self.count_label.setText(f"{plural(n, 'finding')} · {self.model.open_findings():,} open, worst first"
                                 if n else "0 findings")
        linted = self.model.table.counts().get("flag:lint", 0)
        self.lint_button.setText(f"Show the {plural(linted, 'example')} flagged by style checks (lint)")
        self.lint_button.setVisible(bool(linted))

    def select_next_open(self) -> None:
        """Move to the next finding that still has undecided members (after resolving one)."""
        items = self.model.items
        start = self.list.currentIndex().row()
        for k in range(1, len(items) + 1):
            row = (start + k) % len(items)
            if not self.model.is_resolved(items[row]):
                self.list.setCurrentIndex(self.model.index(row))
                return

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(FindingRole) if current.isValid() else None
        self.diff.set_item(item, self.model.table)
        self.selected.emit(item)
