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
    return app.exec()


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
