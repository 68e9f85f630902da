"""The forms driven from Python as a person would: set widget values, click buttons, check the
model and the file on disk."""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import ipywidgets as widgets
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_nb import load_case
from ipt_nb.catalog import PHASES
from ipt_nb.errors import UsageError, format_location
from ipt_nb.forms import FormState, Workbench, score_summary
from ipt_nb.forms.workbench import TITLES
from ipt_nb.instruments import INSTRUMENTS
from ipt_nb.selection import evidence

from .conftest import CASES


@pytest.fixture
def joy(tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))


def session_row(bench: Workbench, week: int, *within: str | int) -> object:
    log = bench.session_log  # made on first use: it adds the week's session if there is none
    index = [s["week"] for s in bench.state.data["sessions"]].index(week)
    return log.fields.rows[("sessions", index, *within)]


def test_a_person_added_and_saved_is_in_the_file_with_its_comments(joy: Path) -> None:
    bench = Workbench(joy)
    bench.widget()
    inventory = bench.inventory
    inventory.add.click()
    index = len(bench.state.data["people"]) - 1
    rows = inventory.fields.rows
    rows[("people", index, "id")].widget.value = "neighbour"
    rows[("people", index, "label")].widget.value = "Neighbour"
    rows[("people", index, "relationship")].widget.value = "neighbour"
    rows[("people", index, "ring")].widget.value = 2
    assert "unsaved changes" in bench.marker.value
    preview = inventory.preview.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    assert any("neighbour" in (trace.get("customdata") or []) for trace in preview["data"])
    assert bench.save().status == "saved"
    case = load_case(joy)
    assert case.person("neighbour").label == "Neighbour" and case.person("neighbour").ring == 2
    text = joy.read_text()
    assert text.startswith("# Fictional teaching case") and "# Interpersonal inventory." in text
    assert "(saved)" in bench.marker.value


def test_invalid_input_is_shown_beside_the_field_and_nothing_is_written(joy: Path) -> None:
    before = joy.read_bytes()
    bench = Workbench(joy, week=6)
    bench.widget()
    label = bench.inventory.fields.rows[("people", 0, "label")]
    label.widget.value = ""
    item = session_row(bench, 6, "measures", "phq9", "items", 0)
    item.widget.value = "5"  # type: ignore[attr-defined]
    result = bench.save()
    assert result.status == "invalid" and joy.read_bytes() == before
    assert "must not be empty" in label.error.value
    assert "5 is outside item 1" in item.error.value and "items score 0-3" in item.error.value  # type: ignore[attr-defined]
    assert "Not saved" in bench.summary.value
    assert label.widget.value == "" and item.widget.value == "5"  # type: ignore[attr-defined]


def test_phq9_item_entry_gives_total_band_and_risk_flag(joy: Path) -> None:
    bench = Workbench(joy, week=17)
    for number, value in enumerate([3, 3, 2, 2, 2, 2, 1, 1, 0]):
        session_row(bench, 17, "measures", "phq9", "items", number).widget.value = str(value)  # type: ignore[attr-defined]
    assert bench.session_log.totals["phq9"].value == "PHQ-9 total 16: moderately severe"
    session_row(bench, 17, "measures", "phq9", "items", 8).widget.value = "2"  # type: ignore[attr-defined]
    assert "RISK: item 9 is 2" in bench.session_log.totals["phq9"].value
    assert score_summary("gad7", [1, 1]) == "GAD-7: 2 of 7 items entered"
    assert bench.save().status == "saved"
    saved = load_case(joy).session(17)
    assert saved is not None and saved.measures["phq9"].score == 18


def test_epds_items_name_the_reverse_scored_ones_and_a_bad_item_is_said_at_once(joy: Path) -> None:
    bench = Workbench(joy, week=17)
    assert "Items 3, 5, 6, 7, 8, 9, 10 are reverse-scored" in str(
        bench.session_log.body.children[2].children[0].value
    )
    session_row(bench, 17, "measures", "epds", "items", 2).widget.value = "abc"  # type: ignore[attr-defined]
    assert "item 3: 'abc' is not a whole number (0-3)" in bench.session_log.totals["epds"].value
    session_row(bench, 17, "measures", "epds", "items", 2).widget.value = "5"  # type: ignore[attr-defined]
    assert "item 3: 5 is outside 0-3" in bench.session_log.totals["epds"].value
    for number, value in enumerate([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]):
        session_row(bench, 17, "measures", "epds", "items", number).widget.value = str(value)  # type: ignore[attr-defined]
    total = bench.session_log.totals["epds"].value
    assert total.startswith("EPDS total 11: possible depression")  # 9 * 1 + 2
    assert "RISK: item 10 is 2" in total and "font-weight: bold" in total  # styled as an alert
    session_row(bench, 17, "risk", "assessed").widget.value = True  # type: ignore[attr-defined]
    session_row(bench, 17, "risk", "safety_plan").widget.value = "crisis line; tells her partner"  # type: ignore[attr-defined]
    assert bench.save().status == "saved"
    saved = load_case(joy).session(17)
    assert saved is not None and saved.risk is not None and saved.risk.assessed
    assert saved.measures["epds"].items == [1, 1, 1, 1, 1, 1, 1, 1, 1, 2]


