"""Optimisation runs in the background: one process per run, progress, cancel, results kept.

A run goes to its own process (``spawn``), so a long solve never holds up the page or
another user's session, and *cancel* can stop it at once. The process reports its stage
(loading, building, solving with the gap so far, checking) through a queue; the finished
plan is written to a file and kept in this server's memory under the scenario's key, so
opening a scenario again, panning a map or comparing never solves twice. The place's list
of scenarios is written beside the plans, so a restarted server finds both.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import pickle
import queue as queue_module
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from estate.place import Place
from optimiser.boardpack import gap_words
from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario

# plans and the list of scenarios, in the user's own cache folder (read back as pickles, so never a
# folder others can write to); ESTATE_RUN_DIR moves them (the tests use a folder of their own)
_RUN_DIR = Path(
    os.environ.get("ESTATE_RUN_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "estate-planner" / "runs"
)


def _code_digest() -> str:
    """The planner's own code: a plan made by other code (before an upgrade) is not reused."""
    h = hashlib.sha256()
    for package in ("estate", "optimiser"):
        for path in sorted((Path(__file__).resolve().parent.parent / package).glob("*.py")):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


_CODE = _code_digest()


@dataclass(frozen=True)
class ScenarioSpec:
    """A named scenario as the pages edit it: settings, access standards and compatibility table."""

    name: str
    scenario: Scenario
    standards_csv: str
    compatibility_csv: str

    @classmethod
    def make(cls, name: str, scenario: Scenario, standards: pd.DataFrame, compatibility: pd.DataFrame) -> ScenarioSpec:
        """Freeze the edited tables as CSV text so the spec is hashable and picklable."""
        return cls(name, scenario, standards.to_csv(index=False), compatibility.to_csv(index=False))

    def standards(self) -> pd.DataFrame:
        """The access standards as a table."""
        import io

        return pd.read_csv(io.StringIO(self.standards_csv))

    def key(self, place: Place) -> str:
        """Same code, place, settings and tables -> same key -> the same plan, never solved twice."""
        h = hashlib.sha256()
        h.update(_CODE.encode())
        h.update(place.manifest.digest().encode())
        h.update(json.dumps(self.scenario.to_dict(), sort_keys=True, default=str).encode())
        h.update(self.standards_csv.encode())
        h.update(self.compatibility_csv.encode())
        return h.hexdigest()[:20]

    def describe(self) -> dict[str, Any]:
        """One line for a table of scenarios."""
        s = self.scenario
        return {
            "scenario": self.name,
            "objective": s.objective,
            "hubs (p)": s.p,
            "max hubs": s.max_hubs,
            "budget (£)": s.budget_gbp,
            "move limit (km)": s.relocation_limit_km,
            "desks per FTE": s.desk_ratio,
            "time limit (s)": s.time_limit_s,
        }

    def start(self, place: Place) -> None:
        """Start (or reuse) the run of this scenario and remember it for the place, on disk too."""
        with _LOCK:
            specs = _specs_of(place)
            specs.pop(self.name, None)
            specs[self.name] = self
            _write_specs(place, specs)
        _start(self.key(place), place, self)


@dataclass
class _Job:
    process: Any
    queue: Any
    started: float
    path: Path
    stage: str = "starting"
    detail: str = ""
    gap: float | None = None
    finished: float | None = None
    error: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)  # what refused the scenario, one row a problem
    plan: Any = field(default=None, repr=False)


RESULTS_SCENARIO = "scenario"
"""Query parameter: the scenario the Results page opens on (a run's "See the results" link sets it)."""

ENDED_WITHOUT_PLAN = ("failed", "refused", "cancelled")
"""Stages a run ends in with nothing to show; such a scenario may be run again."""

_JOBS: dict[str, _Job] = {}
# Scenarios by place folder, then by name in the order run. Kept by the server, not the
# browser session, so a reload (or a colleague on the same server) still finds them.
_SPECS: dict[str, dict[str, ScenarioSpec]] = {}
_LOCK = threading.Lock()


def _start(key: str, place: Place, spec: ScenarioSpec) -> None:
    with _LOCK:
        job = _job(key)
        if job is not None and job.stage not in ENDED_WITHOUT_PLAN:
            return
        _RUN_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        context = mp.get_context("spawn")
        channel = context.Queue()
        path = _RUN_DIR / f"{key}.pickle"
        process = context.Process(
            target=_work, args=(str(place.directory), spec, str(path), channel), daemon=True, name=f"plan-{spec.name}"
        )
        process.start()
        _JOBS[key] = _Job(process=process, queue=channel, started=time.monotonic(), path=path)


