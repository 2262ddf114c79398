"""The aseangrid dispatch LP rebuilt as a PyPSA network, for the peer benchmark and its test.

Both models are built from the same input Dataset (:func:`aseangrid.load_inputs`). Before the
comparison, :func:`comparable` removes what PyPSA cannot express identically, on the aseangrid
side as well (the PyPSA side never sees it):

* annual policy rows, unless ``policies=True``: carbon caps per group of countries, minimum
  renewable shares and coal limits (PyPSA's global constraints are network-wide or per
  carrier, not per country group with a penalised slack); carbon *prices* stay, folded into
  each generator's marginal cost on both sides. With ``policies=True`` the rows stay and
  :func:`add_policies` writes them into PyPSA's linopy model as extra variables and
  constraints, row for row as :mod:`aseangrid.formulation.policy` writes them;
* bilateral contracts along a path (fixed injections with wheeling paid per transit country)
  and energy limits of generator groups (none in the shipped scenarios), always.

Ramping is off on both sides (aseangrid's ramping wraps around the horizon; PyPSA's does not).

Mapping (aseangrid -> PyPSA):

==========================  ===========================================================
generator (no reservoir)    ``Generator``: ``p_nom`` = capacity, ``p_max_pu`` = hourly
                            availability, ``p_min_pu`` = must-run x availability,
                            ``marginal_cost`` = fuel + O&M + carbon price x factor
reservoir hydro             ``StorageUnit``: ``p_max_pu`` = availability, ``p_min_pu`` = 0
                            (no pumping), ``max_hours`` = reservoir / capacity, ``inflow``,
                            spill, both efficiencies 1, cyclic state of charge
storage                     ``StorageUnit``: ``p_min_pu`` = -1, efficiencies sqrt(round trip)
                            in both directions, cyclic state of charge
link                        two ``Link`` s, one per direction, ``efficiency`` = 1 - loss,
                            ``marginal_cost`` = the direction's wheeling charge
unserved energy             one ``Generator`` per node at the value of lost load, bounded
                            by the node's hourly demand
demand                      ``Load`` with ``p_set`` = hourly demand
time weights                every column of ``snapshot_weightings`` = ``time_weight_h``
==========================  ===========================================================

One difference in form remains and does not change the optimum: aseangrid's spill is
``>= 0`` while PyPSA bounds it by the inflow of the hour (water can only be spilled the hour
it arrives; spilling stored water never lowers cost, the objectives agree to 1e-9).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr

#: The Thailand-Laos-Malaysia-Singapore nodes (the LTMS corridor): the benchmark's subset.
LTMS_NODES = ("LA", "LA-EGAT", "TH-N", "TH-C", "TH-S", "MY-PEN", "SG")

_POLICY_VARS = ("renewable_share_min", "coal_generation_max_twh", "coal_capacity_max_mw")


def comparable(ds: xr.Dataset, policies: bool = False) -> xr.Dataset:
    """Remove the features PyPSA cannot express identically (see the module docstring).

    Contracts and energy limits are dropped; annual policy rows (carbon caps, renewable
    shares, coal limits) too unless ``policies`` (then :func:`add_policies` must add them to
    the PyPSA model); carbon prices are kept. Returns a new Dataset.
    """
    ds = ds.copy(deep=True)
    if not policies:
        for v in _POLICY_VARS:
            ds[v].values[:] = np.nan
        if ds.sizes.get("carbon_cap", 0):
            ds = ds.isel(carbon_cap=slice(0, 0))
    if "contract" in ds.dims:
        names = [v for v in ds.variables if "contract" in ds[v].dims]
        ds = ds.drop_vars(names)
    if ds.sizes.get("energy_limit", 0):
        ds = ds.isel(energy_limit=slice(0, 0))
    return ds


def has_policies(ds: xr.Dataset) -> bool:
    """Whether the Dataset has any annual policy row (carbon cap, renewable share, coal limit)."""
    return bool(ds.sizes.get("carbon_cap", 0)) or bool(
        np.isfinite(ds[list(_POLICY_VARS)].to_array()).any()
    )


def subset_nodes(ds: xr.Dataset, nodes: Iterable[str]) -> xr.Dataset:
    """Keep only the given nodes with their generators, storage and the links between them."""
    keep = list(nodes)
    missing = sorted(set(keep) - set(ds["node"].values.tolist()))
    if missing:
        raise ValueError(f"nodes not in the dataset: {missing}")
    out = ds.sel(node=[n for n in ds["node"].values.tolist() if n in keep])
    out = out.isel(
        generator=np.flatnonzero(np.isin(ds["generator_node"].values, keep)),
        storage=np.flatnonzero(np.isin(ds["storage_node"].values, keep)),
        link=np.flatnonzero(
            np.isin(ds["link_from"].values, keep) & np.isin(ds["link_to"].values, keep)
        ),
    )
    return out


def generator_costs(ds: xr.Dataset) -> np.ndarray:
    """Marginal cost per generator including the carbon price of its country [USD/MWh]."""
    countries = ds["country"].values.tolist()
    ci = np.array([countries.index(c) for c in ds["generator_country"].values.tolist()])
    cp = ds["carbon_price_usd_per_t"].values[ci]
    return ds["marginal_cost_usd_per_mwh"].values + cp * ds["emission_factor_t_per_mwh"].values


def to_pypsa(ds: xr.Dataset, policies: bool = False):
    """Build the PyPSA network of an input Dataset (after :func:`comparable`).

    With ``policies`` the Dataset may keep its annual policy rows: the network does not carry
    them, the caller adds them with :func:`add_policies` after ``n.optimize.create_model()``.

    Returns
    -------
    pypsa.Network
        Buses are the nodes; component names are prefixed by kind (``res:`` reservoir,
        ``sto:`` storage, ``shed:`` unserved energy) and links carry ``:fwd`` / ``:bwd``.
    """
    import pypsa

    if not policies and has_policies(ds):
        raise ValueError(
            "the Dataset has annual policy rows: pass it through comparable(), or build with "
            "policies=True and add them with add_policies()"
        )
    if "contract" in ds.dims and ds.sizes["contract"]:
        raise ValueError("the Dataset has contracts: pass it through comparable()")
    if ds.sizes.get("energy_limit", 0):
        raise ValueError("the Dataset has energy limits: pass it through comparable()")
    n = pypsa.Network()
    snapshots = pd.DatetimeIndex(ds["time"].values, name="snapshot")
    n.set_snapshots(snapshots)
    w = ds["time_weight_h"].values
    n.snapshot_weightings.loc[:, :] = np.repeat(w[:, None], 3, axis=1)

    carriers = {"AC", "hydro_reservoir", "transmission", "unserved"}
    carriers |= set(ds["generator_technology"].values.tolist())
    carriers |= set(ds["storage_technology"].values.tolist())
    n.add("Carrier", sorted(carriers))
    nodes = ds["node"].values.tolist()
    n.add("Bus", nodes, carrier="AC")
    demand = ds["demand_mw"].values
    n.add("Load", nodes, bus=nodes, p_set=pd.DataFrame(demand, snapshots, nodes))

    cap = ds["capacity_mw"].values
    avail = ds["availability_pu"].values
    cost = generator_costs(ds)
    gens = ds["generator"].values.tolist()
    gnode = ds["generator_node"].values.tolist()
    E = ds["reservoir_capacity_mwh"].values
    th = np.flatnonzero(E <= 0)
    if th.size:
        names = [gens[i] for i in th]
        n.add(
            "Generator",
            names,
            bus=[gnode[i] for i in th],
            p_nom=cap[th],
            p_max_pu=pd.DataFrame(avail[:, th], snapshots, names),
            p_min_pu=pd.DataFrame(
                avail[:, th] * ds["must_run_share"].values[th][None, :], snapshots, names
            ),
            marginal_cost=cost[th],
            carrier=ds["generator_technology"].values[th],
        )
    hy = np.flatnonzero(E > 0)
    if hy.size:
        names = [f"res:{gens[i]}" for i in hy]
        n.add(
            "StorageUnit",
            names,
            bus=[gnode[i] for i in hy],
            p_nom=cap[hy],
            p_max_pu=pd.DataFrame(avail[:, hy], snapshots, names),
            p_min_pu=0.0,
            max_hours=E[hy] / cap[hy],
            efficiency_store=1.0,
            efficiency_dispatch=1.0,
            inflow=pd.DataFrame(ds["hydro_inflow_mw"].values[:, hy], snapshots, names),
            marginal_cost=cost[hy],
            cyclic_state_of_charge=True,
            carrier="hydro_reservoir",
        )
    if ds.sizes["storage"]:
        P = ds["storage_power_mw"].values
        eta = np.sqrt(ds["storage_efficiency_roundtrip"].values)
        n.add(
            "StorageUnit",
            [f"sto:{s}" for s in ds["storage"].values.tolist()],
            bus=ds["storage_node"].values.tolist(),
            p_nom=P,
            p_min_pu=-1.0,
            p_max_pu=1.0,
            max_hours=ds["storage_energy_mwh"].values / P,
            efficiency_store=eta,
            efficiency_dispatch=eta,
            cyclic_state_of_charge=True,
            carrier=ds["storage_technology"].values,
        )
    if ds.sizes["link"]:
        links = ds["link"].values.tolist()
        a, b = ds["link_from"].values.tolist(), ds["link_to"].values.tolist()
        keep = 1.0 - ds["link_loss_fraction"].values
        for tag, b0, b1, pn, mc in (
            ("fwd", a, b, "link_capacity_forward_mw", "wheeling_forward_usd_per_mwh"),
            ("bwd", b, a, "link_capacity_backward_mw", "wheeling_backward_usd_per_mwh"),
        ):
            n.add(
                "Link",
                [f"{lk}:{tag}" for lk in links],
                bus0=b0,
                bus1=b1,
                p_nom=ds[pn].values,
                efficiency=keep,
                marginal_cost=ds[mc].values,
                carrier="transmission",
            )
    peak = demand.max(axis=0)
    scale = np.where(peak > 0, peak, 1.0)
    names = [f"shed:{x}" for x in nodes]
    n.add(
        "Generator",
        names,
        bus=nodes,
        p_nom=peak,
        p_max_pu=pd.DataFrame(demand / scale[None, :], snapshots, names),
        marginal_cost=float(ds["value_of_lost_load_usd_per_mwh"]),
        carrier="unserved",
    )
    return n


#: aseangrid's policy slack blocks (:mod:`aseangrid.formulation.policy`) and their dimension:
#: :func:`add_policies` gives PyPSA's linopy model variables of the same names.
POLICY_SLACKS = {
    "carbon_cap_excess_t": "carbon_cap",
    "renewable_shortfall_mwh": "country_renewable_target",
    "coal_generation_excess_mwh": "country_coal_generation",
    "coal_capacity_excess_mw": "country_coal_capacity",
}


def _outputs(m, ds: xr.Dataset, sel: np.ndarray):
    """The output variables of the generators ``sel`` on the PyPSA side, as pairs
    ``(linopy variable restricted to them, positions in sel)``: a generator's output is
    ``Generator-p`` unless it has a reservoir (then ``StorageUnit-p_dispatch`` of ``res:g``)."""
    gens = ds["generator"].values.tolist()
    res = ds["reservoir_capacity_mwh"].values > 0
    out = []
    for var, kind, prefix in (("Generator-p", False, ""), ("StorageUnit-p_dispatch", True, "res:")):
        pos = np.flatnonzero(res[sel] == kind)
        if pos.size:
            names = [prefix + gens[i] for i in sel[pos]]
            out.append((m[var].sel(name=names), pos))
    return out


def _energy(m, ds: xr.Dataset, sel: np.ndarray, coef: np.ndarray):
    """``sum_{g in sel, t} w_t * coef_g * output[t, g]`` as a linopy expression (``None``
    when ``sel`` is empty): the left-hand side of aseangrid's annual rows."""
    w = xr.DataArray(ds["time_weight_h"].values, dims="snapshot")
    terms = [
        (v * (w * xr.DataArray(coef[sel[pos]], dims="name"))).sum()
        for v, pos in _outputs(m, ds, sel)
    ]
    return sum(terms[1:], terms[0]) if terms else None