def test_undo_restores_a_removed_person(joy: Path) -> None:
    bench = Workbench(joy)
    names = [p["id"] for p in bench.state.data["people"]]
    remove = bench.inventory.cards.children[1].children[-1].children[1]
    remove.click()
    assert [p["id"] for p in bench.state.data["people"]] == names[:1] + names[2:]
    bench.inventory.undo.click()
    assert [p["id"] for p in bench.state.data["people"]] == names
    assert bench.inventory.undo.disabled


def test_a_stale_file_is_detected_and_can_be_reloaded_or_overwritten(joy: Path) -> None:
    bench = Workbench(joy)
    bench.widget()
    bench.inventory.fields.rows[("people", 0, "label")].widget.value = "Laura (edited here)"
    joy.write_text(joy.read_text().replace("age: 37", "age: 38"))
    assert bench.save().status == "stale"
    assert "changed on disk" in bench.summary.value and bench.stale_box.layout.display == ""
    assert load_case(joy).patient.age == 38
    bench.overwrite_button.click()
    assert load_case(joy).person("laura").label == "Laura (edited here)"


def test_problem_area_rules_are_explained_beside_the_choice(joy: Path) -> None:
    bench = Workbench(joy)
    picker = bench.problem_area
    picker.stage.widget.value = None
    result = bench.save()
    assert result.status == "invalid"
    assert "needs its stage" in picker.stage.error.value
    assert "Role dispute" in picker.catalogue.value and "fits" in picker.evidence.value


def test_formulation_draft_and_checklist(joy: Path) -> None:
    bench = Workbench(joy)
    builder = bench.formulation
    builder.text.widget.value = "You seem low."
    assert "0 of 6 elements" in builder.checklist.value
    builder.draft.click()
    assert "6 of 6 elements" in builder.checklist.value
    assert bench.state.get(("formulation", "text")) == builder.text.widget.value


def test_evidence_matches_the_sample_answers() -> None:
    for case_id, area in (("joy", "role_dispute"), ("margit", "grief"), ("tobias", "interpersonal_deficits")):
        fits = {e.area for e in evidence(load_case(CASES / f"{case_id}.yaml")) if e.fits}
        assert area in fits


def test_opening_a_week_without_entering_anything_adds_no_session(joy: Path) -> None:
    state = FormState.open(joy)
    state.session_index(19, create=True)
    assert state.save().status == "saved"
    assert load_case(joy).session(19) is None


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ["amara", "joy", "margit", "tobias"])
def test_the_workbench_notebook_runs_for_each_sample(tmp_path: Path, case_id: str) -> None:
    import papermill

    from .conftest import ROOT

    path = shutil.copy(CASES / f"{case_id}.yaml", tmp_path / f"{case_id}.yaml")
    papermill.execute_notebook(
        ROOT / "widgets" / "workbench.ipynb", tmp_path / "out.ipynb", parameters={"case_path": str(path), "week": 3},
        cwd=ROOT / "widgets", progress_bar=False, kernel_name="python3",
        iopub_timeout=60,  # a loaded 2-core machine can take more than nbclient's default 4 s to flush widgets
    )  # fmt: skip
    assert (tmp_path / f"{case_id}.yaml").read_bytes() == (CASES / f"{case_id}.yaml").read_bytes()


def test_the_picker_finds_the_primary_wherever_it_is(tmp_path: Path) -> None:
    text = (CASES / "joy.yaml").read_text()
    path = tmp_path / "joy.yaml"
    # the secondary entry first: the format leaves the order free
    start = text.index("problem_areas:\n") + len("problem_areas:\n")
    end = text.index("\nformulation:")
    entries = text[start:end].split("\n  - ")
    path.write_text(
        text[:start] + "  - " + entries[1].strip() + "\n  - " + entries[0].strip()[2:] + text[end:]
    )
    assert [f.focus for f in load_case(path).problem_areas] == ["secondary", "primary"]
    bench = Workbench(path)
    picker = bench.problem_area
    assert picker.area.widget.value == "role_dispute" and picker.stage.widget.value == "impasse"
    rationale = picker.rationale.widget.value
    picker.secondary.value = "grief"
    picker.secondary.value = "__remove__"
    areas = bench.state.data["problem_areas"]
    assert [a["area"] for a in areas] == ["role_dispute"] and areas[0]["rationale"] == rationale


