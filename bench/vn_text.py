"""Benchmark Vietnamese text handling on generated full names, each figure next to a baseline.

Run: .venv/bin/python bench/vn_text.py [--names N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from unidecode import unidecode

from lienthong.vn.text import Encoding, convert, detect_column, encode, fold, normalize

# Family names by share of the population (Nguyễn ≈ 38%, Trần 11%, Lê 9.5%, Phạm 7%,
# Hoàng/Huỳnh 5%), then a long tail sharing what is left.
FAMILY = [
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 3.0),
    ("Huỳnh", 2.0), ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 2.0), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đinh", 0.6),
    ("Trương", 0.6), ("Đoàn", 0.5), ("Lâm", 0.5), ("Mai", 0.4), ("Trịnh", 0.4), ("Cao", 0.4),
    ("Tạ", 0.3), ("Quách", 0.2), ("Lương", 0.3), ("Hà", 0.3), ("Thái", 0.2), ("Kiều", 0.2),
    ("Châu", 0.2), ("Tô", 0.2), ("Vương", 0.2), ("Từ", 0.1), ("Khổng", 0.05), ("Ông", 0.05),
    ("Giang", 0.1), ("Quan", 0.1), ("Triệu", 0.2), ("Thạch", 0.1), ("La", 0.1),
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Xuân", "Đình"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích", "Hoài"]
GIVEN = [
    "An", "Anh", "Bảo", "Bình", "Châu", "Chi", "Cường", "Dũng", "Duyên", "Đạt", "Giang", "Hà",
    "Hải", "Hạnh", "Hiếu", "Hòa", "Hoà", "Hùng", "Hương", "Huy", "Khánh", "Khoa", "Lan", "Linh",
    "Long", "Mai", "Minh", "My", "Nam", "Nga", "Ngọc", "Nhung", "Phong", "Phúc", "Phương", "Quân",
    "Quỳnh", "Sơn", "Tâm", "Thắng", "Thảo", "Thủy", "Thuỷ", "Thúy", "Thuý", "Trang", "Trung",
    "Tuấn", "Tùng", "Uyên", "Việt", "Vy", "Xuân", "Yến", "Nghĩa", "Trường", "Khoẻ", "Loan",
]  # fmt: skip
LEGACY = [
    Encoding.TCVN3,
    Encoding.VNI,
    Encoding.VISCII,
    Encoding.VPS,
    Encoding.CP1258,
    Encoding.VIQR,
]


def generate_names(count: int, seed: int) -> list[str]:
    """Return ``count`` full names drawn deterministically from the distributions above."""
    rng = random.Random(seed)
    families = [name for name, _ in FAMILY]
    weights = [share for _, share in FAMILY]
    family = rng.choices(families, weights, k=count)
    names = []
    for index in range(count):
        middle = rng.choice(MIDDLE_MALE if rng.random() < 0.5 else MIDDLE_FEMALE)
        parts = [family[index], middle]
        if rng.random() < 0.3:
            parts.append(rng.choice(GIVEN))  # a second middle name
        parts.append(rng.choice(GIVEN))
        names.append(" ".join(parts))
    return names


def rate(function: Callable[[Any], Any], values: list[Any]) -> float:
    """Return values per second for one pass of ``function`` over ``values``."""
    start = time.perf_counter()
    for value in values:
        function(value)
    return len(values) / (time.perf_counter() - start)


def column_rate(values: list[str], expected: Encoding) -> tuple[float, Encoding, float]:
    """Detect the column's encoding once, convert every value; return values/s and the choice."""
    start = time.perf_counter()
    detection = detect_column(values)
    encoding = detection.encoding
    for value in values:
        convert(value, encoding)
    elapsed = time.perf_counter() - start
    if encoding is not expected:
        print(f"  ! detected {encoding.value} for a {expected.value} column")
    return len(values) / elapsed, encoding, detection.confidence


def legacy_column(names: Iterable[str], encoding: Encoding) -> list[str]:
    """Return names as a cp1252/latin-1 tool shows a legacy file (one byte per character)."""
    cache: dict[str, str] = {}
    out = []
    for name in names:
        value = cache.get(name)
        if value is None:
            value = cache[name] = encode(name, encoding, errors="lossy").decode("latin-1")
        out.append(value)
    return out


def machine() -> str:
    """Return the CPU model and core count."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250701)
    args = parser.parse_args()
    names = generate_names(args.names, args.seed)
    print(f"{len(names):,} names, {len(set(names)):,} distinct; {machine()}")
    print(f"{'measure':<44} {'lienthong':>14} {'baseline':>14}  baseline")
    rows: list[tuple[str, float, float | None, str]] = []

    fold_rate = rate(fold, names)
    unidecode_rate = rate(lambda name: unidecode(name).lower(), names)
    rows.append(("fold (names/s)", fold_rate, unidecode_rate, "unidecode(x).lower()"))

    normalize_rate = rate(normalize, names)
    nfc_rate = rate(lambda name: unicodedata.normalize("NFC", name), names)
    rows.append(("normalize: NFC + tone placement (names/s)", normalize_rate, nfc_rate, "NFC only"))

    for encoding in LEGACY:
        column = legacy_column(names, encoding)
        ours, detected, confidence = column_rate(column, encoding)
        baseline: float | None = None
        label = "no codec in Python"
        if encoding is Encoding.CP1258:
            raw = [value.encode("latin-1") for value in column]
            baseline = rate(lambda data: unicodedata.normalize("NFC", data.decode("cp1258")), raw)
            label = "cp1258 decode + NFC (known)"
        title = f"detect + convert {encoding.value} (values/s)"
        rows.append((title, ours, baseline, f"{label}; chose {detected.value} @ {confidence}"))

    for title, ours, baseline, label in rows:
        shown = f"{baseline:>14,.0f}" if baseline is not None else f"{'—':>14}"
        print(f"{title:<44} {ours:>14,.0f} {shown}  {label}")


if __name__ == "__main__":
    main()
