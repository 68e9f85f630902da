"""Chart builders asserted as data (``fig.to_dict()``): shapes, traces, positions, alert markers."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from ipt_nb import Case, load_case
from ipt_nb.charts import (
    circle_positions,
    closeness_circle,
    closeness_over_time,
    cohort,
    timeline,
    trajectory,
)
from ipt_nb.charts.circle import OUTSIDE_RADIUS, RING_BANDS, label_box, label_font_size
from ipt_nb.instruments import INSTRUMENTS

from .conftest import CASES, SAMPLE_IDS


def load(case_id: str) -> Case:
    return load_case(CASES / f"{case_id}.yaml")


def shapes(fig: go.Figure, prefix: str) -> list[dict[str, Any]]:
    return [s for s in fig.to_dict()["layout"]["shapes"] if s.get("name", "").startswith(prefix)]


def traces(fig: go.Figure) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in fig.to_dict()["data"]}


@pytest.mark.parametrize("case_id", SAMPLE_IDS)
def test_trajectory_has_phase_bands_severity_bands_and_a_trace_per_measure(case_id: str) -> None:
    case = load(case_id)
    fig = trajectory(case)
    phases = shapes(fig, "phase:")
    assert [(s["x0"], s["x1"]) for s in phases] == [
        (first - 0.5, last + 0.5) for first, last in case.plan.phase_spans().values()
    ]
    data = traces(fig)
    for measure in case.measures_present():
        instrument = INSTRUMENTS[measure]
        bands = shapes(fig, f"band:{measure}:")
        assert len(bands) == len(instrument.bands)
        assert bands[0]["y0"] == -0.5 and bands[-1]["y1"] == instrument.total_max + 0.5
        acute = data[instrument.short]
        assert acute["x"] == [w for w, _ in case.scores(measure) if w <= case.plan.sessions]
        assert len(shapes(fig, f"response:{measure}")) == len(shapes(fig, f"remission:{measure}")) == 1


def test_follow_up_is_its_own_trace() -> None:
    data = traces(trajectory(load("joy")))
    assert data["PHQ-9 follow-up"]["x"] == [16, 22]
    assert data["PHQ-9 follow-up"]["line"]["dash"] == "dot"
    assert 22 not in data["PHQ-9"]["x"]


@pytest.mark.parametrize(
    ("case_id", "expected"),
    [
        ("joy", {"PHQ-9 alerts": [15]}),
        ("amara", {"EPDS alerts": [0, 9], "PHQ-9 alerts": [0]}),
        ("tobias", {"PHQ-9 alerts": [6, 7, 8, 8]}),
        ("margit", {"HAM-D-17 alerts": [16], "PHQ-9 alerts": [0]}),
    ],
)
def test_alert_markers_sit_at_the_weeks_they_fire(case_id: str, expected: dict[str, list[int]]) -> None:
    data = traces(trajectory(load(case_id)))
    assert {name: t["x"] for name, t in data.items() if name.endswith("alerts")} == expected


def test_upto_week_hides_later_scores_but_keeps_the_axis() -> None:
    case = load("tobias")
    fig = trajectory(case, upto_week=6)
    data = traces(fig)
    assert max(data["PHQ-9"]["x"]) == 6
    assert data["PHQ-9 alerts"]["x"] == [6]
    assert "PHQ-9 follow-up" not in data
    assert fig.to_dict()["layout"]["xaxis"]["range"] == [-0.7, 28.7]


def test_percent_view_puts_measures_on_one_axis() -> None:
    fig = trajectory(load("amara"), view="percent")
    layout = fig.to_dict()["layout"]
    assert "yaxis2" not in layout
    assert {t["yaxis"] for t in fig.to_dict()["data"]} == {"y"}
    assert traces(fig)["EPDS"]["y"][0] == 0
    assert shapes(fig, "response:all")[0]["y0"] == -50


def test_hover_text_gives_score_band_and_change() -> None:
    hover = traces(trajectory(load("joy")))["PHQ-9"]["hovertext"][10]
    assert hover == "Week 10 (middle phase)<br>PHQ-9 9: mild<br>change from baseline -10 (-53%)"


def test_circle_has_three_rings_and_an_outside_zone() -> None:
    fig = closeness_circle(load("joy"))
    assert [s["name"] for s in shapes(fig, "ring:")] == ["ring:3", "ring:2", "ring:1"]
    assert len(shapes(fig, "outside")) == 1


def radius(point: dict[str, Any]) -> float:
    return math.hypot(point["x"], point["y"])


@pytest.mark.parametrize("case_id", SAMPLE_IDS)
def test_each_person_sits_in_the_ring_rated_at_each_week(case_id: str) -> None:
    case = load(case_id)
    for week in [0, *case.rating_weeks()]:
        for placed in circle_positions(case, week):
            ring = case.rating_at(placed["id"], week).ring
            assert placed["ring"] == ring
            if ring is None:
                assert radius(placed) == pytest.approx(OUTSIDE_RADIUS, abs=1e-3)
            else:
                inner, outer = RING_BANDS[ring]
                assert inner - 1e-3 <= radius(placed) <= outer + 1e-3


def test_circle_moves_people_across_weeks() -> None:
    case = load("margit")
    before = {p["id"]: p for p in circle_positions(case, 0)}
    after = {p["id"]: p for p in circle_positions(case, 16)}
    assert before["ilona"]["ring"] == 2 and after["ilona"]["ring"] == 1
    assert radius(after["ilona"]) < radius(before["ilona"])
    fig = closeness_circle(case, week=16)
    marker = next(t for t in fig.to_dict()["data"] if "ferenc" in (t.get("customdata") or []))
    index = marker["customdata"].index("ferenc")
    assert marker["marker"]["symbol"][index].endswith("-open")
    assert marker["text"][index] == "Ferenc (deceased)"


def test_dispute_stage_follows_the_sessions() -> None:
    case = load("joy")
    laura = {w: next(p for p in circle_positions(case, w) if p["id"] == "laura") for w in (0, 1, 8)}
    # no stage at intake (none assessed yet); week 1's session rates the impasse; week 8 renegotiation
    assert [laura[w]["conflict"] for w in (0, 1, 8)] == ["none", "impasse", "renegotiation"]


def test_animated_circle_has_a_frame_per_rating_week() -> None:
    case = load("amara")
    fig = closeness_circle(case, animate=True).to_dict()
    weeks = sorted({0, *case.rating_weeks()})
    assert [f["name"] for f in fig["frames"]] == [str(w) for w in weeks]
    assert [s["label"] for s in fig["layout"]["sliders"][0]["steps"]] == [str(w) for w in weeks]


def crowded_case(count: int) -> Case:
    base = load("tobias").model_dump(mode="json", exclude_unset=True)
    base["people"] = [
        {
            "id": f"p{i:02d}",
            "label": f"Person {i:02d}",
            "relationship": "friend",
            "ring": 1 + i % 3,
            "closeness": i % 11,
        }
        for i in range(count)
    ]
    for key in ("problem_areas", "timeline", "formulation"):
        base.pop(key, None)
    for session in base["sessions"]:
        session.pop("ratings", None)
    return Case.model_validate(base)


def test_twenty_people_labels_do_not_overlap() -> None:
    placed = circle_positions(crowded_case(20), 0)
    boxes = [label_box(p["x"], p["y"], p["label"], p["textposition"], label_font_size(20)) for p in placed]
    overlaps = [
        (a["label"], b["label"])
        for (a, box_a), (b, box_b) in itertools.combinations(zip(placed, boxes, strict=True), 2)
        if box_a[0] < box_b[2] and box_b[0] < box_a[2] and box_a[1] < box_b[3] and box_b[1] < box_a[3]
    ]
    assert overlaps == []
    markers = [(p["x"] - 0.1, p["y"] - 0.1, p["x"] + 0.1, p["y"] + 0.1) for p in placed]
    covered = [
        b for b in boxes for m in markers if b[0] < m[2] and m[0] < b[2] and b[1] < m[3] and m[1] < b[3]
    ]
    assert covered == []


def test_closeness_over_time_steps_per_person() -> None:
    case = load("joy")
    data = traces(closeness_over_time(case))
    assert set(data) == {p.label for p in case.people}
    laura = data["Laura"]
    assert dict(zip(laura["x"], laura["y"], strict=True))[8] == case.rating_at("laura", 8).closeness


def test_timeline_marks_onset_and_focal_events() -> None:
    case = load("joy")
    fig = timeline(case)
    assert shapes(fig, "onset")[0]["x0"] == case.episode.onset_week  # type: ignore[union-attr]
    focal = traces(fig)["Involves the focal relationship"]
    expected = [e.week for e in case.timeline if "laura" in e.people]
    assert focal["x"] == expected and expected
    assert traces(fig)["Session"]["x"] == [s.week for s in case.sessions]


def test_case_text_is_escaped_in_chart_labels(tmp_path: Path) -> None:
    data = load("joy").model_dump(mode="json", exclude_unset=True)
    data["people"][0]["label"] = "<img src=x onerror=alert(1)>"
    data["timeline"][0]["text"] = "<script>alert(1)</script>"
    case = Case.model_validate(data)
    everything = str(closeness_circle(case).to_dict()) + str(timeline(case).to_dict())
    assert "<script>" not in everything and "<img" not in everything
    assert "&lt;img src=x onerror=alert(1)&gt;" in everything


def test_cohort_groups_cases_by_problem_area() -> None:
    cases = [load(c) for c in SAMPLE_IDS]
    data = traces(cohort(cases))
    assert set(data) == {
        f"{label} ({kind})"
        for label in ("Grief", "Role dispute", "Role transition", "Interpersonal deficits")
        for kind in ("cases", "median")
    }
    joy_weeks = [w for w, _ in cases[1].scores("phq9")]
    assert data["Role dispute (cases)"]["x"] == [*joy_weeks, None]
    assert data["Role dispute (cases)"]["y"][0] == 0


def test_builders_never_show_or_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shown: list[object] = []
    monkeypatch.setattr(go.Figure, "show", lambda *a, **k: shown.append(a))
    case = load("joy")
    for build in (trajectory, closeness_circle, closeness_over_time, timeline):
        assert isinstance(build(case), go.Figure)
    assert shown == [] and list(tmp_path.iterdir()) == []


def test_cohort_of_500_cases_stays_one_trace_per_area() -> None:
    cases = [load(c) for c in SAMPLE_IDS] * 125
    fig = cohort(cases)
    assert len(fig.data) == 8
    assert traces(fig)["Grief (cases)"]["x"].count(None) == 125
