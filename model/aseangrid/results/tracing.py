"""Consumption-based emissions by proportional flow tracing of the optimised flows.

Method (average participation / proportional sharing, hour by hour). Every node is a perfectly
mixed pool. Into the pool at node ``n`` flow its generation (with its emissions ``E_n``
[tCO2/h]), storage discharge (no new emissions: they were attributed when charged) and the
energy received over links and contracts. Energy sent from node ``m`` carries ``m``'s pool
intensity ``I_m`` [tCO2/MWh], and the emissions of transmission losses travel with the energy
to the receiving node. The intensities solve, for each hour::

    I_n * P_n - sum_m I_m * S[m -> n] = E_n

with ``P_n`` the energy entering the pool (after losses) and ``S[m -> n]`` the energy sent from
``m`` to ``n`` (before losses). The pool leaves as served demand, storage charging and exports,
so ``sum_n I_n * (served_n + charge_n) = sum_n E_n`` exactly: attribution creates and loses
nothing. Consumption-based emissions of a node are ``sum_t I_n * (served_n + charge_n)``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr


def pool_intensity(ds: xr.Dataset, res: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Hourly pool intensity per node and the energy consumed from each pool.

    Returns
    -------
    intensity : ndarray (time, node)
        Pool CO2 intensity [tCO2/MWh].
    consumed : ndarray (time, node)
        Served demand plus storage charging [MW].
    """
    T, N = ds.sizes["time"], ds.sizes["node"]
    nidx = {n: i for i, n in enumerate(ds["node"].values.tolist())}
    E = np.zeros((T, N))
    P = np.zeros((T, N))
    S = np.zeros((T, N, N))  # S[t, m, n]: sent from m to n
    if ds.sizes["generator"]:
        gen = res["generation_mw"].values
        gi = np.array([nidx[n] for n in ds["generator_node"].values], dtype=np.int64)
        np.add.at(E, (slice(None), gi), gen * ds["emission_factor_t_per_mwh"].values[None, :])
        np.add.at(P, (slice(None), gi), gen)
    consumed = ds["demand_mw"].values - res["unserved_mw"].values
    if ds.sizes["storage"]:
        si = np.array([nidx[n] for n in ds["storage_node"].values], dtype=np.int64)
        np.add.at(P, (slice(None), si), res["storage_discharge_mw"].values)
        np.add.at(consumed, (slice(None), si), res["storage_charge_mw"].values)
    if ds.sizes["link"]:
        ia = np.array([nidx[n] for n in ds["link_from"].values], dtype=np.int64)
        ib = np.array([nidx[n] for n in ds["link_to"].values], dtype=np.int64)
        keep = 1 - ds["link_loss_fraction"].values
        ff = res["flow_forward_mw"].values
        fb = res["flow_backward_mw"].values
        np.add.at(S, (slice(None), ia, ib), ff)
        np.add.at(S, (slice(None), ib, ia), fb)
        np.add.at(P, (slice(None), ib), ff * keep)
        np.add.at(P, (slice(None), ia), fb * keep)
    if "contract" in ds.dims and ds.sizes["contract"]:
        x = res["contract_delivery_mw"].values
        keep = 1 - ds["contract_loss_fraction"].values
        si = np.array([nidx[n] for n in ds["contract_seller"].values], dtype=np.int64)
        bi = np.array([nidx[n] for n in ds["contract_buyer"].values], dtype=np.int64)
        np.add.at(S, (slice(None), si, bi), x / keep)
        np.add.at(P, (slice(None), bi), x)
    M = -np.transpose(S, (0, 2, 1))
    idx = np.arange(N)
    empty = P <= 1e-9
    M[:, idx, idx] += np.where(empty, 1.0, P)
    rhs = np.where(empty, 0.0, E)
    intensity = np.linalg.solve(M, rhs[..., None])[..., 0]
    return intensity, np.maximum(consumed, 0.0)


def consumption_emissions(ds: xr.Dataset, res: xr.Dataset) -> dict[str, np.ndarray]:
    """Consumption-based emissions per node and country [tCO2/yr] and the pool intensity."""
    w = ds["time_weight_h"].values
    intensity, consumed = pool_intensity(ds, res)
    node_t = (w[:, None] * intensity * consumed).sum(axis=0)
    countries = ds["country"].values.tolist()
    country_t = np.zeros(len(countries))
    for n, c in zip(ds["node"].values, ds["node_country"].values, strict=True):
        country_t[countries.index(c)] += node_t[list(ds["node"].values).index(n)]
    return {"node": node_t, "country": country_t, "intensity": intensity}
