"""The audit log of the exchange: append-only, hash-chained, checkpointed, witnessed.

Both gateways record every call, and the record store every access to personal data,
as entries of one log per node. Each entry is chained to the one before; the log is the
leaf sequence of an RFC 6962 Merkle tree, whose roots the node signs as checkpoints
and a central witness co-signs. ``verify_log`` finds any entry edited, deleted,
inserted or moved. See ``docs/audit.md``.
"""

from lienthong.exchange.audit.checkpoints import (
    Checkpoint,
    checkpoint_at,
    find_checkpoint,
    latest_checkpoint,
    make_checkpoint,
    record_cosignature,
    witness_checkpoint,
)
from lienthong.exchange.audit.log import (
    EXCHANGE_CLIENT,
    EXCHANGE_PROVIDER,
    KINDS,
    RECORD_OPERATION,
    RECORD_READ,
    RECORD_WRITE,
    AuditEntry,
    GatewayCall,
    LoggedEntry,
    append_entries,
    call_entry,
    entry_at,
    log_size,
    tail,
)
from lienthong.exchange.audit.proofs import (
    ConsistencyProof,
    InclusionProof,
    consistency_between,
    inclusion_proof,
)
from lienthong.exchange.audit.verify import Problem, VerifyReport, verify_log
from lienthong.exchange.audit.writer import AuditLogWriter, GroupCommitWriter

__all__ = [
    "EXCHANGE_CLIENT",
    "EXCHANGE_PROVIDER",
    "KINDS",
    "RECORD_OPERATION",
    "RECORD_READ",
    "RECORD_WRITE",
    "AuditEntry",
    "AuditLogWriter",
    "Checkpoint",
    "ConsistencyProof",
    "GatewayCall",
    "GroupCommitWriter",
    "InclusionProof",
    "LoggedEntry",
    "Problem",
    "VerifyReport",
    "append_entries",
    "call_entry",
    "checkpoint_at",
    "consistency_between",
    "entry_at",
    "find_checkpoint",
    "inclusion_proof",
    "latest_checkpoint",
    "log_size",
    "make_checkpoint",
    "record_cosignature",
    "tail",
    "verify_log",
    "witness_checkpoint",
]
