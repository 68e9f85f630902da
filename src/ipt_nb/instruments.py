"""Symptom measures as data: item counts, ranges, severity bands, risk items, change thresholds.

Numbers come from IPT.md section 8 and the instruments' own papers (cited on
each entry). Where the literature disagrees (HAM-D bands, BDI-II remission,
reliable change for HAM-D and BDI-II) the value is a stated default that
:class:`~ipt_nb.outcomes.OutcomeConfig` can change (``hamd_bands``,
``remission_max``, ``reliable_change_points``), and every outcome table prints
the one it used.

Missing items are never prorated: a skipped item, the risk item above all, must
not count as 0, so a measure is recorded with all its items, or as a total, or
not at all (the loader says so, at the item).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "DEPRESSION_MEASURES",
    "GAD7_ITEMS",
    "HAMD_BAND_SCHEMES",
    "HAMD_RUSH_BANDS",
    "INSTRUMENTS",
    "MAIN_MEASURE_ORDER",
    "MEASURE_IDS",
    "PHQ9_ITEMS",
    "RCI_Z",
    "RESPONSE_FRACTION",
    "Band",
    "Instrument",
    "MeasureId",
    "ReliableChange",
    "measure_id",
]

MeasureId = Literal["phq9", "gad7", "hamd17", "bdi2", "epds", "mood10"]

RCI_Z: Final = 1.96
"""Two-tailed p < .05 for the Jacobson-Truax reliable change index."""


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band of an instrument: its name and score range."""

    low: int
    high: int
    label: str

    def contains(self, score: int) -> bool:
        """Whether ``score`` lies in the band."""
        return self.low <= score <= self.high

    @property
    def title(self) -> str:
        """The band's name for display (``moderately severe``)."""
        return self.label.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ReliableChange:
    """How much change counts as reliable for one instrument.

    Either a fixed convention (``points``, e.g. NHS Talking Therapies) or the
    Jacobson-Truax index from a reliability and a pre-treatment SD.
    """

    method: Literal["nhs_talking_therapies", "jacobson_truax"]
    points: float
    reliability: float | None = None
    sd: float | None = None
    source: str = ""

    @classmethod
    def jacobson_truax(cls, reliability: float, sd: float, source: str) -> ReliableChange:
        """Minimum reliable raw change ``1.96 * sqrt(2) * SD * sqrt(1 - r)`` (Jacobson & Truax 1991)."""
        standard_error = sd * math.sqrt(1 - reliability)
        s_diff = math.sqrt(2 * standard_error**2)
        return cls("jacobson_truax", round(RCI_Z * s_diff, 2), reliability, sd, source)

    def describe(self) -> str:
        """The reliable-change criterion in words, with its source."""
        if self.method == "nhs_talking_therapies":
            return f"change of {self.points:g} points or more (NHS Talking Therapies)"
        return (
            f"change of {self.points:g} points or more (Jacobson-Truax RCI, r = {self.reliability}, "
            f"SD = {self.sd})"
        )


@dataclass(frozen=True, slots=True)
class Instrument:
    """A rating scale: items, range, bands, remission and caseness cut-offs, risk item and reliable change,
    with sources."""

    id: MeasureId
    name: str
    short: str
    items: int
    item_max: int
    """Each item scores 0..item_max (HAM-D-17 mixes 0-4 and 0-2 items: see item_maxima)."""
    total_max: int
    bands: tuple[Band, ...]
    band_scheme: str
    remission_max: int
    """Highest total that counts as remission (PHQ-9 < 5 is ``4``)."""
    reliable_change: ReliableChange
    source: str
    risk_item: int | None = None
    """1-based number of the suicidality item; any score above 0 calls for a risk review."""
    caseness_min: int | None = None
    """NHS Talking Therapies caseness threshold (score >= this is a case)."""
    rater: Literal["self", "clinician"] = "self"
    item_maxima: tuple[int, ...] | None = None
    reverse_scored_items: tuple[int, ...] = ()
    """Items printed in reverse order on the form: enter the item's score (0-3), not its position."""
    depression: bool = True
    """A depression measure: a candidate primary outcome, watched for remission (A6)."""
    proprietary: bool = False
    """Item wording may not be reproduced: forms show item numbers only."""
    item_texts: tuple[str, ...] = ()
    """The items' wording, shown beside each item field: only for instruments free to reproduce."""
    total_min: int = 0
    outcome_maths: bool = True
    """False for a rating that is drawn but has no response, remission or reliable-change maths."""

    def max_of_item(self, number: int) -> int:
        """Highest score of 1-based item ``number``."""
        if self.item_maxima is not None:
            return self.item_maxima[number - 1]
        return self.item_max

    def band(self, score: int) -> Band:
        """The severity band of a total ``score``."""
        for band in self.bands:
            if band.contains(score):
                return band
        raise ValueError(f"{score} is outside {self.short}'s range {self.total_min}-{self.total_max}")

    def remitted(self, score: int) -> bool:
        """Whether ``score`` is at or below the remission cut-off."""
        return score <= self.remission_max

    def forced_risk_minimum(self, total: int) -> int:
        """The least the risk item can score given only ``total``: 0 unless the other items cannot
        reach it (PHQ-9 >= 25, EPDS >= 28, BDI-II >= 61, HAM-D-17 >= 49)."""
        if self.risk_item is None:
            return 0
        others = self.total_max - self.max_of_item(self.risk_item)
        return max(0, total - others)


