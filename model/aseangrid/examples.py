"""Example extensions: constraints and cost terms written in plain Pyomo against the model.

Each function has the signature of an extension, ``f(m, ds)``: ``m`` is the labelled Pyomo
model (:func:`aseangrid.build_model`) and ``ds`` the input Dataset. Use them from Python,
``ag.solve(ds, extensions=[thai_gas_limit])``, or by name in a run file,
``extensions: ["aseangrid.examples:thai_gas_limit"]`` (see ``docs/extending.md``, where each is
explained; each is also a test in ``tests/test_extending.py``).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from .lp.pyomo_view import describe

#: Thailand's gas-fired generation allowed in a year in :func:`thai_gas_limit` [TWh]
#: (an illustration, not a policy: about 80 % of the 2030 model's uncapped Thai gas burn).
THAI_GAS_TWH_PER_YEAR = 80.0
#: Hourly minimum sent from Peninsular Malaysia to Singapore in :func:`my_sg_minimum_flow` [MW].
MY_SG_MINIMUM_MW = 300.0
#: Levy on Indonesian coal generation in :func:`indonesia_coal_levy` [USD/MWh].
COAL_LEVY_USD_PER_MWH = 5.0


def _weights(m, ds: xr.Dataset) -> dict:
    """Hours each time step stands for, by the model's time labels."""
    return dict(zip(list(m.time), ds["time_weight_h"].values.tolist(), strict=True))


def thai_gas_limit(m, ds: xr.Dataset) -> None:
    """Thailand's gas generation over the horizon at most its annual allowance pro rata::

        sum_{t, g gas in THA} w_t * generation_mw[t, g] <= 1e6 * TWh * sum_t w_t / 8760   [MWh]

    Its dual ``dual_thai_gas_limit`` [USD/MWh] is the cost of one MWh less of Thai gas
    (<= 0 when binding: one more MWh allowed lowers the cost).
    """
    w = _weights(m, ds)
    gas = [
        g
        for g, c, k in zip(
            ds["generator"].values.tolist(),
            ds["generator_country"].values.tolist(),
            ds["generator_technology"].values.tolist(),
            strict=True,
        )
        if c == "THA" and k in ("gas_ccgt", "gas_ocgt")
    ]
    limit = 1e6 * THAI_GAS_TWH_PER_YEAR * float(np.sum(list(w.values()))) / 8760.0
    m.thai_gas_limit = pyo.Constraint(
        expr=sum(w[t] * m.generation_mw[t, g] for t in m.time for g in gas) <= limit
    )
    describe(
        m.thai_gas_limit,
        units="MWh",
        dual_units="USD/MWh",
        description="Thai gas generation over the horizon within its allowance.",
    )


def my_sg_minimum_flow(m, ds: xr.Dataset) -> None:
    """At least :data:`MY_SG_MINIMUM_MW` sent from Peninsular Malaysia to Singapore in every
    hour, over whichever links join them::

        sum_{l: MY-PEN -> SG} flow_forward_mw[t, l] + sum_{l: SG -> MY-PEN} flow_backward_mw[t, l]
            >= MW                                                              for every t

    ``dual_my_sg_minimum_flow[time]`` [USD/MWh] is the hourly cost of the obligation.
    """
    fwd = [lk for lk, a, b in _links(ds) if (a, b) == ("MY-PEN", "SG")]
    bwd = [lk for lk, a, b in _links(ds) if (a, b) == ("SG", "MY-PEN")]

    def rule(m, t):
        return (
            sum(m.flow_forward_mw[t, lk] for lk in fwd)
            + sum(m.flow_backward_mw[t, lk] for lk in bwd)
            >= MY_SG_MINIMUM_MW
        )

    m.my_sg_minimum_flow = pyo.Constraint(m.time, rule=rule)
    describe(
        m.my_sg_minimum_flow,
        units="MW",
        dual_units="USD/MWh",
        description="Minimum hourly flow from Peninsular Malaysia to Singapore.",
    )


def _links(ds: xr.Dataset) -> list[tuple[str, str, str]]:
    return list(
        zip(
            ds["link"].values.tolist(),
            ds["link_from"].values.tolist(),
            ds["link_to"].values.tolist(),
            strict=True,
        )
    )


def indonesia_coal_levy(m, ds: xr.Dataset) -> None:
    """An extra cost term: :data:`COAL_LEVY_USD_PER_MWH` on every MWh of Indonesian coal::

        cost += sum_{t, g coal in IDN} w_t * levy * generation_mw[t, g]          [USD]

    Reported as the cost component ``user_indonesia_coal_levy``.
    """
    w = _weights(m, ds)
    coal = [
        g
        for g, c, k in zip(
            ds["generator"].values.tolist(),
            ds["generator_country"].values.tolist(),
            ds["generator_technology"].values.tolist(),
            strict=True,
        )
        if c == "IDN" and k in ("coal", "lignite")
    ]
    m.indonesia_coal_levy = pyo.Objective(
        expr=sum(COAL_LEVY_USD_PER_MWH * w[t] * m.generation_mw[t, g] for t in m.time for g in coal)
    )