def _work(directory: str, spec: ScenarioSpec, out: str, channel: Any) -> None:
    """The run itself, in its own process."""
    try:
        import dataclasses

        from estate.place import load_place
        from optimiser.cli_optimise import access_inputs
        from optimiser.pipeline import optimise

        channel.put({"stage": "loading", "detail": "reading every partner's register"})
        place = load_place(directory)
        place = dataclasses.replace(place, standards=edited_standards(place.standards, spec.standards()))
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as compat:
            compat.write(spec.compatibility_csv)
        scenario = spec.scenario.replace(compatibility=compat.name)
        channel.put({"stage": "building", "detail": "measuring access to services"})
        access = access_inputs(place)
        plan = optimise(place.holdings, place.teams, scenario, access=access, progress=channel.put)
        with open(out, "wb") as handle:
            pickle.dump(plan, handle)
        channel.put({"stage": "done", "detail": plan.status})
    except ScenarioError as exc:  # refused before any solve: what to change, not a failure
        channel.put({"stage": "refused", "detail": exc.headline, "problems": exc.problems.to_dict("records")})
    except Exception as exc:  # noqa: BLE001 - reported to the page, never a traceback
        from estate.errors import EstateError

        message = str(exc) if isinstance(exc, EstateError) else f"{type(exc).__name__}: {exc}"
        channel.put({"stage": "failed", "detail": message})


