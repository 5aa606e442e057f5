"""Sync between central and provinces: what reaches whom, exactly once, and what is refused."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.sync import (
    CENTRAL,
    Faulty,
    InProcess,
    Network,
    held,
    log_size,
    national,
    person_in,
    rewrite,
    run_round,
    write,
)

from lienthong.errors import LienthongError
from lienthong.store.canonical import content_hash
from lienthong.store.records import Record
from lienthong.store.replicas import Replicated
from lienthong.sync import feed, requests
from lienthong.sync.batches import Batch, Range
from lienthong.sync.digests import verify_nodes
from lienthong.sync.service import PullRequest, SyncNode, accept_push, apply_batch, sync_once
from lienthong.systems.core.samples import sample_budget_unit

AN_GIANG_COMMUNE = "30292"
HCM_COMMUNE = "25747"


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    yield from national(tmp_path)


def link(network: Network, node_id: str, **faults: Any) -> Faulty:
    return Faulty(InProcess(network.nodes[CENTRAL], caller=node_id), caller=node_id, **faults)


AG_PIN = "091090000001"


def test_a_province_write_reaches_central_once_and_only_the_provinces_that_subscribe(
    network: Network,
) -> None:
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    pushed = run_round(network, "VN-91")
    for province in ("VN-01", "VN-79"):
        run_round(network, province)

    assert pushed.pushed == 1
    assert held(network.nodes[CENTRAL], "Person", AG_PIN) == (1, "VN-91")
    assert held(network.nodes["VN-79"], "Person", AG_PIN) is None
    assert held(network.nodes["VN-01"], "Person", AG_PIN) is None


def test_nothing_echoes_back_to_its_origin_and_a_second_round_moves_nothing(
    network: Network,
) -> None:
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))
    run_round(network, "VN-91")
    entries = log_size(an_giang)

    again = run_round(network, "VN-91")

    assert (again.pushed, again.pulled) == (0, 0)
    assert log_size(an_giang) == entries
    assert log_size(network.nodes[CENTRAL]) == entries


def test_central_relays_a_record_to_the_province_it_belongs_to(network: Network) -> None:
    # An Giang registers someone resident in TP. Hồ Chí Minh: the record is An Giang's,
    # and TP. Hồ Chí Minh receives it through central.
    write(network.nodes["VN-91"], "Person", person_in(HCM_COMMUNE, AG_PIN))
    run_round(network, "VN-91")
    run_round(network, "VN-79")

    assert held(network.nodes["VN-79"], "Person", AG_PIN) == (1, "VN-91")


def test_national_reference_data_is_pushed_down_to_every_province(network: Network) -> None:
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(network.nodes[CENTRAL], "BudgetUnit", ministry)

    for province in ("VN-01", "VN-79", "VN-91"):
        run_round(network, province)
        assert held(network.nodes[province], "BudgetUnit", "1000009") == (1, CENTRAL)


def test_a_lost_reply_makes_the_sender_send_again_and_the_receiver_apply_once(
    network: Network,
) -> None:
    an_giang = network.nodes["VN-91"]
    for number in range(1, 6):
        write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, f"09109000000{number}"))

    with pytest.raises(ConnectionError):
        run_round(network, "VN-91", link(network, "VN-91", lose_replies=1))
    run_round(network, "VN-91")

    central = network.nodes[CENTRAL]
    assert log_size(central) == 5
    assert held(central, "Person", "091090000005") == (1, "VN-91")


def test_a_damaged_batch_is_refused_whole_and_sent_again_later(network: Network) -> None:
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    def flip(data: bytes) -> bytes:
        return data.replace("Nguyễn".encode(), b"Nguyen")

    with pytest.raises(LienthongError) as refused:
        run_round(network, "VN-91", link(network, "VN-91", tamper=flip))
    assert refused.value.code == "sync.batch.corrupt"
    assert log_size(network.nodes[CENTRAL]) == 0

    def cut(data: bytes) -> bytes:
        return data[: len(data) // 2]

    with pytest.raises(LienthongError) as truncated:
        run_round(network, "VN-91", link(network, "VN-91", tamper=cut))
    assert truncated.value.code == "sync.batch.corrupt"

    run_round(network, "VN-91")
    assert held(network.nodes[CENTRAL], "Person", AG_PIN) == (1, "VN-91")


def test_a_batch_signed_by_another_key_is_refused(network: Network) -> None:
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))
    impostor = network.nodes["VN-79"]
    an_giang.signing_key, original = impostor.signing_key, an_giang.signing_key

    with pytest.raises(LienthongError) as refused:
        run_round(network, "VN-91")

    assert refused.value.code == "sync.batch.corrupt"
    an_giang.signing_key = original
    run_round(network, "VN-91")
    assert held(network.nodes[CENTRAL], "Person", AG_PIN) is not None


def test_a_node_may_not_push_in_another_nodes_name(network: Network) -> None:
    write(network.nodes["VN-91"], "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))

    with pytest.raises(LienthongError) as refused:
        run_round(network, "VN-91", link(network, "VN-79"))

    assert refused.value.code == "sync.not_sender"


def test_a_non_owner_change_becomes_a_request_the_owner_decides(network: Network) -> None:
    an_giang, hcm = network.nodes["VN-91"], network.nodes["VN-79"]
    write(an_giang, "Person", person_in(HCM_COMMUNE, AG_PIN))
    run_round(network, "VN-91")
    run_round(network, "VN-79")

    with hcm.node.unit_of_work() as uow:
        with pytest.raises(LienthongError) as refused:
            uow.records.update(
                record_type="Person",
                record_id=AG_PIN,
                content=person_in(HCM_COMMUNE, AG_PIN, full_name="Nguyễn Văn Bình"),
                expected_version=1,
            )
        assert refused.value.code == "store.not_owner"
        request = requests.request_change(
            uow,
            record_type="Person",
            record_id=AG_PIN,
            operation="update",
            content=person_in(HCM_COMMUNE, AG_PIN, full_name="Nguyễn Văn Bình"),
            base_version=1,
            reason="corrected at the ward office",
            now=hcm.clock(),
        )
        uow.commit()
    assert request.owner == "VN-91"

    run_round(network, "VN-79")  # the request goes up
    decided = run_round(network, "VN-91")  # An Giang receives it, decides, and its write goes up
    assert decided.decided == 1
    run_round(network, "VN-91")
    run_round(network, "VN-79")  # the decision and the new version come down

    with hcm.node.unit_of_work(read_only=True) as uow:
        decision = requests.decision_of(uow, request.request_id)
        assert requests.waiting(uow) == []
    assert decision is not None and decision.outcome == "accepted" and decision.version == 2
    assert held(hcm, "Person", AG_PIN) == (2, "VN-91")


def test_a_stale_change_request_is_rejected_with_the_reason(network: Network) -> None:
    an_giang, hcm = network.nodes["VN-91"], network.nodes["VN-79"]
    write(an_giang, "Person", person_in(HCM_COMMUNE, AG_PIN))
    run_round(network, "VN-91")
    run_round(network, "VN-79")
    with hcm.node.unit_of_work() as uow:
        request = requests.request_change(
            uow,
            record_type="Person",
            record_id=AG_PIN,
            operation="update",
            content=person_in(HCM_COMMUNE, AG_PIN, full_name="Nguyễn Văn Bình"),
            base_version=1,
            now=hcm.clock(),
        )
        uow.commit()
    # Meanwhile the owner changes the record itself.
    rewrite(
        an_giang,
        "Person",
        AG_PIN,
        person_in(HCM_COMMUNE, AG_PIN, full_name="Nguyễn Văn Cường"),
        expected=1,
    )

    run_round(network, "VN-79")
    run_round(network, "VN-91")
    run_round(network, "VN-91")
    run_round(network, "VN-79")

    with hcm.node.unit_of_work(read_only=True) as uow:
        decision = requests.decision_of(uow, request.request_id)
    assert decision is not None
    assert (decision.outcome, decision.code) == ("rejected", "store.version_conflict")
    assert held(hcm, "Person", AG_PIN) == (2, "VN-91")


def test_a_person_who_moves_province_is_transferred_and_retired_at_the_old_owner(
    network: Network,
) -> None:
    an_giang, hcm = network.nodes["VN-91"], network.nodes["VN-79"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))
    run_round(network, "VN-91")
    with an_giang.node.unit_of_work() as uow:
        uow.records.transfer(
            record_type="Person",
            record_id=AG_PIN,
            expected_version=1,
            to_node="VN-79",
            content=person_in(HCM_COMMUNE, AG_PIN),
        )
        uow.commit()

    moved = run_round(network, "VN-91")
    run_round(network, "VN-79")

    assert moved.retired == 0  # its own write: retired when it leaves, below
    assert held(hcm, "Person", AG_PIN) == (2, "VN-79")
    # The new owner may write it now.
    rewrite(
        hcm,
        "Person",
        AG_PIN,
        person_in(HCM_COMMUNE, AG_PIN, full_name="Nguyễn Văn Bình"),
        expected=2,
    )
    run_round(network, "VN-79")
    run_round(network, "VN-91")
    assert held(network.nodes[CENTRAL], "Person", AG_PIN) == (3, "VN-79")
    assert held(an_giang, "Person", AG_PIN) == (2, "VN-79")  # no newer version reaches it


def test_a_province_restored_from_an_older_copy_takes_its_own_entries_back(
    network: Network, tmp_path: Path
) -> None:
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, "091090000001"))
    run_round(network, "VN-91")
    an_giang.node.engine.dispose()
    backup = tmp_path / "backup.sqlite"
    store = tmp_path / "VN-91" / "node.sqlite"
    shutil.copy(store, backup)
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, "091090000002"))
    run_round(network, "VN-91")
    an_giang.node.engine.dispose()
    shutil.copy(backup, store)  # the second person is lost locally, but central has it

    restored = run_round(network, "VN-91")
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, "091090000003"))
    run_round(network, "VN-91")

    assert restored.recovered == 1
    assert held(an_giang, "Person", "091090000002") == (1, "VN-91")
    central = network.nodes[CENTRAL]
    assert held(central, "Person", "091090000003") == (1, "VN-91")
    assert log_size(central) == 3


def _restore_central(network: Network, tmp_path: Path, *, fence_too: bool) -> None:
    """Write a ministry at central, sync it to An Giang, then put central's older store back."""
    central = network.nodes[CENTRAL]
    central.node.engine.dispose()
    state = tmp_path / CENTRAL
    shutil.copy(state / "node.sqlite", tmp_path / "central.sqlite")
    fence = central.node.fence.path
    old_fence = fence.read_bytes() if fence.exists() else None
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(central, "BudgetUnit", ministry)
    run_round(network, "VN-91")
    central.node.engine.dispose()
    shutil.copy(tmp_path / "central.sqlite", state / "node.sqlite")
    if fence_too:  # the whole state directory came back from the copy
        fence.unlink()
        if old_fence is not None:
            fence.write_bytes(old_fence)


