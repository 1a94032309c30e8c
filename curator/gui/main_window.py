"""The main window: welcome screen, examples table + example view, findings, and registered views.

Everything about data is decided in the core; this window wires widgets to an open
:class:`curator.core.project.Project`:

* opening runs ``open_project`` (load, validate, scan) and builds the core
  :class:`~curator.core.table.ExamplesTable` on the :class:`~curator.gui.run_op.OpRunner`,
  with the step, a progress bar and Cancel on screen;
* every mutation (approve, fix, resolve, undo …) is a project call run as a store write; its
  :class:`~curator.core.review.Change` comes back to :meth:`MainWindow.apply_change`, which
  updates the table, the findings, the Undo/Redo actions and emits :attr:`project_changed`.

**Adding a view** (review desk, dashboard …): call :meth:`MainWindow.register_view` from
:meth:`MainWindow._register_views` with a factory ``create(window) -> QWidget``. While a project is
open the view has a tab and a View menu entry; the factory runs the first time the view is shown
(or asked for with :meth:`view_widget`), with ``window.project`` set, so opening a 100,000-record
file does not pay for views nobody looked at. The widget is dropped when the project closes. A widget with a ``changed`` signal carrying a
core ``Change`` is connected to :meth:`apply_change`; one with ``project_changed(change)`` (a
method) is told about changes made elsewhere. Menu actions go in ``window.menus[...]``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator import __version__
from curator.core.decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED
from curator.core.review import plural
from curator.core.table import ExamplesTable, FindingItem, TableQuery

from . import errors, run_op
from .example_view import ExampleView, FixDialog, drafts_to_offer, edit_record, fix_dialog
from .findings_view import FindingsView
from .run_op import Op, OpRunner, Step, StepProgress, describe_progress, describe_steps
from .settings import GEOMETRY, LAST_DIR, LAST_VIEWS, REVIEWER, SPLITTERS, STATE, THEME, Preferences
from .table_model import (
    COL_FLAGS,
    COL_FORMAT,
    COL_LENGTH,
    COL_LINE,
    COL_PROMPT,
    COL_RESPONSE,
    COL_STATUS,
    BadgeDelegate,
    ExampleIdRole,
    LineRole,
    QtExamplesModel,
)
from .welcome import WelcomePage

DATA_SUFFIXES = (".jsonl", ".json", ".gz", ".ndjson")
PAGE_WELCOME, PAGE_LOADING, PAGE_WORKSPACE = range(3)
STATUS_FILTERS = (("All statuses", ""), ("Undecided", UNDECIDED), ("Approved", APPROVED),
                  ("Rejected", REJECTED), ("Fixed", FIXED), ("Skipped", SKIPPED))
FLAG_FILTERS = (("Any flags", ""), ("Flagged", "any"), ("Invalid", "invalid"), ("Duplicate", "duplicate"),
                ("Contradiction", "contradiction"), ("Style check (lint)", "lint"), ("No flags", "none"))


@dataclass
class ViewSpec:
    key: str
    title: str
    create: Callable[[MainWindow], QWidget]
    shortcut: str | None = None
    tooltip: str = ""
    widget: QWidget | None = None       # created on first show (see MainWindow._materialize)
    holder: QWidget | None = None       # the empty tab standing in until then
    action: QAction | None = None


def _bundled_sample_in_read_only_folder(path: Path) -> bool:
    """A bundled sample whose folder takes no new file and has no project beside it yet."""
    import tempfile

    from curator.core.project import default_project_path

    from .welcome import bundled_samples

    try:
        if path.resolve() not in {p.resolve() for p in bundled_samples()} or default_project_path(path).exists():
            return False
        with tempfile.TemporaryFile(dir=path.parent):
            return False
    except OSError:
        return True


def _show_effective(project: Any, table: ExamplesTable, line: int) -> None:
    """Make the table row of ``line`` show the record as it will be exported (fixed or source)."""
    i = table.index_of(line)
    if i is None:
        return
    table.show_record(i, project.fixed_record(line) or project.dataset.records[i])


def open_steps(settings: dict | None, *, child: bool, again: bool = False) -> list[Step]:
    """The steps :meth:`MainWindow.open_path` runs to open a file, in order, each with the progress
    labels the core reports during it: reading and checking the file, the scan's passes that
    ``settings`` switch on (``curator.core.scan.run_scan``), then building the table. ``child``:
    the scan runs in the scan process (``scan_worker``), and the window then loads the file
    again and finds the scan in the project's cache (one more step). A scan already cached
    runs no scan step: the open passes over them. ``again``: the file is read a second time
    (the scan process failed and the window does the whole open itself)."""
    from curator.core.scan import ScanSettings

    s = ScanSettings.from_dict(settings)
    read = Step("read", "Reading the file again" if again else "Reading the file",
                frozenset({"Reading lines", "Reading JSON array"}))
    schema = Step("schema", "Checking schema again" if again else "Checking schema", frozenset({"Checking schema"}))
    scan = [Step("exact", "Finding exact duplicates", frozenset({"Normalising text", "Finding exact duplicates"}))]
    if s.near or s.contradictions:
        scan.append(Step("boilerplate", "Setting aside shared boilerplate",
                         frozenset({"Looking for shared boilerplate", "Separating what varies"})))
        # One step for both: the contradiction pass runs the same near-duplicate search over the
        # prompts (the same labels), and on two cores the two passes run at the same time.
        title = {(True, True): "Finding near-duplicates and contradictions", (True, False): "Finding near-duplicates",
                 (False, True): "Finding contradictions"}[(s.near, s.contradictions)]
        scan.append(Step("similar", title, frozenset({
            "Hashing shingles", "Computing MinHash signatures", "Finding candidate pairs", "Verifying candidate pairs",
            "Finding near-duplicates", "Finding near-identical questions", "Counting words and repeated sentences",
            "Comparing answers to the same question"})))
    if s.lint:
        scan.append(Step("lint", "Checking for common problems (lint)", frozenset({"Checking records (lint)"})))
    table = Step("table", "Building the table", frozenset({"Building the table"}))
    if not child:
        return [read, schema, *scan, table]
    reload = Step("reload", "Loading the results into the window", read.labels | schema.labels,
                  label_suffix=" again, for the window")
    return [read, schema, *scan, reload, table]


class LoadingPage(QWidget):
    """Shown while a file opens: what is happening, how far (the step, and the whole open's
    "Step x of y"), and a way out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        self.title.setFont(f)
        self.overall = QLabel(self)
        self.overall.setObjectName("overallStep")
        self.overall.setTextFormat(Qt.TextFormat.PlainText)
        self.step = QLabel("Starting…", self)
        self.step.setObjectName("stepLabel")
        self.step.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar(self)
        self.bar.setMinimumWidth(420)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop opening this file (Esc)")
        self.cancel.setShortcut(QKeySequence("Escape"))
        box = QVBoxLayout()
        box.addWidget(self.title)
        box.addWidget(self.overall)
        box.addWidget(self.step)
        box.addWidget(self.bar)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel)
        box.addLayout(row)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        h = QHBoxLayout()
        h.addStretch(1)
        h.addLayout(box, 2)
        h.addStretch(1)
        outer.addLayout(h)
        outer.addStretch(3)


class ExamplesTableView(QTableView):
    """The examples table without Qt's type-ahead: typing letters must not jump to another row
    (the search box is the search, and A/R/S/E/J/K are review keys here)."""

    def keyboardSearch(self, search: str) -> None:  # noqa: N802 (Qt override)
        return


