"""Errors the optimiser raises; each carries a table a page can show."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from estate.errors import EstateError

PROBLEM_COLUMNS: tuple[str, ...] = ("what", "id", "problem", "action")
"""Columns of the problems table of :class:`ScenarioError`."""

VIOLATION_COLUMNS: tuple[str, ...] = ("check", "id", "name", "detail", "value", "limit")
"""Columns of the violations table of :class:`PlanViolation`."""

_LISTED = 10


def _listing(headline: str, table: pd.DataFrame, line: Callable[[dict[str, str]], str]) -> str:
    """The headline, then a line per row of ``table`` (blank cells as "")."""
    lines = [headline]
    shown = table.head(_LISTED)
    for row in shown.astype(object).where(shown.notna(), "").to_dict(orient="records"):
        lines.append("  - " + line({key: str(value) for key, value in row.items()}))
    if len(table) > _LISTED:
        lines.append(f"  ... and {len(table) - _LISTED} more (see the table).")
    return "\n".join(lines)


def _problem_line(row: dict[str, str]) -> str:
    """e.g. "setting 'objectve': is not a scenario setting; did you mean 'objective'?"."""
    return f"{row['what']} {row['id']!r}: " + "; ".join(t for t in (row["problem"], row["action"]) if t)


def _violation_line(row: dict[str, str]) -> str:
    """e.g. "capacity 'H1' (Town Hall): 120 FTE in 100 workstations"."""
    named = f" ({row['name']})" if row["name"] else ""
    return f"{row['check']} {row['id']!r}{named}: {row['detail']}"


class ScenarioError(EstateError):
    """A scenario or its inputs cannot be optimised; ``problems`` lists every fault found.

    Parameters
    ----------
    headline
        One sentence saying what cannot be done.
    problems
        Rows of ``what`` (setting, holding, team, ...), ``id``, ``problem`` and ``action``.

    """

    def __init__(self, headline: str, problems: list[dict[str, object]] | pd.DataFrame | None = None) -> None:
        table = pd.DataFrame(problems if problems is not None else [], columns=list(PROBLEM_COLUMNS))
        super().__init__(_listing(headline, table, _problem_line) if len(table) else headline)
        self.headline = headline
        self.problems = table


class PlanViolation(EstateError):
    """The independent checker found a plan breaking a rule; the plan is never shown.

    Parameters
    ----------
    violations
        One row per breach, columns :data:`VIOLATION_COLUMNS`.

    """

    def __init__(self, violations: pd.DataFrame) -> None:
        count = len(violations)
        headline = (
            f"The plan breaks {count} rule{'s' if count != 1 else ''} when checked independently; "
            "it is withheld. This is a fault in the planner: please report it with the run manifest."
        )
        super().__init__(_listing(headline, violations, _violation_line))
        self.violations = violations
