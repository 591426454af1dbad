"""The /team picture: coverage per row against the target, and the AUM trend (each balance
snapshot day of the last `[team] trend_days`, then today; a dashed line where the period begins).

A PNG sized for a phone (about 1000 px wide), drawn with matplotlib's Agg backend (no display)
and a CJK font that ships as a Python package (`mplfonts`' Noto Sans CJK SC), so names in Chinese
render on a fresh machine. Every word on it comes from `labels.j2` like any other label.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.dates import DateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from domain.team import Summary  # noqa: E402

ROWS = 15
"""Bars drawn at most (the best-covered first, as the ranking); the message lists the rest."""
WIDTH_INCHES, DPI = 6.4, 160


@cache
def _font() -> str:
    """The bundled CJK font's family name, registered with matplotlib once."""
    path = resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
    with resources.as_file(path) as file:
        font_manager.fontManager.addfont(str(file))
        return font_manager.FontProperties(fname=str(file)).get_name()


def team_chart(summary: Summary, target: float, label: Callable[..., str]) -> bytes:
    """The PNG: bars of coverage per row (a line at `target`), and the AUM trend."""
    family = _font()
    lines = [line for line in summary.lines if line.coverage is not None][:ROWS]
    height = 1.6 + 0.32 * max(len(lines), 1) + 1.9
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    grid = figure.add_gridspec(2, 1, height_ratios=[max(len(lines), 1) * 0.32 + 0.8, 1.9], hspace=0.45)
    bars = figure.add_subplot(grid[0])
    names = [line.name[:10] for line in lines][::-1]
    values = [line.coverage * 100 for line in lines][::-1]
    colours = ["#2e7d32" if value >= target * 100 else "#c62828" for value in values]
    bars.barh(names, values, color=colours, height=0.6)
    bars.axvline(target * 100, color="#555555", linestyle="--", linewidth=1)
    bars.set_xlim(0, 100)
    bars.set_title(label("chart_coverage", summary.title, round(target * 100)), fontfamily=family, fontsize=11, loc="left")
    for tick in bars.get_yticklabels():
        tick.set_fontfamily(family)
    bars.tick_params(labelsize=9)
    for y, value in enumerate(values):
        bars.text(min(value + 1, 92), y, f"{value:.0f}%", va="center", fontsize=8)
    trend = figure.add_subplot(grid[1])
    days = [day for day, _ in summary.trend]
    values = [float(value) / 1e8 for _, value in summary.trend]
    trend.plot(days, values, marker="o", markersize=3, color="#1565c0")
    if days and days[0] <= summary.start:
        trend.axvline(summary.start, color="#555555", linestyle="--", linewidth=1)  # where the period begins
    trend.set_title(label("chart_aum"), fontfamily=family, fontsize=11, loc="left")
    trend.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    trend.tick_params(labelsize=8)
    trend.margins(x=0.05, y=0.35)
    for index in {0, len(values) - 1} if values else ():
        trend.annotate(f"{values[index]:.2f}", (days[index], values[index]), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
