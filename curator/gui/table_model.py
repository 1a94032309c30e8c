"""One table model over record ids (STYLE.md §4).

:class:`QtExamplesModel` adapts a core :class:`~curator.core.table.ExamplesTable` to Qt. It holds
only an ordered numpy array of record indices; filtering, sorting and search are core queries
whose result is swapped in between ``beginResetModel()`` and ``endResetModel()``. ``data()``
reads precomputed columns (no I/O, no parsing), so 100,000 rows scroll like 100.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from curator.core.decisions import APPROVED, FIXED, REJECTED, SKIPPED, UNDECIDED
from curator.core.table import BADGES, SORT_KEYS, ExamplesTable, TableQuery

# Named roles (STYLE.md §4).
ExampleIdRole = Qt.ItemDataRole.UserRole          # record index into dataset.records
LineRole = Qt.ItemDataRole.UserRole + 1           # public line number
StatusRole = Qt.ItemDataRole.UserRole + 2         # decision status string
FlagsRole = Qt.ItemDataRole.UserRole + 3          # tuple of flag names
FormatRole = Qt.ItemDataRole.UserRole + 4
LengthRole = Qt.ItemDataRole.UserRole + 5

# (header, sort key, tooltip)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Line", "line", "Line in the source file (record number in a JSON array)"),
    ("Status", "status", "Your decision: undecided, approved, rejected, fixed or skipped"),
    ("Flags", "flags", "What the checks found: invalid, duplicate, near-dup, contradiction, lint"),
    ("Format", "format", "The record's format (alpaca, openai, sharegpt, …)"),
    ("Length", "length", "Characters of prompt and response"),
    ("Prompt", "prompt", "The question: the last user turn before the answer"),
    ("Response", "response", "The final answer"),
)
COL_LINE, COL_STATUS, COL_FLAGS, COL_FORMAT, COL_LENGTH, COL_PROMPT, COL_RESPONSE = range(len(COLUMNS))
assert all(key in SORT_KEYS for _, key, _ in COLUMNS)

STATUS_TEXT = {UNDECIDED: "—", APPROVED: "approved", REJECTED: "rejected", FIXED: "fixed", SKIPPED: "skipped"}
# Readable on light and dark backgrounds alike (mid-saturation).
STATUS_COLORS = {APPROVED: "#2e9d4f", REJECTED: "#d0453b", FIXED: "#2f7fd1", SKIPPED: "#a77d1c"}
BADGE_COLORS = {"invalid": "#c0392b", "duplicate": "#8e44ad", "near_duplicate": "#9b6bc0",
                "contradiction": "#d35400", "lint": "#7f8c8d"}
BADGE_TEXT = dict(BADGES)


def similarity_text(s: float) -> str:
    """0–100 similarity for a badge, never rounded up to 100 (that would read as identical)."""
    return f"{s:.0f}" if round(s) < 100 or s >= 100 else f"{s:.1f}".replace("100.0", "99.9")


def keeper_words(line: int, keeper: int | None, unit: str = "line") -> str:
    """Which copy to keep, said of the example the note is about: "; this example is the suggested
    keeper", or "; suggested keeper: line 5". A bare "(suggested keeper)" after the list of the
    other lines read as naming them: 'exact duplicate of line 166, 375 (suggested keeper)' was
    shown on line 5, the keeper, and a reader kept 375."""
    if keeper is None:
        return ""
    return "; this example is the suggested keeper" if line == keeper else f"; suggested keeper: {unit} {keeper}"


def units(unit: str, n: int) -> str:
    """ "line" for one, "lines" for more ("exact duplicate of lines 166, 375")."""
    return unit if n == 1 else unit + "s"


def flag_notes(scan, unit: str = "line", *, lint: bool = True) -> dict[int, list[str]]:
    """What the scan says about each line, in words ("contradicts line 37", "refusal: the response
    contains …"): the review desk's badges and the Flags cell's tooltip. ``lint=False`` leaves the
    style checks out (a fixed record's are its fix's: :meth:`QtExamplesModel.scan_notes`)."""
    notes: dict[int, list[str]] = {}
    if scan is None:
        return notes
    add = notes.setdefault
    for g in scan.exact_duplicates:
        for ln in g.lines:
            others = [o for o in g.lines if o != ln]
            add(ln, []).append(f"exact duplicate of {units(unit, len(others))} {', '.join(map(str, others))}"
                               + keeper_words(ln, g.keeper, unit))
    for c in scan.near_duplicates:
        for ln in c.lines:
            best: dict[int, float] = {}
            for p in c.pairs:
                if ln in (p.a, p.b):
                    o = p.b if p.a == ln else p.a
                    best[o] = max(best.get(o, 0), p.score)
            txt = ", ".join(f"{o} (similarity {similarity_text(s)})" for o, s in sorted(best.items()))
            add(ln, []).append(f"near-duplicate of {units(unit, len(best))} {txt}" + keeper_words(ln, c.keeper, unit))
    for k in scan.contradictions:
        add(k.a, []).append(f"contradicts {unit} {k.b}")
        add(k.b, []).append(f"contradicts {unit} {k.a}")
    if lint:
        for f in scan.lint:
            add(f.line, []).append(lint_words(f))
    return notes


def lint_words(f) -> str:
    """A style check as a scan note: "empty_response: the response is empty …"."""
    return f"{f.code}: {f.message}"


class QtExamplesModel(QAbstractTableModel):
    """Adapts an :class:`ExamplesTable` and an ordered index array to Qt."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.table: ExamplesTable | None = None
        self._ids: np.ndarray = np.empty(0, dtype=np.int64)
        self._row_of: np.ndarray = np.empty(0, dtype=np.int64)
        self.query = TableQuery()
        self._notes_scan: object = None          # the scan _notes were worded from
        self._notes: dict[int, list[str]] = {}
        self._lint_notes: dict[int, list[str]] = {}     # the scan's style checks (source text), worded
        # line → the project's current Decision (the window sets it): who decided, when, why — a
        # team lead found no way to see who decided a row
        self.decision_of: Callable[[int], Any] | None = None

    # -- core side ---------------------------------------------------------------------------

    def set_table(self, table: ExamplesTable | None, query: TableQuery | None = None) -> None:
        self.beginResetModel()
        self.table = table
        if query is not None:
            self.query = query
        self._ids = table.query(self.query) if table is not None else np.empty(0, dtype=np.int64)
        self._index_rows()
        self.endResetModel()

    def set_query(self, query: TableQuery) -> None:
        """Apply a new filter/sort/search (computed by the core), swapping the id array."""
        ids = self.table.query(query) if self.table is not None else np.empty(0, dtype=np.int64)
        self.set_ids(query, ids)

    def set_ids(self, query: TableQuery, ids: np.ndarray) -> None:
        """Show ``ids``, the core's answer to ``query`` (computed elsewhere, e.g. on a worker)."""
        self.query = query
        self.beginResetModel()
        self._ids = ids
        self._index_rows()
        self.endResetModel()

    def refresh_statuses(self, statuses: dict[int, str]) -> None:
        """Statuses changed (line → status): update the core column and repaint those rows."""
        if self.table is None:
            return
        changed = self.table.set_statuses(statuses)
        self._rows_changed(changed)

    def refresh_all(self) -> None:
        if self.table is not None and len(self._ids):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1))

    def _rows_changed(self, record_indices: list[int]) -> None:
        for i in record_indices:
            row = self.row_of(i)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _index_rows(self) -> None:
        n = len(self.table) if self.table is not None else 0
        self._row_of = np.full(n, -1, dtype=np.int64)
        self._row_of[self._ids] = np.arange(len(self._ids), dtype=np.int64)

    def ids(self) -> np.ndarray:
        return self._ids

    def record_index(self, row: int) -> int:
        return int(self._ids[row])

    def row_of(self, record_index: int) -> int | None:
        if 0 <= record_index < len(self._row_of):
            r = int(self._row_of[record_index])
            return r if r >= 0 else None
        return None

    def row_of_line(self, line: int) -> int | None:
        if self.table is None:
            return None
        i = self.table.index_of(line)
        return None if i is None else self.row_of(i)

    # -- Qt side -----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        record_ids = self.table is not None and self.table.unit == "record"
        if role == Qt.ItemDataRole.DisplayRole:
            if section == COL_LINE and record_ids:
                return "Record"
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == COL_LINE and record_ids:
                return "Record number: the element's index in the JSON array (1-based)"
            if section == COL_PROMPT and self.table is not None and self.table.shared_prompt_prefix:
                return COLUMNS[section][2] + ".\n" + self._shared_note()
            return COLUMNS[section][2]
        return None

    def _shared_note(self) -> str:
        """Why prompts start with "…": every prompt opens with the same text, left out here."""
        shared = " ".join(self.table.shared_prompt_prefix.split())
        if len(shared) > 160:
            shared = shared[:159] + "…"
        return f"Every prompt starts with the same text, left out here (\"…\"): {shared}"

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.table is None or not 0 <= index.row() < len(self._ids):
            return None
        t = self.table
        i = int(self._ids[index.row()])
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_LINE:
                return str(int(t.lines[i]))
            if col == COL_STATUS:
                return STATUS_TEXT.get(t.status_of(i), t.status_of(i))
            if col == COL_FLAGS:
                return " ".join(BADGE_TEXT[f] for f in t.flag_names(i))
            if col == COL_FORMAT:
                return t.format_of(i)
            if col == COL_PROMPT:
                return t.prompts[i]
            if col == COL_RESPONSE:
                return t.responses[i]
            if col == COL_LENGTH:
                return f"{int(t.lengths[i]):,}"
            return None
        if role == ExampleIdRole:
            return i
        if role == LineRole:
            return int(t.lines[i])
        if role == StatusRole:
            return t.status_of(i)
        if role == FlagsRole:
            return t.flag_names(i)
        if role == FormatRole:
            return t.format_of(i)
        if role == LengthRole:
            return int(t.lengths[i])
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_FLAGS:
                notes = t.problems_of(i)[:3] + self.scan_notes(int(t.lines[i]))   # a fix's, once fixed
                if notes:
                    return _plain_tooltip("\n".join(f"• {n}" for n in notes))
                return " ".join(BADGE_TEXT[f] for f in t.flag_names(i)) or None
            if col == COL_STATUS and self.decision_of is not None:
                d = self.decision_of(int(t.lines[i]))
                if d is None:
                    return None
                said = d.status + (f" by {d.reviewer}" if d.reviewer else "") + \
                    (f" on {d.at[:16].replace('T', ' ')} UTC" if d.at else "")
                if d.reason:
                    said += f"\nreason: {d.reason}"
                if d.note:
                    said += f"\nnote: {d.note}"
                return _plain_tooltip(said)
            if col in (COL_PROMPT, COL_RESPONSE):
                # Tooltips are rich text when they look like HTML: escape so record text stays text.
                text = t.prompts[i] if col == COL_PROMPT else t.responses[i]
                if col == COL_PROMPT and t.shared_prompt_prefix and text.startswith("…"):
                    text = f"{text}\n\n({self._shared_note()})"
                return _plain_tooltip(text)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS:
            color = STATUS_COLORS.get(t.status_of(i))
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_LINE, COL_LENGTH):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def scan_notes(self, line: int) -> list[str]:
        """The scan's findings on ``line`` in words (worded once per scan, on the first hover); the
        style checks of a fixed record are those of its fix."""
        scan = getattr(self.table, "scan", None)
        if scan is not self._notes_scan:
            self._notes_scan = scan
            self._notes = flag_notes(scan, self.table.unit, lint=False)
            self._lint_notes = {}
            for f in getattr(scan, "lint", ()):
                self._lint_notes.setdefault(f.line, []).append(lint_words(f))
        fixed = self.table.lint_of(line) if self.table is not None else None
        lint = [lint_words(f) for f in fixed] if fixed is not None else self._lint_notes.get(line, [])
        return self._notes.get(line, []) + lint

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        q = self.query
        self.set_query(TableQuery(q.status, q.flag, q.format, q.text, COLUMNS[column][1],
                                  order == Qt.SortOrder.DescendingOrder))


