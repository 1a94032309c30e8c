"""The dashboard: what is in the set, what is wrong with it, and whether it is enough.

All numbers come from :mod:`curator.core.stats`; this module only draws them. matplotlib
(and its Qt backend) is imported when a dashboard is created, not when the app starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QSizePolicy, QSpinBox,
                               QVBoxLayout, QWidget)

from curator.core import stats
from curator.core.decisions import Decision
from curator.core.findings import ScanResult
from curator.core.records import Dataset

STATUS_COLOURS = {"undecided": "#9e9e9e", "approved": "#2e7d32", "fixed": "#1565c0",
                  "rejected": "#c62828", "skipped": "#ef6c00"}
FINDING_LABELS = {"invalid": "Invalid", "duplicate": "Exact duplicate",
                  "near_duplicate": "Near-duplicate", "contradiction": "Contradiction", "lint": "Lint"}


def _mpl_text(s: str, limit: int = 24) -> str:
    """Record-derived text for a chart label: shortened, and '$' escaped so matplotlib never
    reads it as mathtext."""
    s = " ".join(str(s).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("$", r"\$")


def usable_words(s: stats.DashboardStats) -> str:
    """'~N usable for export', and how many of those are near copies kept because a number differs
    (the export keeps the same answer with another ticket number as a different question)."""
    text = f"~{s.usable:,} usable for export"
    if s.sample_verdict:
        return text + " (reviewed only: the review sample blocks the unreviewed rest)"
    if s.usable_near_number:
        text += f" ({s.usable_near_number:,} of them near copies that differ in a number)"
    return text


def usable_tooltip(s: stats.DashboardStats) -> str:
    lines = [("What an export with the default options keeps: rejected, invalid and duplicate copies "
              "are left out.")]
    if s.sample_verdict:
        lines.append("Only approved and fixed records count: " + s.sample_verdict + ".")
    if s.usable_near_number:
        lines.append(f"{s.usable_near_number:,} of them are near-duplicates kept beside their cluster's keeper "
                     "because each question has a number the other lacks (e.g. another ticket or order "
                     "number): the export treats them as different questions. If those numbers are only "
                     "ids, they are copies in effect: look at them in Findings (Ctrl+2).")
    if s.usable_near_other:
        lines.append(f"{s.usable_near_other:,} near-duplicates are kept because an essential word differs or "
                     "the two contradict.")
    return "\n".join(lines)


class DashboardView(QWidget):
    """Counts, length histograms, a metadata distribution and data-size guidance.

    Give it data with :meth:`set_data`; call :meth:`refresh` after decisions change.
    """

    goal_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, goal: str = "domain",
                 eval_fraction: float = 0.1, runner=None) -> None:
        super().__init__(parent)
        # The Qt backend of matplotlib loads here, when a dashboard is first opened.
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self._dataset: Dataset | None = None
        self._scan: ScanResult | None = None
        self._decisions: Mapping[int, Decision | str] = {}
        self._sample: Sequence[int] | None = None      # the review sample, which the export's include mode reads
        self._estimate: object = None                  # the sample's estimate (its verdict may block the rest)
        self._stats: stats.DashboardStats | None = None
        self._dist: list[tuple[str, int]] = []
        # counting 100,000 records takes most of a second: with a runner it happens off the GUI thread
        self._runner = runner
        # the open project's export plan cache (DashboardPage sets it): a recount after a decision
        # compares only that record's duplicate cluster again, and the export dialog reuses the rest
        self.plan_cache = None
        self._generation = 0

        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setWordWrap(True)

        self.goal_box = QComboBox(self)
        for g in stats.GOALS:
            self.goal_box.addItem(f"{g.label} ({g.low:,}–{g.high:,})", g.key)
            self.goal_box.setItemData(self.goal_box.count() - 1, g.note, Qt.ItemDataRole.ToolTipRole)
        self.goal_box.setCurrentIndex(max(0, self.goal_box.findData(goal)))
        self.goal_box.setToolTip("What you will fine-tune for; sets how much data is enough.")
        self.eval_spin = QSpinBox(self)
        self.eval_spin.setRange(1, 50)
        self.eval_spin.setSuffix(" %")
        self.eval_spin.setValue(round(eval_fraction * 100))
        self.eval_spin.setToolTip("Share of the export held out for evaluation (10–20% is usual).")
        self.field_box = QComboBox(self)
        self.field_box.setToolTip("A metadata field of the records to show the distribution of.")
        self.field_box.setMinimumContentsLength(14)

        controls = QHBoxLayout()
        for text, w in (("Training &goal:", self.goal_box), ("&Eval share:", self.eval_spin),
                        ("&Distribution of:", self.field_box)):
            lab = QLabel(text, self)
            lab.setBuddy(w)
            controls.addWidget(lab)
            controls.addWidget(w)
            controls.addSpacing(12)
        controls.addStretch(1)

        self.guidance = QLabel(self)
        self.guidance.setTextFormat(Qt.TextFormat.PlainText)
        self.guidance.setWordWrap(True)
        self.guidance.setFrameShape(QFrame.Shape.StyledPanel)
        self.guidance.setMargin(8)
        self.guidance.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        # fixed margins: matplotlib's constrained layout doubles the draw time (~0.4 s here)
        self.figure = Figure(figsize=(10, 6))
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setParent(self)
        self.canvas.setMinimumSize(640, 420)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(controls)
        layout.addWidget(self.guidance)
        layout.addWidget(self.canvas, 1)

        self.goal_box.currentIndexChanged.connect(self._on_goal)
        self.eval_spin.valueChanged.connect(lambda _v: self._update_guidance())
        self.field_box.currentIndexChanged.connect(lambda _i: self._field_changed())

    # --- data -----------------------------------------------------------------------------

    def set_data(self, dataset: Dataset | None, scan: ScanResult | None,
                 decisions: Mapping[int, Decision | str] | None = None,
                 sample_lines: Sequence[int] | None = None, estimate: object = None) -> None:
        self._dataset, self._scan = dataset, scan
        self._decisions = decisions or {}
        self._sample = sample_lines
        self._estimate = estimate
        self._recompute(keep_field=False)

    def refresh(self, decisions: Mapping[int, Decision | str] | None = None,
                scan: ScanResult | None = None, sample_lines: Sequence[int] | None | object = ...,
                estimate: object = ...) -> None:
        """Redraw after decisions (or the scan, or the review sample: ``None`` = no sample) changed;
        ``estimate``: the sample's acceptance estimate (its verdict can block the unreviewed rest)."""
        if sample_lines is not ...:
            self._sample = sample_lines  # type: ignore[assignment]
        if estimate is not ...:
            self._estimate = estimate
        if decisions is not None:
            self._decisions = decisions
        if scan is not None:
            self._scan = scan
        self._recompute(keep_field=True)

    @property
    def goal(self) -> str:
        return self.goal_box.currentData()

    @property
    def eval_fraction(self) -> float:
        return self.eval_spin.value() / 100

    @property
    def current_stats(self) -> stats.DashboardStats | None:
        return self._stats

    def current_guidance(self) -> stats.Guidance | None:
        if self._stats is None:
            return None
        return stats.size_guidance(self._stats.usable, self.goal, self.eval_fraction)

    def _run(self, title: str, fn, done) -> None:
        """Run ``fn()`` on the runner when there is one (else here); ``done(result)`` if still current."""
        self._generation += 1
        gen = self._generation

        def deliver(result) -> None:
            if gen == self._generation:
                done(result)

        if self._runner is None:
            deliver(fn())
        else:
            self._runner.run(lambda progress=None, cancel=None: fn(), title=title, on_done=deliver)

    def _recompute(self, keep_field: bool) -> None:
        if self._dataset is None:
            self._stats = None
            self.summary.setText("No dataset open.")
            self.guidance.clear()
            self.figure.clear()
            self.canvas.draw_idle()
            return
        previous = self.field_box.currentData() if keep_field else None
        dataset, scan, decisions, sample = self._dataset, self._scan, dict(self._decisions), self._sample
        cache, est = self.plan_cache, self._estimate

        def work():
            st = stats.dashboard_stats(dataset, scan, decisions, sample, cache, est)
            name = previous if previous in st.fields else (st.fields[0] if st.fields else None)
            return st, name, (stats.field_distribution(dataset, name) if name else [])

        if self._stats is None:
            self.summary.setText("Counting…")
        self._run("Counting for the dashboard", work, self._apply)

    def _apply(self, result) -> None:
        s, name, dist = result
        self._stats, self._dist = s, dist
        from .review_view import reviewed_and_skipped, reviewed_words

        # with two or more reviewers, who decided how many (a team lead found no way to see it)
        by = ""
        if len(s.reviewers) > 1:
            shown = ", ".join(f"{who} {n:,}" for who, n in list(s.reviewers.items())[:4])
            by = f" (by {shown}{', …' if len(s.reviewers) > 4 else ''})"
        self.summary.setText(
            f"{s.records:,} records · {reviewed_words(*reviewed_and_skipped(s.status))}{by} · "
            f"{usable_words(s)} · format {self._dataset.format}")
        self.summary.setToolTip(usable_tooltip(s))
        self.field_box.blockSignals(True)
        self.field_box.clear()
        if s.fields:
            for f in s.fields:
                self.field_box.addItem(f, f)
            self.field_box.setCurrentIndex(max(0, self.field_box.findData(name)))
        else:
            self.field_box.addItem("(no metadata fields)", None)
        self.field_box.setEnabled(bool(s.fields))
        self.field_box.blockSignals(False)
        self._update_guidance()
        self._draw()

    def _field_changed(self) -> None:
        name, dataset = self.field_box.currentData(), self._dataset
        if not name or dataset is None:
            return

        def done(dist) -> None:
            self._dist = dist
            self._draw()

        self._run("Counting a field", lambda: stats.field_distribution(dataset, name), done)

    def _on_goal(self, _index: int) -> None:
        self._update_guidance()
        self.goal_changed.emit(self.goal)

    def _update_guidance(self) -> None:
        g = self.current_guidance()
        if g is None:
            self.guidance.clear()
            return
        verdict = self._stats.sample_verdict if self._stats is not None else None
        warn = g.level == "warning" or bool(verdict)
        head = "⚠ " if warn else "✓ "
        # the sample's verdict first: the size check alone said ✓ on a set a sample found 70% defective
        messages = ([f"Export blocked for the unreviewed records: {verdict}."] if verdict else []) + list(g.messages)
        self.guidance.setText(head + "\n".join(messages))
        pal = self.guidance.palette()
        if warn:
            pal.setColor(QPalette.ColorRole.Window, QColor("#fff3cd"))
            pal.setColor(QPalette.ColorRole.WindowText, QColor("#3e2f00"))
        else:
            pal = self.palette()
        self.guidance.setAutoFillBackground(warn)
        self.guidance.setPalette(pal)
        self.guidance.setProperty("level", "warning" if warn else g.level)

    # --- drawing --------------------------------------------------------------------------

    def _colours(self) -> tuple[str, str, str]:
        pal = self.palette()
        return (pal.color(QPalette.ColorRole.Window).name(), pal.color(QPalette.ColorRole.Base).name(),
                pal.color(QPalette.ColorRole.WindowText).name())

    def _style(self, ax, title: str, fg: str, base: str) -> None:
        ax.set_title(title, color=fg, fontsize=10, loc="left")
        ax.set_facecolor(base)
        ax.tick_params(colors=fg, labelsize=8)
        for sp in ax.spines.values():
            sp.set_color(fg)
            sp.set_alpha(0.4)
        ax.xaxis.label.set_color(fg)
        ax.yaxis.label.set_color(fg)

    def _bars(self, ax, items: list[tuple[str, int]], colours: list[str] | None, fg: str) -> None:
        labels = [_mpl_text(k) for k, _ in items][::-1]
        values = [v for _, v in items][::-1]
        bars = ax.barh(range(len(values)), values, color=(colours[::-1] if colours else "#5c6bc0"))
        ax.set_yticks(range(len(values)), labels)
        # at least five bar slots, so one category does not become a wall of colour
        ax.set_ylim(min(-0.5, len(values) - 5.5), len(values) - 0.5)
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, color=fg, fontsize=8)
        ax.set_xlim(0, max(values + [1]) * 1.25)
        ax.xaxis.set_visible(False)

    def _hist(self, ax, h: stats.Histogram, colour: str, fg: str) -> None:
        ax.stairs(h.counts, h.edges, fill=True, color=colour, alpha=0.85)
        if h.log_scale:
            ax.set_xscale("log")
        ax.axvline(h.median, color=fg, linestyle="--", linewidth=1)
        label = f"characters · median {h.median:,.0f} · 95% ≤ {h.p95:,.0f} · max {h.maximum:,}"
        if h.overflow:
            label += f"\n{h.overflow:,} longer than {h.edges[-1]:,.0f} not drawn"
        ax.set_xlabel(label, fontsize=8)
        ax.set_ylabel("records", fontsize=8)

    def _draw(self) -> None:
        self.figure.clear()
        s = self._stats
        if s is None or self._dataset is None:
            self.canvas.draw_idle()
            return
        window, base, fg = self._colours()
        self.figure.set_facecolor(window)
        axes = self.figure.subplots(2, 3, gridspec_kw={"left": 0.09, "right": 0.98, "top": 0.93,
                                                       "bottom": 0.11, "wspace": 0.55, "hspace": 0.36})
        (a_status, a_find, a_fmt), (a_pl, a_rl, a_field) = axes

        items = [(k, v) for k, v in s.status.items()]
        self._bars(a_status, items, [STATUS_COLOURS.get(k, "#777") for k, _ in items], fg)
        self._style(a_status, "Review status", fg, base)

        items = [(FINDING_LABELS.get(k, k), v) for k, v in s.findings.items()]
        self._bars(a_find, items, ["#c62828", "#6a1b9a", "#8e24aa", "#ef6c00", "#f9a825"][: len(items)], fg)
        self._style(a_find, "Records flagged" if self._scan is not None else "Records flagged (scan pending)",
                    fg, base)

        self._bars(a_fmt, list(s.formats.items()) or [("none", 0)], None, fg)
        self._style(a_fmt, "Format", fg, base)

        self._hist(a_pl, s.prompt_lengths, "#42a5f5", fg)
        self._style(a_pl, "Prompt length", fg, base)
        self._hist(a_rl, s.response_lengths, "#66bb6a", fg)
        self._style(a_rl, "Response length", fg, base)

        name = self.field_box.currentData()
        if name:
            self._bars(a_field, self._dist or [(stats.MISSING, 0)], None, fg)
            self._style(a_field, f"By {_mpl_text(name, 40)}", fg, base)
        else:
            a_field.axis("off")
            a_field.text(0.5, 0.5, "The records carry no\nmetadata field to count by",
                         ha="center", va="center", color=fg, fontsize=9, transform=a_field.transAxes)
            self._style(a_field, "Metadata", fg, base)
        self.canvas.draw_idle()


class DashboardPage(QWidget):
    """The dashboard as a window tab over an open project.

    The :class:`DashboardView` (and with it matplotlib) is built the first time the tab is shown;
    changes made while the tab is hidden only mark it stale, so reviewing never waits on charts.
    """

    def __init__(self, project, parent: QWidget | None = None, runner=None) -> None:
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.view: DashboardView | None = None
        self._stale = True
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure_view(self) -> DashboardView:
        if self.view is None:
            from .export_dialog import plan_cache_for

            self.view = DashboardView(self, runner=self.runner)
            self.view.plan_cache = plan_cache_for(self.project)
            self._layout.addWidget(self.view)
        if self._stale:
            self._stale = False
            self.view.set_data(self.project.dataset, self.project.scan, self.project.decisions(),
                               self.project.sample_lines(), self.project.estimate())
        return self.view

    def project_changed(self, _change: object = None) -> None:
        self._stale = True
        if self.view is not None and self.isVisible():
            self._stale = False
            self.view.refresh(self.project.decisions(), self.project.scan, self.project.sample_lines(),
                              self.project.estimate())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.ensure_view()
