"""The ``ipt-nb`` command: a thin adapter that parses arguments and calls the library.

Exit codes: 0 success, 1 a case is invalid (or a job failed), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .casefile import FileReport, atomic_write, case_files, check_file, json_schema_text
from .classroom import CLASS_POOL
from .errors import IptNbError, UsageError

__all__ = [
    "CHART_KINDS",
    "EPILOG",
    "Commands",
    "build_parser",
    "main",
]

EPILOG = """\
examples:
  ipt-nb validate casebook/cases          check every case of a folder
  ipt-nb validate --strict --json a.yaml  fail on warnings too; machine-readable
  ipt-nb new maria --out casebook/cases   start a new case from a commented draft
  ipt-nb render --out reports             every case to an HTML report, in parallel
  ipt-nb lint casebook/cases              identifiers to remove before sharing
  ipt-nb app my-case.yaml                 the forms for a case, as a local web app
  ipt-nb summary casebook/cases           one line of outcomes per case
  ipt-nb figure joy.yaml --kind circle --week 16 --out circle.png
  ipt-nb schema > ipt-case-1.schema.json  JSON Schema for editors
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``ipt-nb`` argument parser, with every subcommand and its help."""
    parser = argparse.ArgumentParser(
        prog="ipt-nb",
        description="Case files, outcomes and reports for Interpersonal Psychotherapy casework.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ipt-nb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    for add in (
        _add_file_commands,
        _add_outcome_commands,
        _add_scores_commands,
        _add_render_command,
        _add_app,
    ):
        add(commands)
    return parser


Commands = Any


def _add_file_commands(commands: Commands) -> None:
    validate = commands.add_parser(
        "validate",
        help="check case files against the ipt-case/1 format",
        description="Check case files. Prints one line per problem as file:line:col: field: message.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders of them")
    validate.add_argument("--strict", action="store_true", help="treat warnings as failures")
    validate.add_argument("--json", action="store_true", help="print a JSON report instead of lines")
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the case format")
    schema.set_defaults(handler=_schema)

    new = commands.add_parser("new", help="write a valid, commented draft case to fill in")
    new.add_argument("case_id", metavar="ID", help="the case id: lowercase letters, digits, - and _")
    new.add_argument("--out", type=Path, default=Path(), metavar="DIR", help="folder to write ID.yaml into")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.add_argument(
        "--adaptation",
        choices=("standard", "ipt_a", "group", "perinatal", "ipc", "ipt_m", "ipsrt"),
        default="standard",
        help="the IPT format: drafts its course length and phases (default standard)",
    )
    new.set_defaults(handler=_new)

    lint = commands.add_parser(
        "lint",
        help="find identifiers (names, phone numbers, dates, ...) in case files before sharing them",
        description="Scan every free-text field and comment. Prints file:line:col: class: text (hint).",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders of them")
    lint.set_defaults(handler=_lint)

    summary = commands.add_parser("summary", help="one line of outcomes per case")
    summary.add_argument("paths", nargs="+", metavar="PATH", help="case files or folders of them")
    _add_threshold_options(summary)
    summary.set_defaults(handler=_summary)


def _add_outcome_commands(commands: Commands) -> None:
    outcomes = commands.add_parser(
        "outcomes",
        help="response, remission, reliable change and alerts of one case",
        description="Outcome summary of one case. Thresholds are printed with the results.",
    )
    outcomes.add_argument("case", type=Path, metavar="CASE", help="a case file")
    outcomes.add_argument("--json", action="store_true", help="print the OutcomeSummary as JSON")
    _add_threshold_options(outcomes)
    outcomes.set_defaults(handler=_outcomes)

    figure = commands.add_parser(
        "figure",
        help="draw one chart of a case to a PNG, SVG or PDF file",
        description="Draw a chart with kaleido and the system's Chromium (set BROWSER_PATH to choose one).",
    )
    figure.add_argument("case", type=Path, metavar="CASE", help="a case file")
    figure.add_argument("--kind", choices=sorted(CHART_KINDS), default="trajectory", help="which chart")
    figure.add_argument(
        "--week", type=int, default=None, help="circle: as rated at this week (default intake)"
    )
    figure.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.png, .svg or .pdf")
    _allow_identifiers(figure, "draw")
    figure.set_defaults(handler=_figure)


def _add_threshold_options(parser: argparse.ArgumentParser) -> None:
    """Local conventions for outcomes; the defaults are the kit's (see ``ipt-nb outcomes`` output)."""
    group = parser.add_argument_group("thresholds (default: the kit's, printed with the results)")
    group.add_argument(
        "--response-fraction",
        type=float,
        metavar="F",
        help="response is a reduction from baseline of at least F (default 0.5)",
    )
    group.add_argument(
        "--remission-max",
        action="append",
        default=[],
        metavar="MEASURE=SCORE",
        help="remission is a score at or below SCORE on MEASURE (repeatable), e.g. phq9=4",
    )
    group.add_argument(
        "--reliable-change",
        action="append",
        default=[],
        metavar="MEASURE=POINTS",
        help="a change of at least POINTS on MEASURE is reliable (repeatable), e.g. phq9=6",
    )
    group.add_argument(
        "--sustained-remission",
        type=int,
        metavar="N",
        help="remission needs N consecutive scored weeks at or below the remission score "
        "(Frank et al. 1991; default off: one score)",
    )
    group.add_argument(
        "--hamd-bands",
        choices=("zimmerman_2013", "rush_2003"),
        help="HAM-D-17 severity bands (default zimmerman_2013)",
    )


