"""The review desk: one example at a time, large, decided with single keys.

A small state machine (STYLE.md §5)::

    SHOWING --A/R/E/S--> SAVING --project call returned--> SHOWING (next example)
    SHOWING --R--> REASON (pick a reason, Enter) --> SAVING
    SHOWING --E--> EDITING (editor open) --> SAVING | SHOWING
    any --queue exhausted--> DONE

Keys pressed while SAVING are ignored, so a double tap never decides two examples, and the
view moves on only after the project call that stores the decision has returned (the decision
is on disk). Every binding comes from :mod:`curator.gui.shortcuts`.

The desk holds no review logic: the project decides what a queue is, what a decision does,
what undo restores, and what the acceptance estimate says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox,
                               QProgressBar, QPushButton, QSizePolicy, QSpinBox, QTextEdit, QVBoxLayout,
                               QWidget)

from curator.core.decisions import APPROVED, FIXED, REJECT_REASONS, REJECTED, SKIPPED, UNDECIDED
from curator.core.estimate import MIN_REVIEWED
from curator.core.records import Record
from curator.core.review import plural

from . import shortcuts as sc
from .example_view import note_words, reason_label, render_record
from .settings import REVIEWER
from .table_model import flag_notes

SHOWING, SAVING, REASON, EDITING, DONE, EMPTY = "showing", "saving", "reason", "editing", "done", "empty"

QUEUE_KINDS = (("all", "All examples"), ("flagged", "Flagged only"), ("sample", "Random sample"))
STATUS_TEXT = {UNDECIDED: "not reviewed", APPROVED: "approved", REJECTED: "rejected", FIXED: "fixed",
               SKIPPED: "skipped"}
REVIEWED = (APPROVED, REJECTED, FIXED)


def reviewed_and_skipped(status_counts: Mapping[str, int]) -> tuple[int, int]:
    """(reviewed, skipped) from a status -> count mapping. The one meaning of "reviewed" that the
    desk, the status bar and the dashboard all show: approved + rejected + fixed; a skip is not a
    review and is counted apart."""
    return sum(status_counts.get(s, 0) for s in REVIEWED), status_counts.get(SKIPPED, 0)


def reviewed_words(reviewed: int, skipped: int) -> str:
    """ "21 reviewed · 1 skipped" (the skip part only when there are skips)."""
    return f"{reviewed:,} reviewed" + (f" · {skipped:,} skipped" if skipped else "")


# --- small parts ---------------------------------------------------------------------------

def warning_colour(widget: QWidget) -> str:
    """A red that reads on the current theme: dark red on light windows, light red on dark ones."""
    return "#b71c1c" if widget.palette().window().color().lightness() >= 128 else "#ff8a80"


class ReaderPane(QTextEdit):
    """Read-only record text that keeps a readable line length on wide windows."""

    MEASURE_CHARS = 100     # lines much longer than this are hard to follow

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        measure = self.fontMetrics().averageCharWidth() * self.MEASURE_CHARS
        if event.size().width() > measure + 60:
            self.setLineWrapMode(QTextEdit.LineWrapMode.FixedPixelWidth)
            self.setLineWrapColumnOrWidth(measure)
        else:
            self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        super().resizeEvent(event)


class ReasonPanel(QFrame):
    """Inline "why reject?" picker: digits pick a reason and confirm, the arrows move through the
    reasons (from the note too), Enter confirms, Esc cancels."""

    chosen = Signal(object, object)     # reason code or None, note or None
    cancelled = Signal()

    ARROWS = (Qt.Key.Key_Up, Qt.Key.Key_Down)
    PANEL_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, *ARROWS, Qt.Key.Key_Home, Qt.Key.Key_End,
                  Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.list = QListWidget(self)
        self.list.addItem("0  No reason")
        for i, code in enumerate(REJECT_REASONS, start=1):
            self.list.addItem(f"{i}  {reason_label(code)}")
        # one reason per row, every row visible: a cut-off list hides the reasons a number picks
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFixedHeight(self.list_height())
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("Optional note (Tab to reach, Enter to reject; ↑/↓ still choose the reason)")
        title = QLabel("Reject — why? Press a number, or choose with ↑/↓ and press Enter; Esc cancels.", self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.list)
        lay.addWidget(self.note)
        self.list.installEventFilter(self)
        self.note.installEventFilter(self)
        self.note.returnPressed.connect(self._confirm)

    def list_height(self) -> int:
        """Pixels that show every reason: the rows plus the frame and the list's margins."""
        rows = sum(self.list.sizeHintForRow(i) for i in range(self.list.count()))
        return rows + 2 * self.list.frameWidth() + 2 * self.list.spacing() + 4

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.list.setFixedHeight(self.list_height())     # a theme or font change resizes the rows

    def begin(self) -> None:
        self.list.setCurrentRow(0)
        self.note.clear()
        self.show()
        self.list.setFocus()

    def reason(self) -> str | None:
        row = self.list.currentRow()
        return REJECT_REASONS[row - 1] if row >= 1 else None

    def _confirm(self) -> None:
        self.chosen.emit(self.reason(), self.note.text().strip() or None)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.ShortcutOverride and event.key() in self.PANEL_KEYS or (
                obj is self.list and event.type() == QEvent.Type.ShortcutOverride and event.text().isdigit()):
            # these keys belong to the panel, not to the desk's shortcuts: Enter confirms, and the
            # arrows (the desk's "move" keys) choose the reason, also while the note is typed
            event.accept()
            return True
        if obj is self.note and event.type() == QEvent.Type.KeyPress and event.key() in self.ARROWS:
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            self.list.setCurrentRow(min(max(self.list.currentRow() + step, 0), self.list.count() - 1))
            return True
        if obj is self.list and event.type() == QEvent.Type.KeyPress:
            key, text = event.key(), event.text()
            if text.isdigit() and int(text) <= len(REJECT_REASONS):
                self.list.setCurrentRow(int(text))
                self._confirm()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._confirm()
                return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class RejectDialog(QDialog):
    """The desk's reason panel as a dialog, for rejecting outside the desk (the Examples tab):
    the same reasons, words, numbers, arrows and note. After ``exec()`` accepted, ``reason``
    (a code or None) and ``note`` (or None) say what was chosen."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.reason: str | None = None
        self.note: str | None = None
        self.panel = ReasonPanel(self)
        self.panel.chosen.connect(self._chosen)
        self.panel.cancelled.connect(self.reject)
        buttons = QDialogButtonBox(self)
        self.reject_button = buttons.addButton("Reject", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        for b in (self.reject_button, cancel):
            b.setAutoDefault(False)     # Enter belongs to the panel: it confirms once, with the note
            b.setDefault(False)
        self.reject_button.clicked.connect(self.panel._confirm)
        cancel.clicked.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.panel)
        lay.addWidget(buttons)
        self.panel.begin()

    def _chosen(self, reason: str | None, note: str | None) -> None:
        if self.isVisible():
            self.reason, self.note = reason, note
            self.accept()


class KeyMapOverlay(QFrame):
    """The key map (``?``), drawn over the desk and read from the one shortcut table.
    ``?`` or Esc hides it again."""

    def __init__(self, parent: QWidget, overrides: Mapping[str, Sequence[str]] | None) -> None:
        super().__init__(parent)
        self.setObjectName("keyMapOverlay")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(18, 14, 18, 14)
        title = QLabel("Review keys  —  press ? or Esc to close", self)
        f = title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        title.setFont(f)
        grid.addWidget(title, 0, 0, 1, 3)
        group = None
        row = 1
        for g, label, keys, help_text in sc.keymap_rows(overrides):
            if g != group:
                gl = QLabel(g, self)
                bf = gl.font()
                bf.setBold(True)
                gl.setFont(bf)
                grid.addWidget(gl, row, 0, 1, 3)
                row += 1
                group = g
            for col, text in enumerate((keys, label, help_text)):
                lab = QLabel(text, self)
                lab.setTextFormat(Qt.TextFormat.PlainText)
                if col == 0:
                    lab.setStyleSheet("font-family: monospace;")
                if col == 2:
                    # a long explanation (choosing the queue) wraps rather than running off the edge
                    lab.setWordWrap(True)
                    lab.setMinimumWidth(lab.fontMetrics().averageCharWidth() * 64)
                    lab.setMaximumWidth(lab.fontMetrics().averageCharWidth() * 80)
                grid.addWidget(lab, row, col)
            row += 1

    def place(self) -> None:
        """Centre over the parent at the size the table needs."""
        parent = self.parentWidget()
        size = self.sizeHint().boundedTo(parent.size())
        self.resize(size)
        self.move((parent.width() - size.width()) // 2, (parent.height() - size.height()) // 2)


SYSTEM_ACCOUNTS = frozenset({"root", "admin", "administrator"})


def default_reviewer_name() -> str:
    """The name offered when nobody has given one: ``$CURATOR_REVIEWER`` (what the CLI signs
    with too), else the login name unless it names no person ("root", which a trial user found
    recorded on every decision); may be empty."""
    import getpass
    import os

    from curator.core.project import REVIEWER_ENV

    if os.environ.get(REVIEWER_ENV, "").strip():
        return os.environ[REVIEWER_ENV].strip()
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        return ""
    return "" if name.lower() in SYSTEM_ACCOUNTS else name


class ReviewerDialog(QDialog):
    """"Who is reviewing?", asked before the first decision is stored.

    The box starts with a name selected (the current one, else the login name), so Enter accepts
    it and typing replaces it. Keys that reach the box in its first :attr:`GUARD_MS` milliseconds,
    and the auto-repeat of a key held down since before it opened, are dropped: they were aimed at
    the example (a trial user's second A became the reviewer name "a"), not at the box.
    """

    GUARD_MS = 600

    def __init__(self, parent: QWidget | None = None, current: str = "") -> None:
        from PySide6.QtCore import QElapsedTimer

        super().__init__(parent)
        self.setWindowTitle("Who is reviewing?")
        text = QLabel("Your name is recorded with every decision you make. You can change it later in "
                      "Settings, or with Change… on the Review Desk.", self)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        self.name = QLineEdit(current or default_reviewer_name(), self)
        self.name.setPlaceholderText("Your name")
        self.name.selectAll()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Use this name")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.ok.setEnabled(bool(self.name.text().strip()))
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.name)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(max(420, self.fontMetrics().averageCharWidth() * 60))
        self._shown = QElapsedTimer()
        self._typed = False          # a key was taken after the guard: auto-repeat is typing now
        self.name.installEventFilter(self)
        for b in self.buttons.buttons():
            b.installEventFilter(self)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._shown.start()
        self.name.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name.selectAll()

    def accepts_keys(self) -> bool:
        """True once the guard time since the dialog appeared has passed."""
        return self._shown.isValid() and self._shown.elapsed() >= self.GUARD_MS

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            if event.key() == Qt.Key.Key_Escape:
                return super().eventFilter(obj, event)
            if not self.accepts_keys() or (event.isAutoRepeat() and not self._typed):
                event.accept()
                return True         # meant for the example behind the dialog
            if event.type() == QEvent.Type.KeyPress:
                self._typed = True
        return super().eventFilter(obj, event)

    def reviewer(self) -> str:
        return self.name.text().strip()


def colleague_step(project, me: str) -> str | None:
    """The reviewer of the step Undo would take back, when that is not ``me`` (None otherwise)."""
    owner = project.undo_owner if project is not None else None
    return owner if owner and me and owner != me else None


def confirm_colleague_undo(parent: QWidget | None, project, me: str) -> bool:
    """True to go on with Undo: the step is this reviewer's own, or they confirmed taking back a
    colleague's. A project has one undo history, shared by every window and ``curator review``
    on it; a team lead's trial saw Ana's Undo take back Ben's approval."""
    owner = colleague_step(project, me)
    if owner is None:
        return True
    return ask_to_go_on(parent, "Undo a colleague's change?",
                        f"The last change, “{project.undo_label}”, was made by {owner}, not by you ({me}). "
                        "Undo it anyway?", f"Undo {owner}'s change")


def ask_to_go_on(parent: QWidget | None, title: str, text: str, go: str) -> bool:
    """A question with a ``go`` button and Cancel, Cancel the default (Enter does not go on); the
    text is plain, so a search term or a label quoted in it is shown as typed. True to go on."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.button(QMessageBox.StandardButton.Yes).setText(go)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_reviewer_name(parent: QWidget | None, current: str = "") -> str | None:
    """Ask for the reviewer's name (modal); None when cancelled."""
    dlg = ReviewerDialog(parent, current)
    ok = dlg.exec() == QDialog.DialogCode.Accepted
    name = dlg.reviewer()
    dlg.deleteLater()
    return name if ok and name else None


# --- the desk ------------------------------------------------------------------------------

class ReviewDesk(QWidget):
    """Focused review over a project.

    Parameters
    ----------
    project
        An open :class:`curator.core.project.Project`.
    runner
        The window's :class:`~curator.gui.run_op.OpRunner`; decisions run on it as store writes.
    preferences
        :class:`~curator.gui.settings.Preferences` (reviewer name, key overrides).
    edit_record
        ``edit_record(parent, record, current_fix) -> dict | None``: the fix editor with live
        validation (the example view's); ``None`` hides Fix.
    """

    binds_undo = True       # its own Ctrl+Z / Ctrl+Shift+Z (sc.UNDO/REDO), not the window's actions

    changed = Signal(object)        # a core Change, after it is on disk
    leave_requested = Signal()
    state_changed = Signal(str)

    def __init__(self, project, runner, preferences, *, parent: QWidget | None = None,
                 edit_record: Callable[[QWidget, Record, dict | None], dict | None] | None = None,
                 ask_reviewer: Callable[[QWidget], str | None] | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.prefs = preferences
        self.edit_record = edit_record
        self._ask_reviewer_fn = ask_reviewer
        self.state = EMPTY
        self.queue_kind = "all"
        self.lines: list[int] = []
        self.pos = 0
        self._flag_text: dict[int, list[str]] = {}
        # the window's notes of a line when it has an Examples table (a fixed record's style checks
        # are its fix's there); else the scan's, worded here
        self.notes_of: Callable[[int], list[str]] | None = None
        self._keymap: KeyMapOverlay | None = None
        self.redraw_box = None          # "Draw a new sample?" while it is asked
        from curator.core.table import unit_of

        self.unit = unit_of(project.dataset)     # "record" for a JSON array, "line" for JSONL
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build()
        self._bind_keys()
        self.set_scan(getattr(project, "scan", None))

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        self.kind_box = QComboBox(self)
        for key, label in QUEUE_KINDS:
            self.kind_box.addItem(label, key)
        self.kind_box.setToolTip("Which examples to review: all, only the flagged ones, or a random "
                                 "sample whose result estimates the quality of the rest.")
        self.fraction = QDoubleSpinBox(self)
        self.fraction.setRange(0.5, 100.0)
        self.fraction.setDecimals(1)
        self.fraction.setSuffix(" %")
        self.fraction.setValue(10.0)
        self.fraction.setToolTip("Share of the set to sample (10–20% is usual).")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(7)
        self.seed.setToolTip("The same seed gives the same sample on every machine.")
        # sized for a seed of up to 7 digits rather than the 10 its range allows (a longer one
        # scrolls in the box), so the queue row with its "Queue [Alt+Q]" still fits 1,024 pixels
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance("9" * 7) + 40)
        self.stratify = QComboBox(self)
        self.stratify.addItem("Not stratified", None)
        self.stratify.setToolTip("Sample each group in proportion: by format, flagged/unflagged, or a "
                                 "metadata field, so small groups are not missed by chance.")
        self._stratify_filled = False
        # metadata field names can be long ("By customer_segment_label"): the combo must not widen
        # the desk past a laptop window; the open list still shows them whole
        self.stratify.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.stratify.setMinimumContentsLength(12)
        self.stratify.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.start_button = QPushButton("&Start sample", self)      # Alt+S
        self.start_button.setToolTip("Draw the sample (kept in the project) and review it.")
        self.reviewer_label = QLabel(self)
        self.reviewer_label.setTextFormat(Qt.TextFormat.PlainText)
        # may be cut short on a narrow window rather than widening the desk past 1,024 px (full
        # text in the tooltip); a wide window shows it whole
        self.reviewer_label.setMinimumWidth(60)
        self.reviewer_button = QPushButton("Change…", self)
        self.reviewer_button.setToolTip("Change the name recorded with your decisions.")

        top = QHBoxLayout()
        # no "&Q" mnemonic: Alt+Q is the table's "Choose the queue" (bound below), which opens the
        # list; a label mnemonic on the same key would make it ambiguous and do nothing
        self.queue_label = QLabel("Queue:", self)
        self.queue_label.setTextFormat(Qt.TextFormat.PlainText)
        self.queue_label.setBuddy(self.kind_box)
        lab = self.queue_label
        top.addWidget(lab)
        top.addWidget(self.kind_box)
        self.sample_parts = []
        # Alt+R, Alt+D, Alt+T: "&Fraction" and "S&eed" underlined Alt+F and Alt+E, which open the File
        # and Edit menus instead
        for text, w in (("F&raction:", self.fraction), ("See&d:", self.seed), ("Stra&tify:", self.stratify)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            top.addWidget(lab)
            top.addWidget(w)
            self.sample_parts += [lab, w]
        top.addWidget(self.start_button)
        self.sample_parts.append(self.start_button)
        top.addStretch(1)
        top.addWidget(self.reviewer_label)
        top.addWidget(self.reviewer_button)

        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress_label = QLabel(self)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.estimate_label = QLabel(self)
        self.estimate_label.setTextFormat(Qt.TextFormat.PlainText)
        self.estimate_label.setToolTip("From the decisions on the random sample: an exact 95% upper bound "
                                       "on the share of defects (rejected or fixed) among the examples "
                                       "nobody has reviewed.")
        prog = QHBoxLayout()
        prog.addWidget(self.progress_label)
        prog.addStretch(1)
        prog.addWidget(self.estimate_label)

        self.where = QLabel(self)
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        f = self.where.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.where.setFont(f)
        self.badges = QLabel(self)
        self.badges.setTextFormat(Qt.TextFormat.PlainText)
        self.badges.setWordWrap(True)
        self.badges.setStyleSheet(f"color: {warning_colour(self)};")

        self.reader = ReaderPane(self)
        self.reader.setReadOnly(True)
        self.reader.setAcceptRichText(False)
        self.reader.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # keys belong to the desk
        rf = self.reader.font()
        rf.setPointSizeF(rf.pointSizeF() * 1.35)
        self.reader.setFont(rf)
        self.reader.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.reason_panel = ReasonPanel(self)
        self.reason_panel.hide()
        self.reason_panel.chosen.connect(self._reason_chosen)
        self.reason_panel.cancelled.connect(self._reason_cancelled)

        self.buttons: dict[str, QPushButton] = {}
        # Two rows (decide | move and undo), so the desk fits a laptop-width window.
        bar = QVBoxLayout()
        for row_actions in ((sc.APPROVE, sc.REJECT, sc.FIX, sc.SKIP),
                            (sc.PREVIOUS, sc.NEXT, None, sc.UNDO, sc.REDO, None, sc.HELP)):
            row = QHBoxLayout()
            for action in row_actions:
                if action is None:
                    row.addSpacing(18)
                    continue
                b = QPushButton(self)
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter/Space must never press a stale button
                b.clicked.connect(lambda _c=False, a=action: self.trigger(a))
                self.buttons[action] = b
                row.addWidget(b)
            row.addStretch(1)
            bar.addLayout(row)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.progress)
        lay.addLayout(prog)
        lay.addWidget(self.where)
        lay.addWidget(self.badges)
        lay.addWidget(self.reader, 1)
        lay.addWidget(self.reason_panel)
        lay.addLayout(bar)

        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.start_button.clicked.connect(self._start_sample)
        self.reviewer_button.clicked.connect(lambda: self.ensure_reviewer(force=True))
        self._show_sample_parts(False)
        self._watch_queue_row()

    # -- the queue row by keyboard ---------------------------------------------------------

    # keys that open the Queue list when it is closed (in it, they move the highlight)
    OPEN_LIST_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home,
                      Qt.Key.Key_End, Qt.Key.Key_Space, Qt.Key.Key_F4)

    def queue_controls(self) -> tuple[QWidget, ...]:
        """The boxes and buttons of the row above the example (queue, sample, reviewer)."""
        return (self.kind_box, self.fraction, self.seed, self.stratify, self.start_button, self.reviewer_button)

    def _watch_queue_row(self) -> None:
        for w in self.queue_controls():
            for target in (w, *w.findChildren(QWidget)):      # a spin box's keys reach its line edit
                target.installEventFilter(self)
        for combo in (self.kind_box, self.stratify):
            combo.view().installEventFilter(self)              # the open list

    def in_queue_row(self, widget: QWidget | None = None) -> bool:
        """Whether ``widget`` (default: the focus widget) is one of the queue row's controls, a part
        of one, or the open list of one of its boxes."""
        w = QApplication.focusWidget() if widget is None else widget
        controls = self.queue_controls()
        while w is not None:
            if w in controls:
                return True
            w = w.parentWidget()       # an open list is a popup window whose parent is its box
        return False

    def _in_open_list(self, obj) -> bool:
        """Whether ``obj`` is part of a box's open list (a popup window inside the queue row)."""
        w = obj if isinstance(obj, QWidget) else None
        while w is not None and w not in self.queue_controls():
            if w.isWindow():
                return True
            w = w.parentWidget()
        return False

    def choose_queue(self) -> bool:
        """Alt+Q: the Queue box takes the keyboard with its list open (arrows, Enter)."""
        if not self.kind_box.isVisible():
            return False
        self.kind_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.kind_box.showPopup()
        return True

    def _queue_row_key(self, obj, event) -> bool:
        """A key pressed in the queue row. True when the desk handled it."""
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if self._in_open_list(obj):
            return False                 # the open list: arrows, Enter and Esc are its own
        if key == Qt.Key.Key_Escape:
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)      # back to the example
            return True
        if obj is self.kind_box and (key in self.OPEN_LIST_KEYS and not mods & Qt.KeyboardModifier.ControlModifier):
            # closed, the box would switch queue at every arrow press (and the desk took the focus
            # back after the first): open the list instead, where the arrows only move the highlight
            self.kind_box.showPopup()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if obj is self.reviewer_button:
                self.reviewer_button.click()
            elif self.queue_kind == "sample" or self.kind_box.currentData() == "sample":
                for box in (self.fraction, self.seed):
                    box.interpretText()   # a value typed and not yet taken
                self._start_sample()
            else:
                self.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent

        kind = event.type()
        enter = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if kind == QEvent.Type.ShortcutOverride and self._in_open_list(obj):
            # Qt's open list picks its entry on the override and still delivers the key press, to
            # whatever has the focus once the list is closed: that Enter must not start the sample too
            self._picked_by_enter = event.key() in enter
            if self._picked_by_enter:
                # that key press follows at once; if it goes to a widget not watched here (the
                # desk, when a queue was picked), a later Enter in a box must not be eaten
                from PySide6.QtCore import QTimer

                QTimer.singleShot(0, lambda: setattr(self, "_picked_by_enter", False))
        elif kind == QEvent.Type.KeyPress and getattr(self, "_picked_by_enter", False):
            self._picked_by_enter = False
            if event.key() in enter:
                return True
        if kind == QEvent.Type.ShortcutOverride and self.in_queue_row(obj):
            mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
            alt_arrow = mods == Qt.KeyboardModifier.AltModifier and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
            if mods == Qt.KeyboardModifier.NoModifier or alt_arrow:
                # unmodified keys belong to the box or list that has them: the arrows move its
                # highlight, letters pick, Enter starts, Esc goes back (not the desk's J/K/arrows,
                # A or R); Ctrl+Z and Alt+Q still reach the desk. Not filtered out: an open list
                # picks its entry on this very event (Qt's combo popup handles Enter here)
                event.accept()
                return False
        if kind == QEvent.Type.KeyPress and self.in_queue_row(obj) and self._queue_row_key(obj, event):
            return True
        return super().eventFilter(obj, event)

    def rebind_keys(self) -> None:
        """The user changed key overrides: drop the old keys, bind the new ones, and rebuild the
        key map overlay from them the next time it is shown."""
        for q in self._shortcuts:
            q.setEnabled(False)
            q.deleteLater()
        if self._keymap is not None:
            self._keymap.hide()
            self._keymap.deleteLater()
            self._keymap = None
        self._bind_keys()

    def _bind_keys(self) -> None:
        overrides = self.prefs.key_overrides() if self.prefs is not None else {}
        self._shortcuts: list[QShortcut] = []
        for s in sc.SHORTCUTS:
            keys = sc.keys_for(s.action, overrides)
            for seq in sc.key_sequences(s.action, overrides):
                q = QShortcut(seq, self)
                q.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                q.setAutoRepeat(False)      # holding a key down must not decide a run of examples
                q.activated.connect(lambda a=s.action: self.trigger(a))
                self._shortcuts.append(q)
            if s.action == sc.QUEUE:
                first = QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
                self.queue_label.setText(f"Queue [{first}]:" if first else "Queue:")
                self.kind_box.setToolTip("Which examples to review: all, only the flagged ones, or a random sample "
                                         "whose result estimates the quality of the rest.\n" + s.help
                                         + (f"\nKeys: {', '.join(keys)}" if keys else ""))
            if s.action in self.buttons:
                first = QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
                self.buttons[s.action].setText(f"{s.label}  [{first}]" if first else s.label)
                self.buttons[s.action].setToolTip(f"{s.help}\nKeys: {', '.join(keys)}")

    # -- public ----------------------------------------------------------------------------

    def set_scan(self, scan) -> None:
        """Index what the scan says about each line, for the badges above the example."""
        self._scan_seen = scan
        self._flag_text = flag_notes(scan, self.unit)

    def start(self, kind: str = "all", *, fraction: float | None = None, seed: int | None = None,
              stratify: str | None = None, line: int | None = None) -> None:
        """Load a queue from the project and show where the reviewer left off (or ``line``)."""
        self.queue_kind = kind
        idx = self.kind_box.findData(kind)
        self.kind_box.blockSignals(True)
        self.kind_box.setCurrentIndex(idx)
        self.kind_box.blockSignals(False)
        self._show_sample_parts(kind == "sample")
        kwargs: dict[str, Any] = {}
        if kind == "sample":
            if fraction is not None:
                kwargs["fraction"] = fraction
            if seed is not None:
                kwargs["seed"] = seed
            if stratify:
                kwargs["stratify"] = stratify
        self.lines = list(self.project.queue(kind, **kwargs))
        if kind == "sample":
            self.show_sample_spec()      # what is stored, not the boxes' defaults
        self._index = {ln: i for i, ln in enumerate(self.lines)}
        if line is None:
            line = self._resume_line()
        self.pos = self._index.get(line, 0) if line is not None else 0
        self._set_state(SHOWING if self.lines else EMPTY)
        self._show()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.setFocus()       # the desk's keys need the focus inside it

    def project_changed(self, change) -> None:
        """A change made elsewhere (table, findings, the window's undo): redraw, stay put."""
        if self.state in (SHOWING, DONE, EMPTY):
            self._show()

    def current_line(self) -> int | None:
        if self.state == EMPTY or not self.lines:
            return None
        return self.lines[min(self.pos, len(self.lines) - 1)]

    def ensure_reviewer(self, force: bool = False) -> str | None:
        """The reviewer's name, asked once and kept in settings."""
        name = self.prefs.get(REVIEWER) if self.prefs is not None else ""
        if force or not name:
            asked = (self._ask_reviewer_fn or self._ask_reviewer)(self)
            if asked is None or not asked.strip():
                self.refocus()
                return name or None
            name = asked.strip()
            if self.prefs is not None:
                self.prefs.set(REVIEWER, name)
            self.refocus()
        self.project.reviewer = name
        self.show_reviewer()
        return name

    def show_reviewer(self) -> None:
        """The reviewer label, from the settings (the window may have asked for the name)."""
        name = self.prefs.get(REVIEWER) if self.prefs is not None else ""
        self.reviewer_label.setText(f"Reviewer: {name}" if name else "Reviewer: (asked at the first decision)")
        self.reviewer_label.setToolTip(self.reviewer_label.text())

    def refocus(self) -> None:
        """Take the keyboard back after a dialog closed. Without a window manager nobody
        reactivates the window, so the desk's keys would do nothing until it was clicked."""
        self.window().activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ask_reviewer(self, parent: QWidget) -> str | None:
        return ask_reviewer_name(parent, self.prefs.get(REVIEWER) if self.prefs is not None else "")

    def trigger(self, action: str) -> bool:
        """Run one action of the shortcut table; returns False when the state ignores it."""
        if self.state == SAVING or self.state == EDITING:
            return False                      # a double tap must not decide twice
        if self.state == REASON:
            if action == sc.LEAVE:
                self._reason_cancelled()
                return True
            return False
        if self.keymap_visible():
            self._keymap.hide()
            if action in (sc.HELP, sc.LEAVE):
                return True
        elif action == sc.HELP:
            self.show_keymap()
            return True
        if action == sc.LEAVE:
            self.leave_requested.emit()
            return True
        if action == sc.QUEUE:
            return self.choose_queue()
        if action in (sc.UNDO, sc.REDO):
            return self._undo_redo(action)
        if self.state == DONE and action in (sc.NEXT, sc.PREVIOUS, sc.APPROVE, sc.REJECT, sc.FIX, sc.SKIP):
            self._set_state(SHOWING)        # the queue is finished, but any example can be revisited
        if self.state != SHOWING:
            return False
        if action == sc.NEXT:
            return self._move(+1)
        if action == sc.PREVIOUS:
            return self._move(-1)
        line = self.current_line()
        if line is None:
            return False
        if action == sc.APPROVE:
            return self._decide(f"Approving {self.unit} {line}", lambda: self.project.approve(line))
        if action == sc.SKIP:
            return self._decide(f"Skipping {self.unit} {line}", lambda: self.project.skip(line))
        if action in (sc.REJECT, sc.FIX) and self.ensure_reviewer() is None:
            return False            # asked before the reason or the edit, so neither is thrown away
        if action == sc.REJECT:
            self._set_state(REASON)
            self.reason_panel.begin()
            return True
        if action == sc.FIX:
            return self._fix(line)
        return False

    def show_keymap(self) -> KeyMapOverlay:
        overrides = self.prefs.key_overrides() if self.prefs is not None else {}
        if self._keymap is None:
            self._keymap = KeyMapOverlay(self, overrides)
        self._keymap.place()
        self._keymap.raise_()
        self._keymap.show()
        return self._keymap

    def keymap_visible(self) -> bool:
        return self._keymap is not None and self._keymap.isVisible()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.keymap_visible():
            self._keymap.place()


    # -- deciding --------------------------------------------------------------------------

    def _decide(self, title: str, call: Callable[[], Any], advance: bool = True) -> bool:
        if self.ensure_reviewer() is None:
            return False
        self._set_state(SAVING)

        line = self.current_line()

        def done(change) -> None:
            self._set_state(SHOWING)
            self.changed.emit(change)
            if advance:
                # on to the next example nobody has decided (wrapping once to the start)
                nxt = self.project.next_undecided(self.lines, after=line)
                if nxt is None:
                    nxt = self.project.next_undecided(self.lines)
                if nxt is None:
                    self._set_state(DONE)
                else:
                    self.pos = self._index[nxt]
            self._show()

        def failed(exc: BaseException, tb: str) -> None:
            self._set_state(SHOWING)
            self._show()
            raise exc       # the app's exception hook shows it; the decision was not stored

        self.runner.run(lambda progress=None, cancel=None: call(), title=title, on_done=done,
                        on_error=failed, writes=True, cancellable=False)
        return True

    def _reason_chosen(self, reason: str | None, note: str | None) -> None:
        if self.state != REASON:
            return
        self.reason_panel.hide()
        self._set_state(SHOWING)
        self.setFocus()
        line = self.current_line()
        if line is not None:
            self._decide(f"Rejecting {self.unit} {line}", lambda: self.project.reject(line, reason=reason, note=note))

    def _reason_cancelled(self) -> None:
        self.reason_panel.hide()
        self._set_state(SHOWING)
        self.setFocus()

    def _fix(self, line: int) -> bool:
        if self.edit_record is None:
            return False
        self._set_state(EDITING)
        rec = self.project.dataset.by_line(line)
        d = self.project.decisions().get(line)
        try:
            fixed = self.edit_record(self, rec, d.fixed if d is not None and d.status == FIXED else None)
        finally:
            self._set_state(SHOWING)
            self.refocus()
        if fixed is None:
            return False
        return self._decide(f"Fixing {self.unit} {line}", lambda: self.project.fix(line, fixed))

    def _undo_redo(self, action: str) -> bool:
        if not (self.project.can_undo if action == sc.UNDO else self.project.can_redo):
            return False
        if action == sc.UNDO and not confirm_colleague_undo(
                self, self.project, self.prefs.get(REVIEWER) if self.prefs is not None else ""):
            self.refocus()
            return True
        self._set_state(SAVING)

        def done(change) -> None:
            self._set_state(SHOWING)
            if change is not None:
                self.changed.emit(change)
                # show the example the undo/redo touched, when it is in this queue
                for ln in change.lines:
                    if ln in self._index:
                        self.pos = self._index[ln]
                        break
            self._show()

        def failed(exc: BaseException, tb: str) -> None:
            self._set_state(SHOWING)
            self._show()
            raise exc

        call = self.project.undo if action == sc.UNDO else self.project.redo
        self.runner.run(lambda progress=None, cancel=None: call(), title="Undo" if action == sc.UNDO else "Redo",
                        on_done=done, on_error=failed, writes=True, cancellable=False)
        return True

    def _move(self, step: int) -> bool:
        if not self.lines:
            return False
        new = min(max(self.pos + step, 0), len(self.lines) - 1)
        if new == self.pos:
            return False
        self.pos = new
        self._show()
        return True

    # -- showing ---------------------------------------------------------------------------

    def _resume_line(self) -> int | None:
        line = self.project.resume_line()
        if line is None or line not in self._index:
            line = self.project.next_undecided(self.lines)
        return line

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
        busy = state in (SAVING, EDITING, REASON)
        for a in (sc.APPROVE, sc.REJECT, sc.FIX, sc.SKIP, sc.NEXT, sc.PREVIOUS):
            if a in self.buttons:
                self.buttons[a].setEnabled(not busy and state in (SHOWING, DONE) and bool(self.lines))
        if sc.FIX in self.buttons:
            self.buttons[sc.FIX].setVisible(self.edit_record is not None)

    def _show_sample_parts(self, visible: bool) -> None:
        if visible:
            self._fill_stratify()
        for w in self.sample_parts:
            w.setVisible(visible)

    def _fill_stratify(self) -> None:
        if self._stratify_filled:
            return
        # the metadata fields are counted once, when sampling is first offered
        from curator.core.stats import metadata_fields

        self._stratify_filled = True
        self.stratify.addItem("By format", "format")
        self.stratify.addItem("Flagged / unflagged", "flagged")
        for name in metadata_fields(self.project.dataset):
            self.stratify.addItem(f"By {name}", f"field:{name}")

    def _kind_changed(self, _i: int) -> None:
        kind = self.kind_box.currentData()
        self._show_sample_parts(kind == "sample")
        # the list that was just closed may still hold the window's activation (no window manager
        # to hand it back), and with it the keyboard: take both back
        self.window().activateWindow()
        if kind != "sample":
            self.start(kind)
            self.setFocus()            # the queue is chosen: back to the example
        else:
            self.show_sample_spec()
            # on to the sample's boxes (Tab: Seed, Stratify, Start sample; Enter starts it). Not the
            # example: the sample is not started yet, and a key meant for it would decide an example
            # of the old queue
            self.fraction.setFocus(Qt.FocusReason.TabFocusReason)

    def show_sample_spec(self) -> None:
        """Set Fraction, Seed and Stratify to the project's stored sample (if one was drawn).
        Reopened, the boxes said 10% over a stored 15% sample, and Start sample then quietly
        redrew it at 10%."""
        spec = self.project.sample_spec()
        if spec is None:
            return
        self._fill_stratify()
        self.fraction.setValue(spec.fraction * 100)
        self.seed.setValue(spec.seed)
        idx = 0 if spec.stratify is None else self.stratify.findData(spec.stratify)
        if idx < 0:       # a field the CLI stratified by, not among the offered ones
            self.stratify.addItem(f"By {spec.stratify.split(':', 1)[-1]}", spec.stratify)
            idx = self.stratify.count() - 1
        self.stratify.setCurrentIndex(idx)

    def _boxes_match(self, spec) -> bool:
        return (abs(self.fraction.value() / 100 - spec.fraction) < 0.0005 and self.seed.value() == spec.seed
                and self.stratify.currentData() == spec.stratify)

    def _start_sample(self) -> None:
        """Start sample: the stored sample when the boxes describe it, else a new draw, after
        asking when the stored sample already has decisions."""
        spec = self.project.sample_spec()
        if spec is not None and self._boxes_match(spec):
            self.start("sample")
            self.setFocus()
            return
        fraction, seed, stratify = self.fraction.value() / 100, self.seed.value(), self.stratify.currentData()
        if spec is not None and not self._confirm_redraw(spec, fraction, seed, stratify):
            self.show_sample_spec()
            self.refocus()
            return
        self.project.draw_sample(fraction, seed, stratify)
        self.start("sample")
        self.refocus()

    def _confirm_redraw(self, spec, fraction: float, seed: int, stratify: str | None) -> bool:
        """Ask before replacing a sample that has decisions; True to go ahead."""
        from collections import Counter

        from PySide6.QtWidgets import QMessageBox

        decisions = self.project.decisions()
        old = self.project.sample_lines() or []
        reviewed, skipped = reviewed_and_skipped(Counter(
            d.status for ln in old if (d := decisions.get(ln)) is not None))
        if not reviewed and not skipped:
            return True

        def describe(fr: float, sd: int, st: str | None, size: int | None = None) -> str:
            parts = [f"{fr * 100:.3g}%"] + ([plural(size, "example")] if size is not None else []) + [f"seed {sd}"]
            if st:
                parts.append("stratified " + {"format": "by format", "flagged": "flagged / unflagged"}.get(
                    st, f"by {st.split(':', 1)[-1]}"))
            return ", ".join(parts)

        done = f"{reviewed:,} of its {len(old):,} sampled {'example' if len(old) == 1 else 'examples'} " + (
            "is" if reviewed == 1 else "are") + " already reviewed"
        if skipped:
            done += f" ({skipped:,} skipped)"
        box = QMessageBox(QMessageBox.Icon.Warning, "Draw a new sample?",
                          f"The current sample ({describe(spec.fraction, spec.seed, spec.stratify, len(old))}) "
                          f"has decisions: {done}.\n\n"
                          f"Drawing a new sample ({describe(fraction, seed, stratify)}) replaces it, and the "
                          "estimate restarts: it is computed from the new sample's examples only, so reviews "
                          "outside the new sample no longer count towards it. Your decisions themselves are "
                          "kept.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        draw = box.addButton("Draw a new sample", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.redraw_box = box
        box.exec()
        self.redraw_box = None
        return box.clickedButton() is draw

    def _show(self) -> None:
        if getattr(self.project, "_scan", None) is not None and self.project.scan is not self._scan_seen:
            self.set_scan(self.project.scan)      # rescanned with other thresholds
        decisions = self.project.decisions()
        self.show_reviewer()
        total = len(self.lines)
        from collections import Counter

        reviewed, skipped = reviewed_and_skipped(Counter(
            d.status for ln in self.lines if (d := decisions.get(ln)) is not None))
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(reviewed)
        what = {"all": "", "flagged": " flagged", "sample": " sampled"}.get(self.queue_kind, "")
        text = f"{reviewed:,} of {total:,}{what} {'example' if total == 1 else 'examples'} reviewed"
        if skipped:
            text += f" · {skipped:,} skipped"
        self.progress_label.setText(text)
        self.progress_label.setToolTip("Reviewed: approved, rejected or fixed. Skipped examples are counted "
                                       "apart; they still wait for a decision.")
        self.estimate_label.setText(self._estimate_text() if self.queue_kind == "sample" else "")
        self._update_undo_buttons()
        if not self.lines:
            self.where.setText("Nothing to review in this queue.")
            self.badges.clear()
            self.reader.setPlainText("Choose another queue above." if self.queue_kind != "all" else "")
            return
        line = self.lines[self.pos]
        rec = self.project.dataset.by_line(line)
        d = decisions.get(line)
        status = d.status if d is not None else UNDECIDED
        who = f" by {d.reviewer}" if d is not None and d.reviewer else ""
        why = f" ({reason_label(d.reason)})" if d is not None and d.reason else ""
        prefix = "Queue finished · " if self.state == DONE else ""
        where = f"record {line}" if self.unit == "record" else f"line {line}"
        self.where.setText(f"{prefix}Example {self.pos + 1:,} of {total:,} · {where} · {rec.format} · "
                           f"{STATUS_TEXT.get(status, status)}{why}{who}")
        notes = self.notes_of(line) if self.notes_of is not None else self._flag_text.get(line, [])
        flags = [note_words(n) for n in notes]     # schema problems: in the reader
        self.badges.setText("  •  ".join(flags))
        self.badges.setVisible(bool(flags))
        render_record(self.reader, rec, d, self.project.fixed_record(line, d), self.unit)

    def _estimate_text(self) -> str:
        est = self.project.estimate()
        if est is None:
            return ""
        self.estimate_label.setToolTip(est.sentence())
        if est.reviewed == 0:
            return "Review sampled examples to estimate the rest."
        if est.too_early:
            # after one approval the bound read "≤ 95.0%": a number about the sample's size, not the data
            self.estimate_label.setToolTip(
                f"The estimate is an exact {est.confidence:.0%} upper bound on the share of defects among "
                f"the examples nobody has reviewed. With {plural(est.reviewed, 'sampled example')} reviewed "
                f"it would read ≤ {est.upper_bound:.1%} whatever you found, so it is shown from "
                f"{MIN_REVIEWED} reviewed on.")
            return (f"reviewed {est.reviewed:,} of {est.sample_size:,} sampled — too few to estimate the rest "
                    f"yet (from {MIN_REVIEWED})")
        text = f"estimated defect rate of the rest: ≤ {est.upper_bound:.1%} at {est.confidence:.0%}"
        from curator.core.estimate import lower_bound
        from curator.core.export import sample_verdict

        verdict = sample_verdict(est)
        if verdict:
            # the verdict that blocks exporting the rest, said where the reviewer is (a trial with
            # 27 defects in 38 only saw "≤ 82.8%" here; the Dashboard and the export said it)
            low = lower_bound(est.defects, est.reviewed, est.confidence)
            self.estimate_label.setToolTip(est.sentence() + f"\n\nAt least {low:.0%} of the rest is likely "
                                           "defective. The export: " + verdict + ".")
            text += " — the rest is not clean"
        return text

    def _update_undo_buttons(self) -> None:
        for action, can_name, label_name in ((sc.UNDO, "can_undo", "undo_label"),
                                             (sc.REDO, "can_redo", "redo_label")):
            can = getattr(self.project, can_name)
            label = getattr(self.project, label_name)
            b = self.buttons[action]
            b.setEnabled(bool(can) and self.state not in (SAVING, EDITING, REASON))
            base = sc.BY_ACTION[action].help
            b.setToolTip(f"{base}\nNext: {label}" if label else base)


def key_list_rows(window) -> list[tuple[str, str]]:
    """The window's key list (F1) as (words, keys) rows; ("Title", "") opens a section, ("", "")
    is a blank line. Every row is read from what the buttons themselves read, so the list says
    what the buttons say: the Examples tab's buttons (example_view.EXAMPLE_BUTTONS) with the letter
    keys they show and the menu keys that do the same, the Findings buttons (shortcuts.FINDING_KEYS)
    and the desk's buttons (shortcuts.SHORTCUTS), each with the user's key overrides. A clinician
    found "Approve  Ctrl+Return" and "Fix left / reject all" in it beside buttons reading
    "Approve [A]", "Fix record 1300…" and "Reject both"."""
    from .example_view import EXAMPLE_BUTTONS

    overrides = window.prefs.key_overrides() if getattr(window, "prefs", None) is not None else {}

    def keys_of(act) -> str:
        return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())

    rows: list[tuple[str, str]] = [("Window", "")]
    same_as_buttons = {sc.APPROVE: getattr(window, "approve_action", None),
                       sc.REJECT: getattr(window, "reject_action", None),
                       sc.FIX: getattr(window, "fix_action", None)}
    names = ("open_action", "close_action", "export_action", "quit_action", "undo_action", "redo_action",
             "find_action", "rescan_action", "settings_action", "examples_view_action", "findings_view_action")
    acts = [getattr(window, n, None) for n in names]
    acts += [spec.action for spec in getattr(window, "view_specs", []) if getattr(spec, "action", None) is not None]
    acts.append(getattr(window, "keys_action", None))
    for act in acts:
        if act is not None and keys_of(act):
            rows.append((act.text().replace("&", ""), keys_of(act)))
    rows += [("", ""), ("Examples tab (the buttons under the example)", "")]
    for _name, action, words, _tip in EXAMPLE_BUTTONS:
        keys = list(sc.letter_keys(action, overrides))
        act = same_as_buttons.get(action)
        if act is not None:
            keys += [k for k in keys_of(act).split(", ") if k and k not in keys]
        rows.append((words, ", ".join(keys)))
    for action in (sc.SKIP, sc.NEXT, sc.PREVIOUS):
        keys = sc.letter_keys(action, overrides)
        if keys:
            rows.append((sc.BY_ACTION[action].label, ", ".join(keys)))
    unit = getattr(getattr(window, "table", None), "unit", "line")
    rows += [("", ""), ("Findings (N: the member the button acts on, M: the other one)", "")]
    rows += sc.finding_key_rows(unit)
    rows += [("", ""), ("Review desk", "")]
    for s in sc.SHORTCUTS:
        keys = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                for k in sc.keys_for(s.action, overrides) if k != "Shift+?"]     # how some keyboards send "?"
        rows.append((s.label, ", ".join(dict.fromkeys(k for k in keys if k))))
    return rows


