"""The last line of defence: an unexpected exception shows a dialog and the app keeps running.

:func:`install` replaces :func:`sys.excepthook` (PySide6 calls it for exceptions escaping slots
and event handlers, then carries on). The hook writes the traceback to the log file, and shows a
plain-text dialog naming the error and where the log is. While one such dialog is open, further
errors are only logged, so an error repeated in a paint handler cannot bury the screen in boxes.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

log = logging.getLogger("curator")

_state: dict = {"log_path": None, "dialog": None, "suppressed": 0, "previous": None}


def default_log_path() -> Path:
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".curator") / "curator.log"


def log_path() -> Path | None:
    return _state["log_path"]


def install(path: Path | None = None) -> Path:
    """Log to ``path`` (default: the app's data folder) and install the exception hook."""
    path = Path(path) if path else default_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if _state["log_path"] != path:
        for h in list(log.handlers):
            if getattr(h, "_curator", False):
                log.removeHandler(h)
                h.close()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler._curator = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    _state["log_path"] = path
    if sys.excepthook is not excepthook:
        _state["previous"] = sys.excepthook
        sys.excepthook = excepthook
    return path


def uninstall() -> None:
    if sys.excepthook is excepthook:
        sys.excepthook = _state["previous"] or sys.__excepthook__
    close_dialog()


def excepthook(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(etype, KeyboardInterrupt):
        (_state["previous"] or sys.__excepthook__)(etype, value, tb)
        return
    report(value, "".join(traceback.format_exception(etype, value, tb)))


def report(exc: BaseException, tb_text: str = "") -> None:
    """Log an unexpected error and tell the user (used by the hook and by failed background ops)."""
    text = tb_text or "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("unexpected error\n%s", text)
    for h in log.handlers:
        h.flush()
    print(text, file=sys.stderr)
    if threading.current_thread() is not threading.main_thread():
        return  # widgets only on the main thread; the log has it
    show_dialog(exc)


def show_dialog(exc: BaseException) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    box = _state["dialog"]
    if box is not None and box.isVisible():
        _state["suppressed"] += 1
        box.setInformativeText(_informative(_state["suppressed"]))
        return
    _state["suppressed"] = 0
    box = QMessageBox(QMessageBox.Icon.Critical, "Curator: unexpected error",
                      f"Something went wrong, but your work is safe: every decision is saved as you "
                      f"make it.\n\n{type(exc).__name__}: {exc}",
                      QMessageBox.StandardButton.Ok, app.activeWindow())
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(_informative(0))
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    _state["dialog"] = box
    box.show()  # not exec(): the app goes on running underneath


def _informative(suppressed: int) -> str:
    where = _state["log_path"]
    text = f"The details are in the log:\n{where}" if where else "The details were printed to the terminal."
    if suppressed:
        text += f"\n({suppressed} more error(s) since; see the log)"
    return text


def current_dialog():
    box = _state["dialog"]
    return box if box is not None and box.isVisible() else None


def close_dialog() -> None:
    box = _state["dialog"]
    if box is not None:
        box.close()
    _state["dialog"] = None