def _allow_identifiers(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--allow-identifiers", action="store_true", help=f"{verb} even if the identifier lint finds something"
    )


def _add_scores_commands(commands: Commands) -> None:
    scores = commands.add_parser(
        "scores",
        help="export scores to a CSV spreadsheet or import them from one",
        description=(
            "Columns: week, measure (phq9, gad7, hamd17, bdi2, epds), total, items (space-separated)."
        ),
    )
    scores_commands = scores.add_subparsers(dest="scores_command", metavar="ACTION", required=True)
    export = scores_commands.add_parser("export", help="write every score of a case to a CSV file")
    export.add_argument("case", type=Path, metavar="CASE")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    _allow_identifiers(export, "export")
    export.set_defaults(handler=_scores_export)
    importer = scores_commands.add_parser(
        "import",
        help="add or replace scores from a CSV file (all rows checked first; nothing written on error)",
    )
    importer.add_argument("case", type=Path, metavar="CASE")
    importer.add_argument("csv", type=Path, metavar="FILE.csv")
    importer.set_defaults(handler=_scores_import)


def _add_render_command(commands: Commands) -> None:
    render = commands.add_parser(
        "render",
        help="render every case to an HTML report, in parallel, with an index page",
        description=(
            "Validate each case, execute the report notebook for it and export offline HTML. "
            "Invalid or failing cases are listed in index.html and make the command exit 1."
        ),
    )
    render.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="case files or folders (default casebook/cases)"
    )
    render.add_argument(
        "--out", type=Path, default=Path("reports"), metavar="DIR", help="output folder (default reports)"
    )
    render.add_argument(
        "--template",
        type=Path,
        default=Path("casebook/report.ipynb"),
        metavar="NOTEBOOK",
        help="the report notebook run for each case (default casebook/report.ipynb). TRUSTED CODE: "
        "it runs with your rights and its outputs go into the reports as they are, scripts included; "
        "use only notebooks you wrote or reviewed",
    )
    render.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra notebook parameter (repeatable): NAME must be declared in the template's parameters "
        "cell (case_path and other file parameters cannot be set); VALUE is read as JSON when it can "
        "be, else as text",
    )
    render.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: CPUs)")
    render.add_argument("--self-contained", action="store_true", help="inline plotly.js into every report")
    render.add_argument(
        "--pdf",
        action="store_true",
        help="also print each report to ID.pdf beside its HTML (A4, Chromium; the index links both)",
    )
    render.add_argument(
        "--changed-only", action="store_true", help="skip cases whose file, template and kit are unchanged"
    )
    render.add_argument(
        "--keep-notebooks", action="store_true", help="keep the executed notebooks in DIR/notebooks"
    )
    render.add_argument("--no-progress", action="store_true", help="no progress bar")
    render.add_argument(
        "--cell-timeout",
        type=int,
        default=120,
        metavar="SECONDS",
        help="a case fails when one cell runs longer; its kernel is replaced (default: 120)",
    )
    render.add_argument("--executor", choices=["local", "dask"], default="local", help="where cases run")
    render.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler (default: a local cluster)"
    )
    render.add_argument(
        "--allow-identifiers",
        action="store_true",
        help="render cases even when the identifier lint finds some",
    )
    render.set_defaults(handler=_render)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ipt-nb`` with ``argv`` (default: the command line); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except IptNbError as exc:
        print(f"ipt-nb: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ipt-nb: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a read-only folder, a missing permission: one line, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ipt-nb: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


def _output_path(out: Path, inputs: list[Path], option: str = "--out") -> Path:
    """An output file that is neither an input nor a folder (a usage error names both)."""
    if out.is_dir():
        raise UsageError(f"{option} {out} is a folder; give a file name")
    for source in inputs:
        if out.exists() and source.exists() and out.resolve() == source.resolve():
            raise UsageError(f"{option} {out} is the input {source}; writing it would destroy the input")
    return out


def _reports(paths: list[str]) -> list[FileReport]:
    files = case_files(list(paths))
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if not files:
        raise UsageError(f"no case files (*.yaml) in {', '.join(paths)}")
    return [check_file(f) for f in files]


def _validate(args: argparse.Namespace) -> int:
    reports = _reports(args.paths)
    failed = [r for r in reports if not r.ok or (args.strict and r.warnings)]
    if args.json:
        print(json.dumps({"strict": args.strict, "files": [r.as_dict() for r in reports]}, indent=2))
        return 1 if failed else 0
    for report in reports:
        for issue in [*report.errors, *report.warnings]:
            print(issue.format(report.source))
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.warnings) for r in reports)
    print(
        f"{len(reports)} file(s) checked: {len(reports) - len(failed)} passed, {len(failed)} failed; "
        f"{errors} error(s), {warnings} warning(s)",
        file=sys.stderr,
    )
    return 1 if failed else 0