def test_reload_shows_the_file_in_every_form(joy: Path) -> None:
    bench = Workbench(joy)
    bench.formulation.text.widget.value = "my edit"
    joy.write_text(joy.read_text().replace("agreed: agreed", "agreed: agreed_with_changes"))
    assert bench.save().status == "stale"
    bench.reload_button.click()
    assert bench.formulation.text.widget.value == load_case(joy).formulation.text  # type: ignore[union-attr]
    assert bench.formulation.agreed.widget.value == "agreed_with_changes"
    assert not bench.state.dirty


def button(box: widgets.Widget, description: str) -> widgets.Button:
    """The button labelled ``description`` anywhere inside ``box``."""
    stack = [box]
    while stack:
        widget = stack.pop()
        if isinstance(widget, widgets.Button) and widget.description == description:
            return widget
        stack.extend(reversed(getattr(widget, "children", ())))  # in order: the first match wins
    raise AssertionError(f"no {description!r} button")


def test_expectations_and_wished_changes_have_a_field_per_part(joy: Path) -> None:
    bench = Workbench(joy)
    inventory = bench.inventory
    rows = inventory.fields.rows
    laura = load_case(joy).person("laura")
    assert rows[("people", 0, "expectations", 0, "text")].widget.value == laura.expectations[0].text
    assert rows[("people", 0, "expectations", 0, "held_by")].widget.value == laura.expectations[0].held_by
    assert rows[("people", 0, "expectations", 0, "met")].widget.value == laura.expectations[0].met
    count = len(laura.expectations)

    button(inventory.cards.children[0], "Add expectation").click()
    rows = inventory.fields.rows
    new = ("people", 0, "expectations", count)
    assert bench.save().status == "invalid"  # a new entry's text is empty until typed
    assert "must not be empty" in rows[(*new, "text")].error.value
    assert rows[("people", 0, "expectations")].error.value == ""  # said beside the entry, not twice
    assert "1 problem(s)." in bench.summary.value  # and counted as shown in a form

    rows[(*new, "text")].widget.value = "keep handovers | short, and calm"  # a | is only text now
    rows[(*new, "held_by")].widget.value = "other"
    rows[(*new, "met")].widget.value = "partly"
    ben = load_case(joy).person("ben")
    wished = ("people", 2, "wished_changes", len(ben.wished_changes))
    button(inventory.cards.children[2], "Add wished change").click()
    rows = inventory.fields.rows
    rows[(*wished, "text")].widget.value = "tell Ben when worried"
    rows[(*wished, "locus")].widget.value = "self"
    result = bench.save()
    assert result.status == "saved", result.errors
    saved = load_case(joy)
    last = saved.person("laura").expectations[-1]
    assert (last.text, last.held_by, last.met) == ("keep handovers | short, and calm", "other", "partly")
    assert [(w.text, w.locus) for w in saved.person("ben").wished_changes] == [
        *((w.text, w.locus) for w in ben.wished_changes),
        ("tell Ben when worried", "self"),
    ]

    button(inventory.cards.children[0], "Remove").click()  # the first entry's Remove
    assert len(bench.state.get(("people", 0, "expectations"))) == count
    inventory.undo.click()
    assert len(bench.state.get(("people", 0, "expectations"))) == count + 1


def test_the_evidence_and_the_preview_follow_every_edit_and_say_when_paused(joy: Path) -> None:
    bench = Workbench(joy)
    grief = "<td><b>Grief</b></td><td>does not fit</td>"
    assert grief in bench.problem_area.evidence.value
    status = bench.inventory.fields.rows[("people", 4, "status")]  # Father
    status.widget.value = "deceased"  # type: ignore[attr-defined]
    assert "<td><b>Grief</b></td><td>fits</td>" in bench.problem_area.evidence.value  # before any save
    assert "Father has died" in bench.problem_area.evidence.value
    label = bench.inventory.fields.rows[("people", 0, "label")]
    label.widget.value = ""  # type: ignore[attr-defined]
    assert "Preview paused: fix <code>people[0].label</code>" in bench.inventory.paused.value
    assert "Preview paused" in bench.problem_area.paused.value
    assert "fits</td>" in bench.problem_area.evidence.value  # the last valid evidence stays
    label.widget.value = "Laura"  # type: ignore[attr-defined]
    assert bench.inventory.paused.value == "" and bench.problem_area.paused.value == ""


