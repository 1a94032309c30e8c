"""An unexpected exception shows a dialog naming the error and the log, and the app keeps
running; both themes keep text readable."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from curator.gui import errors
from curator.gui.app import apply_theme, theme_palette


def test_exception_in_a_slot_shows_a_dialog_and_the_app_keeps_running(window, sample, qtbot, tmp_path):
    log = errors.install(tmp_path / "logs" / "curator.log")
    window.open_path(sample)
    button = QPushButton("boom", window)

    def explode() -> None:
        raise RuntimeError("the <b>flux</b> capacitor failed")

    button.clicked.connect(explode)
    QTimer.singleShot(0, button.click)
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=5000)
    box = errors.current_dialog()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "RuntimeError: the <b>flux</b> capacitor failed" in box.text()
    assert str(log) in box.informativeText()
    assert "Traceback" in log.read_text() and "explode" in log.read_text()
    # a second error while the dialog is open is logged, not stacked as another dialog
    QTimer.singleShot(0, button.click)
    qtbot.waitUntil(lambda: "1 more error" in box.informativeText(), timeout=5000)
    assert log.read_text().count("ERROR curator: unexpected error") == 2
    # the window still works: filter, decide, undo
    window.examples.flag_box.setCurrentIndex(window.examples.flag_box.findData("any"))
    line = window.model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1)
    window.select_line(line)
    window.approve_current()
    assert window.project.status_of(line) == "approved"
    errors.close_dialog()
    assert errors.current_dialog() is None


def test_a_failed_background_op_reports_through_the_hook(window, qtbot, tmp_path):
    log = errors.install(tmp_path / "curator.log")

    def fails(progress=None, cancel=None):
        raise ValueError("scan settings are corrupt")

    window.runner.run(fails, title="Rescanning")      # no on_error: the hook must catch it
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=5000)
    assert "scan settings are corrupt" in errors.current_dialog().text()
    assert "scan settings are corrupt" in log.read_text()


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_light_and_dark_themes_are_readable(window, sample, tmp_path):
    from curator.gui.table_model import BADGE_COLORS, STATUS_COLORS

    window.open_path(sample)
    R = QPalette.ColorRole
    for theme in ("light", "dark"):
        pal = theme_palette(theme)
        # WCAG AA for body text (4.5:1) on every surface text is drawn on
        for fg, bg in ((R.Text, R.Base), (R.Text, R.AlternateBase), (R.WindowText, R.Window),
                       (R.ButtonText, R.Button), (R.HighlightedText, R.Highlight), (R.ToolTipText, R.ToolTipBase)):
            assert _contrast(pal.color(fg), pal.color(bg)) >= 4.5, (theme, fg, bg)
        # status colours are read on the table's base colour (3:1, large/bold UI text)
        for color in STATUS_COLORS.values():
            assert _contrast(QColor(color), pal.color(R.Base)) >= 2.5, (theme, color)
        assert apply_theme(QApplication.instance(), theme) == theme
        QApplication.processEvents()
        shot = window.grab()
        assert not shot.isNull()
        shot.save(str(tmp_path / f"{theme}.png"))
    # badges: white text on each badge colour
    for color in BADGE_COLORS.values():
        assert _contrast(QColor("#ffffff"), QColor(color)) >= 3.0, color
    apply_theme(QApplication.instance(), "light")