def _schema(_: argparse.Namespace) -> int:
    sys.stdout.write(json_schema_text())
    return 0


def _new(args: argparse.Namespace) -> int:
    from ._template import draft

    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", args.case_id):
        raise UsageError(f"{args.case_id!r} is not a valid id; use lowercase letters, digits, - and _")
    target = args.out / f"{args.case_id}.yaml"
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; choose another id or use --force")
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(
        target, draft(args.case_id, str(target), args.adaptation).encode("utf-8")
    )  # never a partial draft
    print(target)
    return 0


def _outcomes(args: argparse.Namespace) -> int:
    from .casefile import load_case
    from .outcomes import format_table, summarize

    summary = summarize(load_case(args.case), _outcome_config(args))
    print(summary.model_dump_json(indent=2) if args.json else format_table(summary))
    return 0


CHART_KINDS = ("trajectory", "circle", "closeness", "timeline")


def _figure(args: argparse.Namespace) -> int:
    from . import charts
    from .casefile import load_case
    from .images import write_image
    from .privacy import require_clean

    _output_path(args.out, [args.case])
    case = load_case(args.case)
    require_clean(args.case, allow=args.allow_identifiers)
    builders = {
        "trajectory": lambda: charts.trajectory(case),
        "circle": lambda: charts.closeness_circle(case, week=args.week),
        "closeness": lambda: charts.closeness_over_time(case),
        "timeline": lambda: charts.timeline(case),
    }
    print(write_image(builders[args.kind](), args.out))
    return 0