def key_list_text(window) -> str:
    """:func:`key_list_rows` as the aligned text the key list dialog shows."""
    rows = key_list_rows(window)
    width = max(len(r[0]) for r in rows if r[1]) + 3
    return "\n".join(f"{a:<{width}}{b}" if b else a for a, b in rows)


def install_review_views(window) -> None:
    """Hook the review desk, the dashboard and the export dialog into the main window
    (called from ``MainWindow._register_views``)."""
    from PySide6.QtGui import QAction

    from .dashboard import DashboardPage

    # The Examples tab's reader says what the scan found (a style check's message, a contradiction):
    # the same words as the desk's notes and the Flags cell's tooltip.
    example = getattr(getattr(window, "examples", None), "example", None)
    if example is not None and getattr(window, "model", None) is not None:
        example.notes_of = window.model.scan_notes

    def make_desk(w) -> ReviewDesk:
        # one "Who is reviewing?" for the window and the desk (tests swap in their own answer)
        desk = ReviewDesk(w.project, w.runner, w.prefs, edit_record=w.edit_record,
                          ask_reviewer=lambda parent: w.ask_reviewer(parent, w.prefs.get(REVIEWER)))
        desk.setObjectName("reviewDesk")
        if getattr(w, "model", None) is not None:
            desk.notes_of = w.model.scan_notes
        desk.leave_requested.connect(lambda: w.show_view("examples"))
        desk.start(w.project.current_queue())
        return desk

    window.register_view("review", "Review Desk", make_desk, shortcut="Ctrl+3",
                         tooltip="One example at a time, decided with single keys (Ctrl+3)")
    window.register_view("dashboard", "Dashboard", lambda w: DashboardPage(w.project, runner=w.runner),
                         shortcut="Ctrl+4", tooltip="Counts, lengths, categories and data-size guidance (Ctrl+4)")

    def open_export() -> None:
        from .export_dialog import ExportDialog

        if window.project is None:
            return
        dlg = ExportDialog(window.project, window.runner, window)
        window.export_dialog = dlg
        dlg.open()

    act = QAction("&Export Train/Eval…", window)
    act.setShortcut("Ctrl+Shift+E")
    act.setToolTip("Write leak-free train.jsonl / eval.jsonl with a manifest")
    act.setStatusTip(act.toolTip())
    act.triggered.connect(lambda _c=False: open_export())
    window.export_action = act
    file_menu = window.menus["file"]
    before = next((a for a in file_menu.actions() if a.isSeparator()), None)
    file_menu.insertAction(before, act) if before is not None else file_menu.addAction(act)
    window.open_export = open_export

    def sync_enabled(*_a) -> None:
        act.setEnabled(window.project is not None)
        dlg = getattr(window, "export_dialog", None)
        if dlg is not None and (window.project is None or dlg.project is not window.project):
            dlg.close()           # it plans over a project that is no longer open
            window.export_dialog = None

    window.project_opened.connect(sync_enabled)
    window.project_closed.connect(sync_enabled)
    sync_enabled()