class ExamplesPage(QWidget):
    """Filter bar, the examples table, and the example view beside it."""

    def __init__(self, model: QtExamplesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search every word of prompts and responses…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Full-text search: rows containing all the words, case-insensitive. "
                               "Esc clears, Enter goes to the table.")
        self.status_box = QComboBox(self)
        self.flag_box = QComboBox(self)
        self.format_box = QComboBox(self)
        for box, items, tip in ((self.status_box, STATUS_FILTERS, "Show examples with this decision"),
                                (self.flag_box, FLAG_FILTERS, "Show examples with this finding"),
                                (self.format_box, (("All formats", ""),), "Show examples of this format")):
            for label, value in items:
                box.addItem(label, value)
            box.setToolTip(tip)
        self.count = QLabel(self)
        self.count.setObjectName("rowCount")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.status_box)
        bar.addWidget(self.flag_box)
        bar.addWidget(self.format_box)
        bar.addWidget(self.count)

        self.table = ExamplesTableView(self)
        self.table.setObjectName("examplesTable")
        self.table.setModel(model)
        self.table.setItemDelegateForColumn(COL_FLAGS, BadgeDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_LINE, Qt.SortOrder.AscendingOrder)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        # Fixed row heights: Qt never measures 100,000 rows.
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)  # the response takes what is left
        hh.setHighlightSections(False)
        for col, width in ((COL_LINE, 56), (COL_STATUS, 76), (COL_FLAGS, 150), (COL_FORMAT, 70),
                           (COL_LENGTH, 60), (COL_PROMPT, 250), (COL_RESPONSE, 250)):
            self.table.setColumnWidth(col, width)
        self.example = ExampleView(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("examplesSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.example)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([840, 460])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.splitter, 1)
        QWidget.setTabOrder(self.search, self.status_box)
        QWidget.setTabOrder(self.status_box, self.flag_box)
        QWidget.setTabOrder(self.flag_box, self.format_box)
        QWidget.setTabOrder(self.format_box, self.table)
        QWidget.setTabOrder(self.table, self.example.tabs)


def recent_labels(files: list[str]) -> list[str]:
    """Menu labels of recent files: the file name, and its folder wherever two entries share a name
    (a clinician saw "chatdoctor5k.json" twice in Open Recent, one another session's copy)."""
    names = Counter(Path(f).name for f in files)
    out = []
    for f in files:
        p = Path(f)
        if names[p.name] < 2:
            out.append(p.name)
            continue
        folder = str(p.parent)
        home = str(Path.home())
        if folder == home or folder.startswith(home + os.sep):
            folder = "~" + folder[len(home):]
        if len(folder) > 50:
            folder = "…" + folder[-49:]
        out.append(f"{p.name} — {folder}")
    return out


class MainWindow(QMainWindow):
    project_opened = Signal(object)      # the Project
    project_changed = Signal(object)     # a core Change (after it is on disk)
    project_closed = Signal()

    def __init__(self, prefs: Preferences | None = None, runner: OpRunner | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Curator")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self.prefs = prefs or Preferences()
        self.runner = runner or OpRunner(self)
        self.project: Any = None
        self.table: ExamplesTable | None = None
        self.path: Path | None = None
        self._swapping_tabs = False
        self._filter_gen = 0
        self._open_token: object | None = None
        self._child_notes: dict | None = None
        self.last_scan_process: dict | None = None     # the scan process's report of the last open
        # Scan in a child process when ops run on threads (never in inline test mode).
        self.scan_in_process = True
        self.fix_dialog: FixDialog | None = None
        self.unsaved_fix_box: QMessageBox | None = None     # "You were fixing line … Open it?", while asked
        self._last_box: QMessageBox | None = None           # the latest information box shown
        self.reject_dialog: QDialog | None = None    # the reason question while it is open
        # ask_reviewer(parent, current) -> name or None: "Who is reviewing?" before a first decision
        from .review_view import ask_reviewer_name

        self.ask_reviewer: Callable[[QWidget, str], str | None] = ask_reviewer_name
        self._open_op: Op | None = None
        self.model = QtExamplesModel(self)
        self.menus: dict[str, QMenu] = {}
        self.view_specs: list[ViewSpec] = []

        self.stack = QStackedWidget(self)
        self.welcome = WelcomePage(self)
        self.loading = LoadingPage(self)
        self.views = QTabWidget(self)
        self.views.setObjectName("views")
        self.views.setDocumentMode(True)
        self.examples = ExamplesPage(self.model, self)
        self.findings = FindingsView(self)
        self.views.addTab(self.examples, "Examples")
        self.views.addTab(self.findings, "Findings")
        self.views.setTabToolTip(0, "Every example, filtered and searched (Ctrl+1)")
        self.views.setTabToolTip(1, "Duplicate clusters and contradictions, worst first (Ctrl+2)")
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.loading)
        self.stack.addWidget(self.views)
        self.setCentralWidget(self.stack)

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._register_views()
        self._connect()
        self._restore_layout()
        # the layout is saved a moment after the window is moved or resized, not only on a clean
        # quit: a killed session (kill -9, a crash, a power cut) came back at the default size
        self._layout_timer = QTimer(self)
        self._layout_timer.setSingleShot(True)
        self._layout_timer.setInterval(1500)
        self._layout_timer.timeout.connect(self.save_layout)
        # decisions another window or `curator review` stores in this project show up here: a
        # colleague's window showed none of them, and offered to decide them again
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(1500)
        self._poll_timer.timeout.connect(self.poll_external_changes)
        self._poll_timer.start()
        # whose name signs this window's decisions is said once, with its first decision
        self._reviewer_said = False
        self._reviewer_note: str | None = None
        self._refresh_recent()
        self._update_actions()

    # ---- construction ------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.op_label = QLabel(self)
        self.op_label.setTextFormat(Qt.TextFormat.PlainText)
        self.op_bar = QProgressBar(self)
        self.op_bar.setMaximumWidth(220)
        self.op_bar.setTextVisible(False)
        self.op_cancel = QPushButton("Cancel", self)
        self.op_cancel.setToolTip("Stop the running operation")
        self.count_label = QLabel(self)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        for w in (self.op_label, self.op_bar, self.op_cancel):
            sb.addPermanentWidget(w)
            w.setVisible(False)
        sb.addPermanentWidget(self.count_label)

    def _action(self, text: str, slot: Callable[[], Any], shortcut: str | QKeySequence.StandardKey | None = None,
                tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open…", self.browse, QKeySequence.StandardKey.Open,
                                        "Open a .jsonl or .json dataset (its review project opens with it)")
        self.close_action = self._action("&Close", self.close_project, QKeySequence.StandardKey.Close,
                                         "Close the dataset; your decisions are already saved")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "Quit Curator")
        self.undo_action = self._action("&Undo", self.undo, QKeySequence.StandardKey.Undo, "Take back the last change")
        self.redo_action = self._action("&Redo", self.redo, "Ctrl+Shift+Z", "Redo the change you took back")
        self.fix_action = self._action("&Fix Example…", self.fix_current, None,
                                       "Edit the selected example with live schema validation")
        self.approve_action = self._action("&Approve Example", self.approve_current, "Ctrl+Return",
                                           "Approve the selected example")
        self.reject_action = self._action("Re&ject Example…", self.reject_current, "Ctrl+Backspace",
                                          "Reject the selected example, with an optional reason")
        # no key: a whole filtered list changes at once, so it is a menu choice with a confirmation
        self.approve_shown_action = self._action("Approve All S&hown…", self.approve_shown, None,
                                                 "Approve every example the Examples table shows now "
                                                 "(its search and filters), as one undo step")
        self.reject_shown_action = self._action("Reject All Sho&wn…", self.reject_shown, None,
                                                "Reject every example the Examples table shows now "
                                                "(its search and filters), with one reason, as one undo step")
        self.find_action = self._action("&Find…", self.focus_search, QKeySequence.StandardKey.Find,
                                        "Search the examples")
        self.settings_action = self._action("&Settings…", self.show_settings, QKeySequence.StandardKey.Preferences,
                                            "Thresholds, reviewer name, keys and theme")
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.rescan_action = self._action("&Rescan", self.rescan, "F5",
                                          "Run the duplicate/contradiction checks again with the current settings")
        self.keys_action = self._action("&Keyboard Shortcuts", self.show_shortcuts, "F1",
                                        "Every key Curator understands")
        self.about_action = self._action("&About Curator", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        # Keys the review desk binds too (E, Ctrl+Z …) work here only while focus is in these pages,
        # so the two never compete for the same key.
        for act in (self.undo_action, self.redo_action, self.fix_action, self.approve_action, self.reject_action):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.examples.addAction(act)
            self.findings.addAction(act)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self._bind_review_keys()
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key, label in (("system", "Follow the &System"), ("light", "&Light"), ("dark", "&Dark")):
            act = QAction(label, self, checkable=True)
            act.setData(key)
            act.triggered.connect(lambda _c=False, k=key: self.set_theme(k))
            self.theme_group.addAction(act)
            self.theme_actions[key] = act
        self.theme_actions.get(self.prefs.get(THEME), self.theme_actions["system"]).setChecked(True)

    def _bind_review_keys(self) -> None:
        """The review desk's letter keys (A, R, S, E, J, K from the one shortcut table, with the
        user's overrides) on the selected example of the Examples tab. A line edit claims the
        printable keys typed into it, so the search box still gets its text."""
        from PySide6.QtGui import QShortcut

        from . import shortcuts as sc

        for q in (q for qs in getattr(self, "review_shortcuts", {}).values() for q in qs):
            q.setEnabled(False)   # rebinding after a settings change: the old keys stop now
            q.deleteLater()
        overrides = self.prefs.key_overrides()
        self.fix_action.setShortcuts([QKeySequence(k) for k in sc.letter_keys(sc.FIX, overrides)])
        tip = "Edit the selected example with live schema validation"
        keys = ", ".join(sc.letter_keys(sc.FIX, overrides))
        self.fix_action.setToolTip(f"{tip} ({keys})" if keys else tip)
        self.review_shortcuts: dict[str, list[QShortcut]] = {}
        for action in (sc.APPROVE, sc.REJECT, sc.SKIP, sc.NEXT, sc.PREVIOUS):
            for key in sc.letter_keys(action, overrides):
                q = QShortcut(QKeySequence(key), self.examples)
                q.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                q.setAutoRepeat(False)     # holding a key must not decide a run of examples
                q.activated.connect(lambda a=action: self.review_key(a))
                self.review_shortcuts.setdefault(action, []).append(q)
        self.examples.example.show_keys(overrides)

    def rebind_keys(self) -> None:
        """Apply changed key overrides now, in the Examples tab and every open view that has
        review keys (the desk), with the buttons and key map relabelled."""
        self._bind_review_keys()
        for spec in self.view_specs:
            rebind = getattr(spec.widget, "rebind_keys", None)
            if rebind is not None:
                rebind()

    def review_key(self, action: str) -> bool:
        """One review key in the Examples tab: decide the selected example and move to the next
        row (as the desk does), or move. Returns False when there is nothing to act on."""
        from . import shortcuts as sc

        line = self.current_line()
        if self.project is None or line is None:
            return False
        row = self.examples.table.currentIndex().row()
        if action in (sc.NEXT, sc.PREVIOUS):
            new = row + (1 if action == sc.NEXT else -1)
            if not 0 <= new < self.model.rowCount():
                return False
            self._select_row(new)
            return True
        # the row after this one, by its line: with a status filter on, the decided row leaves the
        # list (apply_change), so "row + 1" would skip an example
        nxt = self.model.index(row + 1, 0).data(LineRole) if row + 1 < self.model.rowCount() else None
        if action == sc.APPROVE:
            if not self.approve_current():
                return False        # no reviewer name given: nothing decided, stay on the row
        elif action == sc.SKIP:
            if self.mutate(f"Skipping {self._unit()} {line}", lambda: self.project.skip(line)) is None:
                return False
        elif action == sc.REJECT:
            if not self.reject_current():
                return False
        else:
            return False
        if nxt is not None:
            self.select_line(nxt)
        return True

    def _current_record(self, line: int) -> Any:
        """The record of ``line`` as it now stands: the reviewer's fix, else the source."""
        assert self.project is not None
        return self.project.fixed_record(line) or self.project.dataset.by_line(line)

    def _unit(self) -> str:
        """"record" while a JSON-array dataset is open (ids are element indexes), else "line"."""
        return self.table.unit if self.table is not None else "line"

    def refocus(self, widget: QWidget | None = None) -> None:
        """Give the keyboard back after a dialog closed: without a window manager nobody
        reactivates the window, and keys would go nowhere until it is clicked."""
        widget = widget if widget is not None else (
            self.examples.table if self.views.currentWidget() is self.examples else self.views.currentWidget())
        if widget is None:
            return
        self.activateWindow()
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        file.addAction(self.open_action)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        file.addAction(self.close_action)
        file.addSeparator()
        file.addAction(self.quit_action)
        edit = mb.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.approve_action)
        edit.addAction(self.reject_action)
        edit.addAction(self.fix_action)
        edit.addSeparator()
        edit.addAction(self.approve_shown_action)
        edit.addAction(self.reject_shown_action)
        edit.addSeparator()
        edit.addAction(self.find_action)
        edit.addAction(self.rescan_action)
        edit.addSeparator()
        edit.addAction(self.settings_action)
        view = mb.addMenu("&View")
        self.view_menu = view
        self.examples_view_action = self._action("&Examples", lambda: self.show_view("examples"), "Ctrl+1",
                                                 "The examples table")
        self.findings_view_action = self._action("F&indings", lambda: self.show_view("findings"), "Ctrl+2",
                                                 "Duplicates and contradictions")
        view.addAction(self.examples_view_action)
        view.addAction(self.findings_view_action)
        self._view_separator = view.addSeparator()
        theme = view.addMenu("&Theme")
        for act in self.theme_actions.values():
            theme.addAction(act)
        help_ = mb.addMenu("&Help")
        help_.addAction(self.keys_action)
        help_.addAction(self.about_action)
        self.menus = {"file": file, "edit": edit, "view": view, "help": help_}

    def register_view(self, key: str, title: str, create: Callable[[MainWindow], QWidget], *,
                      shortcut: str | None = None, tooltip: str = "") -> ViewSpec:
        """Add a view that exists while a project is open (see the module docstring)."""
        spec = ViewSpec(key, title, create, shortcut, tooltip)
        spec.action = self._action(f"&{title}", lambda: self.show_view(key), shortcut, tooltip)
        self.view_menu.insertAction(self._view_separator, spec.action)
        self.view_specs.append(spec)
        self._update_actions()
        return spec

    def _register_views(self) -> None:
        """Other views hook in here, e.g. ``self.register_view("review", "Review Desk", make_desk, shortcut="Ctrl+3")``."""
        from .review_view import install_review_views

        install_review_views(self)  # review desk, dashboard, File › Export (review-desk engineer)

    def _connect(self) -> None:
        self.welcome.open_requested.connect(self.open_path)
        self.welcome.browse_requested.connect(self.browse)
        self.loading.cancel.clicked.connect(self.cancel_open)
        self.op_cancel.clicked.connect(self.runner.cancel_all)
        self.runner.started.connect(self._op_started)
        self.runner.progressed.connect(self._op_progress)
        self.runner.finished.connect(self._op_finished)
        ex = self.examples
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self.apply_filters)
        ex.search.textChanged.connect(self._search_timer.start)
        ex.search.returnPressed.connect(self._search_return)
        for box in (ex.status_box, ex.flag_box, ex.format_box):
            box.currentIndexChanged.connect(self.apply_filters)
        ex.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.model.modelReset.connect(self._after_reset)
        ex.example.fix_requested.connect(self.fix_current)
        ex.example.approve_requested.connect(self.approve_current)
        ex.example.reject_requested.connect(self.reject_current)
        self.findings.resolve.connect(self.resolve_finding)
        self.findings.show_lint.connect(self.show_lint_examples)
        self.views.currentChanged.connect(self._tab_changed)
        ex.search.installEventFilter(self)

    def eventFilter(self, obj: Any, event: Any) -> bool:
        # Esc in the search box clears it (and a second Esc leaves it for the table).
        if obj is self.examples.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            if self.examples.search.text():
                self.examples.search.clear()
            else:
                self.examples.table.setFocus()
            return True
        return super().eventFilter(obj, event)

    # ---- layout persistence ------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geo = self.prefs.get(GEOMETRY)
        if geo:
            self.restoreGeometry(QByteArray(geo))
        state = self.prefs.get(STATE)
        if state:
            self.restoreState(QByteArray(state))
        splitters = self.prefs.get(SPLITTERS)
        for splitter in (self.examples.splitter, self.findings.splitter):
            state = splitters.get(splitter.objectName())
            if isinstance(state, str):
                splitter.restoreState(QByteArray.fromBase64(state.encode("ascii")))
        widths = splitters.get("examplesColumns")
        if isinstance(widths, list):
            for col, w in enumerate(widths[: self.model.columnCount()]):
                if isinstance(w, int) and w > 10:
                    self.examples.table.setColumnWidth(col, w)

    def save_layout(self) -> None:
        self.prefs.set(GEOMETRY, bytes(self.saveGeometry().data()))
        self.prefs.set(STATE, bytes(self.saveState().data()))
        splitters: dict[str, Any] = {s.objectName(): bytes(s.saveState().toBase64().data()).decode("ascii")
                                     for s in (self.examples.splitter, self.findings.splitter)}
        splitters["examplesColumns"] = [self.examples.table.columnWidth(c) for c in range(self.model.columnCount())]
        self.prefs.set(SPLITTERS, splitters)
        self.prefs.sync()

    # ---- opening -----------------------------------------------------------------------------

    def browse(self) -> None:
        start = str(self.path.parent) if self.path else (self.prefs.get(LAST_DIR) or str(Path.home()))
        name, _ = QFileDialog.getOpenFileName(self, "Open a dataset", start,
                                              "Fine-tuning data (*.jsonl *.json *.jsonl.gz *.ndjson);;All files (*)")
        if name:
            self.open_path(Path(name))

    def open_path(self, path: str | Path, *, fresh: bool = False, project_path: str | Path | None = None) -> Op | None:
        """Open a dataset and its project in the background (load, validate, scan, build the table).
        ``project_path``: where the project file is (default: beside the dataset, or the one kept in
        the user's project folder, see ``curator.core.project.project_path_for``)."""
        from curator import open_project

        path = Path(path)
        if not path.is_file():
            if path.is_dir():     # (a trial: a folder was said not to exist, and left Recent)
                self._warn("Cannot open file", f"{path}\n\nThis is a folder, not a file: open one of the "
                           "dataset files in it (.jsonl, .json, .jsonl.gz).")
                return None
            self._warn("Cannot open file", f"{path}\n\nThe file does not exist (it may have been moved or deleted).")
            self.prefs.remove_recent(path)
            self._refresh_recent()
            return None
        if self._open_op is not None and not self._open_op.finished:
            self._open_op.cancel.set()
        # Decisions still being written belong to the open project: let them land first.
        if self.project is not None and self.runner.busy():
            self.runner.wait_idle(10000)
        if self.project is not None and Path(self.project.dataset.path).resolve() == path.resolve():
            if not self.close_project():      # the same file again: one project open on its store at a time
                return None
        # otherwise the open project stays open until the new one has loaded: a file that fails to
        # open (empty, not JSONL, cancelled) leaves the reviewer where they were
        reviewer = self.prefs.get(REVIEWER) or None
        settings = self.prefs.scan_settings()
        if project_path is None and _bundled_sample_in_read_only_folder(path):
            # our own sample, installed where the user cannot write: no question to ask
            from curator.core.project import user_project_path

            project_path = user_project_path(path)

        # the heavy part in a child process: no GIL shared with the window (scan_worker.py)
        in_child = self.scan_in_process and not run_op.is_inline()
        steps = StepProgress(open_steps(settings, child=in_child))

        def work(progress=None, cancel=None):
            notes = None
            if in_child:
                from .scan_worker import prepare_in_subprocess

                notes = prepare_in_subprocess(str(path), reviewer=reviewer, settings=settings, fresh=fresh,
                                              project_path=project_path, progress=progress, cancel=cancel)
                if isinstance(progress, StepProgress):
                    if notes and notes.get("ok"):
                        progress.advance_to("reload")       # loaded, scanned and cached by the child
                    else:       # the child failed: the window does the whole open itself
                        progress.replace_rest(open_steps(settings, child=False, again=True))
            project = open_project(path, project_path=project_path, reviewer=reviewer, progress=progress,
                                   cancel=cancel, scan=True, scan_settings=settings,
                                   on_damaged="fresh" if fresh else "raise")
            self.last_scan_process = notes
            if notes and notes.get("ok"):
                if notes.get("set_aside") and project.set_aside is None:
                    project.set_aside = Path(notes["set_aside"])
                self._child_notes = notes
            try:
                if isinstance(progress, StepProgress):
                    progress.advance_to("table")
                decisions = project.decisions()
                statuses = {line: d.status for line, d in decisions.items()}
                table = ExamplesTable(project.dataset, project.scan, statuses, progress=progress, cancel=cancel)
                for line, d in decisions.items():
                    if d.status == FIXED:
                        _show_effective(project, table, line)
                # Answers the window needs right away, computed here rather than on the GUI thread.
                resume = project.resume_line()
                if project.dataset.records:
                    project.dataset.by_line(project.dataset.records[0].line)   # builds the line index
            except BaseException:
                project.close()
                raise
            return project, table, resume

        self.loading.title.setText(f"Opening {path.name}")
        self.loading.step.setText("Reading the file…")
        self.loading.bar.setRange(0, 0)
        self._show_loading_status(path)
        self.stack.setCurrentIndex(PAGE_LOADING)
        self.loading.cancel.setFocus()
        # An open overtaken by a newer one stays quiet: its callbacks check this token.
        token = object()
        self._open_token = token

        def done(result: tuple) -> None:
            op = self.runner.current_finished
            if self._open_token is not token or (op is not None and op.cancel.is_set()):
                result[0].close()          # cancelled just as it completed, or overtaken: drop it
                if self._open_token is token:
                    self._open_cancelled()
                return
            self._opened(path, *result)

        def cancelled() -> None:
            if self._open_token is token:
                self._open_cancelled()

        def failed(exc: BaseException, tb: str) -> None:
            if self._open_token is token:
                self._open_failed(path, exc, tb)

        self._open_op = None
        # quiet: the loading page, not the status bar, shows this one's progress
        op = self.runner.run(work, title=f"Opening {path.name}", on_done=done, on_error=failed,
                             on_cancelled=cancelled, writes=True, heavy=True, quiet=True, progress=steps)
        if self._open_token is token and not op.finished:
            self._open_op = op
            self._show_open_steps(steps.snapshot())
        self._update_actions()
        return op

    def _show_loading_status(self, path: Path) -> None:
        """While a file loads, the status bar says so: the counts of the project still open behind
        the loading page would read as the new file's (a new user took them for it)."""
        self.statusBar().clearMessage()      # "Opened <previous file>: N examples …" is not about this one
        label = self.count_label
        label.setText(f"Opening {path.name}…")
        label.setToolTip(f"The counts of {path.name} (reviewed, findings, flagged) appear here once it is open.")
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance(label.text()) + 12)

    def _show_no_counts(self) -> None:
        self.count_label.clear()
        self.count_label.setToolTip("")
        self.count_label.setMinimumWidth(0)

    def cancel_open(self) -> None:
        if self._open_op is not None and not self._open_op.finished:
            self._open_op.cancel.set()
            self.loading.step.setText("Cancelling…")

    def _opened(self, path: Path, project: Any, table: ExamplesTable, resume: int | None = None) -> None:
        if self.project is not None:
            self.close_project(ask=False)      # the one open while this loaded
        last_view = self._last_view(path)      # read before the tab is reset to Examples below
        self.project, self.table, self.path = project, table, path
        ex = self.examples
        for box in (ex.status_box, ex.flag_box):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        ex.format_box.blockSignals(True)
        ex.format_box.clear()
        ex.format_box.addItem("All formats", "")
        for fmt in table.format_names():
            ex.format_box.addItem(fmt, fmt)
        ex.format_box.blockSignals(False)
        ex.search.blockSignals(True)
        ex.search.clear()
        ex.search.blockSignals(False)
        header = ex.table.horizontalHeader()
        ex.example.unit = table.unit
        self.model.set_table(table, TableQuery(sort="line"))
        self.model.decision_of = project.decision
        header.setSortIndicator(COL_LINE, Qt.SortOrder.AscendingOrder)
        self.findings.set_table(table, self._current_record)
        self._create_views()
        self.stack.setCurrentIndex(PAGE_WORKSPACE)
        self.views.setCurrentIndex(0)
        self.setWindowTitle(f"{path.name} — Curator")
        self.prefs.add_recent(path)
        self._refresh_recent()
        self._update_counts()
        self._update_actions()
        ds = project.dataset
        scan = table.scan
        # a first open (nothing decided yet) says where to start: a new user saw no pointer to the
        # findings or the sample review
        first = not project.decisions()
        # (short enough to fit beside the counts at the default width: the scan time gives way to
        # the hint on a first open, where a clinician saw the hint cut off)
        # (the desk opens on every example; Alt+Q there picks a random sample — a trial pressed
        # Ctrl+3 for "a random sample (Ctrl+3)" and got all 11,983)
        hint = " — start with the findings (Ctrl+2) or a random sample (Ctrl+3, then Alt+Q)" if first else ""
        self.statusBar().showMessage(
            # the findings and flagged counts stay in the status bar's right side, explained there
            f"Opened {path.name}: {len(ds.records):,} examples, {table.counts()['flag:invalid']:,} invalid"
            + (f"; scan took {sum(scan.timings.values()):.1f} s" if scan and scan.timings and not first else "")
            + hint, 30000 if first else 10000)
        self.select_line(resume if resume is not None else (int(table.lines[0]) if len(table) else None))
        ex.table.setFocus()
        self._report_project_notes(project)
        self.project_opened.emit(project)
        QTimer.singleShot(0, self._offer_unsaved_fixes)
        if last_view is not None and last_view != "examples":
            self.show_view(last_view)          # the view the reviewer was using

    def _offer_unsaved_fixes(self) -> None:
        """A fix typed but never saved (the app was killed, the machine went down): say so on
        opening and offer to go on with it, instead of leaving it to be found by chance."""
        project = self.project
        if project is None:
            return
        notes = self._last_box
        if notes is not None and notes.isVisible():       # one question at a time: after the notes
            notes.finished.connect(lambda _r: self._offer_unsaved_fixes())
            return
        project.reviewer = self.prefs.get(REVIEWER) or project.reviewer
        drafts = drafts_to_offer(project)
        if not drafts:
            return
        unit = self._unit()
        # the one typed last is the one to go on with (a trial: the lowest line was offered)
        first = max(drafts, key=lambda d: d.at)
        others = sorted(d.line for d in drafts if d is not first)
        when = first.at.replace("T", " ")[:16]
        def listed(lines: list[int]) -> str:
            return (f"{unit}{'s' if len(lines) > 1 else ''} " + ", ".join(map(str, lines[:10]))
                    + (f" and {len(lines) - 10:,} more" if len(lines) > 10 else ""))

        more = ""
        if others:
            more = f"\n\nAlso not saved: your fix{'es' if len(others) > 1 else ''} of {listed(others)}."
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved fix",
                          f"You were fixing {unit} {first.line} ({when} UTC) when Curator closed, and it "
                          f"was not saved.{more}", QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText("Open it to go on where you stopped? Later keeps " + (
            f"them all: Fix on each {unit} offers its fix back." if others else f"it: Fix on that {unit} offers it back."))
        go = box.addButton("&Open the fix", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("&Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(go)
        self.unsaved_fix_box = box

        def answered() -> None:
            self.unsaved_fix_box = None
            if self.project is not project:
                return
            if box.clickedButton() is go:
                self.select_line(first.line)
                self.open_fix_dialog(first.line, restore=True)
            elif box.clickedButton() is later:    # say where the kept fixes are, as the question is gone
                self.statusBar().showMessage(
                    f"Unsaved fix kept: Fix on {listed(sorted(d.line for d in drafts))} offers it back", 15000)

        box.finished.connect(lambda _r: answered())
        box.open()

    def _report_project_notes(self, project: Any) -> None:
        from curator.core.project import default_project_path

        path = getattr(project, "path", None)
        if path is not None and Path(path) != default_project_path(project.dataset.path).absolute():
            self.statusBar().showMessage(f"Project file (your decisions): {path}", 10000)
        notes = []
        aside = getattr(project, "set_aside", None)
        if aside:
            notes.append(f"The old project file could not be used and was kept aside as:\n{aside}")
        change = getattr(project, "source_change", None)
        child, self._child_notes = self._child_notes, None
        carried = unmatched = None
        if change is not None:
            carried, unmatched = getattr(change, "carried", 0), len(getattr(change, "unmatched", ()))
        elif child and child.get("carried") is not None:   # the scan process met the change first
            carried, unmatched = child["carried"], child.get("unmatched") or 0
        if carried is not None:
            notes.append(f"The file changed since your last session. {carried:,} decision(s) were carried over "
                         f"by content" + (f"; {unmatched:,} could not be matched to any record and are kept "
                                          "in the project." if unmatched else "."))
        if notes:
            self._info("Project notes", "\n\n".join(notes))

    def _open_failed(self, path: Path, exc: BaseException, tb: str) -> None:
        from curator.core.io import FileReadError
        from curator.core.store import ProjectFileError, ProjectNotWritableError

        self._back_from_loading()
        self.statusBar().showMessage(f"Could not open {path.name}.", 8000)
        self._update_actions()
        if isinstance(exc, ProjectNotWritableError) and not exc.path.exists():
            # a dataset in a folder the user cannot write to (a shared drive): offer the user's own
            # project folder, where the window and the CLI find the project again next time
            from curator.core.project import user_project_path

            mine = user_project_path(path)
            self._offer_reopen(QMessageBox.Icon.Question, "Keep the project elsewhere?",
                               f"{path.name} is in a folder you cannot write to, so its project file (your "
                               f"review decisions) cannot go beside it:\n{exc.path.parent}\n\nKeep the project "
                               f"in your Curator folder instead?\n{mine}\n\nThe dataset itself is never "
                               "changed; opening it again finds this project.",
                               "Keep it in my Curator folder", lambda: self.open_path(path, project_path=mine))
            return
        if isinstance(exc, ProjectFileError) and not exc.fresh_helps:
            # A newer Curator's project or an unwritable folder: a fresh project would fail the same
            # way (or throw away decisions), so say what to do instead.
            self._warn("Project file cannot be used",
                       f"{exc}\n\nThe dataset itself is fine. Open a copy of the dataset from a folder "
                       "you can write to (its project file is kept beside it), or use a newer Curator.")
            return
        if isinstance(exc, ProjectFileError):
            self._offer_reopen(QMessageBox.Icon.Warning, "Project file cannot be used",
                               f"{exc}\n\nThe dataset itself is fine. Start a fresh project? The old project "
                               "file is kept aside, renamed, not deleted.",
                               "Start a fresh project", lambda: self.open_path(path, fresh=True))
            return
        if isinstance(exc, (FileReadError, OSError, ValueError)):
            self._warn("Cannot open file", f"{path}\n\n{exc}")
            return
        errors.report(exc, tb)

    def _offer_reopen(self, icon: QMessageBox.Icon, title: str, text: str, yes: str,
                      reopen: Callable[[], Any]) -> None:
        """A question whose Yes (labelled ``yes``) opens the dataset again another way."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self._last_box = box
        box.finished.connect(lambda result: reopen() if result == QMessageBox.StandardButton.Yes else None)
        box.open()

    def _back_from_loading(self) -> None:
        """After an open that did not complete: the project still open, or the welcome page; the
        status bar's counts are that project's again (or none)."""
        self.stack.setCurrentIndex(PAGE_WELCOME if self.project is None else PAGE_WORKSPACE)
        if self.project is None:
            self._show_no_counts()
        else:
            self._update_counts()

    def _open_cancelled(self) -> None:
        self._back_from_loading()
        self.statusBar().showMessage("Opening cancelled.", 5000)
        self._update_actions()

    def open_fix_editors(self) -> list[FixDialog]:
        """Fix editors open over this window: its own, and the review desk's or findings'."""
        return [d for d in self.findChildren(FixDialog) if d.isVisible()]

    def confirm_discard_fixes(self) -> bool:
        """Before the dataset or the window closes: each open Fix editor with typed edits asks its
        own "Discard your changes?". False when the reviewer chose to go back to an editor;
        True once every editor is closed (its edits discarded)."""
        for dlg in self.open_fix_editors():
            dlg.raise_()
            dlg.activateWindow()
            dlg.reject()            # closes an untouched editor; asks when something was typed
            if dlg.isVisible():
                return False
        return True

    def close_project(self, ask: bool = True) -> bool:
        """Close the dataset; False when an open Fix editor's edits were kept (Cancel).
        ``ask=False`` closes any editor without asking (another dataset is already open)."""
        if ask and not self.confirm_discard_fixes():
            return False
        for dlg in self.open_fix_editors():
            dlg.done(QDialog.DialogCode.Rejected)     # it would save into a closed project
        self._swapping_tabs = True
        try:
            for spec in self.view_specs:
                for w in (spec.widget, spec.holder):
                    if w is not None:
                        i = self.views.indexOf(w)
                        if i >= 0:
                            self.views.removeTab(i)
                        w.deleteLater()
                spec.widget = spec.holder = None
        finally:
            self._swapping_tabs = False
        if self.project is not None:
            name = Path(self.project.dataset.path).name
            self.project.close()
            self.project = None
            self.project_closed.emit()
            self.statusBar().showMessage(f"Closed {name}.", 5000)   # not "Opened …" over the welcome page
        self.table = None
        self.path = None
        self.model.set_table(None)
        self.model.decision_of = None
        self.findings.set_table(None)
        self.examples.example.set_record(None)
        self.stack.setCurrentIndex(PAGE_WELCOME)
        self.setWindowTitle("Curator")
        if not self._opening():
            self._show_no_counts()      # (while a file loads, the status bar says which)
        self._update_actions()
        return True

    def _create_views(self) -> None:
        for spec in self.view_specs:
            spec.holder = QWidget(self)
            self.views.addTab(spec.holder, spec.title)
            if spec.tooltip:
                self.views.setTabToolTip(self.views.count() - 1, spec.tooltip)

    def _materialize(self, spec: ViewSpec) -> QWidget | None:
        """Create a registered view now (first show), putting it in place of its empty tab."""
        if spec.widget is not None or self.project is None:
            return spec.widget
        holder = spec.holder
        widget = spec.create(self)
        spec.widget = widget
        if not getattr(widget, "binds_undo", False):
            # Ctrl+Z / Ctrl+Shift+Z work on this page too, as the Edit menu says (a trial: dead on
            # the Dashboard); the desk binds its own
            for act in (self.undo_action, self.redo_action):
                widget.addAction(act)
        changed = getattr(widget, "changed", None)
        if changed is not None and hasattr(changed, "connect"):
            changed.connect(self._change_from_view)
        i = self.views.indexOf(holder) if holder is not None else -1
        self._swapping_tabs = True
        try:
            current = self.views.currentIndex()
            if i >= 0:
                self.views.removeTab(i)
                self.views.insertTab(i, widget, spec.title)
                if spec.tooltip:
                    self.views.setTabToolTip(i, spec.tooltip)
                if current == i:
                    self.views.setCurrentIndex(i)
                else:
                    self.views.setCurrentIndex(current)
            else:
                self.views.addTab(widget, spec.title)
        finally:
            self._swapping_tabs = False
        if holder is not None:
            holder.deleteLater()
        spec.holder = None
        return widget

    def _tab_changed(self, index: int) -> None:
        if self._swapping_tabs:
            return
        page = self.views.widget(index)
        for spec in self.view_specs:
            if spec.holder is not None and spec.holder is page:
                widget = self._materialize(spec)
                if widget is not None:
                    widget.setFocus()
                break
        self._remember_view()
        self._update_actions()

    def current_view_key(self) -> str | None:
        """The key of the tab on show ("examples", "findings", "review" …)."""
        page = self.views.currentWidget()
        if page is self.examples:
            return "examples"
        if page is self.findings:
            return "findings"
        return next((s.key for s in self.view_specs if page is not None and page in (s.widget, s.holder)), None)

    def _remember_view(self) -> None:
        """Keep the tab on show for this dataset, so reopening it returns there (written at
        once: a killed app keeps it too)."""
        key = self.current_view_key()
        if self.project is None or self.path is None or key is None:
            return
        views = self.prefs.get(LAST_VIEWS)
        path = str(self.path.resolve())
        if views.get(path) == key:
            return
        views[path] = key
        recent = set(self.prefs.recent_files()) | {path}
        self.prefs.set(LAST_VIEWS, {p: k for p, k in views.items() if p in recent})
        self.prefs.sync()

    def _last_view(self, path: Path) -> str | None:
        key = self.prefs.get(LAST_VIEWS).get(str(path.resolve()))
        known = {"examples", "findings", *(s.key for s in self.view_specs)}
        return key if isinstance(key, str) and key in known else None

    # ---- views -------------------------------------------------------------------------------

    def show_view(self, key: str) -> None:
        if self.project is None:
            return
        if key == "examples":
            self.views.setCurrentWidget(self.examples)
            self.examples.table.setFocus()
            return
        if key == "findings":
            self.views.setCurrentWidget(self.findings)
            self.findings.list.setFocus()
            return
        for spec in self.view_specs:
            if spec.key == key:
                widget = self._materialize(spec)
                if widget is not None:
                    self.views.setCurrentWidget(widget)
                    widget.setFocus()

    def view_widget(self, key: str) -> QWidget | None:
        """The widget of a view (a registered one is created if the project is open)."""
        for spec in self.view_specs:
            if spec.key == key:
                return self._materialize(spec)
        return {"examples": self.examples, "findings": self.findings}.get(key)

    # ---- table -------------------------------------------------------------------------------

    def current_query(self) -> TableQuery:
        ex = self.examples
        q = self.model.query
        return TableQuery(status=ex.status_box.currentData() or "", flag=ex.flag_box.currentData() or "",
                          format=ex.format_box.currentData() or "", text=ex.search.text().strip(),
                          sort=q.sort, descending=q.descending)

    def apply_filters(self) -> Op | None:
        """Run the filter bar's query in the core (on a worker: a search of 100,000 records takes
        ~100 ms) and swap the result in; an answer overtaken by a newer query is dropped."""
        self._search_timer.stop()
        table = self.table
        if table is None:
            return None
        query = self.current_query()
        self._filter_gen += 1
        gen = self._filter_gen

        def work(progress=None, cancel=None):
            return table.query(query)

        def done(ids) -> None:
            if gen == self._filter_gen and self.table is table:
                self._show_filtered(query, ids)

        return self.runner.run(work, title="Searching", on_done=done, quiet=True, cancellable=False)

    def _show_filtered(self, query: TableQuery, ids) -> None:
        keep = self.current_line()
        self.model.set_ids(query, ids)
        self._update_counts()
        row = self.model.row_of_line(keep) if keep is not None else None
        if row is None and self.model.rowCount():
            row = 0
        if row is not None:
            self._select_row(row)
        else:
            self.examples.example.set_record(None)

    def _after_reset(self) -> None:
        self._update_counts()

    def _update_counts(self) -> None:
        total = len(self.table) if self.table is not None else 0
        shown = self.model.rowCount()
        text = f"{shown:,} of {plural(total, 'example')}" if total else ""
        self.examples.count.setText(text)
        if self.table is not None and not self._opening():
            # (while another file loads the status bar says which: these counts would read as its own)
            c = self.table.counts()
            from .review_view import reviewed_and_skipped

            reviewed, skipped = reviewed_and_skipped({k.split(":", 1)[1]: n for k, n in c.items()
                                                      if k.startswith("status:")})
            n_find = len(self.findings.model.items)
            n_open = self.findings.model.open_findings()
            flagged = c.get("flag:any", 0)
            skips = f" · {skipped:,} skipped" if skipped else ""
            # "· 0 open" as the Findings tab says it: a clinician resolved every finding and read
            # "7 findings" here as seven still to do
            self.count_label.setText(f"{reviewed:,} of {total:,} reviewed{skips} · {plural(n_find, 'finding')}, "
                                     f"{n_open:,} open · {plural(flagged, 'example')} flagged")
            self.count_label.setToolTip(
                f"{reviewed:,} of {total:,} examples reviewed (approved, rejected or fixed), as the review desk "
                f"and the dashboard count them; {skipped:,} skipped (still waiting for a decision).\n"
                f"{n_find:,} findings: each is one group of duplicates or one pair of contradicting examples, "
                f"listed in the Findings tab; one finding covers two or more examples. {n_open:,} of them are "
                "open (not every example in them decided yet).\n"
                f"{flagged:,} examples flagged: examples with at least one flag (invalid, duplicate, "
                "near-duplicate, contradiction or lint), counted once each; filter the table by Flags to see them.")
            # a permanent status-bar widget is squeezed by long messages unless it claims its width
            self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance(
                self.count_label.text()) + 12)

    def _search_return(self) -> None:
        self.apply_filters()
        self.examples.table.setFocus()

    def focus_search(self) -> None:
        if self.project is None:
            return
        self.views.setCurrentWidget(self.examples)
        self.examples.search.setFocus()
        self.examples.search.selectAll()

    def current_line(self) -> int | None:
        idx = self.examples.table.currentIndex()
        if not idx.isValid():
            return None
        return idx.data(LineRole)

    def select_line(self, line: int | None) -> bool:
        if line is None:
            return False
        row = self.model.row_of_line(line)
        if row is None:
            return False
        self._select_row(row)
        return True

    def _select_row(self, row: int) -> None:
        t = self.examples.table
        idx = self.model.index(row, 0)
        t.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                           | QItemSelectionModel.SelectionFlag.Rows)
        t.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current(current)

    def _show_current(self, current: QModelIndex | None = None) -> None:
        current = current if current is not None else self.examples.table.currentIndex()
        if self.project is None or current is None or not current.isValid():
            self.examples.example.set_record(None)
            return
        rec = self.project.dataset.records[current.data(ExampleIdRole)]
        decision = self.project.decision(rec.line)
        self.examples.example.set_record(rec, decision, self.project.fixed_record(rec.line, decision))

    # ---- mutations ---------------------------------------------------------------------------

    def ensure_reviewer(self) -> str | None:
        """The reviewer's name for the decision about to be stored: the one in the settings, else
        asked now (once; kept in the settings). None when the reviewer cancelled: store nothing.
        Without it a first decision from the Examples table was recorded under the login name."""
        name = self.prefs.get(REVIEWER)
        if name and not self._reviewer_said:
            # a name kept from an earlier session (perhaps another person's on a shared account) is
            # used without asking: say whose name signs, once per window (a clinician found
            # "Reviewer: Dana" on the desk, never asked)
            self._reviewer_said = True
            self._reviewer_note = (f"your decisions are signed “{name}” (change it in Settings, Ctrl+, "
                                   "or on the Review Desk)")
        if not name:
            back = QApplication.focusWidget()
            asked = self.ask_reviewer(self, "")
            self.refocus(back if back is not None and back.isVisible() else None)
            if not asked or not asked.strip():
                return None
            name = asked.strip()
            self.prefs.set(REVIEWER, name)
            self.prefs.sync()
            self._reviewer_said = True
        if self.project is not None:
            self.project.reviewer = name
        for spec in self.view_specs:
            show = getattr(spec.widget, "show_reviewer", None)
            if callable(show):
                show()          # the desk's "Reviewer: …" label
        return name

    def mutate(self, title: str, call: Callable[[], Any], *, decides: bool = True) -> Op | None:
        """Run a project mutation as a store write; its Change goes to :meth:`apply_change`.
        ``decides``: the call stores decisions, so the reviewer's name is needed first
        (undo and redo restore decisions already made)."""
        project = self.project
        if project is None or self._opening():
            return None
        if decides and self.ensure_reviewer() is None:
            return None

        def work(progress=None, cancel=None):
            # queued behind another store write: skip it if its project was closed meanwhile
            return call() if self.project is project else None

        return self.runner.run(work, title=title,
                               on_done=self.apply_change, on_error=self._mutation_failed,
                               writes=True, cancellable=False)

    def _change_from_view(self, change: Any) -> None:
        self.apply_change(change, source=self.sender())

    def apply_change(self, change: Any, source: Any = None) -> None:
        """A change is on disk: refresh what shows it and tell the other views."""
        if change is None or self.project is None:
            self._update_actions()
            return
        statuses = dict(getattr(change, "statuses", {}) or {})
        if self.table is not None:
            for line in statuses:
                _show_effective(self.project, self.table, line)
        self.model.refresh_statuses(statuses)
        if statuses and self.model.query.status:
            self._refilter(change)
        for line in statuses:      # previews may have changed even where the status did not
            row = self.model.row_of_line(line)
            if row is not None:
                self.model.dataChanged.emit(self.model.index(row, 0),
                                            self.model.index(row, self.model.columnCount() - 1))
        self.findings.refresh()
        cur = self.current_line()
        if cur is not None and cur in statuses:
            self._show_current()
        self._update_counts()
        self._update_actions()
        label = getattr(change, "label", "")
        action = getattr(change, "action", "do")
        if label:
            prefix = {"undo": "Undone: ", "redo": "Redone: "}.get(action, "")
            note = self._reviewer_note if action == "do" else None
            self._reviewer_note = None
            replaced = dict(getattr(change, "replaced", {}) or {})
            if replaced:
                who = sorted({r for r, _ in replaced.values()})
                if len(replaced) == 1:
                    (ln, (r, st)), = replaced.items()
                    said = f"this replaced {r}'s “{st}” on {self._unit()} {ln}"
                else:
                    said = f"this replaced {len(replaced):,} decisions by {', '.join(who)}"
                note = f"{said} (Ctrl+Z brings it back)" + (f" · {note}" if note else "")
            self.statusBar().showMessage(prefix + label + (f" · {note}" if note else ""), 15000 if note else 6000)
        for spec in self.view_specs:
            w = spec.widget
            if w is not None and w is not source and callable(getattr(w, "project_changed", None)):
                w.project_changed(change)
        self.project_changed.emit(change)

    def _refilter(self, change: Any) -> None:
        """A status filter is on and statuses changed: run the query again so the list and its
        count show what the filter says (an approved example leaves 'Undecided' at once). The
        selection stays on its example, else moves to the one that took its row; an undone or
        redone example that is back in the list is selected, as the desk shows it."""
        assert self.table is not None
        keep = self.current_line()
        old_row = self.examples.table.currentIndex().row()
        query = self.model.query
        self.model.set_ids(query, self.table.query(query))
        rows = self.model.rowCount()
        row = None
        if getattr(change, "action", "do") in ("undo", "redo"):
            row = next((r for ln in getattr(change, "lines", ()) if (r := self.model.row_of_line(ln)) is not None),
                       None)
        if row is None and keep is not None:
            row = self.model.row_of_line(keep)
        if row is None and rows:
            row = min(max(old_row, 0), rows - 1)
        if row is not None:
            self._select_row(row)
        else:
            self.examples.example.set_record(None)

    def _mutation_failed(self, exc: BaseException, tb: str) -> None:
        from curator.core.project import InvalidFixError, UnknownLineError

        if isinstance(exc, (InvalidFixError, UnknownLineError, ValueError)):
            self._warn("Not saved", str(exc))
        else:
            errors.report(exc, tb)
        self._update_actions()

    def poll_external_changes(self) -> None:
        """Show decisions stored by another window or the command line since the last look."""
        if self.project is None or self._opening() or self.table is None:
            return
        changes = self.project.take_external_changes()
        if not changes:
            return
        from curator.core.review import Change

        n = len(changes)
        self.apply_change(Change("external", f"{plural(n, 'decision')} changed elsewhere (another window or "
                                             "curator review)", "external", 0, tuple(changes), changes))

    def undo(self) -> None:
        from .review_view import confirm_colleague_undo

        if self.project is not None and self.project.can_undo:
            if not confirm_colleague_undo(self, self.project, self.prefs.get(REVIEWER)):
                return
            self.mutate("Undo", self.project.undo, decides=False)

    def redo(self) -> None:
        if self.project is not None and self.project.can_redo:
            self.mutate("Redo", self.project.redo, decides=False)

    def focused_line(self) -> int | None:
        """The example the Edit menu acts on: the left member in Findings, else the table's row."""
        if self.views.currentWidget() is self.findings and self.findings.diff.item is not None:
            return self.findings.diff._line(self.findings.diff.left_pick) or None
        return self.current_line()

    def approve_current(self) -> bool:
        """Approve the focused example; False when nothing was approved (no reviewer name)."""
        line = self.focused_line()
        if self.project is not None and line is not None:
            return self.mutate(f"Approving {self._unit()} {line}", lambda: self.project.approve(line)) is not None
        return False

    def reject_current(self, reason: str | None = None, ask: bool = True) -> bool:
        """Reject the focused example (asking for a reason); False when nothing was rejected."""
        line = self.focused_line()
        if self.project is None or line is None:
            return False
        unit = self._unit()
        note = None
        if self.ensure_reviewer() is None:       # before the reason is chosen, not after
            return False
        if ask and reason is None:
            asked = self._ask_reject_reason(f"Reject {unit} {line}")
            if asked is None:
                return False
            reason, note = asked
        self.mutate(f"Rejecting {unit} {line}", lambda: self.project.reject(line, reason=reason, note=note))
        return True

    def _ask_reject_reason(self, title: str) -> tuple[str | None, str | None] | None:
        """(reason, note) from the desk's reject dialog (its reasons, words and note); None when
        cancelled. The keyboard goes back where it was."""
        from .review_view import RejectDialog

        back = QApplication.focusWidget()
        dlg = RejectDialog(title, self)
        self.reject_dialog = dlg
        try:
            ok = dlg.exec() == QDialog.DialogCode.Accepted
        finally:
            self.reject_dialog = None
        self.refocus(back)
        return (dlg.reason, dlg.note) if ok else None

    def show_lint_examples(self) -> None:
        """The Examples table filtered to the examples a style check (lint) flagged."""
        ex = self.examples
        ex.flag_box.setCurrentIndex(ex.flag_box.findData("lint"))
        ex.status_box.setCurrentIndex(0)
        ex.search.clear()
        self.apply_filters()
        self.show_view("examples")
        ex.table.setFocus()

    def shown_lines(self) -> list[int]:
        """The lines the Examples table shows now, in its order (after search and filters)."""
        m = self.model
        return [m.index(r, 0).data(LineRole) for r in range(m.rowCount())]

    def _confirm_shown(self, verb: str, lines: list[int]) -> bool:
        """Ask before deciding a whole filtered list: how many, what filter, what it replaces."""
        unit = self._unit()
        decided = sum(1 for ln in lines if self.project.status_of(ln) != UNDECIDED)
        q = self.model.query
        filt = [f"search “{q.text}”" if q.text else "", f"flag: {q.flag}" if q.flag else "",
                f"status: {q.status}" if q.status else "", f"format: {q.format}" if q.format else ""]
        filt = ", ".join(x for x in filt if x) or "no filter: every example"
        text = (f"{verb} {plural(len(lines), 'record' if unit == 'record' else 'example')} the Examples table "
                f"shows ({filt})?")
        if decided:
            text += (f"\n\n{decided:,} of them already have a decision; this replaces it (a fixed example "
                     "keeps its fix).")
        text += "\n\nOne step: Undo (Ctrl+Z) takes it all back."
        from .review_view import ask_to_go_on

        return ask_to_go_on(self, f"{verb} all shown", text, f"{verb} {len(lines):,}")

    def approve_shown(self) -> bool:
        """Approve every example the table shows (one undo step), after a confirmation."""
        if self.project is None or self.ensure_reviewer() is None:
            return False
        lines = self.shown_lines()
        if not lines or not self._confirm_shown("Approve", lines):
            return False
        return self.mutate(f"Approving {len(lines):,} examples", lambda: self.project.approve(lines)) is not None

    def reject_shown(self) -> bool:
        """Reject every example the table shows with one reason (one undo step): a clinician found
        160 answers with a leaked "Patient:" turn by searching and could only reject them one by one."""
        if self.project is None or self.ensure_reviewer() is None:
            return False
        lines = self.shown_lines()
        if not lines or not self._confirm_shown("Reject", lines):
            return False
        asked = self._ask_reject_reason(f"Reject {len(lines):,} examples")
        if asked is None:
            return False
        reason, note = asked
        return self.mutate(f"Rejecting {len(lines):,} examples",
                           lambda: self.project.reject(lines, reason=reason, note=note)) is not None

    def fix_current(self) -> FixDialog | None:
        return self.open_fix_dialog(self.focused_line())

    def open_fix_dialog(self, line: int | None, on_saved: Callable[[dict], None] | None = None,
                        restore: bool | None = None) -> FixDialog | None:
        """Open the Fix editor for ``line`` (window-modal, non-blocking); saving stores a fix.
        ``restore``: see :func:`example_view.fix_dialog`."""
        if self.project is None or line is None:
            return None
        if self.ensure_reviewer() is None:       # before the edit, so saving it never asks
            return None
        project = self.project
        rec = project.dataset.by_line(line)
        d = project.decision(line)
        dlg = fix_dialog(self, project, rec, d.fixed if d is not None and d.status == FIXED else None, restore)
        if dlg is None:
            return None
        self.fix_dialog = dlg
        back = QApplication.focusWidget()
        dlg.finished.connect(lambda _r: self.refocus(back if back is not None and back.isVisible() else None))

        def saved() -> None:
            record = dlg.result_obj
            if record is None:
                return
            if on_saved is not None:
                on_saved(record)
            else:
                self.mutate(f"Fixing {self._unit()} {line}", lambda: project.fix(line, record))

        dlg.accepted.connect(saved)
        dlg.open()
        return dlg

    def edit_record(self, parent: QWidget, record: Any, current_fix: dict | None) -> dict | None:
        """Blocking Fix editor for other views (the review desk): the corrected record, or None."""
        if self.project is None:
            return None
        return edit_record(parent, record, current_fix, self.project)

    def resolve_finding(self, item: FindingItem, action: str, line: int) -> None:
        project = self.project
        if project is None:
            return
        lines = list(item.lines)
        if item.kind == "contradiction":
            a, b = item.lines[0], item.lines[1]
            if action == "keep":
                what = "keep_a" if line == a else "keep_b"
                self.mutate("Resolving contradiction", lambda: project.resolve_contradiction(a, b, what))
            elif action == "reject_all":
                self.mutate("Resolving contradiction", lambda: project.resolve_contradiction(a, b, "reject_both"))
            elif action == "keep_all":
                self.mutate("Resolving contradiction", lambda: project.resolve_contradiction(a, b, "keep_both"))
            elif action == "fix":
                other = b if line == a else a
                self.open_fix_dialog(line, on_saved=lambda rec: self.mutate(
                    "Resolving contradiction", lambda: project.resolve_contradiction(line, other, "fix", rec)))
                return
        else:
            if action == "keep":
                self.mutate("Resolving duplicates", lambda: project.resolve_cluster(lines, keep=line))
            elif action == "reject_all":
                self.mutate("Rejecting duplicates", lambda: project.reject(lines, reason="duplicate"))
            elif action == "keep_all":
                self.mutate("Keeping every member", lambda: project.approve(lines))
            else:
                return
        self.findings.select_next_open()

    def rescan(self) -> None:
        project, table = self.project, self.table
        if project is None or table is None:
            return
        settings = self.prefs.scan_settings()

        def work(progress=None, cancel=None):
            return project.rescan(settings, progress=progress, cancel=cancel)

        def done(scan: Any) -> None:
            if self.project is not project:
                return
            table.set_scan(scan)
            self.model.refresh_all()
            self.findings.set_table(table, self._current_record)
            self._update_counts()
            self.statusBar().showMessage(f"Rescanned: {plural(len(self.findings.model.items), 'finding')} "
                                         "(duplicate groups and contradiction pairs)", 6000)

        self.runner.run(work, title="Rescanning", on_done=done, on_error=self._mutation_failed, writes=True,
                        heavy=True)

    # ---- progress display --------------------------------------------------------------------

    def _op_started(self, op: Op) -> None:
        if op is self._open_op or op.quiet:
            return
        if op.writes and not op.cancellable:
            return  # a decision: too quick to deserve a progress bar
        self.op_label.setText(op.title + "…")
        self.op_bar.setRange(0, 0)
        for w in (self.op_label, self.op_bar):
            w.setVisible(True)
        self.op_cancel.setVisible(op.cancellable)

    def _op_progress(self, op: Op, state: Any) -> None:
        text = describe_progress(state)
        if op is self._open_op:
            self._show_open_steps(state)
            self.loading.step.setText("Cancelling…" if op.cancel.is_set() else text)
            bar = self.loading.bar
        else:
            if not self.op_label.isVisible():
                return
            self.op_label.setText(text)
            bar = self.op_bar
        if state.total:
            bar.setRange(0, int(state.total))
            bar.setValue(min(int(state.done), int(state.total)))
        else:
            bar.setRange(0, 0)

    def _show_open_steps(self, state: Any) -> None:
        """The loading page's "Step x of y · …" (its tooltip lists every step of the open)."""
        overall = describe_steps(state)
        if not overall:
            return
        self.loading.overall.setText(overall)
        steps = self._open_op.progress.steps if self._open_op is not None and isinstance(
            self._open_op.progress, StepProgress) else []
        if steps:
            self.loading.overall.setToolTip("Opening a file runs these steps, in order (steps with nothing to do, "
                                            "such as a scan already saved in the project, are passed over):\n"
                                            + "\n".join(f"{i}. {s.title}" for i, s in enumerate(steps, 1)))

    def _op_finished(self, _op: Op) -> None:
        if not self.runner.busy():
            for w in (self.op_label, self.op_bar, self.op_cancel):
                w.setVisible(False)
        self._update_actions()

    # ---- actions state -----------------------------------------------------------------------

    def _opening(self) -> bool:
        """A file is loading in the background (the open project stays open until it is in)."""
        return self._open_op is not None and not self._open_op.finished

    def _update_actions(self) -> None:
        # nothing may change the open project while another loads behind the loading page: the
        # load's end closes it, and a decision queued behind the load would land on a closed store
        has = self.project is not None and not self._opening()
        p = self.project
        self.close_action.setEnabled(has)
        self.rescan_action.setEnabled(has)
        self.find_action.setEnabled(has)
        for act in (self.fix_action, self.approve_action, self.reject_action, self.approve_shown_action,
                    self.reject_shown_action):
            act.setEnabled(has)
        self.examples_view_action.setEnabled(has)
        self.findings_view_action.setEnabled(has)
        for spec in self.view_specs:
            if spec.action is not None:
                spec.action.setEnabled(has)
        can_undo = bool(has and p.can_undo)
        can_redo = bool(has and p.can_redo)
        self.undo_action.setEnabled(can_undo)
        self.redo_action.setEnabled(can_redo)
        from .review_view import colleague_step

        owner = colleague_step(p, self.prefs.get(REVIEWER)) if can_undo else None
        self.undo_action.setText((f"&Undo {p.undo_label}" + (f" (by {owner})" if owner else ""))
                                 if can_undo and p.undo_label else "&Undo")
        self.redo_action.setText(f"&Redo {p.redo_label}" if can_redo and p.redo_label else "&Redo")

    # ---- recent files ------------------------------------------------------------------------

    def _refresh_recent(self) -> None:
        self.welcome.set_recent(self.prefs.recent_files())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        self.recent_menu.setToolTipsVisible(True)
        files = self.prefs.recent_files()
        for i, (f, label) in enumerate(zip(files, recent_labels(files)), 1):
            act = self.recent_menu.addAction(f"&{i % 10} {label}")
            act.setToolTip(f)
            act.setStatusTip(f)
            act.triggered.connect(lambda _c=False, p=f: self.open_path(Path(p)))
        if not files:
            act = self.recent_menu.addAction("No recent files")
            act.setEnabled(False)

    # ---- drag and drop -----------------------------------------------------------------------

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
        md = event.mimeData()
        if not md.hasUrls():
            return None
        for url in md.urls():
            if url.isLocalFile():
                p = Path(url.toLocalFile())
                if p.suffix.lower() in DATA_SUFFIXES and p.is_file():
                    return p
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_path(path)

    # ---- dialogs -----------------------------------------------------------------------------

    def _warn(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        self._last_box = box
        box.open()
        return box

    def _info(self, title: str, text: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        self._last_box = box
        box.open()
        return box

    def show_settings(self) -> QDialog:
        from .settings import SettingsDialog

        dlg = SettingsDialog(self.prefs, self)
        self.settings_dialog = dlg

        def accepted() -> None:
            before = self.prefs.scan_settings()
            keys_before = self.prefs.key_overrides()
            dlg.save()
            self.set_theme(self.prefs.get(THEME))
            if self.prefs.key_overrides() != keys_before:
                self.rebind_keys()
            if self.project is not None:
                name = self.prefs.get(REVIEWER)
                if name:
                    self.project.reviewer = name
                if self.prefs.scan_settings() != before:
                    self.rescan()
            self.statusBar().showMessage("Settings saved.", 4000)

        dlg.accepted.connect(accepted)
        dlg.open()
        return dlg

    def set_theme(self, theme: str) -> None:
        from .app import apply_theme

        self.prefs.set(THEME, theme)
        if theme in self.theme_actions:
            self.theme_actions[theme].setChecked(True)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)

    def shortcut_text(self) -> str:
        """The key list (F1): generated from the tables the buttons and menus read
        (``review_view.key_list_rows``), so it cannot drift from what the buttons say."""
        from .review_view import key_list_text

        return key_list_text(self)

    def show_shortcuts(self) -> QDialog:
        from PySide6.QtGui import QFontDatabase
        from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit

        dlg = QDialog(self)
        dlg.setWindowTitle("Keyboard shortcuts")
        text = QPlainTextEdit(dlg)
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        text.setPlainText(self.shortcut_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dlg)
        buttons.rejected.connect(dlg.reject)
        lay = QVBoxLayout(dlg)
        lay.addWidget(text)
        lay.addWidget(buttons)
        dlg.resize(560, 620)
        self.shortcuts_dialog = dlg
        dlg.open()
        return dlg

    def show_about(self) -> QMessageBox:
        import PySide6

        log = errors.log_path()
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Curator",
                          f"Curator {__version__}\n\n"
                          "Turns a JSONL dump of fine-tuning examples into a dataset you can trust: validation, "
                          "duplicates and contradictions, review with undo, leak-free train/eval export.\n\n"
                          f"Qt {PySide6.QtCore.qVersion()} · PySide6 {PySide6.__version__} · MIT licence"
                          + (f"\n\nLog file: {log}" if log else ""),
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        self._last_box = box
        box.open()
        return box

    # ---- shutdown ----------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            self._layout_timer.start()

    def moveEvent(self, event) -> None:
        super().moveEvent(event)
        if self.isVisible():
            self._layout_timer.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard_fixes():
            event.ignore()          # the reviewer went back to the editor: nothing is lost
            return
        self.runner.cancel_all()
        self.runner.wait_idle(10000)
        self._layout_timer.stop()
        self.save_layout()
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)
