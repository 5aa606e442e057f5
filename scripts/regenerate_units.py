"""Regenerate the administrative-unit data shipped in ``lienthong/vn/units/data``.

The sources are two releases of the PyPI package ``vietnam-provinces``, each installed into
its own directory (they are not runtime dependencies and cannot share one environment)::

    pip install --target /tmp/vp2025 vietnam-provinces==2025.10.1
    pip install --target /tmp/vp06 vietnam-provinces==0.6.0
    python scripts/regenerate_units.py /tmp/vp2025 /tmp/vp06

It reads their JSON files, checks the counts and the province merger of Resolution
202/2025/QH15 against the codes, derives the commune crosswalk, and writes CSV files plus
a README with the sources and coverage figures. It stops without writing when a check fails.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lienthong.vn.text import fold
from lienthong.vn.units.names import name_key

NEW_VERSION = "2025.10.1"
OLD_VERSION = "0.6.0"
NEW_COUNTS = {"province": 34, "commune": 3321}
OLD_COUNTS = {"province": 63, "district": 696, "commune": 10051}

NEW_FILE = "units_from_2025-07-01.csv"
OLD_FILE = "units_until_2025-06-30.csv"
SUCCESSIONS_FILE = "successions.csv"
UNIT_COLUMNS = ("code", "kind", "name", "province", "district")
SUCCESSION_COLUMNS = ("level", "old", "new", "basis")

# Resolution 202/2025/QH15 (12 June 2025), article 1: each new province, then the
# provinces merged into it. Which old code the new province keeps is read from the data.
RESOLUTION_202 = (
    ("Hà Nội",),
    ("Huế",),
    ("Lai Châu",),
    ("Điện Biên",),
    ("Sơn La",),
    ("Lạng Sơn",),
    ("Quảng Ninh",),
    ("Thanh Hóa",),
    ("Nghệ An",),
    ("Hà Tĩnh",),
    ("Cao Bằng",),
    ("Tuyên Quang", "Hà Giang"),
    ("Lào Cai", "Yên Bái"),
    ("Thái Nguyên", "Bắc Kạn"),
    ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
    ("Bắc Ninh", "Bắc Giang"),
    ("Hưng Yên", "Thái Bình"),
    ("Hải Phòng", "Hải Dương"),
    ("Ninh Bình", "Hà Nam", "Nam Định"),
    ("Quảng Trị", "Quảng Bình"),
    ("Đà Nẵng", "Quảng Nam"),
    ("Quảng Ngãi", "Kon Tum"),
    ("Gia Lai", "Bình Định"),
    ("Khánh Hòa", "Ninh Thuận"),
    ("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
    ("Đắk Lắk", "Phú Yên"),
    ("Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"),
    ("Đồng Nai", "Bình Phước"),
    ("Tây Ninh", "Long An"),
    ("Cần Thơ", "Sóc Trăng", "Hậu Giang"),
    ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
    ("Đồng Tháp", "Tiền Giang"),
    ("Cà Mau", "Bạc Liêu"),
    ("An Giang", "Kiên Giang"),
)

# Longest first, so "Thị trấn" is not read as "Thị".
PREFIX_KINDS = (
    ("thành phố", "thành phố"),
    ("thị trấn", "thị trấn"),
    ("thị xã", "thị xã"),
    ("đặc khu", "đặc khu"),
    ("phường", "phường"),
    ("huyện", "huyện"),
    ("quận", "quận"),
    ("tỉnh", "tỉnh"),
    ("xã", "xã"),
)


class CheckFailed(Exception):
    """The sources do not say what the shipped data promises."""


@dataclass(frozen=True)
class Row:
    """One unit as written to a CSV file."""

    level: str
    code: str
    kind: str
    name: str
    province: str = ""
    district: str = ""


def clean(text: str) -> str:
    """Return text in NFC with single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def split_kind(full_name: str, allowed: set[str]) -> tuple[str, str]:
    """Split "Phường Ba Đình" into ("phường", "Ba Đình"), refusing kinds not allowed."""
    text = clean(full_name)
    lowered = text.lower()
    for prefix, kind in PREFIX_KINDS:
        if lowered.startswith(prefix + " ") and kind in allowed:
            return kind, text[len(prefix) + 1 :]
    raise CheckFailed(f"no known type prefix in {full_name!r} (allowed: {sorted(allowed)})")