def _scores_export(args: argparse.Namespace) -> int:
    from .casefile import load_case
    from .privacy import require_clean
    from .scores import export_csv

    _output_path(args.out, [args.case])
    require_clean(args.case, allow=args.allow_identifiers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, export_csv(load_case(args.case)).encode("utf-8"))
    print(args.out)
    return 0


def _scores_import(args: argparse.Namespace) -> int:
    from .scores import import_csv

    if not args.csv.is_file():
        raise UsageError(f"no such file: {args.csv}")
    path, count = import_csv(args.case, args.csv)
    print(f"{path}: {count} score(s) imported")
    return 0


def _add_app(commands: Commands) -> None:
    app = commands.add_parser(
        "app",
        help="open the forms (or the supervision walkthrough) for a case file as a local web app",
        description="Serve a notebook for one case as a Voila app on 127.0.0.1. Ctrl-C stops it.",
    )
    app.add_argument("case", type=Path, metavar="CASE", help="the case file to open")
    app.add_argument("--notebook", choices=["workbench", "supervision", "exercise"], default="workbench")
    app.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    app.add_argument("--no-browser", action="store_true", help="print the address, do not open a browser")
    app.add_argument(
        "--answers",
        type=Path,
        default=None,
        metavar="DIR",
        help="exercise: the folder where students' answers are kept (one JSON file per student)",
    )
    app.set_defaults(handler=_app)

    handout = commands.add_parser(
        "handout",
        help="the walkthrough of one week as HTML or PDF, charts included",
        description="Render the supervision walkthrough of CASE at --week into one self-contained HTML "
        "page, or a PDF (by the extension) printed by Chromium with margins and a footer. Without "
        "--reveal it holds nothing the group should work out first.",
    )
    handout.add_argument("case", type=Path, metavar="CASE", help="a case file")
    handout.add_argument("--week", type=int, required=True, metavar="N", help="the week to show")
    handout.add_argument("--reveal", action="store_true", help="include the answer and the formulation")
    handout.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.html or FILE.pdf")
    _allow_identifiers(handout, "print")
    handout.set_defaults(handler=_handout)

    slides = commands.add_parser(
        "slides",
        help="the walkthrough as one offline HTML deck for a projector",
        description="Write the supervision walkthrough of CASE as one self-contained HTML deck: two "
        "slides per week (facts, charts), the answer and the formulation as reveals the presenter "
        "steps onto, the phase's adherence checklist in speaker notes (key N). It opens from a USB "
        "stick in any browser, with no network and no Python.",
    )
    slides.add_argument("case", type=Path, metavar="CASE", help="a case file")
    slides.add_argument("--out", type=Path, required=True, metavar="FILE.html", help="the deck to write")
    _allow_identifiers(slides, "write")
    slides.set_defaults(handler=_slides)

    klass = commands.add_parser("class", help="class answers: their schema and what a class chose")
    actions = klass.add_subparsers(dest="action", metavar="ACTION", required=True)
    schema = actions.add_parser("schema", help="print the JSON Schema of an answer file")
    schema.set_defaults(handler=_class_schema)
    init = actions.add_parser(
        "init", help="a working folder for a class: the exercise notebook, the cases and an answers folder"
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="the working folder (created)")
    init.add_argument(
        "--case", type=Path, action="append", default=[], metavar="CASE",
        help="a case for the exercise (repeatable; default: the sample casebook)",
    )  # fmt: skip
    init.set_defaults(handler=_class_init)
    serve = actions.add_parser(
        "serve",
        help="serve the exercise to a class: one browser session per student, answers kept in DIR",
        description="Serve the class exercise for each CASE to students' browsers (each page is one "
        "student's own session; kernels are pre-started so a joining student waits little, and "
        "released when the page closes), and a results page for the educator on a second address. "
        "Loopback only unless --host opens it to the room. Ctrl-C stops it; the answers stay in DIR.",
    )
    serve.add_argument("cases", type=Path, nargs="+", metavar="CASE", help="case files for the exercise")
    serve.add_argument(
        "--answers", type=Path, required=True, metavar="DIR",
        help="where the answers go, one JSON file per student and case (created if missing; "
        "not inside casebook/)",
    )  # fmt: skip
    serve.add_argument(
        "--host", default="127.0.0.1", metavar="ADDR",
        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 opens it to the room's "
        "network, and the command says what that means)",
    )  # fmt: skip
    serve.add_argument("--port", type=int, default=None, help="port for the students (default: a free one)")
    serve.add_argument(
        "--pool", type=int, default=CLASS_POOL, metavar="N",
        help=f"kernels kept ready per case (default {CLASS_POOL}; about 120 MB each): the class size "
        "for the fastest start, 0 to start each on demand",
    )  # fmt: skip
    serve.set_defaults(handler=_class_serve)
    results = actions.add_parser("results", help="what the class chose first, against the teaching answer")
    results.add_argument("answers", type=Path, metavar="DIR", help="the answers folder")
    results.add_argument("--case", default=None, metavar="ID", help="one case (default: every case found)")
    results.add_argument("--json", action="store_true", help="print the results as JSON")
    results.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE.html",
        help="also write an offline page with the charts",
    )
    results.add_argument(
        "--names", action="store_true", help="show the pseudonyms (hidden by default: a projector is public)"
    )
    results.add_argument(
        "--cases",
        type=Path,
        default=Path("casebook/cases"),
        metavar="DIR",
        help="where the cases and their teaching answers are (default casebook/cases)",
    )
    results.set_defaults(handler=_class_results)