def _plain_tooltip(text: str) -> str:
    import html

    # Qt shows a tooltip as rich text when Qt::mightBeRichText() says so; <qt> + escaping makes the
    # untrusted text display literally either way.
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>" if text else ""


class BadgeDelegate(QStyledItemDelegate):
    """Paints the flags column as coloured badges (text drawn with drawText: never HTML)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        flags = index.data(FlagsRole) or ()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not flags:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        fm = QFontMetrics(font)
        x = option.rect.x() + 4
        h = fm.height() + 2
        y = option.rect.y() + (option.rect.height() - h) // 2
        for name in flags:
            text = BADGE_TEXT.get(name, name)
            w = fm.horizontalAdvance(text) + 10
            if x + w > option.rect.right():
                painter.setPen(option.palette.color(QPalette.ColorRole.Text))
                painter.drawText(QRect(x, y, option.rect.right() - x, h), Qt.AlignmentFlag.AlignVCenter, "…")
                break
            rect = QRect(x, y, w, h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(BADGE_COLORS.get(name, "#666666")))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        fm = QFontMetrics(option.font)
        flags = index.data(FlagsRole) or ()
        w = sum(fm.horizontalAdvance(BADGE_TEXT.get(f, f)) + 14 for f in flags) + 8
        return QSize(max(w, 60), fm.height() + 8)