def _hourly(m, ds: xr.Dataset, sel: np.ndarray):
    """``sum_{g in sel} output[t, g]`` per snapshot (``None`` when ``sel`` is empty)."""
    terms = [v.sum("name") for v, _ in _outputs(m, ds, sel)]
    return sum(terms[1:], terms[0]) if terms else None


def _row(m, lhs, slack, sign: str, rhs, name: str) -> None:
    """``lhs - slack <= rhs`` (``sign`` "<=") or ``lhs + slack >= rhs`` (">="), as one
    linopy constraint (``lhs`` ``None``: the slack alone)."""
    s = -1.0 * slack if sign == "<=" else 1.0 * slack
    expr = s if lhs is None else lhs + s
    m.add_constraints(expr <= rhs if sign == "<=" else expr >= rhs, name=name)


def _slack(m, name: str, coords: list[pd.Index]):
    return m.add_variables(lower=0.0, coords=coords, name=name)


def _carbon_caps(m, ds: xr.Dataset, gc: np.ndarray, slacks: dict) -> None:
    """The carbon cap rows of :func:`add_policies` (``gc``: country index per generator)."""
    from aseangrid.data.timeagg import limit_share

    K = ds.sizes.get("carbon_cap", 0)
    if not K:
        return
    ef = ds["emission_factor_t_per_mwh"].values
    member = ds["carbon_cap_member"].values.astype(bool)
    s = slacks["carbon_cap_excess_t"] = _slack(
        m, "carbon_cap_excess_t", [pd.Index(range(K), name="carbon_cap")]
    )
    for k in range(K):
        sel = np.flatnonzero(member[k, gc] & (ef > 0))
        rhs = 1e6 * limit_share(ds) * float(ds["carbon_cap_mt"].values[k])
        _row(m, _energy(m, ds, sel, ef), s.sel(carbon_cap=k), "<=", rhs, f"carbon_cap_{k}")