_HAMD_ITEM_MAXIMA: Final = (4, 4, 4, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 4, 2, 2)
"""HAM-D-17: nine items scored 0-4 and eight scored 0-2 (Hamilton 1960); totals 52."""

HAMD_RUSH_BANDS: Final = (
    Band(0, 7, "none"),
    Band(8, 13, "mild"),
    Band(14, 19, "moderate"),
    Band(20, 25, "severe"),
    Band(26, 52, "very_severe"),
)
"""Alternative HAM-D bands (Rush et al. 2003 IDS/QIDS conversion); disagrees with Zimmerman at 14-23.
Chosen with ``OutcomeConfig(hamd_bands="rush_2003")``."""

HAMD_BAND_SCHEMES: Final[dict[str, tuple[str, tuple[Band, ...]]]] = {}
"""Selectable HAM-D-17 band schemes: id -> (name printed beside results, bands). Filled below."""

PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite: being so "
    "fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)
"""PHQ-9 items (Kroenke, Spitzer & Williams 2001); the questionnaire may be reproduced without permission
(Pfizer's PHQ screeners site). Over the last two weeks; 0 not at all to 3 nearly every day."""
GAD7_ITEMS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
"""GAD-7 items (Spitzer et al. 2006); free to reproduce like the PHQ-9."""


