"""Start the desktop app (``curator`` / ``curator FILE`` / ``python -m curator``)."""

from __future__ import annotations

import sys
from pathlib import Path


def default_sample() -> Path | None:
    root = Path(__file__).resolve().parents[2] / "sample_data"
    for name in ("support_chat.jsonl", "clinical_notes.jsonl"):
        if (root / name).exists():
            return root / name
    return None


def launch(argv: list[str]) -> int:
    from .platform_check import startup_problem

    problem = startup_problem()
    if problem:
        print(f"curator: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *[a for a in argv if a.startswith("-")]])
    app.setApplicationName("Curator")
    app.setOrganizationName("Curator")
    files = [a for a in argv if not a.startswith("-")]
    window = MainWindow()
    window.show()
    target = Path(files[0]) if files else default_sample()
    if target is not None:
        window.open_path(target)
    return app.exec()
