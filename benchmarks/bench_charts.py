"""How fast the chart builders are: all charts of one case, and the cohort view of 500 cases.

Run: ``make bench``. Each figure is also given against a baseline measured in
the same run: the same trajectory built the common way, with plotly's
``make_subplots`` and one ``add_shape``/``add_trace`` call per element.
"""

from __future__ import annotations

import sys
from pathlib import Path

from plotly.subplots import make_subplots

from _timing import median_seconds
from ipt_nb import Case, load_case
from ipt_nb.charts import closeness_circle, closeness_over_time, cohort, timeline, trajectory
from ipt_nb.instruments import INSTRUMENTS

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "casebook" / "cases"


def all_charts(case: Case) -> None:
    trajectory(case)
    closeness_circle(case, animate=True)
    closeness_over_time(case)
    timeline(case)


def trajectory_the_common_way(case: Case) -> None:
    """Baseline: one plotly call per trace and shape, as most notebook code does it."""
    measures = case.measures_present()
    fig = make_subplots(rows=len(measures), cols=1, shared_xaxes=True)
    for row, measure in enumerate(measures, start=1):
        scores = case.scores(measure)
        fig.add_trace(
            {"type": "scatter", "x": [w for w, _ in scores], "y": [s for _, s in scores]}, row=row, col=1
        )
        for band in INSTRUMENTS[measure].bands:
            fig.add_hrect(y0=band.low, y1=band.high, row=row, col=1, fillcolor="grey", opacity=0.1)
    for first, last in case.plan.phase_spans().values():
        fig.add_vrect(x0=first - 0.5, x1=last + 0.5, fillcolor="blue", opacity=0.1)


def synthetic_cohort(size: int) -> list[Case]:
    samples = [load_case(p) for p in sorted(CASES.glob("*.yaml"))]
    cohort_cases = []
    for n in range(size):
        data = samples[n % len(samples)].model_dump(mode="json", exclude_unset=True)
        data["id"] = f"{data['id']}-{n}"
        cohort_cases.append(Case.model_validate(data))
    return cohort_cases


def main() -> int:
    case = load_case(CASES / "margit.yaml")
    all_charts(case)  # warm plotly's validators
    per_case = median_seconds(lambda: all_charts(case), 20)
    ours = median_seconds(lambda: trajectory(case), 20)
    common = median_seconds(lambda: trajectory_the_common_way(case), 5)
    cases = synthetic_cohort(500)
    cohort_time = median_seconds(lambda: cohort(cases), 5)
    print(f"all charts of one case (4 builders)  {per_case * 1000:8.1f} ms   (target < 150 ms)")
    print(f"trajectory alone                     {ours * 1000:8.1f} ms")
    print(
        f"baseline: add_trace/add_hrect style  {common * 1000:8.1f} ms   -> builders are {common / ours:.1f}x faster"
    )
    print(f"cohort view, 500 cases               {cohort_time * 1000:8.1f} ms   (target < 2000 ms)")
    return 0 if per_case < 0.15 and cohort_time < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
