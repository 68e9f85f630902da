"""Charts drawn after the page shows its controls: none in a widget's first state, drawn when the
browser presses for them, or at the first change where no script runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import ipywidgets as widgets

from ipt_nb import Walkthrough, Workbench, load_case
from ipt_nb._after_paint import AFTER_PAINT_JS, AfterPaint

CASES = Path(__file__).resolve().parent.parent / "casebook" / "cases"
PLOTLY = "application/vnd.plotly.v1+json"


def charts_in(output: widgets.Output) -> int:
    return sum(PLOTLY in item["data"] for item in output.outputs)


def test_draws_once_whether_pressed_or_asked_first() -> None:
    drawn: list[int] = []
    after = AfterPaint(lambda: drawn.append(1), ready=".controls button")
    assert after.due is False and drawn == []
    after.button.click()
    after.button.click()
    after.now()
    assert after.due is True and drawn == [1]
    script = after.trigger.children[1].outputs[0]["data"]["application/javascript"]  # type: ignore[attr-defined]
    assert script == AFTER_PAINT_JS % '".controls button"'
    assert after.trigger.layout.display == "none"


def test_the_walkthrough_shows_its_week_first_and_its_two_charts_when_pressed() -> None:
    walk = Walkthrough(load_case(CASES / "joy.yaml"), 3)
    root = walk.widget()
    body = root.children[3]
    assert charts_in(body) == 0 and "week 3 of 16" in str(body.outputs)
    trigger = root.children[-1]
    trigger.children[0].click()  # what the page's script does after its first paint
    assert charts_in(body) == 2 and "week 3 of 16" in str(body.outputs)


def test_a_week_change_draws_the_charts_where_no_script_pressed() -> None:
    walk = Walkthrough(load_case(CASES / "joy.yaml"), 3)
    root = walk.widget()
    root.children[1].children[2].click()  # Next
    assert charts_in(root.children[3]) == 2 and walk.week == 4


def test_the_inventory_draws_its_circle_when_pressed_or_at_the_first_edit(tmp_path: Path) -> None:
    path = Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))
    pressed, edited = Workbench(path), Workbench(path)
    for bench in (pressed, edited):
        bench.widget()
        assert charts_in(bench.inventory.preview) == 0
    pressed.inventory.drawing.button.click()
    edited.inventory.fields.rows[("people", 0, "closeness")].widget.value = 7
    assert charts_in(pressed.inventory.preview) == 1 and charts_in(edited.inventory.preview) == 1
