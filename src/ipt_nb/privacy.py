"""Identifier lint for case files, in the spirit of HIPAA Safe Harbor's identifier classes.

Every free-text value and every comment of a case file is scanned for e-mail
addresses, phone and fax numbers, ID-like numbers, URLs, IP addresses, ZIP and
post codes, street addresses, calendar dates and years, ages over 89, vehicle
plates, and capitalised names that are not declared as a person's or the
patient's label. Findings carry the file's line and column. Structural values
(ids, enumerations, measure totals) are not text and are not scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml as pyyaml

from ._yaml import parse_fast
from .casefile import read_text
from .errors import CaseFileError, IdentifiersFoundError, Issue
from .model import SUPPORTED_FORMATS

__all__ = [
    "PATTERNS",
    "Finding",
    "IdentifiersFoundError",
    "lint_file",
    "lint_text",
    "refusal",
    "require_clean",
    "without_text",
]

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
STREET_TYPES = "Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Close|Crescent|Terrace"
IP = r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b"
PHONE = (
    r"(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}[\s.-]\d{3,6}(?:[\s.-]\d{3,4})?(?![\w-])"
)
ID_WORDS = (
    r"MRN|medical record|member|account|acct|licen[cs]e|policy|insurance|patient id|serial|S/N|SN"
    r"|IMEI|UDI|device(?: id)?|certificate|Medicare|Medicaid|beneficiary|health plan|ID"
)
ID_NUMBER = rf"\b(?:{ID_WORDS})\b(?:[\s#:.]|number|num|no)*(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{{3,}}"
NHS_NUMBER = r"\bNHS(?:\s+(?:no\.?|number))?[\s#:.]*\d{3}[\s-]?\d{3}[\s-]?\d{4}\b"
NI_NUMBER = r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"
MBI = r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b"
"""A US Medicare Beneficiary Identifier (CMS format: 11 characters, no S, L, O, I, B or Z)."""
AT_EMAIL = r"[\w.+-]+\s*(?:\(at\)|\[at\]|\{at\})\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+"
AGE_OVER_89 = r"\b(?:9\d|1[01]\d)[\s-]*(?:years?|yrs?|year-old|y\.?/?o\.?)(?!\w)|\baged?\s+(?:9\d|1[01]\d)\b"
TITLE_BEFORE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Prof|Rev|Sr|Jr)\.\s*$")
"""A capitalised word after "Dr." is a name, not the start of a sentence."""
PLATE = r"\b(?:plate|registration|reg\.?)\b[\s#:.no]*[A-Z0-9]{2,4}[\s-]?[A-Z0-9]{2,4}\b"
STREET = rf"\b\d{{1,5}}\s+(?:[A-Z][\w'-]*\s+){{1,3}}(?:{STREET_TYPES})\b\.?"
DATE_IN_WORDS = (
    rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\b"
)

# (class, pattern, hint); the order decides which class wins where patterns overlap.
PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (name, re.compile(pattern, flags), hint)
    for name, pattern, flags, hint in (
        ("e-mail address", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", 0, "remove it"),
        ("e-mail address", AT_EMAIL, re.IGNORECASE, "remove it"),
        ("URL", r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE, "remove it"),
        ("IP address", IP, re.IGNORECASE, "remove it"),
        ("social security number", r"\b\d{3}-\d{2}-\d{4}\b", 0, "remove it"),
        ("fax number", r"\bfax\b[\s:#.]*\+?[\d\s().-]{7,}\d", re.IGNORECASE, "remove it"),
        ("NHS number", NHS_NUMBER, re.IGNORECASE, "remove it"),
        ("National Insurance number", NI_NUMBER, 0, "remove it"),
        ("Medicare number", MBI, 0, "remove it"),
        ("phone number", PHONE, 0, "remove it"),
        ("ID number", ID_NUMBER, re.IGNORECASE, "remove it"),
        ("vehicle plate", PLATE, re.IGNORECASE, "remove it"),
        ("long number", r"(?<![\w.-])\d{7,}(?![\w.-])", 0, "numbers this long identify people or records; remove it"),
        ("street address", STREET, 0, "say 'her street' or leave it out"),
        ("calendar date", r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b", 0, "use weeks relative to intake"),
        ("date in words", DATE_IN_WORDS, 0, "use weeks relative to intake"),
        ("year", r"(?<![\w.-])(?:19|20)\d{2}(?![\w.-])", 0, "use weeks relative to intake"),
        ("age over 89", AGE_OVER_89, re.IGNORECASE, 'write "90 or older"'),
        ("ZIP or post code", r"\b\d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", 0, "leave places out"),
    )
)  # fmt: skip

ACRONYM_OK = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
"""All-capitals words (IPT, PHQ-9, DSM-5-TR) are not names."""
SENTENCE_START = re.compile(r"(?:^\s*|[.!?:;\"(\[]\s*|\s-\s+)$")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
POSSESSIVE = re.compile(r"['’]s$")
STRUCTURAL_KEYS = frozenset(
    {
        "format", "id", "provenance", "relationship", "status", "contact", "conflict", "kind", "area", "focus",
        "stage", "held_by", "met", "locus", "agreed", "maintenance", "support", "techniques", "people",
        "system", "code", "problem_area", "age_band", "gender", "phases", "mode", "level", "attendees",
    }
)  # fmt: skip
"""Keys whose values are enumerations, ids or codes: not free text."""
ALWAYS_OK = frozenset({"I", "Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Medicare", "Medicaid"})
SCANNER: type = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)  # libyaml: 8x faster


@dataclass(frozen=True, slots=True)
class Finding:
    """A possible identifier in a case file: where, what kind, the text and what to do."""

    path: str
    line: int
    column: int
    kind: str
    text: str
    hint: str

    def format(self) -> str:
        """``file:line:column: kind: text (what to do)``."""
        return f"{self.path}:{self.line}:{self.column}: {self.kind}: {self.text} ({self.hint})"


@dataclass(frozen=True, slots=True)
class _Text:
    """A piece of the file that is prose: a free-text scalar or a comment."""

    value: str
    line: int  # 0-based start line in the file
    column: int
    end_line: int
    comment: bool


def _pieces(source: str) -> list[_Text]:
    """Free-text scalars (with the key they belong to) and comments, with their positions."""
    pieces: list[_Text] = []
    spans: list[tuple[int, int, int, int]] = []
    key: str | None = None
    expecting_key = False
    for token in pyyaml.scan(source, Loader=SCANNER):  # libyaml's tokens and marks match the Python scanner's
        if isinstance(token, pyyaml.KeyToken):
            expecting_key = True
            continue
        if not isinstance(token, pyyaml.ScalarToken):
            continue
        start, end = token.start_mark, token.end_mark
        # A block scalar (| or >) starts on the line after its header, whose comment is a comment.
        line, column = (start.line + 1, 0) if token.style in ("|", ">") else (start.line, start.column)
        spans.append((line, column, end.line, end.column))
        if expecting_key:
            key, expecting_key = token.value, False
            continue
        if key not in STRUCTURAL_KEYS and not re.fullmatch(
            r"[-+]?\d+(\.\d+)?|true|false|null|~", token.value
        ):
            pieces.append(_Text(token.value, line, column, end.line, comment=False))
    pieces.extend(_comments(source, spans))
    return pieces


def _comments(source: str, spans: list[tuple[int, int, int, int]]) -> list[_Text]:
    comments = []
    for number, line in enumerate(source.splitlines()):
        for match in re.finditer(r"(?:^|\s)#", line):
            column = match.end() - 1
            inside = any((l0, c0) <= (number, column) < (l1, c1) for l0, c0, l1, c1 in spans)
            if not inside:
                comments.append(_Text(line[column + 1 :], number, column + 1, number, comment=True))
                break
    return comments


def _data(source: str, path: str | Path) -> Any:
    try:
        return parse_fast(source)
    except (pyyaml.YAMLError, RecursionError) as exc:
        raise CaseFileError(path, [Issue((), "not valid YAML; run ipt-nb validate for details")]) from exc


def _declared_names(data: Any) -> set[str]:
    """Every word of every ``label`` (people and patient): these names are pseudonyms by declaration."""
    names: set[str] = set()
    labels: list[str] = []
    if isinstance(data, dict):
        patient = data.get("patient")
        if isinstance(patient, dict) and isinstance(patient.get("label"), str):
            labels.append(patient["label"])
        people = data.get("people")
        for person in people if isinstance(people, list) else []:
            if isinstance(person, dict) and isinstance(person.get("label"), str):
                labels.append(person["label"])
    for label in labels:
        names.update(WORD.findall(label))
    return names


def _locate(lines: list[str], piece: _Text, text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``text`` (found at ``offset`` in the piece's value) in the file.

    The value is the scalar as parsed (quotes, escapes and line folding gone),
    so positions differ from the source; but a word never spans a line, so the
    n-th occurrence of ``text`` in the value is the n-th in the scalar's lines.
    """
    wanted = piece.value.count(text, 0, offset)
    seen = 0
    last = min(piece.line if piece.comment else piece.end_line, len(lines) - 1)
    for number in range(piece.line, last + 1):
        line = lines[number]
        where = line.find(text, piece.column if number == piece.line else 0)
        while where >= 0:
            if seen == wanted:
                return number + 1, where + 1
            seen += 1
            where = line.find(text, where + len(text))
    return piece.line + 1, piece.column + (offset if piece.line == piece.end_line else 0) + 1