def edited_standards(standards: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame:
    """The place's standards with the thresholds and shares the user edited.

    A cleared threshold or share keeps the place's; a cleared minutes threshold means none
    (the standard is then measured in km even beside a travel-time matrix).
    """
    changes = edited.set_index("service")
    out = standards.copy()
    for column in ("threshold", "share"):
        out[column] = out["service"].map(changes[column]).fillna(out[column]).astype(float)
    if "threshold_minutes" in changes.columns:
        out["threshold_minutes"] = out["service"].map(changes["threshold_minutes"]).astype(float)
    return out


def _update(job: _Job) -> None:
    """Drain the job's queue into its status; load the plan when it is done."""
    while True:
        try:
            message = job.queue.get_nowait()
        except (queue_module.Empty, OSError, ValueError):
            break
        if job.stage == "cancelled":  # what the stopped process said last changes nothing
            break
        job.stage = message.get("stage", job.stage)
        job.detail = message.get("detail", job.detail)
        if message.get("gap") is not None:
            job.gap = message["gap"]
        job.problems = message.get("problems", job.problems)
        if job.stage in ("failed", "refused"):
            job.error = job.detail
    if job.stage == "done" and job.plan is None and job.path.exists():
        with open(job.path, "rb") as handle:
            job.plan = pickle.load(handle)  # noqa: S301 - written by this server's own run
        job.finished = job.finished or time.monotonic()
    if job.stage not in ("done", *ENDED_WITHOUT_PLAN) and not job.process.is_alive():
        job.stage, job.error = "failed", f"the run stopped unexpectedly (exit code {job.process.exitcode})"


def cancel(key: str) -> None:
    """Stop a run at once; its scenario can be run again."""
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None and job.process.is_alive():
            job.process.terminate()
            job.stage, job.detail = "cancelled", "cancelled by the user"
            job.finished = time.monotonic()  # the panel says how long it ran, not 0 s


def saved_specs(place: Place) -> dict[str, ScenarioSpec]:
    """The scenarios run for this place on this server, by name, oldest first (also after a restart)."""
    with _LOCK:
        return dict(_specs_of(place))


def _specs_file(place: Place) -> Path:
    return _RUN_DIR / f"scenarios-{hashlib.sha256(str(place.directory).encode()).hexdigest()[:16]}.pickle"


def _specs_of(place: Place) -> dict[str, ScenarioSpec]:
    """The place's scenarios in memory, read from disk the first time (a restarted server finds them)."""
    folder = str(place.directory)
    if folder not in _SPECS:
        _SPECS[folder] = {}
        path = _specs_file(place)
        if path.exists():
            try:
                with open(path, "rb") as handle:
                    _SPECS[folder] = dict(pickle.load(handle))  # noqa: S301 - written by this server
            except Exception:  # noqa: BLE001 - a file from another version of the planner: start afresh
                _SPECS[folder] = {}
    return _SPECS[folder]


def _write_specs(place: Place, specs: dict[str, ScenarioSpec]) -> None:
    _RUN_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(_specs_file(place), "wb") as handle:
        pickle.dump(specs, handle)


class _Ended:
    """The process of a run finished before this server started: it is not alive."""

    exitcode = 0

    def is_alive(self) -> bool:
        return False


def _job(key: str) -> _Job | None:
    """A scenario's run: this server's, or one whose plan a server before it wrote to disk."""
    job = _JOBS.get(key)
    path = _RUN_DIR / f"{key}.pickle"
    if job is None and path.exists():
        try:
            with open(path, "rb") as handle:
                plan = pickle.load(handle)  # noqa: S301 - written by this server's own run
        except Exception:  # noqa: BLE001 - from another version of the planner: run it again
            return None
        took = float(plan.build_seconds + plan.solve_seconds) or 1e-3
        job = _Job(_Ended(), queue_module.Queue(), 0.0, path, "done", plan.status, finished=took, plan=plan)
        _JOBS[key] = job
    return job


def plan_of(spec: ScenarioSpec, place: Place):
    """The finished plan of a scenario, or ``None`` while it runs or if it failed."""
    job = _job(spec.key(place))
    if job is None:
        return None
    _update(job)
    return job.plan


def finished_plans(place: Place) -> tuple[dict, list[str]]:
    """The place's finished scenarios: those with a plan to show, and those that ended with none.

    Returns the plans (optimal or feasible) by name, and the names of the scenarios whose
    run ended with no plan (infeasible, none found), each scenario's plan read once.
    """
    ended = {name: plan_of(spec, place) for name, spec in saved_specs(place).items()}
    ended = {name: plan for name, plan in ended.items() if plan is not None}
    return (
        {name: plan for name, plan in ended.items() if plan.has_plan},
        [name for name, plan in ended.items() if not plan.has_plan],
    )


def status_of(spec: ScenarioSpec, place: Place) -> dict[str, Any] | None:
    """Stage, detail, gap so far and elapsed seconds of a scenario's run."""
    job = _job(spec.key(place))
    if job is None:
        return None
    _update(job)
    end = job.finished or (time.monotonic() if job.stage not in ENDED_WITHOUT_PLAN else job.started)
    return {
        "stage": job.stage,
        "detail": job.detail,
        "gap": job.gap,
        "seconds": end - job.started,
        "error": job.error,
        "problems": job.problems,
    }


SETTING_WORDS = {
    "objective": "Objective",
    "p": "Number of hubs (p)",
    "max_hubs": "At most this many hubs",
    "budget_gbp": "Up-front budget",
    "relocation_limit_km": "Furthest a team moves",
    "time_limit_s": "Time limit",
    "lock_retain": "Always keep",
    "lock_dispose": "Always dispose of",
    "unlock": "Free from the register's lock",
}
"""Settings as the Scenario page names them, for the problems that refuse a scenario."""


def refusal_words(status: dict[str, Any]) -> str:
    """Why a scenario was refused before solving: its sentence, then each problem on a line of its own.

    Each line says what (a setting by its name on the Scenario page, a team, a holding), the
    problem, and what to do.
    """
    lines = []
    for problem in status.get("problems") or []:
        what, ident = str(problem.get("what") or ""), problem.get("id")
        if what == "setting":
            subject = SETTING_WORDS.get(str(ident), str(ident))
        else:
            subject = f"{what[:1].upper()}{what[1:]} {ident}" if pd.notna(ident) and ident != "" else what.capitalize()
        line = f"- **{subject}**: {str(problem.get('problem')).rstrip('.')}"
        if pd.notna(problem.get("action")) and problem.get("action"):
            line += f". *What to do:* {problem['action']}"
        lines.append(line if line.endswith((".", "?", "!")) else line + ".")  # "did you mean 'x'?" ends itself
    return "\n".join([str(status.get("detail") or status.get("error") or ""), *lines])


STAGE_WORDS = {
    "starting": "Starting",
    "loading": "Loading the place",
    "building": "Building the model",
    "solving": "Solving",
    "diagnosing": "No plan meets every rule: finding what blocks it",
    "checking": "Checking the plan independently",
    "done": "Finished",
    "failed": "Failed",
    "refused": "No plan: refused before solving",
    "cancelled": "Cancelled",
}


@st.fragment(run_every=1.0)
def run_panel(place: Place) -> None:
    """Live status of the place's runs, with a cancel button each; refreshes every second."""
    specs = saved_specs(place)
    if not specs:
        return
    st.subheader("Runs")
    for spec in list(specs.values())[::-1]:
        status = status_of(spec, place)
        if status is None:
            continue
        words = STAGE_WORDS.get(status["stage"], status["stage"])
        solving = status["gap"] is not None and status["stage"] == "solving"
        gap = f", gap so far {gap_words(status['gap'])}" if solving else ""
        line = f"**{spec.name}**: {words}{gap} ({status['seconds']:.0f} s)"
        if status["stage"] == "done":
            # "Finished: infeasible" is no success: the results page says what blocks it
            shown = st.success if status["detail"] in ("optimal", "feasible") else st.warning
            shown(f"{line}: {status['detail']}.")
            # the link names the scenario: the Results page opens on it, not on the newest
            st.page_link(
                "pages/results.py",
                label=f"See the results of {spec.name}",
                icon=":material/insights:",
                query_params={RESULTS_SCENARIO: spec.name},
            )
        elif status["stage"] == "refused":  # one sentence, then each problem: not the run's stage and time
            st.error(f"**{spec.name}**: No plan. {refusal_words(status)}")
        elif status["stage"] == "failed":
            st.error(f"{line}. {status['error']}")
        elif status["stage"] == "cancelled":
            st.warning(line)
        else:
            c1, c2 = st.columns([4, 1])
            c1.info(f"{line}. {status['detail']}")
            if c2.button("Cancel", key=f"cancel_{spec.name}"):
                cancel(spec.key(place))
                st.rerun(scope="fragment")