def _app(args: argparse.Namespace) -> int:
    from ._process import skip_slow_imports

    skip_slow_imports()  # before papermill's import: about a second of the time to the page
    from .app import serve

    if not args.case.is_file():
        raise UsageError(f"no such file: {args.case}")
    if args.answers is not None and not args.answers.is_dir():
        raise UsageError(f"--answers {args.answers}: no such folder; create it first")
    return serve(args.case, args.notebook, args.port, open_browser=not args.no_browser, answers=args.answers)


def _handout(args: argparse.Namespace) -> int:
    from ._process import skip_slow_imports
    from .handout import write_handout
    from .privacy import require_clean

    skip_slow_imports()
    _output_path(args.out, [args.case])
    if not args.case.is_file():
        raise UsageError(f"no such file: {args.case}")
    if args.week < 0:
        raise UsageError("--week must be 0 (intake) or later")
    require_clean(args.case, allow=args.allow_identifiers)
    print(write_handout(args.case, args.week, args.out, reveal=args.reveal))
    return 0


def _slides(args: argparse.Namespace) -> int:
    from .casefile import load_case
    from .privacy import require_clean
    from .slides import write_deck

    if args.out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {args.out}: give an .html file")
    _output_path(args.out, [args.case])
    if not args.case.is_file():
        raise UsageError(f"no such file: {args.case}")
    require_clean(args.case, allow=args.allow_identifiers)
    print(write_deck(load_case(args.case), args.out))
    return 0


def _class_init(args: argparse.Namespace) -> int:
    import shutil

    from .app import find_notebook

    cases = args.case or sorted((Path("casebook") / "cases").glob("*.yaml"))
    for report in _reports([str(c) for c in cases]):
        if not report.ok:
            raise UsageError(f"{report.source} is invalid; run ipt-nb validate {report.source}")
    notebook = find_notebook("exercise")
    targets = [args.folder / notebook.name, *(args.folder / "cases" / Path(c).name for c in cases)]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise UsageError(f"{existing[0]} exists; choose an empty folder (nothing was copied)")
    (args.folder / "cases").mkdir(parents=True, exist_ok=True)
    (args.folder / "answers").mkdir(exist_ok=True)
    shutil.copyfile(notebook, targets[0])
    for case, target in zip(cases, targets[1:], strict=True):
        shutil.copyfile(case, target)
    first = targets[1].name if len(targets) > 1 else "CASE.yaml"
    print(f"{args.folder}: {notebook.name}, {len(cases)} case(s) in cases/, answers/ for the answers")
    answers, copies = args.folder / "answers", args.folder / "cases"
    print(f"run: ipt-nb app {copies / first} --notebook exercise --answers {answers}")
    print(f"then: ipt-nb class results {answers} --cases {copies}")
    return 0


