"""A central node for the console's pages: the network authority, with a few records stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from lienthong.exchange.local import LocalGrant, central_and_an_giang, provision
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.systems.core import core_registry, samples

POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/AGG/driving"
#: A woman living in An Giang (province 91): outside a Hà Nội operator's province.
AN_GIANG_PIN = "089190000017"
AN_GIANG_COMMUNE = "30292"


@pytest.fixture
def network(tmp_path: Path) -> Path:
    """Provision central and An Giang under a folder; return the folder."""
    provision(
        central_and_an_giang(
            tmp_path,
            central_tls=1,
            an_giang_tls=2,
            central_systems=(POPULATION,),
            an_giang_systems=(DRIVING,),
            services=[(REGISTRY, None)],
            grants=[LocalGrant(DRIVING, REGISTRY, ("driver-licence",), method="GET")],
        )
    )
    return tmp_path


def open_central(engine: Engine, network: Path) -> Node:
    """Return central on a store, its state directory the provisioned one."""
    settings = load_settings(state_dir=network / "central", node_id="VN-central", database_url=None)
    return Node(settings=settings, engine=engine, systems=core_registry())


@pytest.fixture
def node(engine: Engine, network: Path) -> Iterator[Node]:
    """Central, holding a Hà Nội couple, their enterprise, car and parcel, and an An Giang woman."""
    central = open_central(engine, network)
    with central.unit_of_work() as uow:
        for record_type, content in (
            ("Person", samples.sample_person()),
            ("Person", samples.sample_spouse()),
            (
                "Person",
                samples.sample_person(
                    pin=AN_GIANG_PIN,
                    full_name="Nguyễn Thị Hồng",
                    sex="female",
                    birth_date="1990-01-20",
                    permanent_residence={"commune": AN_GIANG_COMMUNE, "line": "Số 3 Lê Lợi"},
                    spouse_pin=None,
                ),
            ),
            ("Enterprise", samples.sample_enterprise()),
            ("Vehicle", samples.sample_vehicle()),
            ("Parcel", samples.sample_parcel()),
        ):
            uow.records.create(record_type=record_type, content=content)
        uow.commit()
    yield central