def test_central_restored_from_an_older_copy_asks_the_provinces_for_its_lost_entries(
    network: Network, tmp_path: Path
) -> None:
    _restore_central(network, tmp_path, fence_too=False)

    restored = run_round(network, "VN-91")

    assert restored.given_back == 1
    central = network.nodes[CENTRAL]
    assert held(central, "BudgetUnit", "1000009") == (1, CENTRAL)
    assert run_round(network, "VN-91").given_back == 0  # asked once per province


def test_central_restored_with_its_fence_refuses_to_serve_rather_than_reuse_numbers(
    network: Network, tmp_path: Path
) -> None:
    _restore_central(network, tmp_path, fence_too=True)

    with pytest.raises(LienthongError) as refused:
        run_round(network, "VN-91")

    assert refused.value.code == "sync.store_behind_subscriber"


def test_a_province_may_give_back_only_entries_central_lost(network: Network) -> None:
    central, an_giang = network.nodes[CENTRAL], network.nodes["VN-91"]
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(central, "BudgetUnit", ministry)
    run_round(network, "VN-91")
    with an_giang.node.engine.connect() as connection:
        items = feed.read_origin(connection, origin=CENTRAL, after=0, limit=10)
    batch = Batch("VN-91", {CENTRAL: Range(0, items[-1].sequence)}, tuple(items))

    with pytest.raises(LienthongError) as refused:
        accept_push(central, data=batch.signed(an_giang.signer()).encode(), caller="VN-91")

    assert refused.value.code == "sync.batch.not_lost"


