"""One table model over record ids (STYLE.md §4): cells computed lazily per visible row."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from curator.core.records import Dataset

LineRole = Qt.ItemDataRole.UserRole
COLUMNS = ("Line", "Format", "Status", "Prompt", "Response")


def _preview(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class QtExamplesModel(QAbstractTableModel):
    """Adapts a core :class:`Dataset` (plus an ordered id array) to Qt."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._ds: Dataset | None = None
        self._rows: list[int] = []

    def set_dataset(self, ds: Dataset | None) -> None:
        self.beginResetModel()
        self._ds = ds
        self._rows = list(range(len(ds.records))) if ds else []
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._ds is None:
            return None
        rec = self._ds.records[self._rows[index.row()]]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return rec.line
            if col == 1:
                return rec.format
            if col == 2:
                return "valid" if rec.valid else f"invalid: {rec.errors[0].message}"
            if col == 3:
                return _preview(rec.prompt)
            if col == 4:
                return _preview(rec.response)
        if role == Qt.ItemDataRole.ToolTipRole and col == 2 and not rec.valid:
            return "\n".join(p.message for p in rec.errors)
        if role == LineRole:
            return rec.line
        return None
