import json

import pytest

from nnimg.findings import FINDINGS_PATH, VERDICTS, Finding, beyond_spread, findings_table, load_findings, verdict


def test_a_difference_is_reproduced_only_beyond_the_spread_over_three_seeds():
    assert verdict(True, seeds=3, separated=True) == "reproduced"
    assert verdict(True, seeds=1) == "partly"  # shown, but the seed spread is unmeasured
    assert verdict(True, seeds=3, separated=False) == "partly"
    assert verdict(False, seeds=3) == "not reproduced"
    assert beyond_spread([0.01, 0.012, 0.011], [0.02, 0.03, 0.025])
    assert not beyond_spread([0.01, 0.022], [0.02, 0.03])


def test_the_shipped_findings_name_their_recipes_and_seeds():
    rows = json.loads(FINDINGS_PATH.read_text())
    assert len(rows) >= 18
    assert [row["number"] for row in rows] == [f.number for f in load_findings()]
    for row in rows:
        assert row["verdict"] in VERDICTS
        assert isinstance(row["recipe"], list) and isinstance(row["seeds"], int)
        if row["verdict"] == "reproduced" and row["seeds"] < 3:  # only a claim about one model may rest on one seed
            assert "not a difference" in row["why"] or "no difference" in row["why"], row["number"]
        if row["verdict"] == "not tested":
            assert "take" in row["why"] or "need" in row["why"], row["number"]  # says what testing it would take


@pytest.mark.parametrize("verdict_", VERDICTS)
def test_the_table_shows_each_verdict_with_its_recipe_and_seeds(verdict_):
    finding = Finding("4a", "Latent space", "course", "here", verdict_, "why", "control", ["ae_d*_l3"], 1)
    assert f"| 4a | course | {verdict_} | ae_d*_l3 (1) | here |" in findings_table([finding])
