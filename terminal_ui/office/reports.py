"""The office's reports (analysis): turnover, ABC classes with their Pareto curve, the count
schedule, slow movers, stock age and sales, each with its period and filters, a paged table
exported as CSV or XLSX, and SVG charts where a person would rather look than read. The
numbers come from wms.reports, the same functions the API answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from terminal_ui.auth import permission_required
from terminal_ui.i18n import item_name
from terminal_ui.office.charts import Chart, amount, bar_chart, line_chart, pareto_chart
from terminal_ui.office.tables import PageWindow, file_response, page_window
from wms.config import Settings
from wms.db import Database
from wms.errors import Invalid
from wms.money import money
from wms.reports.abc import abc_ranking, apply_classes, pareto_curve
from wms.reports.count_schedule import count_schedule, create_scheduled_counts
from wms.reports.period import Period, midnight, period_of, rate
from wms.reports.population import warehouse_id
from wms.reports.sales import sales
from wms.reports.settings import abc_thresholds, count_intervals, today_in, zone_of
from wms.reports.stock import bucket_names, parse_buckets, slow_movers, stock_age
from wms.reports.turnover import stock_value_by_day, turnover
from wms.services.lookup import names_by_sku
from wms.tabular import Column

blueprint = Blueprint("office_reports", __name__, url_prefix="/office/reports")

# A chart draws at most this many days (a longer period's line is read every few days).
CHART_POINTS = 400


@dataclass(frozen=True)
class Filter:
    """One field of a report's filter form."""

    name: str
    label: str
    kind: str = "text"  # text, date, number or select
    choices: Sequence[tuple[str, str]] = ()
    default: str = ""


CODE_COLUMNS = frozenset({"sku", "location", "warehouse", "zone", "customer", "day",
                          "last_counted_at", "due_on", "last_shipped_at",
                          "oldest_lot_received_at"})


@dataclass
class Report:
    """What the report page draws: its filters, table, charts and actions."""

    title: str
    filters: list[Filter]
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: int
    window: PageWindow
    numbers: frozenset[str] = frozenset()
    charts: list[Chart] = field(default_factory=list)
    codes: frozenset[str] = CODE_COLUMNS  # columns of codes and days, each kept on one line
    action: tuple[str, str] | None = None  # (endpoint, button label) of a POST form
    note: str = ""


def _db() -> Database:
    db: Database = current_app.extensions["wms.db"]
    return db


def _settings() -> Settings:
    settings: Settings = current_app.config["WMS_SETTINGS"]
    return settings


def _text(name: str) -> str | None:
    return (request.args.get(name) or "").strip()[:64] or None


def _period() -> Period:
    """The period of the form; Invalid (a message for the reader) when it ends before it
    begins."""
    zone = zone_of(_settings())
    period = period_of(request.args.get("from"), request.args.get("to"), zone, today_in(zone))
    if period.empty:
        raise Invalid("from: on or before to", field="from")
    return period


def _period_filters(period: Period | None) -> list[Filter]:
    # "From" and "To" of a period are dates, not the places a move comes from and goes to
    return [Filter("from", pgettext("date", "From"), "date",
                   default=period.first.isoformat() if period else ""),
            Filter("to", pgettext("date", "To"), "date",
                   default=period.last.isoformat() if period else "")]


# What a refused filter means, in the reader's language, by the field it names.
def _refusal(error: Invalid) -> str:
    messages = {
        "from": _("The period runs from a day on or before its last day."),
        "to": _("The period's days are dates, as 2026-03-31."),
        "buckets": _("Age buckets are whole numbers of days, as 30,60,90."),
        "days": _("Days are a whole number from 1 to 3660."),
        "group": _("Choose how to group the report."),
        "locations": _("No bin is due for counting."),
    }
    return messages.get(str(error.details.get("field", "")), error.message)


def _render(report: Report, status: int = 200) -> Any:
    _names_in_language(report.rows)
    if report.window.fmt:
        return file_response(report.window.fmt, report.columns, report.rows,
                             request.endpoint.split(".")[-1].replace("_", "-")
                             if request.endpoint else "report")
    return render_template("office/reports/report.html", report=report), status


def _names_in_language(rows: list[dict[str, Any]]) -> None:
    """Each item's name in the reader's language (the reports give the main name)."""
    skus = [row["sku"] for row in rows if "name" in row and row.get("sku")]
    if not skus:
        return
    with _db().read() as s:
        names = names_by_sku(s, skus)
    for row in rows:
        found = names.get(row.get("sku") or "") if "name" in row else None
        if found is not None:
            row["name"] = item_name(found)


def _refused(title: str, filters: list[Filter], error: Invalid) -> Any:
    flash(_refusal(error), "error")
    report = Report(title, filters, [], [], 0, page_window())
    return render_template("office/reports/report.html", report=report), 422


