"""The first screen when no file is open: open a file, try a bundled sample, or reopen a recent one."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SAMPLE_BLURBS = {
    "support_chat.jsonl": "Customer-support chats (OpenAI messages) with planted duplicates and contradictions.",
    "clinical_notes.jsonl": "Clinical note summaries (Alpaca) with near duplicates and a few broken records.",
}


def sample_dir() -> Path:
    """The bundled samples: ``$CURATOR_SAMPLE_DIR`` (for packagers that install them elsewhere),
    else the checkout's sample_data/, or the copy installed with the package."""
    env = os.environ.get("CURATOR_SAMPLE_DIR")
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "sample_data", here.parents[1] / "sample_data"):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "sample_data"


def bundled_samples() -> list[Path]:
    folder = sample_dir()
    if not folder.is_dir():
        return []
    # datasets only (defects.json beside them documents the planted problems; it is not a sample)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz")))


class WelcomePage(QWidget):
    """Emits :attr:`open_requested` with a path, or :attr:`browse_requested` for File › Open."""

    open_requested = Signal(Path)
    browse_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        title = QLabel("Curator", self)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 2.2)
        f.setBold(True)
        title.setFont(f)
        subtitle = QLabel("Turn a JSONL dump of fine-tuning examples into a dataset you can trust: "
                          "validate, find duplicates and contradictions, review, export clean splits.", self)
        subtitle.setWordWrap(True)
        self.open_btn = QPushButton("Open a dataset…", self)
        self.open_btn.setToolTip("Open a .jsonl or .json file (Ctrl+O). You can also drop a file on the window.")
        self.open_btn.clicked.connect(self.browse_requested)
        self.open_btn.setDefault(True)
        drop = QLabel("…or drop a .jsonl / .json file anywhere on this window.", self)
        drop.setEnabled(False)

        self.samples = QListWidget(self)
        self.samples.setObjectName("welcomeSamples")
        self.samples.setToolTip("Bundled examples to try Curator on (Enter or double-click opens)")
        self.recent = QListWidget(self)
        self.recent.setObjectName("welcomeRecent")
        self.recent.setToolTip("Files you opened before; your decisions are kept beside each file")
        for lst in (self.samples, self.recent):
            lst.itemActivated.connect(self._activated)
            lst.setWordWrap(True)
            lst.setSpacing(4)
            lst.setAlternatingRowColors(True)
            lst.setFrameShape(QFrame.Shape.StyledPanel)
            lst.setMaximumHeight(320)

        cols = QHBoxLayout()
        for heading, widget in (("Try a sample", self.samples), ("Recent projects", self.recent)):
            col = QVBoxLayout()
            h = QLabel(heading, self)
            hf = h.font()
            hf.setBold(True)
            hf.setPointSizeF(hf.pointSizeF() * 1.2)
            h.setFont(hf)
            h.setBuddy(widget)
            col.addWidget(h)
            col.addWidget(widget, 1)
            cols.addLayout(col, 1)

        inner = QWidget(self)
        inner.setMaximumWidth(980)
        lay = QVBoxLayout(inner)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addSpacing(12)
        row = QHBoxLayout()
        row.addWidget(self.open_btn)
        row.addWidget(drop, 1)
        lay.addLayout(row)
        lay.addSpacing(12)
        lay.addLayout(cols)
        lay.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(inner, 8)
        outer.addStretch(1)
        self.set_samples(bundled_samples())
        self.set_recent([])

    def set_samples(self, paths: list[Path]) -> None:
        self.samples.clear()
        for p in paths:
            blurb = SAMPLE_BLURBS.get(p.name, f"{p.stat().st_size / 1024:,.0f} KB")
            item = QListWidgetItem(f"{p.name}\n{blurb}")
            item.setData(Qt.ItemDataRole.UserRole, str(p))
            item.setToolTip(str(p))
            self.samples.addItem(item)
        if not paths:
            item = QListWidgetItem("No bundled samples found next to this installation.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.samples.addItem(item)

    def set_recent(self, files: list[str]) -> None:
        self.recent.clear()
        for f in files:
            p = Path(f)
            item = QListWidgetItem(f"{p.name}\n{p.parent}")
            item.setData(Qt.ItemDataRole.UserRole, f)
            item.setToolTip(f)
            if not p.exists():
                item.setText(f"{p.name}\n{p.parent} (missing)")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)
        if not files:
            item = QListWidgetItem("Nothing yet: files you open appear here,\nand reopening one resumes where you left off.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            self.open_requested.emit(Path(path))
