"""Trade per corridor: directed country pairs over the cross-border links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr


def by_country(res: xr.Dataset, var: str, dim: str = "node") -> np.ndarray:
    countries = res["country"].values.tolist()
    out = np.zeros(len(countries))
    labels = res[f"{dim}_country"].values
    vals = res[var].values
    for lab, v in zip(labels, vals, strict=True):
        out[countries.index(lab)] += v
    return out


def corridors(res: xr.Dataset) -> pd.DataFrame:
    """Annual trade per directed country pair over cross-border links.

    Columns: ``from_country``, ``to_country``, ``sent_twh`` (before losses), ``received_twh``,
    ``capacity_mw`` (sum of the links' limits in that direction), ``hours_at_limit`` (hours the
    corridor's total flow is within 0.1 % of its total limit), ``congestion_rent_usd``.
    """
    if "flow_forward_mw" not in res or res.sizes["link"] == 0:
        return pd.DataFrame(
            columns=[
                "from_country",
                "to_country",
                "sent_twh",
                "received_twh",
                "capacity_mw",
                "hours_at_limit",
                "congestion_rent_usd",
            ]
        )
    nc = dict(zip(res["node"].values, res["node_country"].values, strict=True))
    w = res["time_weight_h"].values if "time_weight_h" in res else np.ones(res.sizes["time"])
    rows: dict[tuple[str, str], dict] = {}
    loss = res["link_loss_fraction"].values
    cross = res["link_cross_border"].values.astype(bool)
    for i in np.flatnonzero(cross):
        a, b = nc[res["link_from"].values[i]], nc[res["link_to"].values[i]]
        for (x, y), flow, cap in (
            (
                (a, b),
                res["flow_forward_mw"].values[:, i],
                res["link_capacity_forward_mw"].values[i],
            ),
            (
                (b, a),
                res["flow_backward_mw"].values[:, i],
                res["link_capacity_backward_mw"].values[i],
            ),
        ):
            r = rows.setdefault(
                (x, y), {"flow": np.zeros(res.sizes["time"]), "cap": 0.0, "recv": 0.0}
            )
            r["flow"] = r["flow"] + flow
            r["cap"] += cap
            r["recv"] += float((w * flow).sum() * (1 - loss[i]))
    rent: dict[tuple[str, str], float] = {}
    if "congestion_rent_forward_usd" in res:
        for i in np.flatnonzero(cross):
            a, b = nc[res["link_from"].values[i]], nc[res["link_to"].values[i]]
            rent[(a, b)] = rent.get((a, b), 0.0) + float(
                res["congestion_rent_forward_usd"].values[i]
            )
            rent[(b, a)] = rent.get((b, a), 0.0) + float(
                res["congestion_rent_backward_usd"].values[i]
            )
    out = []
    for (x, y), r in sorted(rows.items()):
        if r["cap"] <= 0 and r["flow"].sum() <= 0:
            continue
        at = int(((r["flow"] >= 0.999 * r["cap"]) & (r["cap"] > 0)).sum())
        out.append(
            {
                "from_country": x,
                "to_country": y,
                "sent_twh": float((w * r["flow"]).sum()) / 1e6,
                "received_twh": r["recv"] / 1e6,
                "capacity_mw": r["cap"],
                "hours_at_limit": at,
                "congestion_rent_usd": rent.get((x, y), 0.0),
            }
        )
    return pd.DataFrame(out)