def _renewable_shares(m, ds: xr.Dataset, gc: np.ndarray, slacks: dict) -> None:
    """The minimum renewable share rows of :func:`add_policies`."""
    idx = np.flatnonzero(np.isfinite(ds["renewable_share_min"].values))
    if not idx.size:
        return
    countries = ds["country"].values.tolist()
    nc = np.array([countries.index(c) for c in ds["node_country"].values.tolist()])
    ren = ds["renewable"].values.astype(bool)
    w = ds["time_weight_h"].values
    energy = (w[:, None] * ds["demand_mw"].values).sum(axis=0)  # MWh per node
    ones = np.ones(ds.sizes["generator"])
    s = slacks["renewable_shortfall_mwh"] = _slack(
        m, "renewable_shortfall_mwh", [pd.Index(idx, name="country_renewable_target")]
    )
    for c in idx:
        sel = np.flatnonzero((gc == c) & ren)
        rhs = float(ds["renewable_share_min"].values[c] * energy[nc == c].sum())
        sc = s.sel(country_renewable_target=c)
        _row(m, _energy(m, ds, sel, ones), sc, ">=", rhs, f"renewable_share_{c}")


def _coal_limits(n, ds: xr.Dataset, gc: np.ndarray, slacks: dict) -> None:
    """The annual coal generation and hourly coal output rows of :func:`add_policies`."""
    from aseangrid.data.schema import COAL_TECHNOLOGIES
    from aseangrid.data.timeagg import limit_share

    m = n.model
    coal = np.isin(ds["generator_technology"].values, COAL_TECHNOLOGIES)
    ones = np.ones(ds.sizes["generator"])
    idx = np.flatnonzero(np.isfinite(ds["coal_generation_max_twh"].values))
    if idx.size:
        s = slacks["coal_generation_excess_mwh"] = _slack(
            m, "coal_generation_excess_mwh", [pd.Index(idx, name="country_coal_generation")]
        )
        for c in idx:
            sel = np.flatnonzero((gc == c) & coal)
            rhs = 1e6 * limit_share(ds) * float(ds["coal_generation_max_twh"].values[c])
            sc = s.sel(country_coal_generation=c)
            _row(m, _energy(m, ds, sel, ones), sc, "<=", rhs, f"coal_generation_{c}")
    idx = np.flatnonzero(np.isfinite(ds["coal_capacity_max_mw"].values))
    if idx.size:
        sns = pd.Index(n.snapshots, name="snapshot")
        s = slacks["coal_capacity_excess_mw"] = _slack(
            m, "coal_capacity_excess_mw", [sns, pd.Index(idx, name="country_coal_capacity")]
        )
        for c in idx:
            sel = np.flatnonzero((gc == c) & coal)
            rhs = float(ds["coal_capacity_max_mw"].values[c])
            sc = s.sel(country_coal_capacity=c)
            _row(m, _hourly(m, ds, sel), sc, "<=", rhs, f"coal_capacity_{c}")


