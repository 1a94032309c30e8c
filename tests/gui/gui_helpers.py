"""Helpers shared by GUI tests (imported as ``gui_helpers``: pytest puts tests/gui on the path)."""

from __future__ import annotations


def when_modal(kind: type, fn, *, ready=None, tries: int = 250) -> None:
    """Run ``fn(dialog)`` once a modal dialog of ``kind`` is up (and ``ready(dialog)`` holds), from
    the dialog's own event loop; call it before the key or click that opens the dialog.

    It polls every 20 ms instead of firing once: on a busy machine (CI) a dialog can take longer
    than a fixed delay to appear, and a dialog nobody answers hangs the test run. After ``tries``
    polls a dialog that is up but never became ready is closed, so the test fails instead.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def go(left: int = tries) -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, kind) and (ready is None or ready(dlg)):
            fn(dlg)
        elif left > 0:
            QTimer.singleShot(20, lambda: go(left - 1))
        elif dlg is not None:
            dlg.done(0)
        else:
            QTimer.singleShot(20, lambda: go(0))   # not up yet: keep waiting rather than hang

    QTimer.singleShot(0, go)