def lint_text(source: str, path: str | Path = "<text>") -> list[Finding]:
    """Findings in one case file's text, in file order; a file that is not YAML is an error."""
    return _lint(source, _data(source, path), path)


def _lint(source: str, data: Any, path: str | Path) -> list[Finding]:
    declared = _declared_names(data) | ALWAYS_OK
    pieces = _pieces(source)
    lines = source.splitlines()
    found: list[Finding] = []
    names: set[str] = set()
    at_sentence_start: list[tuple[_Text, str, int]] = []
    for piece in pieces:
        taken: list[tuple[int, int]] = []
        for kind, pattern, hint in PATTERNS:
            for match in pattern.finditer(piece.value):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                taken.append(match.span())
                line, column = _locate(lines, piece, match.group(), match.start())
                found.append(Finding(str(path), line, column, kind, match.group(), hint))
        for match in WORD.finditer(piece.value):
            word = POSSESSIVE.sub("", match.group()).rstrip("'’-")
            if not word[0].isupper() or ACRONYM_OK.match(word) or word in declared:
                continue
            if any(a <= match.start() < b for a, b in taken):
                continue
            before = piece.value[: match.start()]
            if SENTENCE_START.search(before) and not TITLE_BEFORE.search(before):
                at_sentence_start.append((piece, word, match.start()))
                continue
            names.add(word)
            found.append(_name_finding(path, lines, piece, word, match.start()))
    # Every sentence starts with a capital, so a word there is a name only if the file also
    # uses it as one mid-sentence; then each of its places is reported, so none is missed.
    found += [
        _name_finding(path, lines, piece, word, offset)
        for piece, word, offset in at_sentence_start
        if word in names
    ]
    return sorted(found, key=lambda f: (f.line, f.column))


