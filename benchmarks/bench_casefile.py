"""How fast case files load and validate, and how fast an alias bomb is refused.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_casefile.py``).
Figures are medians, each also given as a ratio against a baseline measured in
the same run: PyYAML's C loader alone on the same text (plain data, no
validation), which the kit's ``load_case`` (reading, parsing, validating and
checking for warnings) must beat threefold; and a round-trip ruamel.yaml parse,
what loading would cost without any fast path.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import tracemalloc
from pathlib import Path

import yaml

from _timing import median_seconds
from ipt_nb._yaml import parse_roundtrip
from ipt_nb.casefile import CaseFileError, case_files, load_case, load_cases, parse_case_text, read_text

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "casebook" / "cases" / "joy.yaml"
BOMB = "format: ipt-case/1\n" + "\n".join(
    ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
)


def refuse_bomb() -> None:
    try:
        parse_case_text(BOMB, "bomb.yaml")
    except CaseFileError:
        return
    raise AssertionError("the alias bomb was accepted")


def main() -> int:
    text = read_text(CASE)
    parse_case_text(text, CASE)  # warm imports and caches
    ones, plains = [], []
    for _ in range(15):  # interleaved rounds, so both see the same state of the machine
        ones.append(median_seconds(lambda: load_case(CASE), 20))
        plains.append(median_seconds(lambda: yaml.load(text, Loader=yaml.CSafeLoader), 7))
    one, plain = statistics.median(ones), statistics.median(plains)
    baseline = median_seconds(lambda: parse_roundtrip(text), 30)
    with tempfile.TemporaryDirectory() as folder:
        samples = sorted((ROOT / "casebook" / "cases").glob("*.yaml"))
        for n in range(1000):
            shutil.copy(samples[n % len(samples)], Path(folder) / f"case{n:04d}.yaml")
        files = case_files([folder])
        naive = median_seconds(lambda: [load_case(f) for f in files], 3)
        thousand = median_seconds(lambda: load_cases([folder]), 3)
    bomb = median_seconds(refuse_bomb, 20)
    tracemalloc.start()
    refuse_bomb()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    lines = CASE.read_text().count("\n")
    print(f"case file: {CASE.name} ({lines} lines, 16 weeks + follow-up)")
    print(f"load_case, one case           {one * 1000:8.2f} ms   (target < 5 ms)")
    print(
        f"baseline: CSafeLoader parse   {plain * 1000:8.2f} ms   -> the kit takes {one / plain:.2f} of it "
        "(target <= 0.33)"
    )
    print(
        f"baseline: round-trip parse    {baseline * 1000:8.2f} ms   -> the kit is {baseline / one:.1f}x faster"
    )
    print(
        f"load_cases, 1,000 files       {thousand:8.2f} s    ({thousand:.2f} ms per case, all kept; target < 2 s)"
    )
    print(f"baseline: load_case in a loop {naive:8.2f} s    -> load_cases is {naive / thousand:.1f}x faster")
    print(
        f"alias bomb (9^9 nodes) refused {bomb * 1000:7.2f} ms   (target < 500 ms), peak memory {peak / 1e6:.1f} MB"
    )
    met = one < 0.005 and one / plain <= 1 / 3 and thousand < 2 and bomb < 0.5
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