def add_policies(n, ds: xr.Dataset) -> dict:
    """Add aseangrid's annual policy rows to PyPSA's linopy model ``n.model``.

    Call after ``n.optimize.create_model()`` on a network built with
    ``to_pypsa(ds, policies=True)``. The rows are those of :mod:`aseangrid.formulation.policy`
    with the policy slacks on (aseangrid's default): the same generators count (a reservoir
    hydro unit through its ``StorageUnit`` dispatch, the unserved-energy generators never),
    with the same coefficients, time weights ``w_t`` and pro rata share ``h`` of the year
    (:func:`aseangrid.data.timeagg.limit_share`):

    * carbon cap of group ``k`` [tCO2]: ``sum_{g in G(k), ef_g > 0} sum_t w_t ef_g p[t, g]
      - excess_k <= 1e6 h cap_k``;
    * renewable share of country ``c`` [MWh]: ``sum_{g renewable in c} sum_t w_t p[t, g]
      + shortfall_c >= share_c sum_{n in c} sum_t w_t demand[t, n]``;
    * coal generation of country ``c`` [MWh]: ``sum_{g coal in c} sum_t w_t p[t, g] -
      excess_c <= 1e6 h max_c``;
    * coal output of country ``c`` in every hour [MW]: ``sum_{g coal in c} p[t, g] -
      excess[t, c] <= max_c``.

    Every slack costs ``policy_penalty_usd`` per unit (not time-weighted, as in aseangrid)
    and is added to the objective. Returns the slack variables by aseangrid's block names
    (:data:`POLICY_SLACKS`).
    """
    m = n.model
    countries = ds["country"].values.tolist()
    gc = np.array([countries.index(c) for c in ds["generator_country"].values.tolist()])
    slacks: dict = {}
    _carbon_caps(m, ds, gc, slacks)
    _renewable_shares(m, ds, gc, slacks)
    _coal_limits(n, ds, gc, slacks)
    if slacks:
        penalty = float(ds["policy_penalty_usd"])
        cost = [(penalty * v).sum() for v in slacks.values()]
        m.add_objective(sum(cost, m.objective.expression), overwrite=True)
    return slacks


