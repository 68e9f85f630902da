"""``make bench``: run every benchmark script, even after one misses its target, then say which missed.

Each script prints its figures and exits 1 when a target of its own is missed (any other code is a
crash). This runner shows their output as it comes, then one summary line per script, and exits 1
if any target was missed or any script failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_casefile.py", "bench_charts.py", "bench_forms.py", "bench_render.py")
"""The class benchmark (``make bench-class``) takes minutes and has a target of its own."""


def main() -> int:
    outcomes: dict[str, str] = {}
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        code = subprocess.run([sys.executable, str(HERE / script)], check=False).returncode
        outcomes[script] = {0: "targets met", 1: "TARGET MISSED"}.get(code, f"FAILED (exit code {code})")
    print("== summary")
    for script, outcome in outcomes.items():
        print(f"{script:<20} {outcome}")
    return 0 if all(o == "targets met" for o in outcomes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
