"""Weighted choice from a fixed table, fast enough to run many times per generated person."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable, Mapping
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """Items with weights; ``pick`` draws one in proportion to its weight."""

    __slots__ = ("_cumulative", "_items", "_size", "_total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        kept = [(item, float(weight)) for item, weight in pairs if weight > 0]
        if not kept:
            raise ValueError("a weighted table needs at least one positive weight")
        self._items = tuple(item for item, _ in kept)
        self._cumulative = tuple(accumulate(weight for _, weight in kept))
        self._total = self._cumulative[-1]
        self._size = len(self._items)

    @classmethod
    def of(cls, weights: Mapping[T, float]) -> Weighted[T]:
        """Return a table from a mapping of item to weight."""
        return cls(weights.items())

    @property
    def items(self) -> tuple[T, ...]:
        """The items, in the order given."""
        return self._items

    def share(self, item: T) -> float:
        """Return the probability of drawing an item."""
        total = 0.0
        previous = 0.0
        for candidate, cumulative in zip(self._items, self._cumulative, strict=True):
            if candidate == item:
                total += cumulative - previous
            previous = cumulative
        return total / self._total

    def pick(self, rng: Random) -> T:
        """Draw one item."""
        # bisect on the cumulative weights: one random number and a binary search.
        index = bisect(self._cumulative, rng.random() * self._total)
        # A product that rounds up to the total would fall past the end.
        return self._items[index] if index < self._size else self._items[-1]


def rounded(rng: Random, expected: float) -> int:
    """Return a whole count whose mean is ``expected`` (randomised rounding)."""
    return int(expected + rng.random())