def test_phq9_and_gad7_items_carry_their_wording_and_no_other_instrument_does(joy: Path) -> None:
    bench = Workbench(joy, week=17)
    item9 = session_row(bench, 17, "measures", "phq9", "items", 8)
    wording = [c.value for c in item9.box.children if isinstance(c, widgets.HTML)]
    assert wording == [
        "<small>Thoughts that you would be better off dead, or of hurting yourself in some way</small>"
    ]
    assert item9.widget.placeholder == "0-3"  # type: ignore[attr-defined]
    gad = session_row(bench, 17, "measures", "gad7", "items", 1)
    assert "Not being able to stop or control worrying" in gad.widget.tooltip  # type: ignore[attr-defined]
    epds = session_row(bench, 17, "measures", "epds", "items", 0)
    assert epds.box.children == (epds.widget,)  # EPDS wording is not reproduced (no error yet either)
    assert epds.error is epds.box.children[-1] and item9.error is item9.box.children[-1]  # made on demand
    assert all(not i.item_texts for i in INSTRUMENTS.values() if i.proprietary)


def test_the_case_details_form_edits_the_rest_of_the_case(joy: Path) -> None:
    bench = Workbench(joy)
    rows = bench.case.fields.rows
    case = load_case(joy)
    assert rows[("title",)].widget.value == case.title
    assert rows[("episode", "onset_week")].widget.value == str(case.episode.onset_week)  # type: ignore[union-attr]
    assert rows[("timeline", 0, "text")].widget.value == case.timeline[0].text
    assert rows[("timeline", 0, "people")].widget.value == ", ".join(case.timeline[0].people)
    question = case.teaching.discussion_questions[0]  # type: ignore[union-attr]
    assert rows[("teaching", "discussion_questions", 0, "text")].widget.value == question.text  # type: ignore[union-attr]

    # an event near the onset appears in the problem-area evidence as soon as it is typed
    count = len(case.timeline)
    button(bench.case.body, "Add event").click()
    rows = bench.case.fields.rows
    onset = case.episode.onset_week  # type: ignore[union-attr]
    rows[("timeline", count, "week")].widget.value = str(onset - 2)
    rows[("timeline", count, "kind")].widget.value = "move"
    rows[("timeline", count, "text")].widget.value = "Moves to a flat across town"
    assert "Moves to a flat across town" in bench.problem_area.evidence.value
    rows[("plan", "follow_up_weeks")].widget.value = "20, 24"
    rows[("termination", "warning_signs")].widget.value = "early waking\nskipping meals"
    assert bench.save().status == "saved"
    saved = load_case(joy)
    assert (saved.timeline[-1].week, saved.timeline[-1].kind) == (onset - 2, "move")
    assert saved.plan.follow_up_weeks == [20, 24]
    assert saved.termination.warning_signs == ["early waking", "skipping meals"]  # type: ignore[union-attr]

    # wrong input stays as typed, with the reason beside it; the file is not touched
    before = joy.read_bytes()
    rows[("episode", "onset_week")].widget.value = "last spring"
    rows[("plan", "follow_up_weeks")].widget.value = "20, soon"
    result = bench.save()
    assert result.status == "invalid" and joy.read_bytes() == before
    assert rows[("episode", "onset_week")].error.value and rows[("plan", "follow_up_weeks")].error.value
    assert rows[("episode", "onset_week")].widget.value == "last spring"

    # Remove, then Undo, restores the event
    rows[("episode", "onset_week")].widget.value = str(onset)
    rows[("plan", "follow_up_weeks")].widget.value = "20, 24"
    button(bench.case.body, "Remove").click()
    assert len(bench.state.get(("timeline",))) == count
    bench.case.undo.click()
    assert len(bench.state.get(("timeline",))) == count + 1


def test_phase_spans_are_edited_as_first_and_last_week(joy: Path) -> None:
    bench = Workbench(joy)
    rows = bench.case.fields.rows
    assert [rows[("plan", "phases", p)].widget.value for p in PHASES] == ["1, 3", "4, 12", "13, 16"]
    rows[("plan", "phases", "middle")].widget.value = "4, 10"
    rows[("plan", "phases", "termination")].widget.value = "11 16"
    assert bench.save().status == "saved"
    text = joy.read_text()
    assert "middle: [4, 10]" in text and "termination: [11, 16]" in text  # the file's flow style kept
    saved = load_case(joy)
    assert (saved.phase_of(10), saved.phase_of(11)) == ("middle", "termination")

    before = joy.read_bytes()
    rows[("plan", "phases", "initial")].widget.value = "5"  # a span needs its first and its last week
    assert bench.save().status == "invalid" and joy.read_bytes() == before
    assert rows[("plan", "phases", "initial")].error.value

    for phase in PHASES:  # no spans: the defaults for the course's length, and no empty mapping left
        rows[("plan", "phases", phase)].widget.value = ""
    assert bench.save().status == "saved"
    assert "phases" not in joy.read_text() and load_case(joy).plan.phases is None


