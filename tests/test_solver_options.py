"""Solver settings mean one algorithm whatever is installed beside highspy."""

from __future__ import annotations

import pytest

import aseangrid as ag
from aseangrid.solve.highs import import_highspy
from conftest import make_ds


def test_ipm_is_always_ipx():
    """HiGHS's own "ipm" becomes HiPO when the highspy-extras wheel is present: ours never."""
    assert ag.SolverOptions(method="ipm").highs_options()["solver"] == "ipx"
    assert ag.SolverOptions().highs_options()["solver"] == "simplex"


def test_hipo_without_its_wheel_is_a_clear_error():
    hs = import_highspy()
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    if h.setOptionValue("solver", "hipo") == hs.HighsStatus.kOk:
        pytest.skip("highspy-extras is installed here")
    with pytest.raises(ag.AseangridError, match="hipo"):  # not a traceback from HiGHS
        ag.solve(
            make_ds({"A": [100, 200]}, generators=[dict(node="A", capacity_mw=250, cost=20)]),
            solver_options=ag.SolverOptions(method="hipo"),
            method="monolithic",
        )
