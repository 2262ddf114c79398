"""Breached policies and unserved energy: never silent.

With the default penalised slack a policy that cannot be met still "solves": its shortfall is
bought at ``policy_penalty_usd`` per unit. :func:`mark_breaches` finds every breach and every
MWh of unserved energy, records them in the results (``policy_breaches`` and
``unserved_energy_note`` attributes, ``breach_<policy>`` variables), and labels the shadow
prices that then equal the penalty (``*_is_penalty``) and the hours whose nodal price is set by
the penalty or the value of lost load (``price_set_by_penalty``), so that nobody reads them as
market prices. The CLI prints them as warnings, the report opens with them, and ``strict``
turns them into an error (exit code 11).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

#: shortfall variable -> (policy row block, readable name, unit, dual of the row)
POLICIES: dict[str, tuple[str, str, str, str]] = {
    "carbon_cap_excess_t": ("carbon_cap", "carbon cap", "tCO2", "carbon_shadow_price_usd_per_t"),
    "renewable_shortfall_mwh": (
        "country_renewable_target",
        "renewable target",
        "MWh",
        "renewable_shadow_price_usd_per_mwh",
    ),
    "coal_generation_excess_mwh": (
        "country_coal_generation",
        "coal generation limit",
        "MWh",
        "coal_generation_shadow_price_usd_per_mwh",
    ),
    "coal_capacity_excess_mw": (
        "country_coal_capacity",
        "hourly coal limit",
        "MWh",
        "coal_capacity_shadow_price_usd_per_mw",
    ),
    "energy_limit_shortfall_mwh": (
        "energy_limit_min",
        "least energy of a generator group",
        "MWh",
        "energy_limit_min_shadow_price_usd_per_mwh",
    ),
    "energy_limit_excess_mwh": (
        "energy_limit_max",
        "most energy of a generator group",
        "MWh",
        "energy_limit_max_shadow_price_usd_per_mwh",
    ),
}
#: shortfalls below this count as solver round-off, not breaches [t or MWh]
TOLERANCE = 1.0


def _amounts(res: xr.Dataset, var: str) -> xr.DataArray:
    """Shortfall per policy element over the horizon (hourly limits summed with weights)."""
    da = res[var]
    if "time" in da.dims:
        w = res["time_weight_h"] if "time_weight_h" in res else 1.0
        da = (da * w).sum("time")
    return da


def policy_breaches(res: xr.Dataset) -> list[str]:
    """One sentence per breached policy element, with the amount and the penalty paid."""
    out = []
    pen = float(res["policy_penalty_usd"]) if "policy_penalty_usd" in res else np.nan
    for var, (dim, what, unit, _dual) in POLICIES.items():
        if var not in res:
            continue
        amt = _amounts(res, var)
        for label, v in zip(amt[dim].values.tolist(), amt.values.tolist(), strict=True):
            if v > TOLERANCE:
                scale, u = (1e-6, "Mt" if unit == "tCO2" else "TWh")
                out.append(
                    f"{what} {label} missed by {v * scale:.4g} {u} (bought at the policy "
                    f"penalty of {pen:,.0f} USD per {'t' if unit == 'tCO2' else 'MWh'}: "
                    f"{v * pen / 1e9:,.2f} bn USD in the objective)"
                )
    return out


def unserved(res: xr.Dataset) -> list[str]:
    """One sentence per node with unserved energy."""
    if "unserved_twh" not in res:
        return []
    voll = (
        float(res["value_of_lost_load_usd_per_mwh"])
        if "value_of_lost_load_usd_per_mwh" in res
        else np.nan
    )
    out = []
    for n, v in zip(res["node"].values.tolist(), res["unserved_twh"].values.tolist(), strict=True):
        if v * 1e6 > TOLERANCE:
            out.append(
                f"unserved energy at {n}: {v:,.4f} TWh (priced at the value of lost load, "
                f"{voll:,.0f} USD/MWh: {v * 1e6 * voll / 1e9:,.2f} bn USD in the cost)"
            )
    return out


def mark_breaches(res: xr.Dataset) -> list[str]:
    """Record breaches and unserved energy in ``res``; return the sentences (empty: none)."""
    found = policy_breaches(res)
    short = unserved(res)
    for var, (_dim, what, _unit, dual) in POLICIES.items():
        if var not in res:
            continue
        flag = _amounts(res, var) > TOLERANCE
        res[f"breach_{var.rsplit('_', 1)[0]}"] = flag.assign_attrs(
            units="1", description=f"The {what} is missed (its shortfall is penalised)."
        )
        if dual in res:
            is_pen = (res[var] > TOLERANCE / 8760) if "time" in res[var].dims else flag
            res[f"{dual}_is_penalty"] = is_pen.assign_attrs(
                units="1",
                description=f"{dual} equals the policy penalty here (the {what} is missed): "
                "a modelling device, not a market price.",
            )
    if "price_usd_per_mwh" in res:
        p = res["price_usd_per_mwh"]
        limit = min(
            float(res.get("policy_penalty_usd", np.inf)) * 0.2,
            float(res.get("value_of_lost_load_usd_per_mwh", np.inf)) * 0.9,
        )
        set_by = (p >= limit) | (res["unserved_mw"] > 1e-6 if "unserved_mw" in res else False)
        set_by = set_by & bool(found or short)
        res["price_set_by_penalty"] = set_by.assign_attrs(
            units="1",
            description="The nodal price of this hour is set by unserved energy at the value of "
            "lost load or by a penalised policy shortfall, not by a generator's cost.",
        )
    res.attrs["policy_breaches"] = "; ".join(found)
    res.attrs["unserved_energy_note"] = "; ".join(short)
    res.attrs["n_policy_breaches"] = len(found)
    return found + short
