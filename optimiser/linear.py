"""A sparse MILP keyed by domain ids, handed to a solver in one piece.

Variables and constraints are added in *families* (``retain``, ``capacity``, ...), each
with the domain ids of its members, so every column and row has a readable name such as
``retain(H12)`` or ``capacity(H12)`` (LP files allow no brackets), and a solution comes
back as a Series per family indexed by those ids. Coefficients are given as arrays (coordinate form), so a model with
hundreds of thousands of terms is assembled in a fraction of a second.

The same model goes to HiGHS through ``highspy`` in one call (:meth:`LinearModel.to_highs`)
or to CBC through PuLP (:meth:`LinearModel.to_pulp`), and can be written as an LP or MPS
file (:meth:`LinearModel.write`) to read or to solve elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = highspy.kHighsInf

# LP and MPS files accept these characters in names (CPLEX LP format has no brackets)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.,()#@!{}]")


@dataclass(frozen=True)
class Family:
    """One family of variables or constraints: its name, member ids and positions."""

    name: str
    keys: pd.Index
    start: int
    stop: int

    @property
    def positions(self) -> np.ndarray:
        """Column or row numbers of the members, in the order of ``keys``."""
        return np.arange(self.start, self.stop)


def _index(keys: Sequence | pd.Index | pd.MultiIndex) -> pd.Index:
    if isinstance(keys, pd.Index):
        return keys
    keys = list(keys)
    if keys and isinstance(keys[0], tuple):
        return pd.MultiIndex.from_tuples(keys)
    return pd.Index(keys, dtype=object)


def _broadcast(value: float | np.ndarray, n: int) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return np.full(n, float(array)) if array.ndim == 0 else array.astype(float)


class LinearModel:
    """A mixed-integer linear programme assembled family by family.

    Parameters
    ----------
    name
        The model's name (written into LP and MPS files).
    sense
        ``"max"`` or ``"min"``.

    """

    def __init__(self, name: str, sense: str = "max") -> None:
        if sense not in ("max", "min"):
            raise ValueError(f"sense must be 'max' or 'min', not {sense!r}")
        self.name = name
        self.sense = sense
        self.variables: dict[str, Family] = {}
        self.constraints: dict[str, Family] = {}
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._row_lo: list[np.ndarray] = []
        self._row_hi: list[np.ndarray] = []
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._objective_terms: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_cols = 0
        self.n_rows = 0
        self.objective_offset = 0.0
        self.implied: set[str] = set()
        """Constraint families every whole solution of the others meets (valid inequalities)."""
        self._frozen: tuple | None = None

    # --- building ------------------------------------------------------------------------

    def add_variables(
        self,
        family: str,
        keys: Sequence | pd.Index,
        *,
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = 1.0,
        integer: bool = False,
    ) -> pd.Series:
        """Add one variable per key; returns the column numbers as a Series indexed by key."""
        if family in self.variables:
            raise ValueError(f"variable family {family!r} added twice")
        index = _index(keys)
        n = len(index)
        self._lb.append(_broadcast(lower, n))
        self._ub.append(_broadcast(upper, n))
        self._cost.append(np.zeros(n))
        self._integer.append(np.full(n, integer, dtype=bool))
        self.variables[family] = Family(family, index, self.n_cols, self.n_cols + n)
        self.n_cols += n
        self._frozen = None
        return pd.Series(np.arange(self.n_cols - n, self.n_cols), index=index)

    def add_constraints(
        self,
        family: str,
        keys: Sequence | pd.Index,
        *,
        rows: np.ndarray,
        cols: np.ndarray,
        coefs: np.ndarray | float,
        lower: float | np.ndarray = -INF,
        upper: float | np.ndarray = INF,
        implied: bool = False,
    ) -> pd.Series:
        """Add one constraint per key: ``lower <= sum(coef * column) <= upper``.

        Parameters
        ----------
        family, keys
            The family's name and one id per constraint.
        rows, cols, coefs
            The terms in coordinate form: ``rows`` are positions in ``keys``.
        lower, upper
            Bounds per constraint (``-INF``/``INF`` for none).
        implied
            Every whole solution of the other rows meets these: they only tighten the
            relaxation, for a better bound, and a search for plans may leave them out
            (:meth:`to_highs`).

        """
        if family in self.constraints:
            raise ValueError(f"constraint family {family!r} added twice")
        index = _index(keys)
        n = len(index)
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        coefs = _broadcast(coefs, len(rows))
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"{family}: a term refers to a constraint outside its {n} keys")
        self._row_lo.append(_broadcast(lower, n))
        self._row_hi.append(_broadcast(upper, n))
        self._entries.append((rows + self.n_rows, cols, coefs))
        self.constraints[family] = Family(family, index, self.n_rows, self.n_rows + n)
        if implied:
            self.implied.add(family)
        self.n_rows += n
        self._frozen = None
        return pd.Series(np.arange(self.n_rows - n, self.n_rows), index=index)

    def add_objective(self, cols: np.ndarray | pd.Series, coefs: np.ndarray | float) -> None:
        """Add ``coef * column`` terms to the objective (repeated columns add up)."""
        cols = np.asarray(cols, dtype=np.int64)
        self._objective_terms.append((cols, _broadcast(coefs, len(cols))))
        self._frozen = None

    # --- the assembled arrays -------------------------------------------------------------

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, sp.csc_matrix]:
        """``cost, lower, upper, integer, row_lower, row_upper, A`` (A in CSC form)."""
        if self._frozen is None:
            cost = np.zeros(self.n_cols)
            for cols, coefs in self._objective_terms:
                np.add.at(cost, cols, coefs)
            lower = np.concatenate(self._lb) if self._lb else np.zeros(0)
            upper = np.concatenate(self._ub) if self._ub else np.zeros(0)
            integer = np.concatenate(self._integer) if self._integer else np.zeros(0, dtype=bool)
            row_lo = np.concatenate(self._row_lo) if self._row_lo else np.zeros(0)
            row_hi = np.concatenate(self._row_hi) if self._row_hi else np.zeros(0)
            if self._entries:
                r = np.concatenate([e[0] for e in self._entries])
                c = np.concatenate([e[1] for e in self._entries])
                v = np.concatenate([e[2] for e in self._entries])
            else:
                r = c = np.zeros(0, dtype=np.int64)
                v = np.zeros(0)
            matrix = sp.csc_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols))
            matrix.sum_duplicates()
            matrix.eliminate_zeros()
            self._frozen = (cost, lower, upper, integer, row_lo, row_hi, matrix)
        return self._frozen

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray | float, upper: np.ndarray | float) -> None:
        """Change the bounds of some columns (e.g. to fix a decision)."""
        cols = np.asarray(cols, dtype=np.int64)
        lo = np.concatenate(self._lb)
        hi = np.concatenate(self._ub)
        lo[cols] = _broadcast(lower, len(cols))
        hi[cols] = _broadcast(upper, len(cols))
        self._lb, self._ub = [lo], [hi]
        self._frozen = None

    def column_names(self) -> list[str]:
        """``family(id)`` for every column."""
        return self._names(self.variables)

    def row_names(self) -> list[str]:
        """``family(id)`` for every constraint."""
        return self._names(self.constraints)

    @staticmethod
    def _names(families: dict[str, Family]) -> list[str]:
        names: list[str] = []
        for family in families.values():
            for key in family.keys:
                text = ",".join(map(str, key)) if isinstance(key, tuple) else str(key)
                names.append(f"{family.name}({_UNSAFE.sub('_', text)})")
        seen: dict[str, int] = {}
        unique = []
        for name in names:
            count = seen.get(name, 0)
            seen[name] = count + 1
            unique.append(name if count == 0 else f"{name}#{count}")
        return unique

    # --- handing over to a solver ---------------------------------------------------------

    def restricted(self, columns: np.ndarray, held: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows that still matter when only ``columns`` (a boolean mask) may change.

        The other columns are 0: a row is dropped when, over the kept columns' bounds, it
        can never be violated (e.g. ``assign[t,h] <= retain[h]`` once ``assign[t,h]`` is
        left out). With ``held`` (a whole plan) the other columns keep its values instead,
        and the rows kept are those a kept column appears in: nothing left can change the
        others.

        Returns
        -------
        kept_columns, kept_rows
            Column and row numbers of the restricted model.

        """
        cost, lower, upper, integer, row_lo, row_hi, matrix = self.arrays()
        sub = matrix[:, columns].tocsr()
        if held is not None:
            return np.flatnonzero(columns), np.flatnonzero(np.diff(sub.indptr) > 0)
        positive = sub.maximum(0)
        negative = sub.minimum(0)
        lo, hi = lower[columns], upper[columns]
        with np.errstate(invalid="ignore"):
            top = positive @ hi + negative @ lo
            bottom = positive @ lo + negative @ hi
        redundant = (bottom >= row_lo - 1e-9) & (top <= row_hi + 1e-9)
        return np.flatnonzero(columns), np.flatnonzero(~redundant)

    def to_highs(
        self,
        *,
        names: bool = False,
        columns: np.ndarray | None = None,
        held: np.ndarray | None = None,
        implied: bool = True,
    ) -> highspy.Highs:
        """The model as a ``highspy.Highs`` object, passed in one call (no solve yet).

        With ``columns`` (a boolean mask), only those columns and the rows that still
        matter (:meth:`restricted`) are passed; the other columns are 0, or hold their
        values in ``held``, whose share of each row moves into the row's bounds. Without
        ``implied``, the :attr:`implied` families' rows are left out: the same whole
        solutions, a looser relaxation.
        """
        cost, lower, upper, integer, row_lo, row_hi, matrix = self.arrays()
        leave_out = not implied and bool(self.implied)
        if columns is not None or leave_out:
            if columns is None:
                columns = np.ones(self.n_cols, dtype=bool)
                kept_cols, kept_rows = np.arange(self.n_cols), np.arange(self.n_rows)
            else:
                kept_cols, kept_rows = self.restricted(columns, held)
            if leave_out:
                kept_rows = kept_rows[~self._implied_rows()[kept_rows]]
            fixed = np.zeros(len(kept_rows)) if held is None else (matrix @ np.where(columns, 0.0, held))[kept_rows]
            matrix = matrix[:, kept_cols].tocsr()[kept_rows].tocsc()  # columns first: the matrix is by column
            cost, lower, upper, integer = cost[kept_cols], lower[kept_cols], upper[kept_cols], integer[kept_cols]
            row_lo, row_hi = row_lo[kept_rows] - fixed, row_hi[kept_rows] - fixed
            names = False
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        # the arrays go to HiGHS in one call through the buffer protocol; filling a HighsLp
        # field by field copies them element by element (a tenth of an area search's time)
        status = highs.passModel(
            len(cost),
            len(row_lo),
            matrix.nnz,
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMaximize if self.sense == "max" else highspy.ObjSense.kMinimize),
            float(self.objective_offset),
            np.ascontiguousarray(cost, dtype=float),
            np.ascontiguousarray(lower, dtype=float),
            np.ascontiguousarray(upper, dtype=float),
            np.ascontiguousarray(row_lo, dtype=float),
            np.ascontiguousarray(row_hi, dtype=float),
            matrix.indptr[:-1].astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data.astype(float),
            integer.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the model")
        if names:  # for files: names, and the model's own in the header
            lp = highs.getLp()
            lp.model_name_ = self.name
            lp.col_names_ = self.column_names()
            lp.row_names_ = self.row_names()
            highs.passModel(lp)
        return highs

    def _implied_rows(self) -> np.ndarray:
        """Per row, whether it belongs to an :attr:`implied` family."""
        mask = np.zeros(self.n_rows, dtype=bool)
        for name in self.implied:
            family = self.constraints[name]
            mask[family.start : family.stop] = True
        return mask

    def to_pulp(self):  # noqa: ANN201 - pulp is imported lazily
        """The model as a ``pulp.LpProblem`` (for CBC, or for ``writeLP``)."""
        import pulp

        cost, lower, upper, integer, row_lo, row_hi, matrix = self.arrays()
        problem = pulp.LpProblem(
            _UNSAFE.sub("_", self.name), pulp.LpMaximize if self.sense == "max" else pulp.LpMinimize
        )
        columns = [
            pulp.LpVariable(
                name,
                lowBound=None if lo <= -INF else float(lo),
                upBound=None if hi >= INF else float(hi),
                cat=pulp.LpInteger if flag else pulp.LpContinuous,
            )
            for name, lo, hi, flag in zip(self.column_names(), lower, upper, integer, strict=True)
        ]
        problem.setObjective(
            pulp.LpAffineExpression(
                [(columns[j], float(cost[j])) for j in np.flatnonzero(cost)], constant=self.objective_offset
            )
        )
        csr = matrix.tocsr()
        for i, name in enumerate(self.row_names()):
            lo, hi = row_lo[i], row_hi[i]
            span = slice(csr.indptr[i], csr.indptr[i + 1])
            expression = pulp.LpAffineExpression(
                [(columns[j], float(v)) for j, v in zip(csr.indices[span], csr.data[span], strict=True)]
            )
            if lo == hi:
                problem.addConstraint(pulp.LpConstraint(expression, pulp.LpConstraintEQ, name, float(lo)))
                continue
            if lo > -INF:
                problem.addConstraint(
                    pulp.LpConstraint(expression, pulp.LpConstraintGE, name + ("_lo" if hi < INF else ""), float(lo))
                )
            if hi < INF:
                problem.addConstraint(
                    pulp.LpConstraint(expression, pulp.LpConstraintLE, name + ("_hi" if lo > -INF else ""), float(hi))
                )
        problem._optimiser_columns = columns  # noqa: SLF001 - kept for reading values back
        return problem

    def write(self, path: str | Path) -> Path:
        """Write the model as ``.lp`` or ``.mps`` (by suffix), with readable names."""
        path = Path(path)
        highs = self.to_highs(names=True)
        highs.writeModel(str(path))
        return path

    # --- reading a solution back -----------------------------------------------------------

    def values(self, x: np.ndarray, family: str) -> pd.Series:
        """The solution values of one variable family, indexed by its ids."""
        fam = self.variables[family]
        return pd.Series(x[fam.start : fam.stop], index=fam.keys, name=family)

    def row_activity(self, x: np.ndarray, family: str) -> pd.Series:
        """Left-hand side of each constraint of a family at ``x``."""
        fam = self.constraints[family]
        matrix = self.arrays()[6]
        activity = matrix[fam.start : fam.stop] @ x
        return pd.Series(activity, index=fam.keys, name=family)

    def objective_value(self, x: np.ndarray) -> float:
        """The objective at ``x``."""
        return float(self.arrays()[0] @ x + self.objective_offset)

    def satisfies(self, x: np.ndarray, tolerance: float = 1e-6) -> bool:
        """Whether ``x`` meets every bound, row and integrality of the model (within ``tolerance``)."""
        cost, lower, upper, integer, row_lo, row_hi, matrix = self.arrays()
        if len(x) != self.n_cols or np.any(x < lower - tolerance) or np.any(x > upper + tolerance):
            return False
        if np.any(np.abs(x[integer] - np.round(x[integer])) > tolerance):
            return False
        activity = matrix @ x
        return bool(np.all(activity >= row_lo - tolerance) and np.all(activity <= row_hi + tolerance))


def set_threads(highs: highspy.Highs, threads: int | None) -> None:
    """Run ``highs`` on ``threads`` threads, whatever an earlier solve in this thread ran on (``None``: its default).

    HiGHS keeps one scheduler per calling thread, made at the thread's first solve with that
    solve's thread count, and refuses to run a later solve that asks for another count (its
    status is left unset). The thread's scheduler is made again, so a scenario of one thread
    after one of every core (or the other way round) runs as asked. It costs a tenth of a
    millisecond.
    """
    if threads is None:
        return
    highspy.Highs.resetThreadScheduler(True)
    highs.setOptionValue("threads", int(threads))


def set_start(highs: highspy.Highs, values: np.ndarray) -> None:
    """Give HiGHS a plan to start from (its column values; ignored if it breaks a row)."""
    solution = highspy.HighsSolution()
    solution.col_value = list(np.asarray(values, dtype=float))
    solution.value_valid = True
    highs.setSolution(solution)
