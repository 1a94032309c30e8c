"""Start the desktop app (``curator`` / ``curator FILE`` / ``python -m curator``).

The platform check runs before anything imports Qt's GUI modules, so a machine without the X
libraries Qt needs gets a sentence saying what to install instead of Qt's abort.
"""

from __future__ import annotations

import sys
from pathlib import Path


def launch(argv: list[str]) -> int:
    """Check the platform, start the app (opening ``argv``'s file if any) and run it."""
    from .platform_check import startup_problem

    problem = startup_problem()
    if problem:
        print(f"curator: {problem}", file=sys.stderr)
        return 2
    app, _window = start(argv)
    quit_on_interrupt(app)
    return app.exec()


def quit_on_interrupt(app):
    """Ctrl+C in the terminal that started the app closes its windows, as the window's own Quit
    does (each asks about a Fix editor's unsaved typing), instead of a KeyboardInterrupt traceback
    raised in whatever Qt callback ran next while the app went on. Returns what undoes it.

    Python runs a signal handler only when it next runs Python code, and Qt's event loop is C++:
    a timer wakes it four times a second."""
    import signal

    from PySide6.QtCore import QTimer

    def interrupted(signum, frame) -> None:
        QTimer.singleShot(0, app.closeAllWindows)

    try:
        previous = signal.signal(signal.SIGINT, interrupted)
    except (ValueError, OSError):   # not the main thread
        return lambda: None
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)

    def undo() -> None:
        wake.stop()
        wake.deleteLater()
        signal.signal(signal.SIGINT, previous)

    return undo


def start(argv: list[str]):
    """Create the application and the main window, and open the file named in ``argv``.

    Returns ``(app, window)``; :func:`launch` then runs the event loop.
    """
    from . import errors
    from .app import apply_theme, create_app
    from .main_window import MainWindow
    from .settings import THEME, Preferences

    qt_args = [a for a in argv if a.startswith("-")]
    files = [a for a in argv if not a.startswith("-")]
    app = create_app([sys.argv[0], *qt_args])
    errors.install()
    prefs = Preferences()
    apply_theme(app, prefs.get(THEME))
    window = MainWindow(prefs)
    window.show()
    if files:
        window.open_path(Path(files[0]).expanduser())
    elif not prefs.recent_files():
        # First start (nothing opened yet): show real data at once rather than an empty window.
        # Later starts greet with the welcome screen: the samples plus recent projects.
        sample = first_run_sample()
        if sample is not None:
            window.open_path(sample)
    return app, window


def first_run_sample() -> Path | None:
    """The bundled sample a first start opens: the support chats, else any bundled sample."""
    from .welcome import bundled_samples

    samples = bundled_samples()
    return next((p for p in samples if p.name == "support_chat.jsonl"), samples[0] if samples else None)
