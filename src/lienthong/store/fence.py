"""The sequence fence: the last own sequence number handed out, kept outside the store.

A store restored from an older copy has forgotten the numbers it handed out since that
copy was taken, and would hand them out again: a subscriber that applied the lost
entries would then skip the new ones under the same numbers as already applied. The
fence is a small file in the node's state directory, raised before each write commits,
so it is never behind a number anybody could have seen. A store whose counter is below
it was restored: ``changelog.reserve`` records the numbers in between as a gap and
numbers after the fence, and sync asks the peers for the lost entries back.

The file is replaced, not fsynced: it guards against a restore of the database, and a
fence left behind by a crash of the machine is raised again by the next write.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

#: The fence's file name in a node's state directory.
FILE_NAME = "sequence.fence"


@dataclass(frozen=True)
class SequenceFence:
    """The file that holds the highest own sequence number a node's store handed out."""

    path: Path

    def read(self) -> int:
        """Return the highest number handed out (0 when no write was ever fenced)."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return 0
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("sequence fence %s unreadable (%s): not used", self.path, error)
            return 0
        if not text.isdigit():
            logger.warning("sequence fence %s holds %r, not a number: not used", self.path, text)
            return 0
        return int(text)

    def raise_to(self, sequence: int) -> None:
        """Record that numbers up to ``sequence`` were handed out (never lowering it)."""
        if sequence > self.read():
            self.write(sequence)

    def write(self, sequence: int) -> None:
        """Record ``sequence`` as the last number handed out.

        Writers of one node call this holding the change-log counter's lock, with a
        number above the fence they read under it, so writes do not race.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        temporary.write_text(f"{sequence}\n", encoding="ascii")
        os.replace(temporary, self.path)
