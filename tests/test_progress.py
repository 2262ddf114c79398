"""Progress of long solves: the decomposed solve reports its stages, HiGHS its iterations,
and a heartbeat shows a changing line at the interval asked for."""

from __future__ import annotations

import time
import warnings

import aseangrid as ag
from aseangrid import progress
from conftest import SHIPPED


def test_nothing_listens_by_default():
    assert not progress.active()
    progress.report("unheard")  # no listener: nothing happens


def test_a_decomposed_solve_reports_its_stages():
    ds = ag.load_inputs(SHIPPED, year=2030).isel(time=slice(0, 336))
    lines: list[str] = []
    with progress.listening(lines.append), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ag.solve(ds, method="decomposed")
    assert not progress.active()
    assert lines[0] == "coarse year in 6-hour blocks"
    assert any(s.startswith("coarse year solved in") for s in lines)
    assert "sub-horizons: 2 of 2 solved" in lines


def test_simplex_progress_is_throttled():
    class Data:
        simplex_iteration_count = 1234
        objective_function_value = 5.5

    class Event:
        data_out = Data()

    lines: list[str] = []
    cb = progress.SimplexProgress(every_s=0.05)
    with progress.listening(lines.append):
        for _ in range(1000):
            cb(Event())  # within 0.05 s of its creation: not reported
        time.sleep(0.06)
        cb(Event())
        Data.objective_function_value = float("-inf")  # dual phase 1
        time.sleep(0.06)
        cb(Event())
    assert lines == [
        "HiGHS simplex: 1,234 iterations, objective 5.5",
        "HiGHS simplex: 1,234 iterations",
    ]


def test_the_heartbeat_changes_at_its_interval():
    shown: list[str] = []
    with progress.Heartbeat(shown.append, "2030-integrated", every_s=0.05):
        progress.report("sub-horizons: 3 of 53 solved")
        time.sleep(0.18)
    assert len(shown) >= 2
    assert shown[0].startswith("2030-integrated: sub-horizons: 3 of 53 solved (")
    assert not progress.active()
