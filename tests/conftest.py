"""Shared fixtures: tiny hand-solvable datasets built in code, and the shipped dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from aseangrid.data import schema as sc

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "inputs" / "asean"


def make_ds(
    demand: dict[str, list[float]],
    generators: list[dict] | None = None,
    links: list[dict] | None = None,
    storage: list[dict] | None = None,
    country_of: dict[str, str] | None = None,
    carbon_price: dict[str, float] | None = None,
    carbon_caps: dict[str, tuple[float, list[str]]] | None = None,
    renewable_share_min: dict[str, float] | None = None,
    coal_generation_max_twh: dict[str, float] | None = None,
    coal_capacity_max_mw: dict[str, float] | None = None,
    voll: float = 5000.0,
    penalty: float = 5000.0,
) -> xr.Dataset:
    """Build an input Dataset with the layout of :func:`aseangrid.load_inputs`.

    ``demand`` maps node -> hourly MW. Generators are dicts with keys node, technology,
    capacity_mw and optionally cost (USD/MWh, fuel + O&M), ef (tCO2/MWh), avail (hourly list or
    number), must_run, renewable, inflow (hourly MW, reservoir hydro), reservoir_mwh, ramp.

    Carbon caps [MtCO2] and annual coal generation limits [TWh] are given for the horizon of
    the case: they are stored as annual values (x 8760 / T), which the model applies pro rata
    (``horizon_share``), so that the hand derivations can speak of the horizon.
    """
    nodes = list(demand)
    T = len(next(iter(demand.values())))
    country_of = country_of or {n: "THA" for n in nodes}
    gens = generators or []
    links = links or []
    storage = storage or []
    G, L = len(gens), len(links)
    countries = list(sc.COUNTRIES)

    def gv(key, default):
        return np.array([g.get(key, default) for g in gens], dtype=float)

    avail = np.ones((T, G))
    inflow = np.zeros((T, G))
    for i, g in enumerate(gens):
        avail[:, i] = np.broadcast_to(np.asarray(g.get("avail", 1.0), dtype=float), (T,))
        if "inflow" in g:
            inflow[:, i] = np.asarray(g["inflow"], dtype=float)

    def cvec(d, fill):
        out = np.full(len(countries), fill)
        for c, v in (d or {}).items():
            out[countries.index(c)] = v
        return out

    caps = carbon_caps or {}
    member = np.array([[c in caps[k][1] for c in countries] for k in caps], bool).reshape(
        len(caps), len(countries)
    )
    ds = xr.Dataset(
        {
            "demand_mw": (("time", "node"), np.array([demand[n] for n in nodes], float).T),
            "demand_twh": (("node",), np.array([sum(demand[n]) / 1e6 for n in nodes])),
            "peak_mw": (("node",), np.array([max(demand[n]) for n in nodes], float)),
            "capacity_mw": (("generator",), gv("capacity_mw", 0.0)),
            "efficiency": (("generator",), gv("efficiency", 0.4)),
            "availability": (("generator",), gv("availability", 1.0)),
            "must_run_share": (("generator",), gv("must_run", 0.0)),
            "ramp_per_hour": (("generator",), gv("ramp", 1.0)),
            "renewable": (
                ("generator",),
                np.array([g.get("renewable", False) for g in gens], bool),
            ),
            "fuel_price_usd_per_gj": (("generator",), np.zeros(G)),
            "vom_usd_per_mwh": (("generator",), gv("cost", 0.0)),
            "emission_factor_t_per_mwh": (("generator",), gv("ef", 0.0)),
            "marginal_cost_usd_per_mwh": (("generator",), gv("cost", 0.0)),
            "availability_pu": (("time", "generator"), avail),
            "hydro_inflow_mw": (("time", "generator"), inflow),
            "reservoir_capacity_mwh": (("generator",), gv("reservoir_mwh", 0.0)),
            "storage_power_mw": (("storage",), np.array([s["power_mw"] for s in storage], float)),
            "storage_energy_mwh": (
                ("storage",),
                np.array([s["energy_mwh"] for s in storage], float),
            ),
            "storage_efficiency_roundtrip": (
                ("storage",),
                np.array([s.get("rt", 1.0) for s in storage], float),
            ),
            "link_capacity_forward_mw": (("link",), np.array([x["fwd"] for x in links], float)),
            "link_capacity_backward_mw": (("link",), np.array([x["bwd"] for x in links], float)),
            "link_loss_fraction": (("link",), np.array([x.get("loss", 0.0) for x in links], float)),
            "wheeling_forward_usd_per_mwh": (
                ("link",),
                np.array([x.get("wheel_fwd", 0.0) for x in links], float),
            ),
            "wheeling_backward_usd_per_mwh": (
                ("link",),
                np.array([x.get("wheel_bwd", 0.0) for x in links], float),
            ),
            "link_voltage_kv": (("link",), np.full(L, 500.0)),
            "carbon_price_usd_per_t": (("country",), cvec(carbon_price, 0.0)),
            "renewable_share_min": (("country",), cvec(renewable_share_min, np.nan)),
            "coal_generation_max_twh": (
                ("country",),
                cvec(coal_generation_max_twh, np.nan) * 8760.0 / T,
            ),
            "coal_capacity_max_mw": (("country",), cvec(coal_capacity_max_mw, np.nan)),
            "carbon_cap_mt": (
                ("carbon_cap",),
                np.array([caps[k][0] for k in caps], float) * 8760.0 / T,
            ),
            "carbon_cap_member": (("carbon_cap", "country"), member),
            "time_weight_h": (("time",), np.ones(T)),
            "value_of_lost_load_usd_per_mwh": ((), float(voll)),
            "policy_penalty_usd": ((), float(penalty)),
        },
        coords={
            "time": pd.date_range("2030-01-01", periods=T, freq="h").values,
            "node": nodes,
            "country": countries,
            "generator": [g.get("name", f"g{i}") for i, g in enumerate(gens)],
            "storage": [s.get("name", f"s{i}") for i, s in enumerate(storage)],
            "link": [x.get("name", f"l{i}") for i, x in enumerate(links)],
            "carbon_cap": list(caps),
            "node_country": ("node", [country_of[n] for n in nodes]),
            "generator_node": ("generator", [g["node"] for g in gens]),
            "generator_technology": ("generator", [g.get("technology", "gas_ccgt") for g in gens]),
            "generator_country": ("generator", [country_of[g["node"]] for g in gens]),
            "storage_node": ("storage", [s["node"] for s in storage]),
            "storage_technology": ("storage", [s.get("technology", "battery") for s in storage]),
            "link_from": ("link", [x["a"] for x in links]),
            "link_to": ("link", [x["b"] for x in links]),
            "link_kind": ("link", ["hvac"] * L),
            "link_cross_border": (
                "link",
                [country_of[x["a"]] != country_of[x["b"]] for x in links],
            ),
        },
    )
    return ds


@pytest.fixture(scope="session")
def shipped_path() -> Path:
    return SHIPPED