INSTRUMENTS: Final[dict[MeasureId, Instrument]] = {
    i.id: i
    for i in (
        Instrument(
            id="phq9",
            name="Patient Health Questionnaire-9",
            short="PHQ-9",
            items=9,
            item_max=3,
            total_max=27,
            bands=(
                Band(0, 4, "none_minimal"),
                Band(5, 9, "mild"),
                Band(10, 14, "moderate"),
                Band(15, 19, "moderately_severe"),
                Band(20, 27, "severe"),
            ),
            band_scheme="Kroenke, Spitzer & Williams 2001",
            remission_max=4,
            reliable_change=ReliableChange(
                "nhs_talking_therapies", 6, source="NHS Talking Therapies (IAPT) handbook"
            ),
            risk_item=9,
            caseness_min=10,
            item_texts=PHQ9_ITEMS,
            source="Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606",
        ),
        Instrument(
            id="gad7",
            name="Generalized Anxiety Disorder-7",
            short="GAD-7",
            items=7,
            item_max=3,
            total_max=21,
            bands=(
                Band(0, 4, "minimal"),
                Band(5, 9, "mild"),
                Band(10, 14, "moderate"),
                Band(15, 21, "severe"),
            ),
            band_scheme="Spitzer et al. 2006",
            remission_max=4,
            reliable_change=ReliableChange(
                "nhs_talking_therapies", 4, source="NHS Talking Therapies (IAPT) handbook"
            ),
            caseness_min=8,
            depression=False,
            item_texts=GAD7_ITEMS,
            source="Spitzer, Kroenke, Williams & Löwe 2006, Arch Intern Med 166:1092",
        ),
        Instrument(
            id="hamd17",
            name="Hamilton Rating Scale for Depression, 17 items",
            short="HAM-D-17",
            items=17,
            item_max=4,
            item_maxima=_HAMD_ITEM_MAXIMA,
            total_max=52,
            bands=(
                Band(0, 7, "no_depression"),
                Band(8, 16, "mild"),
                Band(17, 23, "moderate"),
                Band(24, 52, "severe"),
            ),
            band_scheme="Zimmerman et al. 2013 (J Affect Disord 150:384)",
            remission_max=7,
            reliable_change=ReliableChange.jacobson_truax(
                0.80, 5.0, "illustrative parameters (IPT.md 8.3); no single published convention"
            ),
            rater="clinician",
            risk_item=3,
            proprietary=True,
            source="Hamilton 1960 (item 3: suicide, scored 0-4); remission <= 7 per Frank et al. 1991",
        ),
        Instrument(
            id="bdi2",
            name="Beck Depression Inventory-II",
            short="BDI-II",
            items=21,
            item_max=3,
            total_max=63,
            bands=(
                Band(0, 13, "minimal"),
                Band(14, 19, "mild"),
                Band(20, 28, "moderate"),
                Band(29, 63, "severe"),
            ),
            band_scheme="Beck, Steer & Brown 1996 manual",
            remission_max=13,
            reliable_change=ReliableChange.jacobson_truax(
                0.93, 10.0, "r: test-retest, Beck et al. 1996; SD: illustrative, set local norms"
            ),
            risk_item=9,
            proprietary=True,
            source="Beck, Steer & Brown 1996 (proprietary: totals only, never item text)",
        ),
        Instrument(
            id="epds",
            name="Edinburgh Postnatal Depression Scale",
            short="EPDS",
            items=10,
            item_max=3,
            total_max=30,
            bands=(
                Band(0, 9, "unlikely"),
                Band(10, 12, "possible_depression"),
                Band(13, 30, "probable_depression"),
            ),
            band_scheme="Cox, Holden & Sagovsky 1987 (cut-offs 10 and 13)",
            remission_max=9,
            reliable_change=ReliableChange.jacobson_truax(
                0.87,
                4.0,
                "r: Cox et al. 1987 (split-half); SD 4: Matthey 2004, J Affect Disord 78:269, "
                "whose reliable change for the EPDS is 4 points",
            ),
            risk_item=10,
            reverse_scored_items=(3, 5, 6, 7, 8, 9, 10),
            source="Cox, Holden & Sagovsky 1987, Br J Psychiatry 150:782 (items 3 and 5-10 reverse-scored)",
        ),
        Instrument(
            id="mood10",
            name="Weekly mood rating (1-10)",
            short="Mood 1-10",
            items=1,
            item_max=10,
            total_min=1,
            total_max=10,
            bands=(Band(1, 3, "low"), Band(4, 6, "middling"), Band(7, 10, "good")),
            band_scheme="kit bands for display only (higher is better)",
            remission_max=10,
            reliable_change=ReliableChange("nhs_talking_therapies", 10, source="not used: no change maths"),
            depression=False,
            outcome_maths=False,
            source="IPT-A weekly 1-10 mood rating, higher is better (Mufson et al. 2004)",
        ),
    )
}

HAMD_BAND_SCHEMES.update(
    {
        "zimmerman_2013": (INSTRUMENTS["hamd17"].band_scheme, INSTRUMENTS["hamd17"].bands),
        "rush_2003": ("Rush et al. 2003 (IDS/QIDS conversion)", HAMD_RUSH_BANDS),
    }
)

MEASURE_IDS: Final[tuple[MeasureId, ...]] = tuple(INSTRUMENTS)


def measure_id(name: str) -> MeasureId:
    """``name`` as a measure id, for text from outside (a configuration, a score line) that has been
    checked; raises ``KeyError`` for a name no instrument has."""
    if name not in INSTRUMENTS:
        raise KeyError(name)
    return name


DEPRESSION_MEASURES: Final[tuple[MeasureId, ...]] = tuple(m for m, i in INSTRUMENTS.items() if i.depression)
MAIN_MEASURE_ORDER: Final[tuple[MeasureId, ...]] = ("phq9", "epds", "hamd17", "bdi2")
"""Which depression measure a one-line view shows when a case has several: the first present."""
RESPONSE_FRACTION: Final = 0.5
"""Response: a reduction of at least 50% from baseline (Frank et al. 1991)."""
