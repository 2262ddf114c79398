"""Reproduce the headline of a run's report from its results, in a notebook or a terminal.

    python docs/examples/report_headline.py runs/integrated-vs-isolated

Opens the run folder with ``ag.open_run`` (the scenarios and comparisons as xarray Datasets)
and computes, from the comparison's ``cost_usd`` by component, the change of the annual cost a
system pays (without unserved energy at the value of lost load and without policy penalties),
the two modelling devices apart, and the change of production-based CO2. The printed numbers
are the cells the report's summary cites (tables ``<comparison>.cost`` and
``<comparison>.emissions``); the script checks that they agree.
"""

from __future__ import annotations

import sys

import aseangrid as ag

DEVICES = ("unserved_energy", "policy_penalty")


def headline(folder: str) -> None:
    run = ag.open_run(folder)
    print(run)
    for cname, cmp in run.comparisons.items():
        ref = cmp.attrs["reference"]
        cost = cmp["cost_usd"]  # scenario x cost_component [USD]
        paid = cost.drop_sel(cost_component=list(DEVICES)).sum("cost_component") / 1e9
        co2 = cmp["emissions_production_t"].sum("country") / 1e6
        for s in cmp["scenario"].values:
            if s == ref:
                continue
            d = float(paid.sel(scenario=s) - paid.sel(scenario=ref))
            dev = {
                c: float(
                    cost.sel(scenario=s, cost_component=c)
                    - cost.sel(scenario=ref, cost_component=c)
                )
                / 1e9
                for c in DEVICES
            }
            dco2 = float(co2.sel(scenario=s) - co2.sel(scenario=ref))
            print(
                f"{cname}: {s} against {ref}: cost without unserved energy and penalties "
                f"{d:+,.2f} bn USD/yr (from {float(paid.sel(scenario=ref)):,.2f} to "
                f"{float(paid.sel(scenario=s)):,.2f}); unserved energy at VoLL "
                f"{dev['unserved_energy']:+,.2f} bn USD, policy penalties "
                f"{dev['policy_penalty']:+,.2f} bn USD; production CO2 {dco2:+,.2f} Mt"
            )
            try:  # the same cell of the report's table (when the report was written)
                t = run.table(f"{cname}.cost").set_index("cost component")
                col = next(c for c in t.columns if c.startswith(f"Δ {s} vs {ref} ["))
                cell = float(t.loc["total without unserved energy and penalties", col])
                if col.endswith("[bn USD]"):
                    assert round(d, 2) == cell, (d, cell)
                    print(f"  = report table {cname}.cost, column {col!r}: {cell:,.2f}")
            except ag.InputError:
                print("  (no report tables in this folder: run `aseangrid report` first)")


if __name__ == "__main__":
    headline(sys.argv[1] if len(sys.argv) > 1 else "runs/integrated-vs-isolated")
