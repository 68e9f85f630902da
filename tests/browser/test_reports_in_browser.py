"""A real browser opens rendered reports with the network blocked: every chart is drawn, no script
from case text runs, and the index links work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ipt_nb import Case, load_case, save_case
from ipt_nb.render import render_casebook

from ..conftest import CASES
from .conftest import axe_violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    data = load_case(CASES / "joy.yaml").model_dump(mode="json", exclude_unset=True)
    data.update(id="hostile", title="Hostile <script>window.__pwned = 1</script>")
    data["patient"]["presenting_problem"] = '<img src=x onerror="window.__pwned = 2">'
    data["people"][0]["label"] = "<svg onload=window.__pwned=3>"
    save_case(Case.model_validate(data), folder / "hostile.yaml")
    summary = render_casebook(
        [CASES / "amara.yaml", folder / "hostile.yaml"],
        folder / "out",
        workers=1,
        progress=False,
        allow_identifiers=True,  # this test is about escaping; the lint has its own tests
    )
    assert summary.ok
    return folder / "out"


def test_every_chart_is_drawn_offline(page: Any, serve: Any, reports: Path, tmp_path: Path) -> None:
    base = serve(reports)
    page.goto(f"{base}/amara.html")
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8", timeout=20_000
    )
    divs = page.locator("div.plotly-graph-div").count()
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('div.plotly-graph-div')).filter(d => d.querySelector('.main-svg')).length"
    )
    assert divs == 4 and drawn == divs
    assert page.blocked == [] and page.errors == []
    page.screenshot(path=str(tmp_path / "amara-report.png"), full_page=True)
    assert (tmp_path / "amara-report.png").stat().st_size > 10_000


def test_case_text_never_runs_as_script(page: Any, serve: Any, reports: Path) -> None:
    base = serve(reports)
    page.goto(f"{base}/hostile.html")
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=20_000
    )
    assert page.evaluate("window.__pwned") is None
    assert "Hostile <script>window.__pwned = 1</script>" in page.inner_text("h2")
    assert page.errors == []


def test_index_links_to_each_report(page: Any, serve: Any, reports: Path) -> None:
    base = serve(reports)
    page.goto(f"{base}/index.html")
    page.click("text=Amara")
    page.wait_for_url(f"{base}/amara.html")
    assert "Amara" in page.title()


def test_a_report_and_the_index_pass_axe(page: Any, serve: Any, reports: Path) -> None:
    base = serve(reports)
    for name in ("amara.html", "index.html"):
        page.goto(f"{base}/{name}")
        page.wait_for_load_state("load")
        assert axe_violations(page) == [], name
