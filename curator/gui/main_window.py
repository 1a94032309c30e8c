"""The main window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QMessageBox, QTableView, QHeaderView

from curator.core.dataset import load_dataset
from curator.core.io import FileReadError

from .table_model import QtExamplesModel


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Curator")
        self.resize(1200, 760)
        self.model = QtExamplesModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.setCentralWidget(self.table)
        self.dataset = None

    def open_path(self, path: Path) -> None:
        try:
            self.dataset = load_dataset(path)
        except FileReadError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open file", str(exc), parent=self)
            box.setTextFormat(__import__("PySide6.QtCore", fromlist=["Qt"]).Qt.TextFormat.PlainText)
            box.exec()
            return
        self.model.set_dataset(self.dataset)
        self.setWindowTitle(f"{path.name} — Curator")
        self.statusBar().showMessage(
            f"{len(self.dataset.records)} records, {self.dataset.invalid_count} invalid, format {self.dataset.format}")