def test_a_plain_text_question_stays_plain_text(joy: Path) -> None:
    text = joy.read_text()
    joy.write_text(
        text.replace(
            "  discussion_questions:\n",
            '  discussion_questions:\n    - "Which area fits best, and why?"\n',
            1,
        )
    )
    bench = Workbench(joy)
    row = bench.case.fields.rows[("teaching", "discussion_questions", 0)]
    assert "after reveal" in row.widget.description and row.widget.value == "Which area fits best, and why?"
    row.widget.value = "Which area fits best?"
    assert bench.save().status == "saved"
    assert load_case(joy).teaching.discussion_questions[0] == "Which area fits best?"  # type: ignore[union-attr]


HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["\tTab", "nul\x00", "\x1b[31m", "\ufffe", "next\x85line", ".5e5", "no", "~", "- x", "a: b"]
    ),
)
_BENCHES: dict[Path, Workbench] = {}


@settings(
    max_examples=40 * int(os.environ.get("IPT_FUZZ_SCALE", "1")),  # make fuzz: 30 times as many
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), text=HOSTILE_TEXT)
def test_any_text_in_any_text_field_of_any_form_reads_back_or_is_refused_beside_it(
    joy: Path, data: st.DataObject, text: str
) -> None:
    """Typed into a text field of any of the five forms and saved: the file reads back with exactly
    that text, or the save is refused with the reason beside that field and the file unchanged."""
    bench = _BENCHES.setdefault(joy, Workbench(joy))
    fields = [
        (form, path, row) for form in bench.forms for path, row in form.fields.rows.items() if row.holds_text
    ]  # type: ignore[attr-defined]
    _, path, row = data.draw(
        st.sampled_from(sorted(fields, key=lambda f: format_location(f[1]))), label="field"
    )
    before, original = joy.read_bytes(), row.widget.value
    row.widget.value = text
    try:
        result = bench.save()
        if result.status == "saved":
            stored = bench.state.get(row.path)
            assert FormState.open(joy).get(row.path) == stored
            assert stored == (text if text != "" or row.path[-1] == "label" else None)
        else:
            assert result.status == "invalid" and joy.read_bytes() == before
            assert row.widget.value == text  # kept as typed
            for error_loc in result.errors:  # in the summary, and beside the field where it has one
                assert html.escape(format_location(error_loc)) in bench.summary.value
            if path in result.errors:
                assert row.error.value
    finally:
        row.widget.value = original
        bench.save()


def test_a_tab_is_made_when_first_opened_and_a_save_with_errors_makes_every_tab(joy: Path) -> None:
    """The page opens with the first tab's form only; a save that finds an error in a tab not yet
    opened still puts it beside its field there."""
    bench = Workbench(joy, week=19)  # a week with no session yet: the log adds one, which is no edit
    tabs = bench.widget().children[1]
    made = lambda: [name for name in TITLES if name in vars(bench)]  # noqa: E731
    assert made() == ["inventory"] and [len(page.children) for page in tabs.children] == [1, 0, 0, 0, 0]
    tabs.selected_index = 3
    assert made() == ["inventory", "session_log"] and len(tabs.children[3].children) == 1
    assert not bench.state.dirty  # making a form is not an edit
    bench.state.set(("plan", "sessions"), "twelve")  # a field of the Case details tab, never opened
    before = joy.read_bytes()
    assert bench.save().status == "invalid"
    assert made() == list(TITLES) and "not shown in a form" not in bench.summary.value
    assert "expected a whole number" in bench.case.fields.rows[("plan", "sessions")].error.value
    assert joy.read_bytes() == before
    tabs.selected_index = 4
    assert tabs.children[4].children[0].children  # the form already made, now shown


def test_a_week_or_tab_the_workbench_cannot_show_is_refused_when_it_opens(joy: Path) -> None:
    """Said at once, not when the Session log tab is first opened (or a save needs it)."""
    with pytest.raises(UsageError, match="week 99 is not one the session log offers \\(0-24\\)"):
        Workbench(joy, week=99)
    with pytest.raises(UsageError, match="no such tab notes"):
        Workbench(joy, tabs=("inventory", "notes"))
    assert Workbench(joy, week=24).session_log.week.value == 24
