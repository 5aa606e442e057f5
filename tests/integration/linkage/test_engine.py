"""The linkage engine on a generated population: copies link, new people stay new, namesakes too."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lienthong.data.synthetic import generate
from lienthong.errors import LienthongError
from lienthong.linkage.engine import (
    MAX_CANDIDATES,
    Link,
    Model,
    Thresholds,
    find_duplicates,
    link_records,
    train_model,
)
from lienthong.linkage.specs import LinkageSpec, spec_for
from lienthong.vn.text import fold

PERSON = spec_for("Person")
PARCEL = spec_for("Parcel")
THRESHOLDS = Thresholds(match=0.95, review=0.5)


def table(spec: LinkageSpec, rows: list[dict[str, Any]]) -> pa.Table:
    columns = ["unique_id", *spec.fields]
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], pa.string()) for name in columns}
    )


def legacy_copy(fields: Mapping[str, Any], legacy_id: str, **changes: Any) -> dict[str, Any]:
    # A legacy file gives the whole name only; its parts are derived.
    row = {**fields, "unique_id": legacy_id, "family_name": None, "middle_name": None}
    row["given_name"] = None
    row.update(changes)
    return row


@dataclass
class Country:
    registry: list[dict[str, Any]]
    parcels: list[dict[str, Any]]
    outsiders: list[dict[str, Any]]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Country:
    out = tmp_path_factory.mktemp("country")
    generate(people=3000, seed=11, out=out / "registry")
    generate(people=300, seed=12, out=out / "others")
    people = [json.loads(line) for line in (out / "registry" / "01-population-Person.jsonl").open()]
    by_pin = {person["pin"]: person for person in people}

    def resolve(record_type: str, record_id: str) -> Mapping[str, Any] | None:
        return by_pin.get(record_id) if record_type == "Person" else None

    registry = [{"unique_id": p["pin"], **PERSON.from_record(p, resolve=resolve)} for p in people]
    parcels = [
        {"unique_id": f"P{index}", **PARCEL.from_record(json.loads(line), resolve=resolve)}
        for index, line in enumerate((out / "registry" / "03-land-Parcel.jsonl").open())
    ]
    others = [json.loads(line) for line in (out / "others" / "01-population-Person.jsonl").open()]
    outsiders = [
        {"unique_id": o["pin"], **PERSON.from_record(o, resolve=resolve)}
        for o in others
        if o["pin"] not in by_pin
    ]
    return Country(registry=registry, parcels=parcels, outsiders=outsiders)


@dataclass
class Legacy:
    rows: list[dict[str, Any]]
    truth: dict[str, str | None]
    kinds: dict[str, str]
    origin: dict[str, str]


@pytest.fixture(scope="module")
def legacy(country: Country) -> Legacy:
    rng = random.Random(5)
    sample = rng.sample(country.registry, 760)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    origin: dict[str, str] = {}

    def add(kind: str, row: dict[str, Any], registry_id: str | None, copied: str = "") -> None:
        rows.append(row)
        truth[row["unique_id"]] = registry_id
        kinds[row["unique_id"]] = kind
        origin[row["unique_id"]] = copied

    for index, person in enumerate(sample):
        legacy_id = f"L{index:04d}"
        words = person["full_name"].split()
        if index < 300:
            add("copy", legacy_copy(person, legacy_id), person["pin"])
        elif index < 360 and len(words) > 1:
            swapped = " ".join([*words[1:], words[0]])
            add(
                "swapped",
                legacy_copy(person, legacy_id, full_name=swapped, pin=None),
                person["pin"],
            )
        elif index < 420:
            folded = fold(person["full_name"])
            add("folded", legacy_copy(person, legacy_id, full_name=folded, pin=None), person["pin"])
        elif index < 440:
            year = int(person["birth_date"][:4])
            namesake = legacy_copy(
                person,
                legacy_id,
                pin=None,
                birth_date=f"{year - 9}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                commune=None,
                province=None,
                address=None,
            )
            add("namesake", namesake, None, person["pin"])
        else:
            # Ordinary legacy damage: no PIN, a year-only birth date now and then.
            changes: dict[str, Any] = {"pin": None}
            if rng.random() < 0.3:
                changes["birth_date"] = person["birth_date"][:4]
            if rng.random() < 0.3:
                changes["commune"] = None
            add("damaged", legacy_copy(person, legacy_id, **changes), person["pin"])
    for index, outsider in enumerate(country.outsiders[:40]):
        add("new", legacy_copy(outsider, f"N{index:04d}"), None)
    return Legacy(rows=rows, truth=truth, kinds=kinds, origin=origin)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("linkage")


@pytest.fixture(scope="module")
def model(country: Country, legacy: Legacy, workdir: Path) -> Model:
    return train_model(
        spec=PERSON,
        legacy=table(PERSON, legacy.rows),
        registry=table(PERSON, country.registry),
        workdir=workdir,
        seed=1,
    )


@pytest.fixture(scope="module")
def links(country: Country, legacy: Legacy, model: Model, workdir: Path) -> dict[str, Link]:
    found = link_records(
        spec=PERSON,
        legacy=table(PERSON, legacy.rows),
        registry=table(PERSON, country.registry),
        model=model,
        thresholds=THRESHOLDS,
        workdir=workdir,
    )
    return {link.legacy_id: link for link in found}


def of_kind(legacy: Legacy, kind: str) -> Iterator[str]:
    return (legacy_id for legacy_id, found in legacy.kinds.items() if found == kind)


class TestTraining:
    def test_model_is_trained_from_the_data(self, model: Model) -> None:
        assert model.record_type == "Person" and model.method == "em"
        assert len(model.version) == 12
        assert 0.5 < model.match_share <= 1

    def test_given_name_agreement_weighs_more_than_family_name(self, model: Model) -> None:
        def weight(name: str) -> float:
            comparison = next(
                c for c in model.settings["comparisons"] if c["output_column_name"] == name
            )
            level = next(
                lv
                for lv in comparison["comparison_levels"]
                if lv["label_for_charts"] == "exactly equal"
            )
            return float(level["m_probability"]) / float(level["u_probability"])

        assert weight("given_name") > 3 * weight("family_name")

    def test_training_is_deterministic(
        self, country: Country, legacy: Legacy, model: Model, workdir: Path
    ) -> None:
        again = train_model(
            spec=PERSON,
            legacy=table(PERSON, legacy.rows),
            registry=table(PERSON, country.registry),
            workdir=workdir,
            seed=1,
        )
        assert again.version == model.version

    def test_leaves_nothing_in_the_work_directory(self, model: Model, workdir: Path) -> None:
        assert list(workdir.iterdir()) == []


class TestLinks:
    def test_one_link_per_legacy_row_in_order(self, legacy: Legacy, links: dict[str, Link]) -> None:
        assert list(links) == [row["unique_id"] for row in legacy.rows]

    @pytest.mark.parametrize("kind", ["copy", "swapped", "folded", "damaged"])
    def test_copies_match_the_right_person(
        self, legacy: Legacy, links: dict[str, Link], kind: str
    ) -> None:
        ids = list(of_kind(legacy, kind))
        right = [
            i
            for i in ids
            if links[i].decision == "match" and links[i].registry_id == legacy.truth[i]
        ]
        assert len(right) >= 0.97 * len(ids), [links[i] for i in ids if i not in right][:3]

    def test_undamaged_copies_all_match(self, legacy: Legacy, links: dict[str, Link]) -> None:
        for legacy_id in of_kind(legacy, "copy"):
            assert links[legacy_id].registry_id == legacy.truth[legacy_id]
            assert links[legacy_id].decision == "match"

    def test_new_people_are_new(self, legacy: Legacy, links: dict[str, Link]) -> None:
        for legacy_id in of_kind(legacy, "new"):
            assert links[legacy_id].decision == "new", links[legacy_id]
            assert links[legacy_id].registry_id is None

    def test_a_namesake_born_years_apart_is_not_linked(
        self, legacy: Legacy, links: dict[str, Link]
    ) -> None:
        # Another person of that name may share a birth month: a reviewer may see that pair,
        # but never the person whose name was borrowed, and nothing is linked automatically.
        namesakes = [links[legacy_id] for legacy_id in of_kind(legacy, "namesake")]
        assert all(link.decision != "match" for link in namesakes)
        assert all(link.registry_id != legacy.origin[link.legacy_id] for link in namesakes)
        assert sum(link.decision == "new" for link in namesakes) >= 0.9 * len(namesakes)

    def test_candidates_are_ranked_and_explained(self, links: dict[str, Link]) -> None:
        link = links["L0000"]
        assert 1 <= len(link.candidates) <= MAX_CANDIDATES
        probabilities = [candidate.match_probability for candidate in link.candidates]
        assert probabilities == sorted(probabilities, reverse=True)
        best = link.candidates[0]
        assert best.match_probability == link.match_probability
        evidence = {item.comparison: item for item in best.evidence}
        assert evidence["pin"].level == "exactly equal" and evidence["pin"].bayes_factor > 100
        assert evidence["birth_date"].level == "same full date"
        assert evidence["cmnd"].level == "missing on either side"
        assert evidence["cmnd"].bayes_factor == 1

    def test_a_swapped_name_says_so(self, legacy: Legacy, links: dict[str, Link]) -> None:
        levels = {
            item.level
            for legacy_id in of_kind(legacy, "swapped")
            for item in links[legacy_id].candidates[0].evidence
            if item.comparison == "given_name"
        }
        assert "same words in another order" in levels

    def test_saved_model_gives_the_same_links(
        self,
        country: Country,
        legacy: Legacy,
        model: Model,
        links: dict[str, Link],
        workdir: Path,
        tmp_path: Path,
    ) -> None:
        path = tmp_path / "models" / "person.json"
        model.save(path)
        loaded = Model.load(path)
        assert loaded.version == model.version and loaded.settings == model.settings
        again = link_records(
            spec=PERSON,
            legacy=table(PERSON, legacy.rows[:200]),
            registry=table(PERSON, country.registry),
            model=loaded,
            thresholds=THRESHOLDS,
            workdir=workdir,
        )
        for link in again:
            assert (link.registry_id, link.decision) == (
                links[link.legacy_id].registry_id,
                links[link.legacy_id].decision,
            )

    def test_stricter_thresholds_send_more_to_review(
        self, country: Country, legacy: Legacy, model: Model, links: dict[str, Link], workdir: Path
    ) -> None:
        strict = list(
            link_records(
                spec=PERSON,
                legacy=table(PERSON, legacy.rows),
                registry=table(PERSON, country.registry),
                model=model,
                thresholds=Thresholds(match=1.0, review=0.5),
                workdir=workdir,
            )
        )
        matched = sum(link.decision == "match" for link in strict)
        assert matched < sum(link.decision == "match" for link in links.values())
        assert all(link.match_probability >= 1.0 for link in strict if link.decision == "match")


class TestSmallInputs:
    def test_five_legacy_rows_against_fifty(self, country: Country, workdir: Path) -> None:
        registry = country.registry[:50]
        legacy = [
            legacy_copy(registry[0], "a"),
            legacy_copy(registry[1], "b", pin=None, full_name=fold(registry[1]["full_name"])),
            legacy_copy(registry[2], "c", pin=None),
            legacy_copy(country.outsiders[0], "d"),
            legacy_copy(country.outsiders[1], "e", pin=None),
        ]
        model = train_model(
            spec=PERSON,
            legacy=table(PERSON, legacy),
            registry=table(PERSON, registry),
            workdir=workdir,
        )
        assert model.method == "priors" and "too small" in model.note
        links = list(
            link_records(
                spec=PERSON,
                legacy=table(PERSON, legacy),
                registry=table(PERSON, registry),
                model=model,
                thresholds=THRESHOLDS,
                workdir=workdir,
            )
        )
        assert [link.legacy_id for link in links] == ["a", "b", "c", "d", "e"]
        assert [link.registry_id for link in links] == [r["unique_id"] for r in registry[:3]] + [
            None,
            None,
        ]
        assert [link.decision for link in links] == ["match", "match", "match", "new", "new"]

    def test_missing_columns_are_empty(self, country: Country, model: Model, workdir: Path) -> None:
        person = country.registry[7]
        legacy = pa.table(
            {
                "unique_id": ["x"],
                "full_name": [person["full_name"]],
                "birth_date": [person["birth_date"]],
            }
        )
        (link,) = link_records(
            spec=PERSON,
            legacy=legacy,
            registry=table(PERSON, country.registry),
            model=model,
            thresholds=THRESHOLDS,
            workdir=workdir,
        )
        assert link.legacy_id == "x"
        assert link.candidates and link.candidates[0].registry_id == person["unique_id"]


class TestParcels:
    def test_parcels_link_on_place_and_holder(self, country: Country, workdir: Path) -> None:
        rng = random.Random(3)
        registry = country.parcels
        picked = rng.sample(registry, 60)
        legacy = []
        for index, parcel in enumerate(picked):
            row = {**parcel, "unique_id": f"T{index}"}
            if index % 3 == 1:
                row.update(holder_pin=None, holder_name=fold(parcel["holder_name"] or ""))
            if index % 3 == 2:
                row.update(
                    certificate=None, area_m2=str(round(float(parcel["area_m2"]) * 1.004, 1))
                )
            legacy.append(row)
        legacy.append(
            {
                "unique_id": "T-new",
                "commune": "00004",
                "map_sheet": "999",
                "parcel_number": "999",
                "area_m2": "55.5",
                "holder_name": "Ông Văn Mới",
            }
        )
        model = train_model(
            spec=PARCEL,
            legacy=table(PARCEL, legacy),
            registry=table(PARCEL, registry),
            workdir=workdir,
        )
        links = list(
            link_records(
                spec=PARCEL,
                legacy=table(PARCEL, legacy),
                registry=table(PARCEL, registry),
                model=model,
                thresholds=THRESHOLDS,
                workdir=workdir,
            )
        )
        expected = [parcel["unique_id"] for parcel in picked] + [None]
        assert [link.registry_id for link in links] == expected
        assert [link.decision for link in links[:-1]] == ["match"] * len(picked)
        assert links[-1].decision == "new"


class TestDuplicates:
    def test_planted_duplicates_are_found(
        self, country: Country, model: Model, workdir: Path
    ) -> None:
        people = country.registry[:600]
        rows = [legacy_copy(person, f"D{index}", pin=None) for index, person in enumerate(people)]
        planted = {
            ("D3", "X3"): legacy_copy(
                people[3], "X3", pin=None, full_name=fold(people[3]["full_name"])
            ),
            ("D10", "X10"): legacy_copy(
                people[10], "X10", pin=None, birth_date=people[10]["birth_date"][:4]
            ),
            ("D20", "X20"): legacy_copy(people[20], "X20", pin=None),
        }
        rows.extend(planted.values())
        duplicates = find_duplicates(
            spec=PERSON, legacy=table(PERSON, rows), model=model, threshold=0.95, workdir=workdir
        )
        found = {tuple(sorted(group.legacy_ids)) for group in duplicates}
        assert set(planted) <= found
        assert len(found) <= len(planted) + 3, found

    def test_bad_threshold(self, country: Country, model: Model, workdir: Path) -> None:
        with pytest.raises(LienthongError) as caught:
            find_duplicates(
                spec=PERSON, legacy=table(PERSON, []), model=model, threshold=0, workdir=workdir
            )
        assert caught.value.code == "linkage.thresholds"


class TestRefusals:
    @pytest.mark.parametrize(
        ("match", "review"), [(0.9, 0.95), (1.1, 0.5), (0.9, 0.0), (0.9, -1.0)]
    )
    def test_thresholds_out_of_order(self, match: float, review: float) -> None:
        with pytest.raises(LienthongError) as caught:
            Thresholds(match=match, review=review)
        assert caught.value.code == "linkage.thresholds"

    def test_thresholds_may_be_equal(self) -> None:
        assert Thresholds(match=0.9, review=0.9).match == 0.9

    def test_missing_model_file(self, tmp_path: Path) -> None:
        with pytest.raises(LienthongError) as caught:
            Model.load(tmp_path / "none.json")
        assert caught.value.code == "linkage.model.missing"

    @pytest.mark.parametrize("text", ["{not json", "[]", '{"format": "other"}', "\xff\xfe"])
    def test_corrupt_model_file(self, tmp_path: Path, text: str) -> None:
        path = tmp_path / "model.json"
        path.write_text(text, encoding="latin-1")
        with pytest.raises(LienthongError) as caught:
            Model.load(path)
        assert caught.value.code == "linkage.model.corrupt"

    def test_tampered_model_file(self, model: Model, tmp_path: Path) -> None:
        path = tmp_path / "model.json"
        model.save(path)
        data = json.loads(path.read_text())
        data["match_share"] = 0.01
        path.write_text(json.dumps(data))
        with pytest.raises(LienthongError) as caught:
            Model.load(path)
        assert caught.value.code == "linkage.model.corrupt"

    def test_saved_model_of_a_type_that_cannot_be_linked(
        self, model: Model, tmp_path: Path
    ) -> None:
        path = tmp_path / "vehicle.json"
        Model(
            record_type="Vehicle",
            spec_version="1",
            settings=model.settings,
            method=model.method,
            match_share=model.match_share,
        ).save(path)
        with pytest.raises(LienthongError) as caught:
            Model.load(path)
        assert caught.value.code == "linkage.model.record_type"

    def test_model_of_an_older_spec_version(
        self, country: Country, legacy: Legacy, model: Model, workdir: Path
    ) -> None:
        older = Model(
            record_type="Person",
            spec_version="0",
            settings=model.settings,
            method=model.method,
            match_share=model.match_share,
        )
        assert older.version != model.version
        with pytest.raises(LienthongError) as caught:
            link_records(
                spec=PERSON,
                legacy=table(PERSON, legacy.rows[:3]),
                registry=table(PERSON, country.registry),
                model=older,
                thresholds=THRESHOLDS,
                workdir=workdir,
            )
        assert caught.value.code == "linkage.model.spec_version"

    def test_model_of_another_record_type(
        self, country: Country, model: Model, workdir: Path
    ) -> None:
        with pytest.raises(LienthongError) as caught:
            link_records(
                spec=PARCEL,
                legacy=table(PARCEL, []),
                registry=table(PARCEL, country.parcels),
                model=model,
                thresholds=THRESHOLDS,
                workdir=workdir,
            )
        assert caught.value.code == "linkage.model.record_type"

    def test_duplicate_legacy_identifiers(
        self, country: Country, model: Model, workdir: Path
    ) -> None:
        rows = [legacy_copy(country.registry[0], "same"), legacy_copy(country.registry[1], "same")]
        with pytest.raises(LienthongError) as caught:
            list(
                link_records(
                    spec=PERSON,
                    legacy=table(PERSON, rows),
                    registry=table(PERSON, country.registry),
                    model=model,
                    thresholds=THRESHOLDS,
                    workdir=workdir,
                )
            )
        assert caught.value.code == "linkage.input.unique_id_duplicate"

    def test_no_identifier_column(self, country: Country, model: Model, workdir: Path) -> None:
        with pytest.raises(LienthongError) as caught:
            train_model(
                spec=PERSON,
                legacy=pa.table({"full_name": ["An"]}),
                registry=table(PERSON, country.registry),
                workdir=workdir,
            )
        assert caught.value.code == "linkage.input.unique_id"
