"""Check a node's audit log end to end: entries, chain, numbering, checkpoints, witness.

``verify_log`` reads the log once, in order, ``ROW_PAGE`` entries at a time, and holds
only a window of recent entries, the Merkle frontier and the problems found (at most
``MAX_PROBLEMS`` of them), so it runs in constant memory on any log.

What it can tell apart, and how:

* an entry whose columns no longer hash to its ``entry_hash`` was **edited**; so was one
  whose ``chain_hash`` alone was changed (the next entry chains from the value it
  should have, or it is the last entry);
* a number missing from 1, 2, 3… is a **missing** (deleted) entry, and so is every
  number a checkpoint covers beyond the last entry (a deleted tail);
* every entry's ``chain_hash`` says which entry came before it when it was written.
  Looking for that entry among the neighbours (``WINDOW`` either side) shows an entry
  that nothing chains from while the next one chains past it (**inserted**), or entries
  that chain from somewhere else than the entry now before them (**reordered**);
* a break it cannot attribute (entries deleted and the rest renumbered, an entry
  replaced with freshly computed hashes, entries moved farther than ``WINDOW``) is
  reported as a **broken chain** where it is;
* a log rewritten with every hash recomputed is consistent with itself, but not with
  the roots the node signed: each checkpoint's **root** is recomputed and its
  **signature** (and the witness's **co-signature**, given the witness's key) checked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Row, func, select
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.exchange.audit.checkpoints import Checkpoint, checkpoint_of, frontier_text
from lienthong.exchange.audit.log import GENESIS, PAGE, AuditEntry, chain_next, digest, scan
from lienthong.exchange.audit.merkle import Frontier
from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.i18n import N_, current_language, translate

#: How many entries either side of a break are searched for the entry it chains from.
WINDOW: Final = 64
#: The most problems a report keeps; it still counts every one.
MAX_PROBLEMS: Final = 1000
#: Whole entries read per query: few, as entries may hold message bodies.
ROW_PAGE: Final = 500

EDITED: Final = "audit.entry.edited"
MISSING: Final = "audit.entry.missing"
INSERTED: Final = "audit.entry.inserted"
REORDERED: Final = "audit.entry.reordered"
BROKEN: Final = "audit.chain.broken"
ROOT: Final = "audit.checkpoint.root"
FRONTIER: Final = "audit.checkpoint.frontier"
SIGNATURE: Final = "audit.checkpoint.signature"
WITNESS: Final = "audit.witness.signature"

TEMPLATES: Final = {
    EDITED: N_("Entry {sequence} was changed after it was written: its {what} does not match."),
    MISSING: N_("Entries {sequence} to {last} are missing: they were deleted."),
    f"{MISSING}.one": N_("Entry {sequence} is missing: it was deleted."),
    INSERTED: N_(
        "Entry {sequence} was inserted: no entry chains from it, and the next one chains past it."
    ),
    REORDERED: N_(
        "Entry {sequence} is out of order: it was written after entry {follows}, not after the entry now before it."
    ),
    BROKEN: N_(
        "The chain breaks between entries {previous} and {sequence}: entries were removed, moved or replaced here with new hashes."
    ),
    ROOT: N_(
        "The checkpoint at {tree_size} entries signed the root {signed}, but the log now gives {computed}: entries it covers were changed."
    ),
    FRONTIER: N_(
        "The subtree hashes kept with the checkpoint at {tree_size} entries were changed."
    ),
    SIGNATURE: N_(
        "The node's signature of the checkpoint at {tree_size} entries does not verify: the checkpoint was changed or forged."
    ),
    WITNESS: N_(
        "The co-signature of {witness} on the checkpoint at {tree_size} entries does not verify: it was changed or forged."
    ),
}

#: The position before the first entry: what the first entry chains from.
_START: Final = -1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the log, where it is, and why it is named so."""

    code: str
    sequence: int
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The tree size of the checkpoint concerned, for a checkpoint's problem.
    checkpoint: int | None = None

    def message(self, language: str | None = None) -> str:
        """Return the explanation in a language (default: the current context's)."""
        template = TEMPLATES[self.code]
        if self.code == MISSING and self.params.get("last") == self.sequence:
            template = TEMPLATES[f"{MISSING}.one"]
        text = translate(template, language=language or current_language.get())
        return text.format(sequence=self.sequence, **self.params)

    def as_dict(self) -> dict[str, Any]:
        """Return the problem as JSON-ready data."""
        return {
            "code": self.code,
            "sequence": self.sequence,
            "checkpoint": self.checkpoint,
            "message_vi": self.message("vi"),
            "message_en": self.message("en"),
        }


