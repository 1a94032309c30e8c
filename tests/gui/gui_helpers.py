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


SUPPORT_QUESTIONS = ["my parcel has not arrived", "I was charged twice for one order"]
SUPPORT_ANSWERS = [("I am sorry to hear that. Please share the order number and we will track the parcel for "
                    "you within one business day, then write back with the courier's status and a new delivery "
                    "date."),
                   ("Thank you for telling us. We will review both charges on the card and refund the duplicate "
                    "one within five business days; you will receive an email once the refund has been issued.")]
_WORDS = ("parcel refund invoice courier warranty battery screen hinge charger voucher address password "
          "account locker customs deposit receipt schedule engineer kettle blender mattress sofa lamp drawer "
          "colour size delay damaged missing broken swap upgrade cancel renew postpone weekend evening").split()


def support_chat_rows(templated: int, distinct: int, seed: int = 4) -> list[dict]:
    """Chat records: ``templated`` support answers that differ only in a ticket number (near copies
    the export keeps for their number), then ``distinct`` chats of random support words."""
    import random

    rnd = random.Random(seed)
    rows = []
    for i in range(templated):
        t = rnd.randrange(10000, 99999)
        rows.append({"messages": [{"role": "user", "content": f"{SUPPORT_QUESTIONS[i % 2]} (ticket {t})"},
                                  {"role": "assistant", "content": f"{SUPPORT_ANSWERS[i % 2]} Ref {t}."}]})
    for _ in range(distinct):
        q, a = (" ".join(rnd.choice(_WORDS) for _ in range(k)) for k in (12, 20))
        rows.append({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
    return rows


def open_window(qtbot, prefs, path, size: tuple[int, int] = (1280, 800)):
    """A new main window on ``prefs``, shown, with ``path`` open (as a second start, or a second
    reviewer's window)."""
    from curator.gui.main_window import MainWindow

    w = MainWindow(prefs)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    w.open_path(path)
    assert w.project is not None, f"{path} did not open"
    return w
