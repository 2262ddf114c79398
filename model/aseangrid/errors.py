"""Exceptions that aseangrid raises on purpose, each with a message a user can act on.

Exit codes used by the command line are attached to the classes, so that scripts running many
scenarios can tell bad input from an infeasible model from a disk problem.
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
        head = f"{n} problem{'s' if n != 1 else ''} in the {context}:"
        shown = [f"  - {p}" for p in self.problems[:50]]
        if n > 50:
            shown.append(f"  ... and {n - 50} more")
        super().__init__("\n".join([head, *shown]))


class SolveError(AseangridError):
    """The solver did not return a proven optimum; no result is produced."""

    exit_code = 3

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


class VerificationError(AseangridError):
    """A returned solution violates the model's own constraints beyond tolerance."""

    exit_code = 4


class OutputError(AseangridError):
    """Results could not be written."""

    exit_code = 5