@dataclass
class VerifyReport:
    """What ``verify_log`` checked and found."""

    entries: int = 0
    last_sequence: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return self.problem_count == 0

    @property
    def codes(self) -> set[str]:
        """The codes of the problems kept."""
        return {problem.code for problem in self.problems}

    def add(self, problem: Problem) -> None:
        """Count a problem and keep it while there is room."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "last_sequence": self.last_sequence,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "problem_count": self.problem_count,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(eq=False)
class _Row:
    """What the chain walk keeps of one entry while its neighbours are read."""

    position: int
    sequence: int
    entry: bytes | None
    chain: bytes | None
    expected: bytes | None = None
    linked: bool = False
    gap: bool = False
    pred: int | None = None
    unresolved: bool = False
    successor: bool = False
    chain_edited: bool = False

    def follows(self, chain: bytes | None) -> bool:
        """Return whether this entry's chain value was computed from ``chain``."""
        return (
            chain is not None
            and self.entry is not None
            and self.chain == chain_next(chain, self.entry)
        )


class _ChainWalk:
    """Find who each entry chains from, and name each break once its neighbours are known."""

    def __init__(self, report: VerifyReport) -> None:
        self._report = report
        self._start = _Row(position=_START, sequence=0, entry=None, chain=GENESIS, expected=GENESIS)
        self._rows: deque[_Row] = deque()
        #: Entries whose predecessor was not found yet, in the window.
        self._unresolved: list[_Row] = []
        self._next = 0  # position of the next entry to classify
        self._reported: deque[tuple[str, int]] = deque(maxlen=8 * WINDOW)

    def _at(self, position: int) -> _Row | None:
        if position == _START:
            return self._start
        if not self._rows:
            return None
        offset = position - self._rows[0].position
        return self._rows[offset] if 0 <= offset < len(self._rows) else None

    def _report_once(self, problem: Problem) -> None:
        key = (problem.code, problem.sequence)
        if key in self._reported:
            return
        self._reported.append(key)
        self._report.add(problem)

    def edited(self, sequence: int, what: str) -> None:
        """Report an entry whose stored values do not match (found when it is read)."""
        self._report_once(Problem(EDITED, sequence, {"what": what}))

    def add(self, row: _Row) -> None:
        """Take the next entry in sequence order."""
        previous = self._rows[-1] if self._rows else self._start
        row.gap = row.sequence != previous.sequence + 1
        if row.entry is not None and previous.chain is not None:
            row.expected = chain_next(previous.chain, row.entry)
        if row.chain is not None and row.chain == row.expected:
            row.linked, row.pred, previous.successor = True, previous.position, True
        elif (
            previous is not self._start
            and previous.expected is not None
            and previous.chain != previous.expected
            and row.follows(previous.expected)
        ):
            # It chains from what the previous entry's chain hash should be: that hash
            # alone was changed.
            row.linked, row.pred, previous.successor = True, previous.position, True
            previous.chain_edited = True
            self.edited(previous.sequence, "chain_hash")
        elif self._report.problem_count < MAX_PROBLEMS:
            # A search costs a hash per neighbour: a log already hopeless is not searched.
            candidates = [self._start, *self._rows]
            found = next(
                (c for c in reversed(candidates) if c is not previous and row.follows(c.chain)),
                None,
            )
            if found is None:
                row.unresolved = True
                self._unresolved.append(row)
            else:
                row.pred, found.successor = found.position, True
        for waiting in self._unresolved:
            if waiting.follows(row.chain):
                waiting.unresolved, waiting.pred, row.successor = False, row.position, True
        self._rows.append(row)
        while self._rows[-1].position - self._next >= WINDOW:
            self._classify(self._next)
            self._next += 1
        self._unresolved = [
            waiting
            for waiting in self._unresolved
            if waiting.unresolved and waiting.position >= self._next
        ]
        while len(self._rows) > 2 * WINDOW + 4:
            self._rows.popleft()

    def finish(self) -> None:
        """Classify the entries still waiting for neighbours."""
        if self._rows:
            while self._next <= self._rows[-1].position:
                self._classify(self._next)
                self._next += 1

    def _classify(self, position: int) -> None:
        row = self._at(position)
        previous = self._at(position - 1)
        assert row is not None and previous is not None
        following = self._at(position + 1)
        if row.gap:
            if row.sequence > previous.sequence + 1:
                self._report_once(
                    Problem(MISSING, previous.sequence + 1, {"last": row.sequence - 1})
                )
            else:  # numbered before the first entry
                self._report_once(Problem(INSERTED, row.sequence))
            return
        if row.linked:
            return
        if row.pred is not None:
            if (
                row.pred == position - 2
                and previous is not self._start
                and not previous.successor
                and previous.pred in (position - 2, None)
            ):
                # The entry before chains from its own neighbour or from nothing, none
                # from it, and this one chains past it: it was slipped in.
                self._report_once(Problem(INSERTED, previous.sequence))
            elif following is None or following.pred != position:
                before = self._at(row.pred)
                follows = before.sequence if before is not None else "?"
                self._report_once(Problem(REORDERED, row.sequence, {"follows": follows}))
            return
        if following is not None and following.pred == position - 1:
            self._report_once(Problem(INSERTED, row.sequence))
        elif following is None:
            # The last entry: nothing after it can tell more than that its chain hash
            # does not follow from the entry before it.
            self.edited(row.sequence, "chain_hash")
        elif not row.chain_edited:
            self._report_once(Problem(BROKEN, row.sequence, {"previous": previous.sequence}))