def read_release(target: Path, expected_version: str) -> list[dict[str, Any]]:
    """Return the nested divisions of a release installed into a target directory."""
    package = target / "vietnam_provinces"
    module = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    versions: dict[str, object] = {
        node.targets[0].id: node.value.value
        for node in module.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    if versions.get("__version__") != expected_version:
        raise CheckFailed(
            f"{target} holds vietnam-provinces {versions.get('__version__')}, "
            f"expected {expected_version}"
        )
    data: list[dict[str, Any]] = json.loads(
        (package / "data" / "nested-divisions.json").read_text(encoding="utf-8")
    )
    return data


def data_version(target: Path) -> str:
    """Return the date the release's data was retrieved from the statistics office."""
    text = (target / "vietnam_provinces" / "__init__.py").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("__data_version__"):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise CheckFailed(f"{target} records no __data_version__")


def new_rows(data: list[dict[str, Any]]) -> list[Row]:
    """Return the units in force from 1 July 2025: provinces, then communes."""
    rows: list[Row] = []
    for province in data:
        code = f"{province['code']:02d}"
        if province["division_type"] == "thành phố trung ương":
            kind, name = split_kind(province["name"], {"thành phố"})
        else:
            kind, name = "tỉnh", clean(province["name"])
        rows.append(Row("province", code, kind, name))
        for ward in province["wards"]:
            kind, name = split_kind(ward["name"], {"phường", "xã", "đặc khu"})
            if kind != ward["division_type"]:
                raise CheckFailed(f"{ward['name']!r} is typed {ward['division_type']!r}")
            rows.append(Row("commune", f"{ward['code']:05d}", kind, name, province=code))
    return rows


def old_rows(data: list[dict[str, Any]]) -> list[Row]:
    """Return the units in force until 30 June 2025: provinces, districts, communes."""
    rows: list[Row] = []
    # The 0.6.0 release types every district "huyện" and every commune "xã"; the name's
    # own prefix is the reliable type.
    for province in data:
        code = f"{province['code']:02d}"
        kind, name = split_kind(province["name"], {"tỉnh", "thành phố"})
        rows.append(Row("province", code, kind, name))
        for district in province["districts"]:
            district_code = f"{district['code']:03d}"
            kind, name = split_kind(district["name"], {"quận", "huyện", "thị xã", "thành phố"})
            rows.append(Row("district", district_code, kind, name, province=code))
            for ward in district["wards"]:
                kind, name = split_kind(ward["name"], {"phường", "xã", "thị trấn"})
                rows.append(
                    Row(
                        "commune",
                        f"{ward['code']:05d}",
                        kind,
                        name,
                        province=code,
                        district=district_code,
                    )
                )
    return rows


def check_counts(rows: list[Row], expected: dict[str, int], label: str) -> None:
    """Fail unless each level has the expected number of units with distinct codes."""
    counts = Counter(row.level for row in rows)
    if dict(counts) != expected:
        raise CheckFailed(f"{label}: counts {dict(counts)}, expected {expected}")
    for level in expected:
        codes = [row.code for row in rows if row.level == level]
        if len(set(codes)) != len(codes):
            raise CheckFailed(f"{label}: duplicate {level} codes")


def province_crosswalk(old: list[Row], new: list[Row]) -> dict[str, str]:
    """Return old province code → new province code, checked against the resolution."""
    old_by_name = {fold(row.name): row for row in old if row.level == "province"}
    new_by_name = {fold(row.name): row for row in new if row.level == "province"}
    mapping: dict[str, str] = {}
    for group in RESOLUTION_202:
        successor = new_by_name.pop(fold(group[0]), None)
        if successor is None:
            raise CheckFailed(f"the new set has no province named {group[0]!r}")
        members = [old_by_name.pop(fold(name), None) for name in group]
        missing = [name for name, row in zip(group, members, strict=True) if row is None]
        if missing:
            raise CheckFailed(f"the old set has no province named {missing}")
        member_codes = {row.code for row in members if row is not None}
        # The merged province keeps the code of the province whose seat it took.
        if successor.code not in member_codes:
            raise CheckFailed(f"{group[0]} has code {successor.code}, none of {member_codes}")
        for code in member_codes:
            mapping[code] = successor.code
    if old_by_name or new_by_name:
        raise CheckFailed(f"not in the resolution: {sorted(old_by_name) + sorted(new_by_name)}")
    return mapping


def commune_crosswalk(
    old: list[Row], new: list[Row], provinces: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Return old commune code → (new commune or province code, basis)."""
    new_communes = {row.code: row for row in new if row.level == "commune"}
    old_communes = [row for row in old if row.level == "commune"]
    old_names: dict[str, Counter[str]] = defaultdict(Counter)
    for row in old_communes:
        old_names[provinces[row.province]][name_key(row.name)] += 1
    new_names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in new_communes.values():
        new_names[row.province][name_key(row.name)].append(row.code)

    result: dict[str, tuple[str, str]] = {}
    for row in old_communes:
        successor_province = provinces[row.province]
        same_code = new_communes.get(row.code)
        if same_code is not None:
            if same_code.province != successor_province:
                raise CheckFailed(
                    f"commune {row.code} moved from province {row.province} to "
                    f"{same_code.province}, not to {successor_province} as the resolution says"
                )
            result[row.code] = (row.code, "same_code")
            continue
        key = name_key(row.name)
        candidates = new_names[successor_province].get(key, [])
        # A name shared by two old communes, or by two new ones, in the same successor
        # province says nothing about which became which.
        if len(candidates) == 1 and old_names[successor_province][key] == 1:
            result[row.code] = (candidates[0], "same_name")
        else:
            result[row.code] = (successor_province, "province_only")
    return result


def district_crosswalk(
    old: list[Row], new: list[Row], provinces: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Return old district code → (special zone or province code, basis)."""
    with_communes = {row.district for row in old if row.level == "commune"}
    zones = defaultdict(list)
    for row in new:
        if row.kind == "đặc khu":
            zones[(row.province, name_key(row.name))].append(row.code)
    result: dict[str, tuple[str, str]] = {}
    for row in old:
        if row.level != "district":
            continue
        successor_province = provinces[row.province]
        # Island districts without communes became special zones of the same name.
        zone = zones.get((successor_province, name_key(row.name)), [])
        if row.code not in with_communes and len(zone) == 1:
            result[row.code] = (zone[0], "same_name")
        else:
            result[row.code] = (successor_province, "district_abolished")
    return result


def units_csv(rows: list[Row]) -> str:
    """Return the CSV text of a set of units."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    for row in rows:
        writer.writerow((row.code, row.kind, row.name, row.province, row.district))
    return buffer.getvalue()


def successions_csv(
    provinces: dict[str, str],
    districts: dict[str, tuple[str, str]],
    communes: dict[str, tuple[str, str]],
) -> str:
    """Return the CSV text of the crosswalk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUCCESSION_COLUMNS)
    for old_code, new_code in sorted(provinces.items()):
        writer.writerow(("province", old_code, new_code, "resolution"))
    for level, mapping in (("district", districts), ("commune", communes)):
        for old_code, (new_code, basis) in sorted(mapping.items()):
            writer.writerow((level, old_code, new_code, basis))
    return buffer.getvalue()


def readme(
    *,
    new_data_version: str,
    old_data_version: str,
    districts: dict[str, tuple[str, str]],
    communes: dict[str, tuple[str, str]],
    sizes: dict[str, int],
) -> str:
    """Return the data folder's README: sources, licence, format and coverage."""
    commune_bases = Counter(basis for _, basis in communes.values())
    district_bases = Counter(basis for _, basis in districts.values())
    total = len(communes)
    coverage = [(f"`{basis}`", commune_bases[basis]) for basis in ("same_code", "same_name")] + [
        ("commune-level successor", commune_bases["same_code"] + commune_bases["same_name"]),
        ("`province_only`", commune_bases["province_only"]),
    ]
    coverage_lines = "\n".join(
        f"| {label} | {count:,} | {count / total:.1%} |" for label, count in coverage
    )
    sources = [
        (NEW_FILE, "34 provinces, 3,321 communes", NEW_VERSION, new_data_version),
        (OLD_FILE, "63 provinces, 696 districts, 10,051 communes", OLD_VERSION, old_data_version),
    ]
    source_lines = "\n".join(
        f"| `{file}` | {units} | PyPI `vietnam-provinces` {version} (data retrieved {day}) |"
        for file, units, version, day in sources
    )
    size_lines = "\n".join(f"| `{name}` | {size:,} bytes |" for name, size in sizes.items())
    return f"""# Administrative-unit data

Generated by `scripts/regenerate_units.py`; do not edit by hand.

## Sources

| file | units | source |
|---|---|---|
{source_lines}
| `{SUCCESSIONS_FILE}` | old unit → new unit | derived from both, and Resolution 202/2025/QH15 |

`vietnam-provinces` is written by Nguyễn Hồng Quân
(<https://github.com/sunshine-tech/VietnamProvinces>). Its wheels carry no licence
metadata; the `pyproject.toml` of its repository declares GPL-3.0-or-later. The names and
codes themselves are the official catalogue of administrative units published by the
General Statistics Office of Viet Nam (<https://danhmuchanhchinh.gso.gov.vn/>), from which
that package takes them. Only those facts (code, type, name, parent) are shipped here, in
our own format; no code or file of the package is.

## Format

UTF-8 CSV, NFC, one header row.

- Units: `{",".join(UNIT_COLUMNS)}`. `code` is zero-padded (province 2 digits, district 3,
  commune 5) and gives the level; `kind` is the Vietnamese type (`tỉnh`, `thành phố`,
  `quận`, `huyện`, `thị xã`, `phường`, `xã`, `thị trấn`, `đặc khu`); `name` has no type
  prefix; `province` and `district` are the parent codes.
- Successions: `{",".join(SUCCESSION_COLUMNS)}`; one row per old unit; `new` is a code in
  the 2025 set (a commune, or the province when nothing finer is known); `basis` says
  how it was derived.

## Coverage of the commune crosswalk

| basis | old communes | share |
|---|---:|---:|
{coverage_lines}

Districts: {district_bases["district_abolished"]:,} `district_abolished` (mapped to their
successor province), {district_bases["same_name"]:,} `same_name` (island districts without
communes that became special zones).

## Sizes

| file | size |
|---|---:|
{size_lines}
"""


def main(argv: list[str] | None = None) -> int:
    """Read both releases, check them, and write the data files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help=f"target dir of vietnam-provinces {NEW_VERSION}")
    parser.add_argument("old", type=Path, help=f"target dir of vietnam-provinces {OLD_VERSION}")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "src/lienthong/vn/units/data",
        help="folder to write (default: the package's data folder)",
    )
    args = parser.parse_args(argv)
    try:
        new = new_rows(read_release(args.new, NEW_VERSION))
        old = old_rows(read_release(args.old, OLD_VERSION))
        check_counts(new, NEW_COUNTS, f"vietnam-provinces {NEW_VERSION}")
        check_counts(old, OLD_COUNTS, f"vietnam-provinces {OLD_VERSION}")
        provinces = province_crosswalk(old, new)
        districts = district_crosswalk(old, new, provinces)
        communes = commune_crosswalk(old, new, provinces)
        texts = {
            NEW_FILE: units_csv(new),
            OLD_FILE: units_csv(old),
            SUCCESSIONS_FILE: successions_csv(provinces, districts, communes),
        }
        sizes = {name: len(text.encode("utf-8")) for name, text in texts.items()}
        texts["README.md"] = readme(
            new_data_version=data_version(args.new),
            old_data_version=data_version(args.old),
            districts=districts,
            communes=communes,
            sizes=sizes,
        )
    except (CheckFailed, OSError, KeyError, ValueError) as error:
        print(f"regenerate_units: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {args.out / name} ({len(text.encode('utf-8')):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