def from_schema_2(sync: SyncNode, *, owner: str) -> Batch:
    """A batch from central of a person written on schema version 2, with a field of it."""
    content = {
        **person_in(AN_GIANG_COMMUNE, AG_PIN),
        "permanent_residence": {"commune": AN_GIANG_COMMUNE, "line": "Số 1", "province": "91"},
        "biometric_reference": "bio-2027-000123",  # a field of schema version 2
    }
    version = Record(
        record_type="Person",
        record_id=AG_PIN,
        version=1,
        schema_version=2,
        owner_node=owner,
        partition="91",
        content=content,
        content_hash=content_hash(content),
        recorded_at=sync.clock(),
        deleted=False,
    )
    return Batch(CENTRAL, {CENTRAL: Range(0, 1)}, (Replicated(CENTRAL, 1, version),))


def test_a_record_from_a_node_on_a_newer_schema_keeps_the_fields_this_node_does_not_know(
    network: Network,
) -> None:
    batch = from_schema_2(network.nodes[CENTRAL], owner="VN-central")
    applied = apply_batch(network.nodes["VN-91"], batch=batch, peer=CENTRAL)

    assert applied.applied == 1
    with network.nodes["VN-91"].node.unit_of_work(read_only=True) as uow:
        held_version = uow.records.get(record_type="Person", record_id=AG_PIN)
        found = uow.records.search(record_type="Person", where={"pin": AG_PIN})
    assert held_version.content["biometric_reference"] == "bio-2027-000123"
    assert held_version.schema_version == 2
    assert [record.record_id for record in found.records] == [AG_PIN]


