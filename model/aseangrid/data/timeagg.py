"""Representative periods: a year of hours reduced to a few typical days, chronology kept.

The hours of a model year are cut into ``D`` consecutive periods (days by default). tsam
clusters them on the time series the LP sees (demand, availability of variable renewables,
hydro inflow) and picks one real period per cluster, its medoid. The reduced Dataset holds the
hours of those ``K`` medoids only, each weighted by the number of periods its cluster stands
for, so every annual sum (costs, emissions, policies) still covers the whole year.

Storage and reservoirs keep the chronology of the year: the formulation links the ``K``
typical periods in the order the year visits them (``period_order``), carrying the state of
charge from one original period to the next (Kotzur et al. 2018, "Time series aggregation for
energy system design: modeling seasonal storage", the idea, not their code). Within a period
the level moves as in the hourly model; across periods an inter-period level per original
period adds up the net change of the period it is mapped to.

Variables added to the Dataset (``time`` is now the ``K * H`` medoid hours):

* ``time_weight_h[time]``: hours of the year each kept hour stands for (its cluster's size).
* ``time_step_h[time]``: the duration of the step itself (1 h), used by stock balances.
* ``period[time]``: the typical period (0..K-1) each hour belongs to.
* ``period_order[period_original]``: the typical period that stands for each original period.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, Problem

#: the time series that drive the clustering (all other inputs are constant in time)
_FEATURES = ("demand_mw", "availability_pu", "hydro_inflow_mw")


def _features(ds: xr.Dataset) -> pd.DataFrame:
    """Columns that vary in time, scaled to 0..1, duplicates dropped."""
    cols: dict[str, np.ndarray] = {}
    seen: set[bytes] = set()
    for name in _FEATURES:
        if name not in ds:
            continue
        a = ds[name].values.reshape(ds.sizes["time"], -1)
        for j in range(a.shape[1]):
            x = a[:, j]
            span = x.max() - x.min()
            if not np.isfinite(span) or span <= 1e-9 * max(1.0, abs(x.max())):
                continue
            y = np.round((x - x.min()) / span, 6)
            key = y.tobytes()
            if key in seen:
                continue
            seen.add(key)
            cols[f"{name}_{j}"] = y
    if not cols:  # nothing varies: any period will do
        cols["flat"] = np.zeros(ds.sizes["time"])
    return pd.DataFrame(cols, index=pd.DatetimeIndex(ds["time"].values))


def _rescale(full: xr.Dataset, out: xr.Dataset, weights: np.ndarray) -> None:
    """Scale each series so its weighted mean over the kept hours equals its mean over the
    year (annual demand, renewable and inflow energy preserved), capped at its annual peak."""
    for name in _FEATURES:
        if name not in out:
            continue
        x = out[name].values
        shape = x.shape
        x = x.reshape(shape[0], -1)
        full_x = full[name].values.reshape(full.sizes["time"], -1)
        m0 = full_x.mean(axis=0)
        m1 = (weights[:, None] * x).sum(axis=0) / weights.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(m1 > 0, m0 / m1, 1.0)
        y = np.minimum(x * f[None, :], full_x.max(axis=0)[None, :])
        out[name] = out[name].copy(data=y.reshape(shape))


def representative_periods(
    ds: xr.Dataset,
    n_periods: int,
    period_hours: int = 24,
    method: str = "hierarchical",
    rescale: bool = True,
) -> xr.Dataset:
    """Reduce an hourly Dataset to ``n_periods`` typical periods of ``period_hours`` hours.

    Parameters
    ----------
    ds
        Hourly input Dataset (from :func:`aseangrid.load_inputs`, possibly scenario-adjusted).
    n_periods
        Number of typical periods ``K`` (1 <= K <= D, the number of periods in the horizon).
        ``K = D`` keeps every period: the LP is then the hourly one, written with linked
        periods (a test checks the two optima agree).
    period_hours
        Length of a period [h]; must divide the horizon (24 for days).
    method
        tsam clustering method (``"hierarchical"``, ``"kmeans"`` ...); the representative of
        a cluster is always its medoid, a real period, so every kept hour is consistent across
        nodes and series.

    Returns
    -------
    xarray.Dataset
        ``ds`` restricted to the medoid hours, with ``time_weight_h``, ``time_step_h``,
        ``period`` and ``period_order`` as described in the module docstring.
    """
    T = ds.sizes["time"]
    _check_request(T, n_periods, period_hours, ds["time_weight_h"].values)
    D = T // period_hours
    if n_periods == D:
        order = np.arange(D)
        medoids = np.arange(D)
    else:
        order, medoids = _cluster(ds, n_periods, period_hours, method)
    out = _medoid_hours(ds, order, medoids, period_hours)
    if rescale and medoids.size < D:
        _rescale(ds, out, out["time_weight_h"].values)
    _add_period_variables(out, order, medoids.size, period_hours)
    out.attrs.update(
        {
            "time_resolution": f"{medoids.size} representative periods of {period_hours} h "
            f"({method}, medoids)",
            "period_hours": int(period_hours),
        }
    )
    return out


def _check_request(T: int, n_periods: int, period_hours: int, weights: np.ndarray) -> None:
    """Raise if the request of :func:`representative_periods` cannot be met.

    Parameters
    ----------
    T
        Number of hours in the horizon.
    n_periods
        Number of typical periods asked for; must be in ``1..T // period_hours``.
    period_hours
        Length of a period [h]; must divide ``T``.
    weights
        ``time_weight_h`` of the Dataset [h]; must be 1 everywhere (an hourly Dataset).

    Raises
    ------
    InputError
        Listing every problem found.
    """
    problems = []
    if period_hours < 1 or T % period_hours:
        problems.append(
            Problem(
                "(option)",
                None,
                "period_hours",
                str(period_hours),
                f"a period length in hours that divides the horizon of {T} h (e.g. 24)",
            )
        )
    elif not 1 <= n_periods <= T // period_hours:
        problems.append(
            Problem(
                "(option)",
                None,
                "representative_periods",
                str(n_periods),
                f"a number of periods in 1..{T // period_hours}",
            )
        )
    if not np.allclose(weights, 1.0):
        problems.append(
            Problem(
                "(option)",
                None,
                "time_weight_h",
                "already aggregated",
                "an hourly Dataset (time_weight_h = 1 everywhere)",
            )
        )
    if problems:
        raise InputError(problems)


def _cluster(
    ds: xr.Dataset, n_periods: int, period_hours: int, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster the periods of ``ds`` with tsam, one medoid per cluster.

    Parameters
    ----------
    ds
        Hourly input Dataset.
    n_periods
        Number of clusters ``K``.
    period_hours
        Length of a period [h].
    method
        tsam clustering method.

    Returns
    -------
    order : numpy.ndarray
        The typical period (0..K-1) standing for each original period, length ``D``.
    medoids : numpy.ndarray
        The original period that is the medoid of each typical period, ascending, length
        ``K`` (clusters are numbered in the order of their medoids in the year).
    """
    import tsam

    df = _features(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = tsam.aggregate(
            df,
            n_clusters=int(n_periods),
            period_duration=int(period_hours),
            temporal_resolution=1.0,
            cluster=tsam.ClusterConfig(method=method, representation="medoid"),
            preserve_column_means=False,
        )
    order = np.asarray(agg.cluster_assignments, dtype=np.int64)
    medoids = np.asarray(agg.clustering.cluster_centers, dtype=np.int64)
    # keep clusters in the order of their medoids in the year, renumbered 0..K-1
    used = np.unique(order)
    medoids = medoids[used]
    rank = np.argsort(medoids)
    medoids = medoids[rank]
    renumber = np.empty(int(used.max()) + 1, dtype=np.int64)
    renumber[used[rank]] = np.arange(used.size)
    return renumber[order], medoids


def _medoid_hours(
    ds: xr.Dataset, order: np.ndarray, medoids: np.ndarray, period_hours: int
) -> xr.Dataset:
    """``ds`` restricted to the hours of the medoids, weighted by the size of their cluster.

    Parameters
    ----------
    ds
        Hourly input Dataset.
    order
        Typical period of each original period.
    medoids
        Original period of each typical period.
    period_hours
        Length of a period [h].

    Returns
    -------
    xarray.Dataset
        The kept hours, with ``time_weight_h`` [h] set to the cluster sizes.
    """
    counts = np.bincount(order, minlength=medoids.size).astype(float)
    hours = (medoids[:, None] * period_hours + np.arange(period_hours)[None, :]).ravel()
    out = ds.isel(time=hours)
    out["time_weight_h"] = xr.DataArray(
        np.repeat(counts, period_hours),
        dims="time",
        attrs={"units": "h", "description": "Hours of the year each kept hour stands for."},
    )
    return out


def _add_period_variables(out: xr.Dataset, order: np.ndarray, K: int, period_hours: int) -> None:
    """Add ``time_step_h``, ``period`` and ``period_order`` to the reduced Dataset (in place).

    Parameters
    ----------
    out
        The Dataset of the ``K * period_hours`` kept hours.
    order
        Typical period of each original period.
    K
        Number of typical periods.
    period_hours
        Length of a period [h].
    """
    out["time_step_h"] = xr.DataArray(
        np.ones(K * period_hours),
        dims="time",
        attrs={"units": "h", "description": "Duration of the step (stock balances use it)."},
    )
    out["period"] = xr.DataArray(
        np.repeat(np.arange(K), period_hours),
        dims="time",
        attrs={"units": "1", "description": "Typical period each hour belongs to."},
    )
    out["period_order"] = xr.DataArray(
        order,
        dims="period_original",
        coords={"period_original": np.arange(order.size)},
        attrs={
            "units": "1",
            "description": "Typical period standing for each original period, in the order "
            "of the year (storage and reservoirs are linked along it).",
        },
    )


def period_bounds(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """First and last time index of every typical period (arrays of length ``K``)."""
    p = ds["period"].values
    K = int(p.max()) + 1
    first = np.array([np.flatnonzero(p == k)[0] for k in range(K)])
    last = np.array([np.flatnonzero(p == k)[-1] for k in range(K)])
    return first, last


def step_hours(ds: xr.Dataset) -> np.ndarray:
    """Duration of each step [h]: ``time_step_h`` when present, else ``time_weight_h``."""
    if "time_step_h" in ds:
        return ds["time_step_h"].values
    return ds["time_weight_h"].values


def limit_share(ds: xr.Dataset) -> float:
    """The share of an annual cap or limit that applies to this horizon: ``horizon_share``,
    unless the Dataset gives its limits for the horizon itself (``annual_limit_share``, e.g.
    1.0 for a sub-horizon of a decomposed solve, whose budgets are already its own)."""
    if "annual_limit_share" in ds:
        return float(ds["annual_limit_share"])
    return horizon_share(ds)


def horizon_share(ds: xr.Dataset) -> float:
    """The share of a year the horizon stands for: ``sum_t w_t / 8760``.

    The one rule for annual quantities on a partial horizon: annual caps, coal generation
    limits and investment annuities apply in proportion to the hours the horizon represents
    (a 48-hour slice gets 48/8760 of an annual cap; representative periods, whose weights
    cover the whole year, get all of it). Shares (renewable targets) are already relative to
    the horizon's demand, and hourly limits need no scaling. The results record the share
    (``horizon_share``) and the limits actually applied (``*_applied``).
    """
    return float(ds["time_weight_h"].values.sum()) / 8760.0