def _class_serve(args: argparse.Namespace) -> int:
    from ._process import skip_slow_imports

    skip_slow_imports()
    from .class_server import serve_class

    return serve_class(args.cases, args.answers, host=args.host, port=args.port, pool=args.pool)


def _class_schema(_: argparse.Namespace) -> int:
    from .classroom import schema_text

    sys.stdout.write(schema_text())
    return 0


def _class_results(args: argparse.Namespace) -> int:
    from .class_view import collect, results_page
    from .classroom import area_name

    if not args.answers.is_dir():
        raise UsageError(f"no such folder: {args.answers}")
    report = collect(args.answers, args.cases, args.case)  # a missing cases folder: no teaching answers
    if args.out is not None:
        _output_path(args.out, [])
        args.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(args.out, results_page(report, show_names=args.names).encode("utf-8"))
        print(args.out, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return 0
    for case_id, result in report.cases.items():
        choices = ", ".join(f"{area_name(a)} {n}" for a, n in result["first_choice"].items())
        print(f"{case_id}: {result['handed_in']} handed in; first choices: {choices}")
        if result["answer"]:
            right = result["first_choice_correct"]
            print(f"  teaching answer {area_name(result['answer'])}: {right} chose it first")
        print(f"  changed after feedback: {result['changed_after_feedback']}")
        if args.names:
            attempts = ", ".join(f"{name} {n}" for name, n in result["attempts"].items())
            print(f"  attempts: {attempts}")
    for name, reason in report.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    return 0


def _parameter_value(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _render(args: argparse.Namespace) -> int:
    from ._process import skip_slow_imports
    from .render import BatchRenderer, RenderOptions
    from .render.options import MAX_WORKERS, check_render_parameters

    skip_slow_imports()  # this process may render too (one worker); it is ours to trim

    options: dict[str, Any] = {
        "out": args.out,
        "template": args.template,
        "parameters": {name: _parameter_value(value) for name, value in args.parameter},
        "self_contained": args.self_contained,
        "pdf": args.pdf,
        "changed_only": args.changed_only,
        "keep_notebooks": args.keep_notebooks,
        "progress": not args.no_progress,
        "allow_identifiers": args.allow_identifiers,
        "executor": args.executor,
        "scheduler": args.scheduler,
        "cell_timeout": args.cell_timeout,
    }
    if args.cell_timeout < 1:
        raise UsageError("--cell-timeout must be 1 second or more")
    if args.paths:
        options["paths"] = args.paths
    if args.workers is not None:
        if not 1 <= args.workers <= MAX_WORKERS:
            raise UsageError(f"--workers must be 1 to {MAX_WORKERS}, not {args.workers}")
        options["workers"] = args.workers
    check_render_parameters(args.template, options["parameters"])
    inputs = case_files(list(args.paths or [Path("casebook") / "cases"]))
    for source in [*inputs, args.template]:
        if source.exists() and args.out.exists() and source.resolve() == args.out.resolve():
            raise UsageError(f"--out {args.out} is the input {source}; choose another folder")
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} is a file; give a folder for the reports")
    summary = BatchRenderer(RenderOptions(**options)).run()
    print(summary.table())
    print(f"index: {summary.index}")
    for case_id in summary.failed:
        print(
            f"ipt-nb: {case_id} failed; its notebook and error are in {summary.out / '_failed'}",
            file=sys.stderr,
        )
    for source, reason in summary.invalid.items():
        print(f"ipt-nb: {source} was skipped: {reason}", file=sys.stderr)
    return 0 if summary.ok else 1


def _lint(args: argparse.Namespace) -> int:
    from .privacy import lint_file

    files = case_files(list(args.paths))
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    findings = [finding for path in files for finding in lint_file(path)]
    for finding in findings:
        print(finding.format())
    print(f"{len(files)} file(s) scanned: {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


def _outcome_config(args: argparse.Namespace) -> Any:
    """An OutcomeConfig from the threshold options; a usage error names what is wrong."""
    from .instruments import INSTRUMENTS
    from .outcomes import OutcomeConfig

    default = OutcomeConfig()
    changes: dict[str, Any] = {}
    if args.response_fraction is not None:
        if not 0 < args.response_fraction <= 1:  # also refuses nan
            raise UsageError(
                f"--response-fraction must be above 0 and at most 1, not {args.response_fraction}"
            )
        changes["response_fraction"] = args.response_fraction
    for option, given, field, read in (
        ("--remission-max", args.remission_max, "remission_max", _score),
        ("--reliable-change", args.reliable_change, "reliable_change_points", _points),
    ):
        values = dict(getattr(default, field))
        for item in given:
            measure, _, number = item.partition("=")
            if measure not in values:
                raise UsageError(
                    f"{option} {item}: unknown measure {measure!r}; use one of {', '.join(values)}"
                )
            try:
                values[measure] = read(number, INSTRUMENTS[measure].total_max)
            except ValueError as exc:
                raise UsageError(f"{option} {item}: {exc}") from None
        changes[field] = values
    if args.sustained_remission is not None:
        if not 2 <= args.sustained_remission <= 26:
            raise UsageError(f"--sustained-remission must be 2 to 26 weeks, not {args.sustained_remission}")
        changes["sustained_remission_weeks"] = args.sustained_remission
    if args.hamd_bands is not None:
        changes["hamd_bands"] = args.hamd_bands
    return OutcomeConfig.model_validate({**default.model_dump(), **changes})


def _score(text: str, total_max: int) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > total_max:
        raise ValueError(f"{text!r} is not a whole number from 0 to {total_max}, the scale's maximum")
    return int(text)


def _points(text: str, total_max: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 < value <= total_max:  # also refuses nan
        raise ValueError(f"{text!r} is not a number of points above 0 and at most {total_max}")
    return value


def _summary(args: argparse.Namespace) -> int:
    from .outcomes import summary_line

    config = _outcome_config(args)
    reports = _reports(args.paths)
    for report in reports:
        if report.case is None:
            print(f"{report.source}: invalid ({len(report.errors)} error(s)); run ipt-nb validate")
        else:
            print(summary_line(report.case, config))
    if local := _local_thresholds(config):
        print(f"thresholds set locally: {local}")
    return 0 if all(r.ok for r in reports) else 1


def _local_thresholds(config: Any) -> str:
    """The thresholds that differ from the kit's, in words; empty when none does."""
    from .outcomes import OutcomeConfig

    default = OutcomeConfig()
    parts = []
    if config.response_fraction != default.response_fraction:
        parts.append(f"response >= {config.response_fraction:.0%} reduction")
    parts += [
        f"{measure} remission <= {value}"
        for measure, value in config.remission_max.items()
        if value != default.remission_max[measure]
    ]
    parts += [
        f"{measure} reliable change >= {value:g} points"
        for measure, value in config.reliable_change_points.items()
        if value != default.reliable_change_points[measure]
    ]
    if config.sustained_remission_weeks:
        parts.append(f"remission held for {config.sustained_remission_weeks} scored weeks")
    if config.hamd_bands != default.hamd_bands:
        parts.append(f"HAM-D-17 bands {config.hamd_bands}")
    return "; ".join(parts)