def pypsa_primal(n, ds: xr.Dataset) -> dict[str, np.ndarray]:
    """The optimised PyPSA dispatch as aseangrid's variable blocks (``(time, k)`` arrays).

    Keys are aseangrid's block names (``generation_mw``, ``storage_charge_mw``, ...), so the
    PyPSA solution can be checked against aseangrid's own constraints and objective.
    """
    gens = ds["generator"].values.tolist()
    E = ds["reservoir_capacity_mwh"].values
    hy = np.flatnonzero(E > 0)
    T = ds.sizes["time"]
    gen = np.zeros((T, len(gens)))
    th = np.flatnonzero(E <= 0)
    su_p = n.storage_units_t.p_dispatch
    if th.size:
        gen[:, th] = n.generators_t.p[[gens[i] for i in th]].values
    out: dict[str, np.ndarray] = {}
    if hy.size:
        res = [f"res:{gens[i]}" for i in hy]
        gen[:, hy] = su_p[res].values
        out["reservoir_level_mwh"] = n.storage_units_t.state_of_charge[res].values
        spill = n.storage_units_t.spill.reindex(columns=res, fill_value=0.0)
        out["spill_mw"] = spill.fillna(0.0).values
    out["generation_mw"] = gen
    if ds.sizes["storage"]:
        sto = [f"sto:{s}" for s in ds["storage"].values.tolist()]
        out["storage_charge_mw"] = n.storage_units_t.p_store[sto].values
        out["storage_discharge_mw"] = su_p[sto].values
        out["storage_level_mwh"] = n.storage_units_t.state_of_charge[sto].values
    if ds.sizes["link"]:
        links = ds["link"].values.tolist()
        out["flow_forward_mw"] = n.links_t.p0[[f"{lk}:fwd" for lk in links]].values
        out["flow_backward_mw"] = n.links_t.p0[[f"{lk}:bwd" for lk in links]].values
    out["unserved_mw"] = n.generators_t.p[[f"shed:{x}" for x in ds["node"].values]].values
    model = getattr(n, "model", None)
    for name in POLICY_SLACKS:
        if model is not None and name in model.variables:
            out[name] = model[name].solution.values
    return out