def _choice(name: str, choices: Sequence[str]) -> str:
    value = request.args.get(name) or choices[0]
    if value not in choices:
        raise Invalid(f"{name}: one of {', '.join(choices)}", field=name)
    return value


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _every(count: int, points: int) -> int:
    """Every how many of `count` points to draw so that at most `points` are drawn."""
    return max(1, -(-count // points))


@blueprint.get("/turnover")
@permission_required("office")
def turnover_page() -> Any:
    """Turnover and turnover days per item or category, turnover bars and the stock's value
    day by day."""
    title = _("Turnover")
    groups = (("item", _("Item")), ("category", _("Category")))
    filters = _period_filters(None) + [
        Filter("group", _("Group by"), "select", groups),
        Filter("category", _("Category")), Filter("warehouse", _("Warehouse"))]
    window = page_window()
    try:
        period = _period()
        group = _choice("group", ("item", "category"))
        with _db().read() as s:
            house = warehouse_id(s, _text("warehouse"))
            rows, total = turnover(s, period, group=group, category=_text("category"),
                                   warehouse=house, limit=window.limit, offset=window.offset)
            series = [] if window.fmt else stock_value_by_day(
                s, period, category=_text("category"), warehouse=house)
    except Invalid as error:
        return _refused(title, filters, error)
    key = "sku" if group == "item" else "category"
    columns = [Column(key, _("SKU") if group == "item" else _("Category")),
               *([Column("name", _("Name"))] if group == "item" else []),
               Column("cogs", _("Cost of goods sold")),
               Column("avg_inventory_value", _("Average stock value")),
               Column("turnover", _("Turnover")), Column("turnover_days", _("Turnover days"))]
    table = [{key: r.key or "—", "name": r.name, "cogs": money(r.cogs),
              "avg_inventory_value": money(r.avg_inventory_value),
              "turnover": rate(r.turnover), "turnover_days": rate(r.turnover_days)}
             for r in rows]
    charts = []
    if not window.fmt:
        shown = [r for r in rows if r.turnover is not None][:30]
        charts.append(bar_chart("turnover", _("Turnover"), [r.key or "—" for r in shown],
                                [float(r.turnover or 0) for r in shown]))
        points = series[::_every(len(series), CHART_POINTS)]
        value = _("Stock value at the end of each day")
        charts.append(line_chart("stock-value", value,
                                 [d.strftime("%m-%d") for d, _v in points],
                                 [(value, "value", [float(v) for _d, v in points])],
                                 label=amount))
    return _render(Report(title, _period_filters(period) + filters[2:], columns, table, total,
                          window, frozenset({"cogs", "avg_inventory_value", "turnover",
                                             "turnover_days"}), charts,
                          note=ngettext("%(num)s day; turnover is the cost of goods sold "
                                        "divided by the average of the end-of-day stock values",
                                        "%(num)s days; turnover is the cost of goods sold "
                                        "divided by the average of the end-of-day stock values",
                                        period.days)))


@blueprint.get("/abc")
@permission_required("office")
def abc() -> Any:
    """Items ranked by consumption value with their class, and the Pareto curve."""
    title = _("ABC classes")
    filters = _period_filters(None) + [Filter("category", _("Category"))]
    window = page_window()
    thresholds = abc_thresholds(_settings())
    try:
        period = _period()
        with _db().read() as s:
            rows, total = abc_ranking(s, period, category=_text("category"),
                                      thresholds=thresholds, limit=window.limit,
                                      offset=window.offset)
            curve = [] if window.fmt else pareto_curve(s, period,
                                                        category=_text("category"))
    except Invalid as error:
        return _refused(title, filters, error)
    columns = [Column("sku", _("SKU")), Column("name", _("Name")),
               Column("consumption_value", _("Consumption value")),
               Column("share", _("Share")), Column("cumulative_share", _("Cumulative share")),
               Column("class", _("Class"))]
    table = [{"sku": r.sku, "name": r.name, "consumption_value": money(r.consumption_value),
              "share": rate(r.share), "cumulative_share": rate(r.cumulative_share),
              "class": r.abc_class} for r in rows]
    charts = [] if window.fmt else [pareto_chart(
        "pareto", _("Pareto curve: share of the value against share of the items"), curve,
        (thresholds.a, thresholds.b))]
    return _render(Report(
        title, _period_filters(period) + filters[2:], columns, table, total, window,
        frozenset({"consumption_value", "share", "cumulative_share"}), charts,
        action=("office_reports.apply_abc", _("Apply classes"))
        if current_user.may("master_data") else None,
        note=_("A while the items ranked before hold less than %(a)s of the value, B less "
               "than %(b)s, else C", a=_percent(thresholds.a), b=_percent(thresholds.b))))


@blueprint.post("/abc")
@permission_required("master_data")
def apply_abc() -> WerkzeugResponse:
    """Write each item's class from the ranking of the period in the form."""
    form = request.form
    zone = zone_of(_settings())
    try:
        period = period_of(form.get("from"), form.get("to"), zone, today_in(zone))
        if period.empty:
            raise Invalid("from: on or before to", field="from")
        with _db().write() as s:
            counts = apply_classes(s, period, category=(form.get("category") or "").strip()
                                   or None, thresholds=abc_thresholds(_settings()),
                                   user_id=current_user.id)
    except Invalid as error:
        flash(_refusal(error), "error")
    else:
        flash(_("Classes applied: A %(a)s, B %(b)s, C %(c)s items", a=counts["A"],
                b=counts["B"], c=counts["C"]), "info")
    kept: dict[str, Any] = {k: v for k, v in form.items() if k in ("from", "to", "category")}
    return redirect(url_for("office_reports.abc", **kept))


@blueprint.get("/count-schedule")
@permission_required("office")
def schedule() -> Any:
    """Bins due for counting by their items' class, and a button to count them."""
    title = _("Count schedule")
    filters = [Filter("warehouse", _("Warehouse"))]
    window = page_window()
    zone = zone_of(_settings())
    intervals = count_intervals(_settings())
    try:
        with _db().read() as s:
            due = count_schedule(s, today=today_in(zone), zone=zone,
                                 warehouse=warehouse_id(s, _text("warehouse")),
                                 intervals=intervals)
    except Invalid as error:
        return _refused(title, filters, error)
    end = None if window.limit is None else window.offset + window.limit
    columns = [Column("location", _("Bin")), Column("warehouse", _("Warehouse")),
               Column("zone", _("Zone")), Column("class", _("Class")),
               Column("last_counted_at", _("Last counted")), Column("due_on", _("Due")),
               Column("days_overdue", _("Days overdue"))]
    table = [{"location": b.location, "warehouse": b.warehouse, "zone": b.zone,
              "class": b.abc_class,
              "last_counted_at": b.last_counted_at.astimezone(zone).date().isoformat()
              if b.last_counted_at else _("never"),
              "due_on": b.due_on.isoformat(), "days_overdue": b.days_overdue}
             for b in due[window.offset:end]]
    return _render(Report(
        title, [Filter("warehouse", _("Warehouse"), default=_text("warehouse") or "")],
        columns, table, len(due), window, frozenset({"days_overdue"}),
        action=("office_reports.create_counts", _("Create the counts"))
        if current_user.may("approve") and due else None,
        note=_("A every %(a)s days, B every %(b)s, C every %(c)s, from the last approved "
               "count", a=intervals.a, b=intervals.b, c=intervals.c)))


@blueprint.post("/count-schedule")
@permission_required("approve")
def create_counts() -> WerkzeugResponse:
    """Open one count of every bin due (in the warehouse of the form)."""
    zone = zone_of(_settings())
    code = (request.form.get("warehouse") or "").strip() or None
    try:
        with _db().write() as s:
            count = create_scheduled_counts(
                s, today=today_in(zone), zone=zone, warehouse=warehouse_id(s, code),
                intervals=count_intervals(_settings()), user_id=current_user.id)
            bins = len(count.locations)
            number = count.id
    except Invalid as error:
        flash(_refusal(error), "error")
    else:
        flash(_("Count %(id)s opened over %(bins)s bins: counters see it on the handheld",
                id=number, bins=bins), "info")
    kept: dict[str, Any] = {"warehouse": code} if code else {}
    return redirect(url_for("office_reports.schedule", **kept))


@blueprint.get("/slow-movers")
@permission_required("office")
def slow() -> Any:
    """Items with stock and no shipment in the last days."""
    title = _("Slow movers")
    window = page_window()
    zone = zone_of(_settings())
    text = request.args.get("days") or "90"
    filters = [Filter("days", _("Days without shipment"), "number", default=text),
               Filter("category", _("Category"), default=_text("category") or "")]
    try:
        if not text.isdigit() or not 1 <= int(text) <= 3660:
            raise Invalid("days: a whole number from 1 to 3660", field="days")
        since = midnight(today_in(zone) - timedelta(days=int(text) - 1), zone)
        with _db().read() as s:
            rows, total = slow_movers(s, since=since, category=_text("category"),
                                      limit=window.limit, offset=window.offset)
    except Invalid as error:
        return _refused(title, filters, error)

    def day(moment: Any) -> str:
        return moment.astimezone(zone).date().isoformat() if moment else _("never")

    columns = [Column("sku", _("SKU")), Column("name", _("Name")),
               Column("on_hand", _("On hand")), Column("stock_value", _("Stock value")),
               Column("last_shipped_at", _("Last shipped")),
               Column("oldest_lot_received_at", _("Oldest lot received"))]
    table = [{"sku": r.sku, "name": r.name, "on_hand": r.on_hand,
              "stock_value": money(r.stock_value), "last_shipped_at": day(r.last_shipped_at),
              "oldest_lot_received_at": day(r.oldest_lot_received_at)} for r in rows]
    return _render(Report(title, filters, columns, table, total, window,
                          frozenset({"on_hand", "stock_value"})))


@blueprint.get("/stock-age")
@permission_required("office")
def age() -> Any:
    """Units and value per item in each age bucket, and the value in each bucket."""
    title = _("Stock age")
    window = page_window()
    zone = zone_of(_settings())
    text = request.args.get("buckets") or "30,60,90"
    filters = [Filter("buckets", _("Age buckets (days)"), default=text[:80]),
               Filter("category", _("Category"), default=_text("category") or "")]
    try:
        limits = parse_buckets(text)
        with _db().read() as s:
            rows, total = stock_age(s, today=today_in(zone), zone=zone, limits=limits,
                                    category=_text("category"), limit=window.limit,
                                    offset=window.offset)
    except Invalid as error:
        return _refused(title, filters, error)
    names = bucket_names(limits)
    columns = [Column("sku", _("SKU")), Column("name", _("Name")), Column("qty", _("Units")),
               Column("value", _("Value"))]
    numbers = {"qty", "value"}
    for label, key in names:
        columns += [Column(f"qty_{key}", _("%(bucket)s days: units", bucket=label)),
                    Column(f"value_{key}", _("%(bucket)s days: value", bucket=label))]
        numbers |= {f"qty_{key}", f"value_{key}"}
    table = []
    for r in rows:
        row: dict[str, Any] = {"sku": r.sku, "name": r.name, "qty": r.qty,
                               "value": money(r.value)}
        for b in r.buckets:
            row[f"qty_{b.key}"] = b.qty
            row[f"value_{b.key}"] = money(b.value)
        table.append(row)
    charts = [] if window.fmt else [bar_chart(
        "stock-age", _("Value by age (this page's items)"), [label for label, _k in names],
        [sum(float(r.buckets[i].value) for r in rows) for i in range(len(names))],
        label=amount)]
    return _render(Report(title, filters, columns, table, total, window,
                          frozenset(numbers), charts))


@blueprint.get("/sales")
@permission_required("office")
def sales_page() -> Any:
    """Sales by item, customer or day, ranked by net revenue, and net revenue by day."""
    title = _("Sales")
    groups = (("item", _("Item")), ("customer", _("Customer")), ("day", _("Day")))
    filters = _period_filters(None) + [Filter("group", _("Group by"), "select", groups)]
    window = page_window()
    try:
        period = _period()
        group = _choice("group", ("item", "customer", "day"))
        with _db().read() as s:
            rows, total = sales(s, period, group=group, limit=window.limit,
                                offset=window.offset)
            days = [] if window.fmt else sales(s, period, group="day")[0]
    except Invalid as error:
        return _refused(title, filters, error)
    first = {"item": Column("sku", _("SKU")), "customer": Column("customer", _("Customer")),
             "day": Column("day", _("Day"))}[group]
    columns = [first, *([Column("name", _("Name"))] if group != "day" else []),
               Column("qty", _("Units")), Column("returned", _("Returned")),
               Column("revenue", _("Revenue")), Column("refunds", _("Refunds")),
               Column("net_revenue", _("Net revenue")), Column("cogs", _("Cost")),
               Column("gross_margin", _("Gross margin")), Column("margin_rate", _("Margin rate"))]
    table = [{first.key: r.key, "name": r.name, "qty": r.qty, "returned": r.returned,
              "revenue": money(r.revenue), "refunds": money(r.refunds),
              "net_revenue": money(r.net_revenue), "cogs": money(r.cogs),
              "gross_margin": money(r.gross_margin), "margin_rate": rate(r.margin_rate)}
             for r in rows]
    by_day = {r.day: float(r.net_revenue) for r in days}
    calendar = [period.first + timedelta(days=i) for i in range(period.days)]
    charts = [] if window.fmt or period.days > CHART_POINTS else [bar_chart(
        "revenue", _("Net revenue by day"), [d.strftime("%m-%d") for d in calendar],
        [by_day.get(d, 0.0) for d in calendar], label=amount)]
    return _render(Report(title, _period_filters(period) + filters[2:], columns, table, total,
                          window, frozenset({"qty", "returned", "revenue", "refunds",
                                             "net_revenue", "cogs", "gross_margin",
                                             "margin_rate"}), charts))