def test_an_owner_on_an_older_schema_keeps_newer_fields_when_it_updates(
    network: Network,
) -> None:
    an_giang = network.nodes["VN-91"]
    # Handed to An Giang by a node on schema 2.
    apply_batch(an_giang, batch=from_schema_2(an_giang, owner="VN-91"), peer=CENTRAL)

    written = rewrite(
        an_giang,
        "Person",
        AG_PIN,
        person_in(AN_GIANG_COMMUNE, AG_PIN, full_name="Nguyễn Văn Bình"),
        expected=1,
    )

    assert written.content["biometric_reference"] == "bio-2027-000123"
    assert written.content["full_name"] == "Nguyễn Văn Bình"
    assert written.schema_version == 2


def test_a_new_province_starts_from_a_snapshot_while_changes_keep_flowing(
    network: Network, tmp_path: Path
) -> None:
    an_giang = network.nodes["VN-91"]
    pins = [f"0910900000{number:02d}" for number in range(1, 13)]
    for pin in pins:
        write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, pin))
    for pin in pins[:6]:  # superseded versions a snapshot need not carry
        rewrite(
            an_giang,
            "Person",
            pin,
            person_in(AN_GIANG_COMMUNE, pin, full_name="Lê Thị Hoa"),
            expected=1,
        )
    run_round(network, "VN-91")
    newcomer = network.add("VN-91b", partitions=("91",))

    class WritingMeanwhile(InProcess):
        wrote = False

        async def pull(self, request: Any) -> bytes:
            data = await super().pull(request)
            if request.snapshot and not self.wrote:
                self.wrote = True
                write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, "091090000099"))
                # An Giang keeps writing and syncing while the newcomer bootstraps.
                await sync_once(an_giang, link(network, "VN-91"))
            return data

    transport = WritingMeanwhile(network.nodes[CENTRAL], caller="VN-91b")
    done = asyncio.run(sync_once(newcomer, transport, limit=5))

    assert done.pulled == 12 + 1
    assert log_size(newcomer) == 13  # current versions only, and the one written meanwhile
    assert held(newcomer, "Person", pins[0]) == (2, "VN-91")
    assert held(newcomer, "Person", "091090000099") == (1, "VN-91")
    assert verify_nodes(newcomer, network.nodes[CENTRAL], repair=False).converged


def test_a_province_with_nothing_to_receive_asks_for_a_snapshot_once(network: Network) -> None:
    an_giang = network.nodes["VN-91"]
    asked: list[bool] = []

    class Counting(InProcess):
        async def pull(self, request: Any) -> bytes:
            asked.append(request.snapshot)
            return await super().pull(request)

    transport = Counting(network.nodes[CENTRAL], caller="VN-91")
    for number in range(1, 4):  # central holds nothing but An Giang's own entries
        write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, f"09109000000{number}"))
        asyncio.run(sync_once(an_giang, transport))

    assert asked == [True, False, False, False]  # one pull a round once bootstrapped
    ministry = sample_budget_unit(code="1000009", name="Bộ Tài chính", level="central", parent=None)
    del ministry["commune"]
    write(network.nodes[CENTRAL], "BudgetUnit", ministry)
    assert asyncio.run(sync_once(an_giang, transport)).pulled == 1


def test_a_pull_request_that_is_not_json_is_refused_as_a_bad_request() -> None:
    with pytest.raises(LienthongError) as refused:
        PullRequest.decode(b"LTSYNC1 not a request")

    assert (refused.value.code, refused.value.field) == ("sync.bad_request", "request")