def _name_finding(path: str | Path, lines: list[str], piece: _Text, word: str, offset: int) -> Finding:
    line, column = _locate(lines, piece, word, offset)
    return Finding(str(path), line, column, "name", word, "use a declared label or a role ('her sister')")


def refusal(path: str | Path, findings: list[Finding], shown: int = 5) -> str:
    """Why a case with identifiers is not shared, listing the first ``shown`` findings."""
    lines = [f.format() for f in findings[:shown]]
    more = f"\n... and {len(findings) - shown} more" if len(findings) > shown else ""
    return (
        f"{path}: {len(findings)} identifier(s) found; remove them, or pass --allow-identifiers if "
        "the case may be shared as it is:\n" + "\n".join(lines) + more
    )


def without_text(path: str | Path, findings: list[Finding]) -> str:
    """Why a case was not shared, naming classes and lines but not the identifiers themselves."""
    where = ", ".join(f"line {f.line}: {f.kind}" for f in findings[:8])
    more = f", and {len(findings) - 8} more" if len(findings) > 8 else ""
    return f"{len(findings)} identifier(s) found ({where}{more}); run ipt-nb lint {path}"


def require_clean(path: str | Path, *, allow: bool = False) -> None:
    """Refuse to share a case with identifiers unless ``allow``; the error lists them."""
    if allow:
        return
    findings = lint_file(path)
    if findings:
        raise IdentifiersFoundError(refusal(path, findings))


def lint_file(path: str | Path) -> list[Finding]:
    """Every possible identifier in one case file (its text fields and comments)."""
    path = Path(path)
    source = read_text(path)
    data = _data(source, path)
    findings = _lint(source, data, path)
    if not (isinstance(data, dict) and data.get("format") in SUPPORTED_FORMATS):
        findings.insert(
            0,
            Finding(
                str(path), 1, 1, "not a case", "no format: ipt-case/1",
                "lint reads case files; its names and structure checks mean nothing elsewhere",
            ),
        )  # fmt: skip
    if (
        isinstance(data, dict)
        and data.get("provenance") == "real_with_consent"
        and not data.get("consent_reference")
    ):
        findings.append(
            Finding(
                str(path),
                1,
                1,
                "consent",
                "real_with_consent",
                "add consent_reference: where consent is recorded",
            )
        )
    return findings
