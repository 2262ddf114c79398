"""Tests of the shipped hourly profiles and of their regeneration (tools.profiles)."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tools/ sits beside model/, outside the pytest pythonpath
    sys.path.insert(0, str(ROOT))

from tools import profiles as pr  # noqa: E402
from tools.profiles import numerics as prn  # noqa: E402
from tools.profiles import wind as prw  # noqa: E402

DATA = ROOT / "inputs" / "asean"
PROFILES = DATA / "profiles"
RECIPES = DATA / "recipes"
ALL_NODE_FILES = ("demand_shape", "solar_pv", "wind_onshore", "wind_offshore")
HYDRO_FILES = ("hydro_inflow", "hydro_inflow_dry")


def _sg_ema_or_skip() -> Path:
    try:
        return pr.find_sg_ema(DATA)
    except FileNotFoundError as exc:  # pragma: no cover - depends on the checkout
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def nodes() -> pd.DataFrame:
    return pd.read_csv(DATA / "nodes.csv")


@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(PROFILES / f"{name}.csv") for name in pr.PROFILE_FILES}


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return pd.read_csv(DATA / "profile_targets.csv").set_index("node")


@pytest.fixture(scope="module")
def recipes() -> pr.Recipes:
    return pr.read_recipes(RECIPES)


@pytest.fixture(scope="module")
def hydro_dyf(nodes: pd.DataFrame) -> dict[str, float]:
    return pr.read_hydro(DATA / "hydro.csv", list(nodes["node"]))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("profiles")
    pr.write_all(DATA, out, _sg_ema_or_skip())
    return out


def _month_of_hour() -> np.ndarray:
    return pr.MONTH_OF_DAY[np.arange(pr.N_HOURS) // 24] + 1


# --- layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", pr.PROFILE_FILES)
def test_layout(name: str, shipped, nodes, hydro_dyf) -> None:
    df = shipped[name]
    assert len(df) == 8760
    assert df.columns[0] == "hour"
    assert (df["hour"].to_numpy() == np.arange(8760)).all()
    assert not df.isna().any().any()
    expected = list(nodes["node"]) if name in ALL_NODE_FILES else list(hydro_dyf)
    assert list(df.columns[1:]) == expected
    assert (PROFILES / f"{name}.csv").stat().st_size < 2_000_000


def test_targets_table(targets: pd.DataFrame, nodes: pd.DataFrame) -> None:
    cols = [
        "solar_cf",
        "wind_onshore_cf",
        "wind_offshore_cf",
        "peak_hour_local",
        "monthly_profile_country",
        "wet_season_months",
        "wet_dry_ratio",
        "source",
    ]
    assert list(targets.columns) == cols
    assert list(targets.index) == list(nodes["node"])
    assert not targets.isna().any().any()
    assert (targets["source"].str.len() > 20).all()


# --- demand ---------------------------------------------------------------------------------


def test_demand_energy_and_peak(shipped) -> None:
    lfs = pr.read_load_factors(DATA / "demand.csv")
    dem = shipped["demand_shape"]
    for node in dem.columns[1:]:
        x = dem[node].to_numpy()
        assert x.min() > 0, node
        assert x.mean() == pytest.approx(1.0, abs=1e-4), node
        lf = lfs.get(node, float("nan"))
        if np.isfinite(lf):
            assert x.max() == pytest.approx(1.0 / lf, rel=0.01), node
        else:  # no load (LA-EGAT, LA-EVN, ID-RIAU, KH-SG, VN-SG): flat
            assert np.allclose(x, 1.0), node


def test_demand_peak_hour(shipped, nodes, targets) -> None:
    """The weekday-average profile peaks within 1 h of the sourced local peak hour."""
    dem = shipped["demand_shape"]
    for node, tz in zip(nodes["node"], nodes["timezone"], strict=True):
        if dem[node].std() == 0:  # export-only nodes without load: flat
            continue
        local = (pr.UTC_INDEX + pd.Timedelta(minutes=30)).tz_convert(tz)
        wd = local.day_of_week < 5
        hour = local.hour + local.minute / 60.0
        prof = pd.Series(dem[node].to_numpy()[wd]).groupby(np.asarray(hour[wd])).mean()
        got = float(prof.idxmax())
        diff = abs((got - targets.loc[node, "peak_hour_local"] + 12) % 24 - 12)
        assert diff <= 1.0, (node, got)


def test_demand_peak_season(shipped, recipes) -> None:
    """Annual peak falls in the sourced peak months."""
    month = _month_of_hour()
    dem = shipped["demand_shape"]
    for node, season in recipes.peak_season.items():
        assert month[int(np.argmax(dem[node].to_numpy()))] in season.months, node


def test_sg_matches_ema_2015(shipped) -> None:
    ema = pd.read_csv(_sg_ema_or_skip())
    ema = ema[ema["date"].str.startswith("2015-")]
    hourly = (
        ema.assign(h=ema["period_ending_time"].str[:2])
        .groupby(["date", "h"])["system_demand_actual"]
        .mean()
        .to_numpy()
    )
    # shipped column is in UTC; Singapore is UTC+8 -> local hour = UTC hour + 8
    sg_local = np.roll(shipped["demand_shape"]["SG"].to_numpy(), 8)
    r = np.corrcoef(hourly[8:], sg_local[8:])[0, 1]
    assert r > 0.9


# --- solar and wind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "col"),
    [
        ("solar_pv", "solar_cf"),
        ("wind_onshore", "wind_onshore_cf"),
        ("wind_offshore", "wind_offshore_cf"),
    ],
)
def test_capacity_factors(name: str, col: str, shipped, targets) -> None:
    df = shipped[name]
    for node in df.columns[1:]:
        x = df[node].to_numpy()
        assert x.min() >= 0.0 and x.max() <= 1.0, node
        assert x.mean() == pytest.approx(targets.loc[node, col], abs=0.005), node


def test_solar_is_zero_at_night(shipped, nodes) -> None:
    sol = shipped["solar_pv"]
    for node, tz in zip(nodes["node"], nodes["timezone"], strict=True):
        local = (pr.UTC_INDEX + pd.Timedelta(minutes=30)).tz_convert(tz)
        night = (local.hour < 5) | (local.hour >= 20)
        assert sol[node].to_numpy()[night].max() == 0.0, node


def test_offshore_above_onshore(shipped) -> None:
    on, off = shipped["wind_onshore"], shipped["wind_offshore"]
    for node in on.columns[1:]:
        assert off[node].mean() > on[node].mean(), node


def test_mainland_wind_monsoon(shipped) -> None:
    """NE-monsoon months (Dec-Jan) are windier than the Apr-May inter-monsoon."""
    month = _month_of_hour()
    w = shipped["wind_onshore"]
    for node in ("TH-N", "VN-S", "KH"):
        x = w[node].to_numpy()
        assert x[np.isin(month, (12, 1))].mean() > 2 * x[np.isin(month, (4, 5))].mean(), node


def test_wind_cf_hits_its_target_exactly(shipped, targets) -> None:
    """The bisection on the speed level still meets each annual CF (5 digits are written)."""
    for name in ("wind_onshore", "wind_offshore"):
        got = shipped[name].drop(columns="hour").mean()
        assert np.allclose(got, targets.loc[got.index, f"{name}_cf"], rtol=0, atol=1e-4), name


def test_great_circle_one_degree_at_the_equator() -> None:
    d = prw.great_circle_km(np.array([0.0, 0.0, 90.0]), np.array([0.0, 1.0, 0.0]))
    assert d[0, 1] == pytest.approx(2 * np.pi * 6371.0088 / 360)  # 111.195 km
    assert d[0, 2] == pytest.approx(np.pi / 2 * 6371.0088)  # equator to pole
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0.0)


def test_rayleigh_correlation_of_correlated_components() -> None:
    """g(r) = (2F1(-1/2, -1/2; 1; r^2) - 1)/(4/pi - 1); by the series k/4 + k^2/64 + k^3/256
    + 25 k^4/16384 = 0.5 (4/pi - 1) = 0.13662 at k = r^2 = 0.5262, so g(0.7254) = 0.5."""
    assert prw.rayleigh_correlation(0.0) == 0.0
    assert prw.rayleigh_correlation(1.0) == pytest.approx(1.0)
    assert prw.gaussian_correlation(0.5) == pytest.approx(0.7254, abs=2e-4)
    assert prw.rayleigh_correlation(prw.gaussian_correlation(0.3)) == pytest.approx(0.3)
    with pytest.raises(ValueError, match=re.escape("e-folding distance -1.0 km")):
        prw.driver_correlation(np.zeros((1, 1)), -1.0)


def test_wind_drivers_decorrelate_with_distance() -> None:
    """Three equatorial sites: B at d = L ln 2 from A (speed correlation 0.5, components
    0.7254), C 5,000 km away (about 0); 200,000 h with phi = 0.95 (sampling SD ~0.01)."""
    decay_km, n_hours = 500.0, 200_000
    km_per_deg = 2 * np.pi * 6371.0088 / 360
    lon = np.array([0.0, decay_km * np.log(2) / km_per_deg, 5000.0 / km_per_deg])
    args = ([11, 22, 33], np.zeros(3), lon, decay_km, 0.95, n_hours)
    z = prw.correlated_drivers(*args)
    for k in (0, 1):
        assert np.corrcoef(z[0, k], z[1, k])[0, 1] == pytest.approx(0.7254, abs=0.03)
        assert abs(np.corrcoef(z[0, k], z[2, k])[0, 1]) < 0.05
        assert z[:, k].std(axis=1) == pytest.approx(np.ones(3), abs=0.05)
    r = prw.correlated_rayleigh(*args)
    assert np.corrcoef(r[0], r[1])[0, 1] == pytest.approx(0.5, abs=0.03)
    assert abs(np.corrcoef(r[0], r[2])[0, 1]) < 0.05
    assert r.mean(axis=1) == pytest.approx(np.ones(3), abs=0.05)


def test_uncorrelated_wind_drivers_are_the_independent_ones() -> None:
    """With a vanishing e-folding distance the mixing is the identity: each node's speed factor
    is exactly its own seeded pair of AR(1) series (the marginal process is unchanged)."""
    seeds, phi = [prn.node_seed(n, "wind_onshore") for n in ("TH-N", "TH-C")], 0.95
    got = prw.correlated_rayleigh(
        seeds, np.array([16.43, 13.75]), np.array([102.83, 100.5]), 1e-6, phi
    )
    for seed, row in zip(seeds, got, strict=True):
        rng = np.random.default_rng(seed)
        z1, z2 = prn.ar1(rng, pr.N_HOURS, phi), prn.ar1(rng, pr.N_HOURS, phi)
        assert np.array_equal(row, np.sqrt(z1**2 + z2**2) / np.sqrt(np.pi / 2))


def test_nodes_at_one_site_share_their_wind() -> None:
    r = prw.correlated_rayleigh(
        [1, 2, 3], np.array([1.0, 1.0, 5.0]), np.array([100.0, 100.0, 100.0]), 500.0, 0.95
    )
    assert np.array_equal(r[0], r[1]) and not np.array_equal(r[0], r[2])


def test_shipped_wind_correlates_near_nodes_more_than_far_ones(shipped, nodes) -> None:
    """SG and ID-RIAU are 36 km apart (exp(-36/500) = 0.93), SG and MY-SBH 1,453 km
    (exp(-1453/500) = 0.05); all three have a flat month shape, so only the drivers link them."""
    xy = nodes.set_index("node").loc[["SG", "ID-RIAU", "MY-SBH"]]
    d = prw.great_circle_km(xy["lat"].to_numpy(), xy["lon"].to_numpy())
    assert d[0, 1] == pytest.approx(36.4, abs=0.5) and d[0, 2] == pytest.approx(1453, abs=5)
    for name in ("wind_onshore", "wind_offshore"):
        w = shipped[name]
        near, far = w["SG"].corr(w["ID-RIAU"]), w["SG"].corr(w["MY-SBH"])
        assert near > 0.85 and far < 0.2 and near - far > 0.7, (name, near, far)


# --- hydro ----------------------------------------------------------------------------------


def _wet_mask(spec: str) -> np.ndarray | None:
    if spec == "none":
        return None
    first, last = (int(v) for v in spec.split("-"))
    return np.isin(_month_of_hour(), pr.months_range(first, last))


def test_hydro_inflow(shipped, targets) -> None:
    hy = shipped["hydro_inflow"]
    for node in hy.columns[1:]:
        x = hy[node].to_numpy()
        assert x.min() >= 0.0, node
        assert x.mean() == pytest.approx(1.0, abs=1e-3), node
        assert np.abs(np.diff(x)).max() < 0.01, node  # smooth hour to hour
        wet = _wet_mask(targets.loc[node, "wet_season_months"])
        if wet is not None:
            ratio = x[wet].mean() / x[~wet].mean()
            assert ratio == pytest.approx(targets.loc[node, "wet_dry_ratio"], rel=0.02), node


def test_mainland_hydro_wet_season(shipped) -> None:
    hy = shipped["hydro_inflow"]
    month = _month_of_hour()
    wet = np.isin(month, range(5, 11))
    for node in ("LA", "LA-EGAT", "LA-EVN", "TH-N", "KH", "MM", "VN-S"):
        if node in hy:
            x = hy[node].to_numpy()
            assert x[wet].mean() > 2.0 * x[~wet].mean(), node


def test_hydro_dry_year(shipped, targets, hydro_dyf, recipes) -> None:
    hy, dry = shipped["hydro_inflow"], shipped["hydro_inflow_dry"]
    assert list(dry.columns[1:]) == list(hy.columns[1:])
    for node in dry.columns[1:]:
        x, y = hy[node].to_numpy(), dry[node].to_numpy()
        assert y.min() >= 0.0, node
        assert y.mean() == pytest.approx(hydro_dyf[node], abs=1e-3), node
        monthly = recipes.hydro_monthly.get(node)
        if monthly is not None and monthly.dry is not None:
            continue  # a measured dry-year shape: its months are tested below
        wet = _wet_mask(targets.loc[node, "wet_season_months"])
        if wet is not None and hydro_dyf[node] < 1.0:  # dry season hit harder
            assert y[~wet].sum() / x[~wet].sum() < y[wet].sum() / x[wet].sum(), node


def test_hydro_monthly_recipe_sets_the_monthly_means(shipped, recipes, hydro_dyf) -> None:
    """Kratie-shaped nodes: monthly means of the shipped profiles, derived by hand from the recipe.

    KH's row of hydro_monthly.csv: normal factors f = 0.26 0.192 0.16 0.155 0.251 0.779 1.741
    2.679 2.747 1.78 0.83 0.427; sum(f x days in month) = 366.944 (31 x 0.26 + 28 x 0.192 + ...),
    so month m has mean f[m] x 365 / 366.061: January 0.26 x 365 / 366.944 = 0.25862, September
    2.747 x 365 / 366.944 = 2.73245. The dry row g (0.303 ... 0.418) has sum(g x days) = 366.775;
    KH's dry-year factor is 0.72 (hydro.csv), so dry April = 0.163 x 365 / 366.775 x 0.72 =
    0.11679 and dry September = 2.902 x 365 / 366.775 x 0.72 = 2.07933.
    """
    assert "KH" in recipes.hydro_monthly
    month = _month_of_hour()
    x = shipped["hydro_inflow"]["KH"].to_numpy()
    y = shipped["hydro_inflow_dry"]["KH"].to_numpy()
    assert hydro_dyf["KH"] == 0.72
    tol = 0.01  # hourly interpolation between daily values at the month edges
    assert x[month == 1].mean() == pytest.approx(0.25862, rel=tol)
    assert x[month == 9].mean() == pytest.approx(2.73245, rel=tol)
    assert y[month == 4].mean() == pytest.approx(0.11679, rel=tol)
    assert y[month == 9].mean() == pytest.approx(2.07933, rel=tol)
    # every node with a monthly row: each month's mean is its factor on the day-weighted scale
    days = pr.DAYS_IN_MONTH
    for node, m in recipes.hydro_monthly.items():
        got = np.array(
            [shipped["hydro_inflow"][node].to_numpy()[month == k].mean() for k in range(1, 13)]
        )
        assert np.allclose(got, m.normal * 365 / (m.normal @ days), rtol=0.02), node


def test_hydro_monthly_daily_means_and_steep_shape() -> None:
    """Daily curve: mean 1, month mean = factor x 365 / sum(factor x days); too steep: error."""
    from tools.profiles.hydro import hydro_monthly_daily

    f = np.array([2.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])  # sum(f x days) = 365 + 31 = 396
    y = hydro_monthly_daily(f)
    got = np.bincount(pr.MONTH_OF_DAY, weights=y) / pr.DAYS_IN_MONTH
    assert y.mean() == pytest.approx(1.0)
    assert got[0] == pytest.approx(2.0 * 365 / 396)
    assert got[5] == pytest.approx(365 / 396)
    steep = np.array([0.05] * 6 + [5.5] + [0.05] * 4 + [6.0])
    with pytest.raises(ValueError, match="gives a daily value <= 0"):
        hydro_monthly_daily(steep)


def _recipes_with(tmp_path: Path, file: str, node: str, column: str, value: str) -> Path:
    """A copy of the shipped recipes with one cell of ``file`` changed."""
    folder = tmp_path / "recipes"
    shutil.copytree(RECIPES, folder)
    rows = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    rows.loc[rows["node"] == node, column] = value
    rows.to_csv(folder / file, index=False)
    return folder


def test_hydro_monthly_bad_row_is_reported(tmp_path: Path) -> None:
    folder = _recipes_with(tmp_path, "hydro_monthly.csv", "KH", "sep", "-1")
    with pytest.raises(
        ValueError, match=re.escape("hydro_monthly.csv node KH: sep = '-1' must be > 0")
    ):
        pr.read_recipes(folder)
    folder = _recipes_with(tmp_path / "b", "hydro_monthly.csv", "KH", "sep", "3.0")
    with pytest.raises(ValueError, match=re.escape("node KH: jan..dec have mean 1.0212")):
        pr.read_recipes(folder)


# --- reproducibility ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*pr.PROFILE_FILES, "profile_targets"])
def test_regeneration_is_byte_identical(name: str, regenerated: Path) -> None:
    if name == "profile_targets":
        new, old = regenerated / f"{name}.csv", DATA / f"{name}.csv"
    else:
        new, old = regenerated / "profiles" / f"{name}.csv", PROFILES / f"{name}.csv"
    hint = f"{name}: run python -m tools.profiles inputs/asean"
    assert new.read_bytes() == old.read_bytes(), hint


def test_calibration_helper() -> None:
    rng = np.random.default_rng(0)
    s = 1.0 + 0.2 * rng.random(1000)
    for lf in (0.6, 0.8, 0.95):
        y, _k = pr.calibrate_load_factor(s, lf)
        assert y.mean() == pytest.approx(1.0)
        assert y.max() == pytest.approx(1.0 / lf, rel=1e-6)


def test_monthly_to_daily_preserves_means() -> None:
    f = np.array([0.9, 1.0, 1.1, 1.2, 1.1, 1.0, 0.9, 0.8, 0.9, 1.0, 1.0, 1.1])
    d = pr.monthly_to_daily(f)
    got = np.bincount(pr.MONTH_OF_DAY, weights=d) / pr.DAYS_IN_MONTH
    assert np.allclose(got, f)


# --- recipes and layering -------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(RECIPES.glob("*.csv")), ids=lambda p: p.name)
def test_every_recipe_row_has_a_source(path: Path) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(df) > 0, path.name
    assert (df["source"].str.strip().str.len() > 10).all(), path.name


def test_recipes_cover_every_node(recipes, nodes) -> None:
    assert set(recipes.nodes) == set(nodes["node"])
    assert set(recipes.hydro_regime) == set(nodes["node"])


def test_dangling_recipe_key_is_reported(tmp_path: Path) -> None:
    folder = _recipes_with(tmp_path, "node_settings.csv", "SG", "demand_shape", "no_such_shape")
    with pytest.raises(ValueError, match="SG: demand_shape 'no_such_shape' unknown"):
        pr.read_recipes(folder)


def test_runtime_package_does_not_import_the_tools() -> None:
    for path in (ROOT / "model" / "aseangrid").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "tools" for n in names), path