def _pages(connection: Connection, upto: int) -> Iterator[Row[Any]]:
    after: int | None = None
    while True:
        query = select(audit_checkpoints).where(audit_checkpoints.c.tree_size <= upto)
        if after is not None:
            query = query.where(audit_checkpoints.c.tree_size > after)
        rows = connection.execute(query.order_by(audit_checkpoints.c.tree_size).limit(PAGE)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].tree_size


def _recomputed(row: Row[Any]) -> bytes | None:
    try:
        return AuditEntry.from_row(row._mapping).leaf_hash()
    except (LienthongError, TypeError, ValueError, AttributeError):
        return None


class _Checkpoints:
    """Check each checkpoint when the walk reaches its tree size."""

    def __init__(
        self,
        connection: Connection,
        report: VerifyReport,
        node_key: Ed25519PublicKey,
        witness_key: Ed25519PublicKey | None,
        upto: int,
    ) -> None:
        self._rows = _pages(connection, upto)
        self._report = report
        self._node_key = node_key
        self._witness_key = witness_key
        self._pending: Row[Any] | None = next(self._rows, None)

    def _signatures(self, checkpoint: Checkpoint) -> None:
        self._report.checkpoints += 1
        if not checkpoint.signed_by(self._node_key):
            self._report.add(
                Problem(
                    SIGNATURE,
                    checkpoint.tree_size,
                    {"tree_size": checkpoint.tree_size},
                    checkpoint.tree_size,
                )
            )
        if self._witness_key is not None and checkpoint.witness_signature is not None:
            if checkpoint.cosigned_by(self._witness_key):
                self._report.cosignatures += 1
            else:
                self._report.add(
                    Problem(
                        WITNESS,
                        checkpoint.tree_size,
                        {"tree_size": checkpoint.tree_size, "witness": checkpoint.witness},
                        checkpoint.tree_size,
                    )
                )

    def reached(self, frontier: Frontier) -> None:
        """Check the checkpoints of the tree the walk has built so far."""
        while self._pending is not None and self._pending.tree_size <= frontier.size:
            row, self._pending = self._pending, next(self._rows, None)
            checkpoint = checkpoint_of(row)
            self._signatures(checkpoint)
            if checkpoint.tree_size == frontier.size:  # not so for a forged size below 0
                self._root(checkpoint, row.frontier, frontier)

    def _root(self, checkpoint: Checkpoint, kept: str, frontier: Frontier) -> None:
        computed = frontier.root().hex()
        size = checkpoint.tree_size
        if checkpoint.root_hash != computed:
            params = {"tree_size": size, "signed": checkpoint.root_hash, "computed": computed}
            self._report.add(Problem(ROOT, size, params, size))
        elif kept != frontier_text(frontier):
            self._report.add(Problem(FRONTIER, size, {"tree_size": size}, size))

    def finish(self, frontier: Frontier, last_sequence: int) -> None:
        """Check the checkpoints of trees larger than the log.

        Entries they cover past the last one were deleted; below it, entries are missing
        in the middle (reported where they are) and the root cannot match.
        """
        beyond = 0
        while self._pending is not None:
            row, self._pending = self._pending, next(self._rows, None)
            checkpoint = checkpoint_of(row)
            self._signatures(checkpoint)
            if checkpoint.tree_size > last_sequence:
                beyond = checkpoint.tree_size
            else:
                self._root(checkpoint, row.frontier, frontier)
        if beyond:
            self._report.add(Problem(MISSING, last_sequence + 1, {"last": beyond}, beyond))


