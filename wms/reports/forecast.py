"""Forecasts of an item's daily demand: its demand per calendar day over a history (units
shipped to customers less units they returned, read in one aggregate query grouped by local
day), a moving average and exponential smoothing of it, and the error (MAPE) of each
method over that history so the buyer sees which fits.

MAPE is the mean absolute percentage error of one-step-ahead forecasts: for each day of the
history, |actual - forecast| / actual, where a day's forecast is made from the days before
it (a moving average: the mean of the `window` days before, read from the ledger before
the history too; exponential smoothing starts from the history's first day and forecasts
from the second day on). Days whose actual demand is 0 are left out (the percentage is
undefined there); None when no day is left.

Each item also keeps the method the replenishment forecasts its daily demand with
(`Item.forecast_method`, one of ITEM_METHODS): the moving average of its own
`demand_window_days` (the default: the replenishment's average daily demand as it always
was), exponential smoothing with alpha 0.3 over the last 90 days, or `auto`, whichever of
the two has the smaller MAPE over those 90 days (the moving average when neither has one or
they are equal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from wms.errors import Invalid
from wms.models import Item, Move
from wms.models.catalog import FORECAST_METHODS
from wms.reports.local_days import day_start, local_day_of
from wms.services.lookup import find_item

METHODS = ("moving_average", "exp_smoothing")
# The methods an item may keep for its replenishment; stored as these codes.
ITEM_METHODS = FORECAST_METHODS
DEFAULT_ITEM_METHOD = "moving_average"
# Moves that make demand: units shipped to customers, less units they returned.
DEMAND_KINDS = ("ship", "customer_return")
DEFAULT_DAYS = 90
MAX_DAYS = 3660
DEFAULT_WINDOW = 7
DEFAULT_ALPHA = Decimal("0.3")
DEFAULT_HORIZON = 14
MAX_HORIZON = 366
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ForecastQuery:
    """Which item, how many days of history ending `today`, the method and its figure."""

    sku: str
    today: date
    timezone: str
    method: str = "moving_average"
    window: int = DEFAULT_WINDOW
    alpha: Decimal = DEFAULT_ALPHA
    days: int = DEFAULT_DAYS
    horizon: int = DEFAULT_HORIZON


@dataclass(frozen=True)
class DemandDay:
    day: date
    demand: int
    # the chosen method's one-step-ahead forecast of this day (None: it has no forecast)
    fitted: Decimal | None


@dataclass(frozen=True)
class Forecast:
    item: Item
    query: ForecastQuery
    history: list[DemandDay]
    forecast_daily: Decimal
    mape: dict[str, Decimal | None]

    @property
    def first(self) -> date:
        return self.history[0].day

    @property
    def best_method(self) -> str | None:
        """The method with the smaller MAPE (None when neither has one)."""
        known = [(value, name) for name, value in self.mape.items() if value is not None]
        return min(known)[1] if known else None

    @property
    def horizon_days(self) -> list[date]:
        return [self.query.today + timedelta(days=n) for n in range(1, self.query.horizon + 1)]


def _places(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def check_query(query: ForecastQuery) -> None:
    """Invalid for a method, window, alpha, days or horizon out of range."""
    if query.method not in METHODS:
        raise Invalid("method: moving_average or exp_smoothing", field="method")
    if not 1 <= query.days <= MAX_DAYS:
        raise Invalid(f"days: a whole number from 1 to {MAX_DAYS}", field="days")
    if not 1 <= query.window <= MAX_DAYS:
        raise Invalid(f"window: a whole number from 1 to {MAX_DAYS}", field="window")
    if not Decimal(0) < query.alpha <= Decimal(1):
        raise Invalid("alpha: a number above 0 and at most 1", field="alpha")
    if not 0 <= query.horizon <= MAX_HORIZON:
        raise Invalid(f"horizon: a whole number from 0 to {MAX_HORIZON}", field="horizon")


def demand_moves() -> ColumnElement[bool]:
    """The moves that make demand, written out as the partial index over them has it
    (wms.models.stock.DEMAND_MOVES), so both engines read them through it."""
    return Move.kind.in_([literal_column(f"'{kind}'") for kind in DEMAND_KINDS])


def daily_demand(session: Session, item_id: int, first: date, last: date,
                 timezone: str) -> list[int]:
    """Units shipped less units returned on each local day first..last (zero days
    included), in one aggregate query."""
    day = local_day_of(session, Move.at, first, last, timezone).label("day")
    signed = case((Move.kind == "ship", Move.qty), else_=-Move.qty)
    stmt = (select(day, func.sum(signed))
            .where(Move.item_id == item_id, demand_moves(),
                   Move.at >= day_start(first, timezone),
                   Move.at < day_start(last + timedelta(days=1), timezone))
            .group_by(day))
    by_day = {str(d): int(units or 0) for d, units in session.execute(stmt)}
    count = (last - first).days + 1
    return [by_day.get((first + timedelta(days=n)).isoformat(), 0) for n in range(count)]


def moving_average_fit(demand: Sequence[int], window: int) -> list[Decimal | None]:
    """Each day's forecast: the mean of the `window` days before it (None for the first
    `window` days)."""
    fitted: list[Decimal | None] = [None] * min(window, len(demand))
    for t in range(window, len(demand)):
        fitted.append(Decimal(sum(demand[t - window:t])) / window)
    return fitted


def moving_average_next(demand: Sequence[int], window: int) -> Decimal:
    """Tomorrow's forecast: the mean of the last `window` days."""
    last = demand[-window:]
    return Decimal(sum(last)) / window if last else Decimal(0)


