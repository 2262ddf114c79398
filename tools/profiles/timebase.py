"""The reference year of the profiles: hours, days, months and local calendars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aseangrid.data.year import model_time

REF_YEAR = 2015
"""Calendar year whose weekdays and holidays the profiles follow (non-leap)."""

N_HOURS = 8760
"""Hours in the reference year."""
N_DAYS = 365
"""Days in the reference year."""

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
"""Days in each month of the reference year, January first."""
MONTH_START = np.concatenate([[0], np.cumsum(DAYS_IN_MONTH)[:-1]])
"""Day index (0-364) of the first day of each month."""
MONTH_OF_DAY = np.repeat(np.arange(12), DAYS_IN_MONTH)
"""Month index (0 = January) of each day of the reference year."""


def _utc_index() -> pd.DatetimeIndex:
    """Start of each hour of the reference year, UTC, on the model's own time axis."""
    t = model_time(REF_YEAR)
    t = t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")
    if len(t) != N_HOURS:
        raise ValueError(f"model_time({REF_YEAR}) has {len(t)} hours, expected {N_HOURS}")
    return t


UTC_INDEX = _utc_index()
"""Start of each hour of the reference year, UTC (hour 0 = 1 Jan 2015 00:00 UTC)."""


def months_range(first: int, last: int) -> tuple[int, ...]:
    """Months from ``first`` to ``last`` inclusive, wrapping over the year end.

    Parameters
    ----------
    first, last : int
        First and last month, 1-12.

    Returns
    -------
    tuple of int
        Months 1-12, e.g. ``(11, 12, 1)`` for ``first=11, last=1``.
    """
    n = (last - first) % 12 + 1
    return tuple((first - 1 + i) % 12 + 1 for i in range(n))


def format_months(months: tuple[int, ...]) -> str:
    """``"5-10"`` style text of a contiguous (possibly wrapping) month range.

    Parameters
    ----------
    months : tuple of int
        Months 1-12 in order, as returned by :func:`months_range`.

    Returns
    -------
    str
        ``"first-last"``, or ``"none"`` when ``months`` is empty.
    """
    if not months:
        return "none"
    return f"{months[0]}-{months[-1]}"


def local_calendar(tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Local hour and reference-year day index of every UTC hour.

    Parameters
    ----------
    tz : str
        IANA time zone.

    Returns
    -------
    local_hour : numpy.ndarray
        Local clock time at the middle of each UTC hour, h (0-24).
    day : numpy.ndarray
        Day of the reference year (0-364) of the local date; dates outside the reference year
        wrap around (local 1 Jan 2016 maps to 1 Jan 2015).
    """
    loc = (UTC_INDEX + pd.Timedelta(minutes=30)).tz_convert(tz)
    local_hour = loc.hour.to_numpy() + loc.minute.to_numpy() / 60.0
    naive = loc.tz_localize(None).normalize()
    day = ((naive - pd.Timestamp(f"{REF_YEAR}-01-01")).days.to_numpy()) % N_DAYS
    return local_hour.astype(float), day.astype(int)