def verify_log(
    *,
    connection: Connection,
    node_key: Ed25519PublicKey,
    witness_key: Ed25519PublicKey | None = None,
) -> VerifyReport:
    """Check every entry, the chain, the numbering and every checkpoint; report each problem.

    What is appended or checkpointed while it runs is left for the next run: the log
    is read up to the entries and checkpoints there were when it started. Give it a
    read-only connection (``dialects.read_only``): on SQLite it then takes no write lock.
    """
    report = VerifyReport()
    walk = _ChainWalk(report)
    frontier = Frontier()
    # Checkpoints first: every entry a checkpoint read now covers was committed before it.
    top = connection.execute(select(func.max(audit_checkpoints.c.tree_size))).scalar()
    head = connection.execute(select(func.max(audit_log.c.sequence))).scalar()
    checkpoints = _Checkpoints(connection, report, node_key, witness_key, upto=top or 0)
    checkpoints.reached(frontier)
    entries = scan(connection, list(audit_log.c), after=None, upto=head or 0, page=ROW_PAGE)
    for position, row in enumerate(entries):
        sequence = int(row.sequence)
        stored = digest(row.entry_hash)
        recomputed = _recomputed(row)
        if recomputed is None or stored != recomputed:
            walk.edited(sequence, "entry_hash")
        chain = digest(row.chain_hash)
        if chain is None:
            walk.edited(sequence, "chain_hash")
        walk.add(_Row(position=position, sequence=sequence, entry=stored, chain=chain))
        frontier.append(stored or recomputed or bytes(32))
        report.entries = position + 1
        report.last_sequence = sequence
        checkpoints.reached(frontier)
    walk.finish()
    checkpoints.finish(frontier, report.last_sequence)
    report.problems.sort(key=lambda p: (p.sequence, p.checkpoint is not None, p.code))
    return report
