"""The optimiser: which holdings to keep as hubs, which to dispose of, which teams move where.

The public API is small::

    from optimiser import Scenario, AccessInputs, optimise, write_plan

    plan = optimise(place.holdings, place.teams, Scenario.from_toml("my.toml"), access=...)
    write_plan(plan, "out/")

The MILP is written out in :mod:`optimiser.model`; the independent checker is
:mod:`optimiser.checker`.
"""

from optimiser.checker import check_plan, verify_plan
from optimiser.diagnose import Diagnosis, diagnose
from optimiser.errors import PlanViolation, ScenarioError
from optimiser.inputs import AccessInputs, ModelData, load_compatibility, prepare
from optimiser.model import PlanModel, build_model
from optimiser.pipeline import optimise
from optimiser.plan import Plan, write_plan
from optimiser.scenario import DEFAULT_SCENARIO, OBJECTIVES, Scenario
from optimiser.solve import SolveResult, solve

__all__ = [
    "DEFAULT_SCENARIO",
    "OBJECTIVES",
    "AccessInputs",
    "Diagnosis",
    "ModelData",
    "Plan",
    "PlanModel",
    "PlanViolation",
    "Scenario",
    "ScenarioError",
    "SolveResult",
    "build_model",
    "check_plan",
    "diagnose",
    "load_compatibility",
    "optimise",
    "prepare",
    "solve",
    "verify_plan",
    "write_plan",
]
