"""How fast the inventory form answers: a value change to the updated closeness-circle preview,
for a 20-person inventory (median; ``make bench``). The baseline, measured in the same run, is
building the same circle from a loaded case alone, so the ratio shows what the form adds."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ipt_nb import Case, load_case, save_case
from ipt_nb.charts import closeness_circle
from ipt_nb.forms import Workbench

ROOT = Path(__file__).resolve().parent.parent


def twenty_people(folder: Path) -> Path:
    data = load_case(ROOT / "casebook" / "cases" / "tobias.yaml").model_dump(mode="json", exclude_unset=True)
    data["people"] = [
        {
            "id": f"p{i:02d}",
            "label": f"Person {i:02d}",
            "relationship": "friend",
            "ring": 1 + i % 3,
            "closeness": i % 11,
        }
        for i in range(20)
    ]
    for key in ("problem_areas", "timeline", "formulation", "teaching"):
        data.pop(key, None)
    for session in data["sessions"]:
        session.pop("ratings", None)
    return save_case(Case.model_validate(data), folder / "crowded.yaml")


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        path = twenty_people(Path(scratch))
        bench = Workbench(path)
        bench.widget()
        closeness = bench.inventory.fields.rows["people[5].closeness"].widget
        times = []
        for value in list(range(11)) * 3:
            start = time.perf_counter()
            closeness.value = value  # observers update the state, validate and redraw the preview
            times.append(time.perf_counter() - start)
        case = load_case(path)
        drawing = []
        for _ in range(30):
            start = time.perf_counter()
            closeness_circle(case)
            drawing.append(time.perf_counter() - start)
        baseline = statistics.median(drawing)
        shutil.rmtree(scratch, ignore_errors=True)
    median = statistics.median(times)
    print(f"value change -> updated preview, 20 people   {median * 1000:7.1f} ms   (target < 50 ms)")
    print(
        f"baseline: closeness_circle alone             {baseline * 1000:7.1f} ms   -> the form adds {median / baseline:.1f}x"
    )
    return 0 if median < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
