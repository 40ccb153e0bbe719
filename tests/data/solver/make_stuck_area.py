"""Find the county benchmark's area whose MIP HiGHS's RINS heuristic kept running past its limit.

Run from the project folder: ``python tests/data/solver/make_stuck_area.py`` (about two
minutes). It builds the county benchmark's model (2,000 holdings, seed 0), finds the plan
search's first plan and improves it area by area as the planner does, but with RINS on in
the areas' MIPs, as they ran before :data:`optimiser.areas.AREA_OPTIONS` turned it off, and
from the first plan the plan search found then (from the relaxation without the implied
rows). Each area's MIP runs in a thread of its own; the first that is still running 20 s
past its time limit is written as ``county_stuck_area.npz`` beside this file: the plan it
started from, which columns it freed (packed bits) and its time limit. The stuck thread is
then left behind and the process ends.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

import numpy as np  # noqa: E402

import optimiser.areas as areas_module  # noqa: E402
from optimiser.inputs import prepare  # noqa: E402
from optimiser.model import areas, build_model  # noqa: E402
from optimiser.solve import _guided_start, _Watch  # noqa: E402
from optimiser.synthetic import county_benchmark  # noqa: E402

TARGET = HERE / "county_stuck_area.npz"
OVERDUE = 20.0

areas_module.AREA_OPTIONS["mip_heuristic_run_rins"] = True
# the first plan as it was then, from the relaxation without the implied rows (the presolved
# relaxation the plan search starts from since gives another plan, and other areas)
solve_module = sys.modules["optimiser.solve"]
solve_module._presolved_relaxation = lambda *args, **kwargs: None
solve_area = areas_module._solve_area


def watched(model, free, x, limit, threads):  # noqa: ANN001, ANN201
    answer: list = []
    thread = threading.Thread(target=lambda: answer.append(solve_area(model, free, x, limit, threads)), daemon=True)
    thread.start()
    thread.join(limit + OVERDUE)
    if thread.is_alive():
        np.savez_compressed(TARGET, free=np.packbits(free), x=x, limit=np.float64(limit))
        print(f"An area given {limit:g} s was still running {OVERDUE:g} s later. Written: {TARGET}", flush=True)
        os._exit(0)  # the stuck HiGHS thread cannot be stopped
    return answer[0]


areas_module._solve_area = watched
instance, access, scenario = county_benchmark()
built = build_model(prepare(instance["holdings"], instance["teams"], scenario, access=access))
model = built.model
found, _, _ = _guided_start(model, model.variables["retain"].positions, 600.0, 1, False, _Watch(None), first_plan=True)
areas_module.improve_by_areas(model, areas(built), found.x, time.perf_counter() + 600.0, threads=1)
print("No area ran past its limit in ten minutes: nothing written.")
