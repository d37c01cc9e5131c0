"""The collector settings of the ``exchange`` processes."""

from __future__ import annotations

import subprocess
import sys

from exchange import collector


def test_tuning_freezes_what_is_loaded_and_collects_the_young_generation_less_often() -> None:
    script = (
        "import gc; from exchange import collector; collector.tune();"
        " print(*gc.get_threshold(), gc.get_freeze_count() > 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    young, older = str(collector.YOUNG), str(collector.OLDER)
    assert done.stdout.split() == [young, older, older, "True"]
