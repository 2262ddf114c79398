"""Exceptions that aseangrid raises on purpose, each with a message a user can act on.

Exit codes used by the command line are attached to the classes, so that scripts running many
scenarios can tell bad input from an infeasible model from a disk problem:

====  ======================================================================
code  meaning
====  ======================================================================
0     success
2     bad input data, scenario or run request (:class:`InputError`)
3     infeasible (:class:`SolveError`, with a diagnosis in the model's terms)
4     a solution failed verification (:class:`VerificationError`)
5     results could not be written, or would overwrite (:class:`OutputError`)
6     unbounded
7     solver time limit reached
8     solver iteration limit reached
9     numerical trouble or another non-optimal solver outcome
10    environment fault, e.g. the solver is missing (:class:`EnvironmentFault`)
11    strict run: a policy was breached or energy was unserved (:class:`PolicyBreachError`)
130   interrupted (Ctrl-C, SIGINT or SIGTERM); nothing was written
====  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    Parameters
    ----------
    file
        File name relative to the dataset folder (or a scenario file).
    row
        1-based line number in the file counting the header as line 1, or ``None``.
    field
        Column, key or quantity concerned.
    value
        The offending value as written (shortened).
    expected
        What would have been accepted.
    where
        Other location, e.g. a timestamp, when there is no row.
    """

    file: str
    row: int | None
    field: str
    value: str
    expected: str
    where: str | None = None

    def __str__(self) -> str:
        loc = self.file
        if self.row is not None:
            loc += f", line {self.row}"
        if self.where:
            loc += f", {self.where}"
        val = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{loc}, field '{self.field}': got {val!r}; expected {self.expected}"


class AseangridError(Exception):
    """Base class of all errors raised on purpose; ``exit_code`` is used by the CLI."""

    exit_code = 1


class InputError(AseangridError):
    """The input data (or a scenario) is invalid; lists every problem found at once."""

    exit_code = 2

    def __init__(self, problems: list[Problem], context: str = "input data"):
        self.problems = list(problems)
        self.context = context
        n = len(self.problems)
        if n == 1:
            super().__init__(f"1 problem in the {context}: {self.problems[0]}")
            return
        head = f"{n} problems in the {context}:"
        shown = [f"  - {p}" for p in self.problems[:50]]
        if n > 50:
            shown.append(f"  ... and {n - 50} more")
        super().__init__("\n".join([head, *shown]))


#: Exit code of each solver outcome (HiGHS model status names).
SOLVE_EXIT_CODES: dict[str, int] = {
    "kInfeasible": 3,
    "kUnboundedOrInfeasible": 3,
    "kUnbounded": 6,
    "kTimeLimit": 7,
    "kIterationLimit": 8,
    "kInterrupt": 130,
    "kHighsInterrupt": 130,
}
#: Exit code of numerical trouble and any other non-optimal outcome.
SOLVE_OTHER_EXIT_CODE = 9


class SolveError(AseangridError):
    """The solver did not return a proven optimum; no result is produced.

    ``exit_code`` depends on the outcome: 3 infeasible, 6 unbounded, 7 time limit,
    8 iteration limit, 9 numerical trouble or other, 130 interrupted. ``diagnosis`` holds the
    infeasibility analysis in the model's terms when there is one.
    """

    def __init__(self, status: str, message: str, diagnosis: list[str] | None = None):
        self.status = status
        self.diagnosis = list(diagnosis or [])
        self.exit_code = SOLVE_EXIT_CODES.get(status, SOLVE_OTHER_EXIT_CODE)
        super().__init__(message)


class EnvironmentFault(AseangridError):
    """Something the model needs is missing from the environment (e.g. the solver)."""

    exit_code = 10


class VerificationError(AseangridError):
    """A returned solution violates the model's own constraints beyond tolerance."""

    exit_code = 4


class OutputError(AseangridError):
    """Results could not be written."""

    exit_code = 5


class PolicyBreachError(AseangridError):
    """A strict run found a breached policy or unserved energy (nothing is written)."""

    exit_code = 11


class PolicyBreachWarning(UserWarning):
    """A policy was missed at its penalty, or energy was unserved (see ``policy_breaches``)."""
