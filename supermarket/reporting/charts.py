"""Charts of released figures, drawn once with reportlab.graphics for pages (SVG) and PDFs.

Only released figures are drawn: a suppressed count is a zero-height bar labelled "<10".
Labels are site names, months and categories, never personal data; the SVG renderer escapes
them. Pages show each chart as an <img> (a data: URI, so the strict CSP needs no inline style)
with a table of the same figures next to it for screen readers and printing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from supermarket.reporting.release import ReleasedReport

BRAND: Final = colors.HexColor("#0b5d3b")
BLUE: Final = colors.HexColor("#0a4f8a")
AMBER: Final = colors.HexColor("#b25e00")
GREY: Final = colors.HexColor("#4a5560")
INK: Final = colors.HexColor("#1b1f23")
FONT: Final = "Helvetica"
WIDTH: Final = 520
# Bar charts with one bar a row: the row's height, and the tallest chart (it must fit an A4
# page's frame, ~730 pt, with its title); past MAX_HEIGHT / MIN_ROW bars it grows again.
ROW: Final = 34
MIN_ROW: Final = 13
MAX_HEIGHT: Final = 620
SOURCE_LABELS: Final = {
    "fareshare": "FareShare",
    "retailer": "Retailer surplus",
    "public": "Public donations",
    "community": "Community groups",
    "purchase": "Purchased",
    "unknown": "Found at stocktake",
}


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart and the same figures as a table (its accessible alternative)."""

    key: str
    title: str
    summary: str
    drawing: Drawing
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    empty: bool = False

    def svg(self) -> str:
        text = str(renderSVG.drawToString(self.drawing))
        # PDF font names mean nothing to a browser: name families it has, sans-serif last.
        return text.replace(
            "font-family: Helvetica-Bold;",
            "font-family: Helvetica, Arial, sans-serif; font-weight: bold;",
        ).replace("font-family: Helvetica;", "font-family: Helvetica, Arial, sans-serif;")

    def data_uri(self) -> str:
        """For <img src>: the page's CSP allows data: images, and no inline style is needed."""
        encoded = base64.b64encode(self.svg().encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


def _number(value: Any) -> float:
    """A released value as a bar height: suppressed or withheld values draw as 0."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _label(value: Any, unit: str = "") -> str:
    if value is None:
        return "not shown"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}{unit}"
    return f"{int(value):,}{unit}"


def _empty(drawing: Drawing, message: str) -> None:
    drawing.add(
        String(
            drawing.width / 2,
            drawing.height / 2,
            message,
            fontName=FONT,
            fontSize=12,
            fillColor=GREY,
            textAnchor="middle",
        )
    )


def _style_axes(chart: Any, *, value_max: float) -> None:
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(10.0, value_max * 1.15)
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 10
    chart.valueAxis.labels.fillColor = GREY
    chart.valueAxis.strokeColor = GREY
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e1e6ea")
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 10
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.strokeColor = GREY
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 9
    chart.barLabels.fillColor = INK


def _legend(drawing: Drawing, x: float, y: float, items: Sequence[tuple[Any, str]]) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = FONT
    legend.fontSize = 10
    legend.dx = legend.dy = 9
    legend.deltax = 110
    legend.colorNamePairs = list(items)
    drawing.add(legend)


def over_time(report: ReleasedReport) -> Chart:
    """Visits and households month by month, up to the end of the period."""
    points = list(report.trend)
    drawing = Drawing(WIDTH, 240)
    headers = ("Month", "Visits", "Households")
    rows = tuple((p["label"], _label(p["visits"]), _label(p["households"])) for p in points)
    empty = not points
    if empty:
        _empty(drawing, "No months to show yet.")
    else:
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 50, 45, WIDTH - 70, 160
        chart.data = [
            tuple(_number(p["visits"]) for p in points),
            tuple(_number(p["households"]) for p in points),
        ]
        chart.categoryAxis.categoryNames = [p["label"].replace(" ", "\n") for p in points]
        chart.categoryAxis.labels.boxAnchor = "n"
        chart.barLabelFormat = "values"
        chart.barLabelArray = [
            tuple(_label(p["visits"]) for p in points),
            tuple(_label(p["households"]) for p in points),
        ]
        chart.barLabels.nudge = 6
        chart.barLabels.angle = 90 if len(points) > 6 else 0
        chart.barLabels.boxAnchor = "w" if len(points) > 6 else "s"
        chart.bars[0].fillColor = BRAND
        chart.bars[1].fillColor = BLUE
        chart.bars.strokeColor = None
        chart.groupSpacing = 6
        _style_axes(chart, value_max=max(max(chart.data[0]), max(chart.data[1])))
        drawing.add(chart)
        _legend(drawing, 60, 232, [(BRAND, "Visits"), (BLUE, "Households")])
    return Chart(
        key="over_time",
        title="Visits and households, month by month",
        summary=f"Visits and unique households in each month to the end of {report.period.label}.",
        drawing=drawing,
        headers=headers,
        rows=rows,
        notes=("No months to show yet.",) if empty else (),
        empty=empty,
    )


def _horizontal(
    key: str,
    title: str,
    summary: str,
    items: Sequence[tuple[str, Any]],
    *,
    unit: str,
    scale: float = 1.0,
    colour: Any = BRAND,
    empty: str,
    headers: tuple[str, str],
) -> Chart:
    # 34 pt a bar, two-line labels; with many bars (a programme of 40 sites) the bars
    # narrow, one line each, so the chart still fits a page.
    row = min(ROW, max(MIN_ROW, (MAX_HEIGHT - 50) / max(1, len(items))))
    compact = row < ROW
    height = max(120, row * len(items) + 50)
    drawing = Drawing(WIDTH, height)
    values = [(name, None if value is None else value) for name, value in items]
    shown = [_number(v) / scale if isinstance(v, int | float) else 0.0 for _name, v in values]
    rows = tuple(
        (name, _label(v / scale if isinstance(v, int | float) else v, unit)) for name, v in values
    )
    is_empty = not items or (not any(shown) and all(not isinstance(v, str) for _n, v in values))
    if is_empty and items and any(v is None for _n, v in values):
        empty = "Not shown: too few households to publish these figures safely."
    if is_empty:
        _empty(drawing, empty)
    else:
        chart = HorizontalBarChart()
        chart.x, chart.y = 150, 30
        chart.width, chart.height = WIDTH - 220, height - 50
        chart.data = [tuple(reversed(shown))]
        chart.categoryAxis.categoryNames = [
            _line(name) if compact else _wrap(name) for name, _v in reversed(values)
        ]
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -6
        chart.barLabelFormat = "values"
        chart.barLabelArray = [tuple(reversed([label for _n, label in rows]))]
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.nudge = 6
        chart.bars[0].fillColor = colour
        chart.bars.strokeColor = None
        _style_axes(chart, value_max=max(shown) if shown else 0)
        if compact:
            size = max(6.5, min(10.0, row * 0.62))
            chart.categoryAxis.labels.fontSize = size
            chart.barLabels.fontSize = size
        drawing.add(chart)
    return Chart(
        key=key,
        title=title,
        summary=summary,
        drawing=drawing,
        headers=headers,
        rows=rows,
        notes=(empty,) if is_empty else (),
        empty=is_empty,
    )


def _line(name: str, width: int = 26) -> str:
    """A label on one line, shortened with an ellipsis."""
    return name if len(name) <= width else name[: width - 1] + "…"


def _wrap(name: str, width: int = 22) -> str:
    """A label on at most two lines of about `width` characters."""
    words, lines = name.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            if len(lines) == 2:
                lines[-1] = lines[-1][: width - 1] + "…"
                break
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "\n".join(lines)


def food_by_source(report: ReleasedReport) -> Chart:
    """Food received by source, in kilograms."""
    received: Mapping[str, int] = report.figures["food"]["received_by_source_g"]
    items = [
        (SOURCE_LABELS.get(source, source.title()), grams)
        for source, grams in received.items()
        if grams or source != "unknown"
    ]
    return _horizontal(
        "food_by_source",
        "Food received, by source (kg)",
        f"Kilograms of food received in {report.period.label}, by where it came from.",
        items,
        unit=" kg",
        scale=1000,
        colour=BRAND,
        empty="No food received in this period.",
        headers=("Source", "Kilograms"),
    )


def savings(report: ReleasedReport) -> Chart:
    """Members' savings: by site for the programme, by kind of money for one site."""
    if report.site is None:
        title = "Members' savings, by site (£)"
        summary = f"What members saved against shop prices in {report.period.label}, site by site."
        items = [(row["name"], row["figures"]["money"]["savings_pence"]) for row in report.sites]
        headers = ("Site", "Savings (£)")
    else:
        title = "Retail value, fees and savings (£)"
        summary = (
            f"The shop value of the food members took in {report.period.label}, what they paid,"
            " and what they saved."
        )
        money = report.figures["money"]
        items = [
            ("Retail value of food", money["retail_value_pence"]),
            ("Fees paid by members", money["fees_collected_pence"]),
            ("Members' savings", money["savings_pence"]),
        ]
        headers = ("", "£")
    return _horizontal(
        "savings",
        title,
        summary,
        items,
        unit="",
        scale=100,
        colour=BLUE,
        empty="No visits in this period.",
        headers=headers,
    )


def food_insecurity(report: ReleasedReport) -> Chart:
    """The share food insecure at the first survey and at follow-up, for the same members."""
    paired = report.outcome["paired"]
    before = paired["pct_food_insecure_at_baseline"]
    after = paired["pct_food_insecure_at_follow_up"]
    drawing = Drawing(WIDTH, 220)
    rows = (
        ("First survey", _label(before, "%")),
        (f"{report.outcome['follow_up_months']}-month follow-up", _label(after, "%")),
    )
    notes: tuple[str, ...] = ()
    empty = before is None or after is None
    if empty:
        _empty(drawing, "Not enough members have answered both surveys to show this yet.")
        notes = (report.withheld.get("outcome.paired.analysis", ""),)
    else:
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 60, 35, 300, 160
        chart.data = [(before, after)]
        chart.categoryAxis.categoryNames = ["First survey", "Follow-up"]
        chart.barLabelFormat = "values"
        chart.barLabelArray = [(f"{before:.0f}%", f"{after:.0f}%")]
        chart.bars[0].fillColor = AMBER
        chart.bars.strokeColor = None
        chart.barWidth = 40
        _style_axes(chart, value_max=100)
        chart.valueAxis.valueMax = 100
        chart.valueAxis.valueStep = 25
        chart.valueAxis.labelTextFormat = lambda v: f"{v:.0f}%"
        chart.categoryAxis.labels.fontSize = 12
        chart.barLabels.nudge = 10
        chart.barLabels.fontSize = 14
        chart.barLabels.fontName = "Helvetica-Bold"
        drawing.add(chart)
        ci = paired["ci95_pct_points"]
        lines = [change_text(paired["reduction_pct_points"])]
        if ci is not None:
            lines.append(f"95% sure: {ci[0]:.1f} to {ci[1]:.1f}")
            p = paired["mcnemar_exact_p"]
            lines.append(
                "Unlikely to be chance" if p is not None and p < 0.05 else "Could be chance"
            )
        lines.append(f"Pairs: {_label(paired['pairs'])}")
        for index, text in enumerate(lines):
            drawing.add(
                String(375, 170 - 22 * index, text, fontName=FONT, fontSize=11, fillColor=INK)
            )
    return Chart(
        key="food_insecurity",
        title="Households food insecure: first survey and follow-up (%)",
        summary="The share of the same members in low or very low food security at their first"
        " survey and at their follow-up.",
        drawing=drawing,
        headers=("Survey", "Food insecure"),
        rows=rows,
        notes=notes,
        empty=empty,
    )


def change_text(reduction: float) -> str:
    """A reduction in percentage points, in words."""
    if reduction > 0:
        return f"Fell by {reduction:.1f} points"
    if reduction < 0:
        return f"Rose by {-reduction:.1f} points"
    return "No change"


def _p_text(p: float | None) -> str:
    if p is None:
        return "not shown"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def charts_for(report: ReleasedReport) -> list[Chart]:
    """The dashboard's and the report pack's charts, in reading order."""
    return [over_time(report), food_by_source(report), savings(report), food_insecurity(report)]
