"""The one exception of the exchange layer: a file that cannot be read at all."""

from __future__ import annotations

from collections.abc import Iterable

from kitaplan.domain.common.problems import ImportProblem


class ExchangeError(Exception):
    """A whole file failed (unreadable, unsupported, empty): carries the problems as data.

    Row-level problems are never raised; :func:`kitaplan.exchange.validation.apply_mapping`
    returns them. This error is for the cases where there is no table to validate.
    """

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems: list[ImportProblem] = list(problems)
        summary = "; ".join(f"{p.code.value}: {p.file}" for p in self.problems)
        super().__init__(summary or "exchange error")
