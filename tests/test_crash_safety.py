"""Nothing lost: saves killed at random moments leave the old or the new file, never a mix;
two editors of one file cannot silently overwrite each other."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ipt_nb import CaseDocument, StaleFileError, load_case

from .conftest import CASES

SAVER = """
import sys
from ipt_nb import CaseDocument
path = sys.argv[1]
n = 0
while True:
    document = CaseDocument.open(path)
    title = "Joy: version A" if n % 2 else "Joy: version B"
    document.save(document.case.model_copy(update={"title": title}))
    n += 1
    print(n, flush=True)
"""


@pytest.mark.slow
def test_saves_killed_at_random_moments_leave_a_whole_file(tmp_path: Path) -> None:
    path = Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))
    original = path.read_bytes()
    versions = {original}
    rng = random.Random(7)
    for round_ in range(12):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        process.stdout.readline()  # at least one save has completed
        time.sleep(rng.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        data = path.read_bytes()
        case = load_case(path)  # whole and valid, whatever moment the kill hit
        assert case.title in ("Joy: version A", "Joy: version B"), round_
        assert data.startswith(original[:200])  # comments and header kept
        versions.add(data)
    assert len(versions) >= 2


def test_two_editors_cannot_silently_overwrite_each_other(tmp_path: Path) -> None:
    path = Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))
    first, second = CaseDocument.open(path), CaseDocument.open(path)
    first.save(first.case.model_copy(update={"title": "Saved by the first editor"}))
    with pytest.raises(StaleFileError):
        second.save(second.case.model_copy(update={"title": "Saved by the second editor"}))
    assert load_case(path).title == "Saved by the first editor"
    second.reload()
    second.save(second.case.model_copy(update={"goals": [*second.case.goals, "one more goal"]}))
    reloaded = load_case(path)
    assert reloaded.title == "Saved by the first editor" and reloaded.goals[-1] == "one more goal"
