"""Solving a model, and saying truthfully what the solver achieved.

The solver is created here and nowhere else. HiGHS (the default) receives the whole
model in one call through ``highspy``; CBC receives it through PuLP
(:meth:`optimiser.linear.LinearModel.to_pulp`). PuLP's own HiGHS interface adds columns
and rows one call at a time, which on a 50,000-assignment model costs more than a
second before HiGHS starts; handing HiGHS the arrays directly avoids that.

Status, from the solver's own status *and* whether it holds a feasible solution:

``optimal``
    proven optimal (gap at most :data:`OPTIMAL_GAP`, HiGHS's own default tolerance);
``feasible``
    a plan with a proven gap above that: stopped by the time limit, or by the looser
    ``mip_gap`` the scenario asked for; the gap, the best bound and which stop it was
    (``stopped``) are reported;
``infeasible``
    no plan meets every constraint (a diagnosis follows);
``no plan found``
    stopped by the time limit before any plan was found;
``unbounded`` / ``error``
    never expected from the planner's models; reported as they are.

A solution is read only for ``optimal`` and ``feasible``.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np

from optimiser.linear import INF, LinearModel
from optimiser.scenario import Scenario

SOLVED = ("optimal", "feasible")
"""Statuses that come with a plan."""

OPTIMAL_GAP = 1e-4
"""A plan proven within this relative gap is called optimal."""


@dataclass(frozen=True)
class SolveResult:
    """What a solver returned.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible``, ``no plan found``, ``unbounded`` or
        ``error``.
    objective
        Objective value of the solution (``None`` without one).
    bound
        Best bound proven on the objective (``None`` where the solver gives none).
    gap
        Relative gap ``|objective - bound| / |objective|`` (``None`` where unknown).
    seconds
        Wall time in the solver.
    solver
        ``highs`` or ``cbc``.
    detail
        The solver's own status text.
    x
        Column values (``None`` without a solution).
    stopped
        Why the solver stopped: ``proof``, ``gap tolerance``, ``time limit``, or the
        solver's status for the rest.

    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    detail: str
    x: np.ndarray | None = None
    stopped: str = ""

    @property
    def solved(self) -> bool:
        """True when the result carries a plan."""
        return self.status in SOLVED and self.x is not None


def solve(
    model: LinearModel,
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    start: np.ndarray | None = None,
    log: bool = False,
) -> SolveResult:
    """Solve ``model`` with the scenario's solver, time limit and gap.

    Parameters
    ----------
    model
        The MILP.
    scenario
        Gives ``solver``, ``time_limit_s``, ``mip_gap`` and ``threads``.
    time_limit, mip_gap
        Override the scenario's values (the diagnosis uses shorter limits).
    start
        Column values of a plan to start from (HiGHS; ignored if it breaks a constraint).
    log
        Show the solver's log.

    """
    limit = scenario.time_limit_s if time_limit is None else time_limit
    gap = scenario.mip_gap if mip_gap is None else mip_gap
    if scenario.solver == "cbc":
        return _solve_cbc(model, limit, gap, scenario.threads, log)
    return _solve_highs(model, limit, gap, scenario.threads, log, start)


# --- HiGHS ------------------------------------------------------------------------------

_HIGHS_STOPPED = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
}


def _solve_highs(
    model: LinearModel, limit: float, gap: float, threads: int | None, log: bool, start: np.ndarray | None = None
) -> SolveResult:
    highs = model.to_highs()
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(np.asarray(start, dtype=float))
        solution.value_valid = True
        highs.setSolution(solution)
    highs.setOptionValue("output_flag", bool(log))
    highs.setOptionValue("time_limit", float(limit))
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("random_seed", 0)
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    return read_highs(highs, model, seconds)


def read_highs(highs: highspy.Highs, model: LinearModel, seconds: float) -> SolveResult:
    """Map a finished HiGHS run to a :class:`SolveResult` (never reading a missing solution)."""
    status = highs.getModelStatus()
    info = highs.getInfo()
    detail = highs.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    integer = bool(model.arrays()[3].any())
    stopped = detail
    if status == highspy.HighsModelStatus.kOptimal and has_solution:
        label, stopped = "optimal", "proof"
    elif status in _HIGHS_STOPPED:
        label = "feasible" if has_solution else "no plan found"
        stopped = "time limit" if status == highspy.HighsModelStatus.kTimeLimit else detail
    elif status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        # every variable of the planner's models is bounded, so "unbounded or infeasible" is infeasible
        label = "infeasible"
    elif status == highspy.HighsModelStatus.kUnbounded:
        label = "unbounded"
    else:
        label = "error"
    if label not in SOLVED:
        return SolveResult(label, None, None, None, seconds, "highs", detail, None, stopped)
    x = np.asarray(highs.getSolution().col_value, dtype=float)
    objective = float(info.objective_function_value)
    if integer:
        bound = float(info.mip_dual_bound)
        gap = _gap(objective, bound)
        if not math.isfinite(bound):
            bound = None
    else:
        bound, gap = objective, 0.0
    if label == "optimal" and (gap is None or gap > OPTIMAL_GAP):
        label, stopped = "feasible", "gap tolerance"
    return SolveResult(label, objective, bound, gap, seconds, "highs", detail, x, stopped)


def _gap(objective: float, bound: float) -> float | None:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    difference = abs(objective - bound)
    if difference <= 1e-9:
        return 0.0
    return difference / max(abs(objective), 1e-9)


# --- CBC through PuLP ------------------------------------------------------------------------

_CBC_NUMBER = r"(-?[0-9.eE+-]+)"


def _solve_cbc(model: LinearModel, limit: float, gap: float, threads: int | None, log: bool) -> SolveResult:
    import pulp

    problem = model.to_pulp()
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False, timeLimit=limit, gapRel=gap, threads=threads, logPath=str(log_path), keepFiles=False
        )
        started = time.perf_counter()
        problem.solve(solver)
        seconds = time.perf_counter() - started
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
    if log:
        print(text)
    status, sol_status = problem.status, problem.sol_status
    detail = f"{pulp.LpStatus.get(status, status)} / {pulp.LpSolution.get(sol_status, sol_status)}"
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        label = "optimal"
    elif status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionIntegerFeasible:
        label = "feasible"
    elif status == pulp.LpStatusInfeasible:
        label = "infeasible"
    elif status == pulp.LpStatusUnbounded:
        label = "unbounded"
    elif status == pulp.LpStatusNotSolved:
        label = "no plan found"
    else:
        label = "infeasible" if "infeasible" in text.lower() else "error"
    if label not in SOLVED:
        return SolveResult(label, None, None, None, seconds, "cbc", detail, None, detail)
    columns = problem._optimiser_columns  # noqa: SLF001
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in columns], dtype=float)
    objective = model.objective_value(x)
    bound = _cbc_bound(text)
    found = _gap(objective, bound) if bound is not None else None
    if label == "optimal":
        if found is not None and found > OPTIMAL_GAP:
            return SolveResult("feasible", objective, bound, found, seconds, "cbc", detail, x, "gap tolerance")
        return SolveResult(label, objective, bound if bound is not None else objective, found or 0.0, seconds, "cbc", detail, x, "proof")
    stopped = "time limit" if "time" in text.lower() else detail
    return SolveResult(label, objective, bound, found, seconds, "cbc", detail, x, stopped)


def _cbc_bound(text: str) -> float | None:
    """CBC's best bound from its log ("Lower bound:"), in the model's own sense."""
    match = re.search(r"Lower bound:\s*" + _CBC_NUMBER, text)
    if not match:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) < INF else None
