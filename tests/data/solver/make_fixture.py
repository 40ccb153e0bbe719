"""Write the restricted least-travel model of the sample place that HiGHS's restarts got wrong.

Run from the project folder: ``python tests/data/solver/make_fixture.py``. It optimises the
bundled sample place for the least staff travel with 25 hubs and writes the first MIP
that :func:`optimiser.solve.solve_with_candidates` hands to HiGHS (the model over each
team's nearest hosts, before any decision is fixed) as
``trafford_least_travel_p25_restricted.mps.gz`` beside this file.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

import highspy  # noqa: E402

from estate.place import DEFAULT_PLACE, load_place  # noqa: E402
from optimiser import Scenario, optimise  # noqa: E402
from optimiser.cli_optimise import access_inputs  # noqa: E402

solve_module = sys.modules["optimiser.solve"]
options = solve_module._options
written: list[Path] = []


def write_first_mip(highs: highspy.Highs, *args: object, **kwargs: object) -> None:
    options(highs, *args, **kwargs)
    if written or not any(int(kind) for kind in highs.getLp().integrality_):
        return
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "model.mps"
        highs.writeModel(str(plain))
        target = HERE / "trafford_least_travel_p25_restricted.mps.gz"
        target.write_bytes(gzip.compress(plain.read_bytes(), 9))
        written.append(target)


solve_module._options = write_first_mip
place = load_place(DEFAULT_PLACE)
optimise(place.holdings, place.teams, Scenario(objective="least_travel", p=25), access=access_inputs(place))
print(f"Written: {written[0]}" if written else "No MIP was solved: nothing written.")