def smoothing_levels(demand: Sequence[int], alpha: Decimal) -> list[Decimal]:
    """The smoothed level after each day: the first day's demand, then
    alpha x demand + (1 - alpha) x the level before."""
    levels: list[Decimal] = []
    for t, units in enumerate(demand):
        levels.append(Decimal(units) if t == 0 else alpha * units + (1 - alpha) * levels[-1])
    return levels


def exp_smoothing_fit(demand: Sequence[int], alpha: Decimal) -> list[Decimal | None]:
    """Each day's forecast: the level after the day before (None for the first day)."""
    levels = smoothing_levels(demand, alpha)
    return [None, *levels[:-1]][:len(demand)]


def mape(demand: Sequence[int], fitted: Sequence[Decimal | None]) -> Decimal | None:
    """Mean absolute percentage error of the forecasts, days with 0 actual demand or no
    forecast left out (4 places); None when no day is left."""
    errors = [abs(actual - guess) / abs(actual) for actual, guess in zip(demand, fitted,
                                                                         strict=True)
              if guess is not None and actual != 0]
    if not errors:
        return None
    return _places(sum(errors, Decimal(0)) / len(errors))


def forecast(session: Session, query: ForecastQuery) -> Forecast:
    """An item's daily demand over the last `days` days (today included), the chosen
    method's forecast of each day and of the days ahead, and the MAPE of both methods.
    The moving average of a day takes the `window` days before it, read from the ledger
    before the history too; exponential smoothing starts from the history's first day."""
    check_query(query)
    item = find_item(session, query.sku)
    first = query.today - timedelta(days=query.days - 1)
    read = daily_demand(session, item.id, first - timedelta(days=query.window), query.today,
                        query.timezone)
    demand = read[query.window:]
    fits = {"moving_average": moving_average_fit(read, query.window)[query.window:],
            "exp_smoothing": exp_smoothing_fit(demand, query.alpha)}
    if query.method == "moving_average":
        ahead = moving_average_next(read, query.window)
    else:
        ahead = smoothing_levels(demand, query.alpha)[-1]
    chosen = fits[query.method]
    history = [DemandDay(first + timedelta(days=n), units,
                         None if chosen[n] is None else _places(chosen[n]))  # type: ignore[arg-type]
               for n, units in enumerate(demand)]
    return Forecast(item=item, query=query, history=history, forecast_daily=_places(ahead),
                    mape={name: mape(demand, fit) for name, fit in fits.items()})


# ---------------------------------------------------------------- the item's own method

@dataclass(frozen=True)
class ItemForecast:
    """The daily demand an item's replenishment uses: its method as kept (`method`), the
    method that made the figure (`used`: `auto` resolved), the figure (4 places, never
    below 0) and the MAPE of both methods over the history (empty for a plain moving
    average, which needs no history)."""

    method: str
    used: str
    daily: Decimal
    mape: dict[str, Decimal | None]


def item_history_first(today: date, window: int) -> date:
    """The first day an item's forecast reads: `window` days before its 90-day history."""
    return today - timedelta(days=DEFAULT_DAYS - 1 + window)


def item_forecast_of(read: Sequence[int], window: int, method: str,
                     alpha: Decimal = DEFAULT_ALPHA) -> ItemForecast:
    """An item's forecast from its daily demand `read` (from item_history_first to today:
    `window` days, then the 90 days of the history)."""
    if method not in ITEM_METHODS:
        raise Invalid("forecast_method: " + ", ".join(ITEM_METHODS), field="forecast_method")
    demand = read[window:]
    if method == "moving_average":
        return ItemForecast(method, method, _places(max(moving_average_next(read, window),
                                                        Decimal(0))), {})
    fits = {"moving_average": moving_average_fit(read, window)[window:],
            "exp_smoothing": exp_smoothing_fit(demand, alpha)}
    errors = {name: mape(demand, fit) for name, fit in fits.items()}
    used = method
    if method == "auto":
        ma, es = errors["moving_average"], errors["exp_smoothing"]
        used = "exp_smoothing" if es is not None and (ma is None or es < ma) \
            else "moving_average"
    ahead = moving_average_next(read, window) if used == "moving_average" \
        else smoothing_levels(demand, alpha)[-1] if demand else Decimal(0)
    return ItemForecast(method, used, _places(max(ahead, Decimal(0))), errors)


def item_forecast(session: Session, item: Item, today: date, timezone: str,
                  method: str | None = None) -> ItemForecast:
    """The forecast of an item's daily demand that its replenishment uses (over every
    warehouse), by its kept method or by `method`."""
    window = item.demand_window_days
    read = daily_demand(session, item.id, item_history_first(today, window), today,
                        timezone)
    return item_forecast_of(read, window, method or item.forecast_method)
