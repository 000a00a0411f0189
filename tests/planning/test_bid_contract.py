"""ccsim bid with a contract: several groups, targets at the confidence, exit codes, --margin."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from helpers import REPO, TWO_DESKS, invoke

from sim.planning.bid import margin_price, price_volume_margins, scaled_margin
from sim.report.bid import bid_files
from sim.report.proposal import SHEET_TITLES, write_xlsx
from sim.results.money import ContractResult, Headcount, Money


def write(folder: Path, raw: dict[str, Any]) -> Path:
    """Write a scenario file."""
    path = folder / "two_desks.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def bid(path: Path, out: Path, *options: str) -> tuple[int, str, str]:
    """Run ``ccsim bid`` on both desks, 40 replications, confidence 0.95."""
    groups = ("--group=billing_desk", "--group=support_desk")
    return invoke(
        "bid", str(path), *groups, "--confidence=0.95", "--reps=40", f"--out={out}", *options
    )


@pytest.fixture(scope="module")
def holding_bid(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str, Path]:
    """The two desks bid with a 10% margin asked: exit code, stdout, stderr, output folder."""
    folder = tmp_path_factory.mktemp("bid")
    out = folder / "out"
    return (*bid(write(folder, TWO_DESKS), out, "--margin=0.1"), out)


class TestBidCli:
    def test_both_desks_staffed_and_every_target_holds(
        self, holding_bid: tuple[int, str, str, Path]
    ) -> None:
        """Both groups get agents; every target holds at 95% on the fresh seed: exit 0."""
        code, out, err, folder = holding_bid
        assert (0, "40 replications are too few") == (code, err.removeprefix("warning: ")[:27])
        assert 1 == len(err.splitlines())
        assert "staffing found: billing_desk, support_desk" in out
        assert "every target, every period" in out
        assert "bid holds: every target met with 95% confidence" in out
        assert "margin 10%: every price x" in out
        assert "P(loss)" in out
        staffed = yaml.safe_load((folder / "scenario.yaml").read_text())
        for name, start in (("billing_desk", 4), ("support_desk", 3)):
            assert max(staffed["groups"][name]["headcount"]) > start, name
        assert bid_files(has_contract=True) == sorted(
            (p.name for p in folder.iterdir()), key=bid_files(has_contract=True).index
        )

    def test_a_target_no_staffing_reaches_exits_1_and_names_it(self, tmp_path: Path) -> None:
        """FCR 0.95 when every tier resolves 90%: the bid does not hold, exit 1, names it."""
        raw = {**TWO_DESKS, "contract": {**TWO_DESKS["contract"]}}
        raw["contract"]["targets"] = [
            *TWO_DESKS["contract"]["targets"],
            {"kpi": "fcr", "threshold": 0.95},
        ]
        code, out, _ = bid(write(tmp_path, raw), tmp_path / "out")
        assert 1 == code
        verdict = out[out.index("bid does NOT hold at 95% confidence on the fresh seed: ") :]
        assert "fcr >= 0.95 (all, day)" in verdict.splitlines()[0]
        assert "the search stopped: agents cannot reach fcr >= 0.95 (all, day)" in verdict
        assert "(0 rounds from Erlang)" in out  # the first round sees it: no agents added

    def test_bad_margin_is_a_usage_error(self, tmp_path: Path) -> None:
        """--margin outside [0, 1): exit 2."""
        code, _, err = bid(write(tmp_path, TWO_DESKS), tmp_path / "out", "--margin=1.5")
        assert 2 == code
        assert "--margin" in err


def money(**yearly: list[float]) -> Money:
    """Money with the given yearly totals per replication (headcount unused)."""
    staff = Headcount(1.0, 1, {}, 1, 0.0, 10.0)
    return Money(staff, {name: np.array(values) for name, values in yearly.items()}, 365)


class TestMarginPrice:
    def test_factor_reaches_the_margin(self) -> None:
        """Revenue [100, 120], bonuses [0, 10], penalties [10, 0], cost 80, margin 10%.

        Scaled by k: margin_i = k (R_i + B_i - P_i) - C_i = k [90, 130] - 80; the mean margin is
        10% of the mean revenue k 110 when 110 k - 80 = 11 k: k = 80 / 99.
        """
        goal = margin_price(
            money(revenue=[100, 120], bonuses=[0, 10], penalties=[10, 0], total_cost=[80, 80]),
            0.1,
        )
        assert 80 / 99 == pytest.approx(goal.factor)
        expected = [90 * 80 / 99 - 80, 130 * 80 / 99 - 80]
        assert expected == pytest.approx(goal.yearly_margin.tolist())
        assert 0.1 * 110 * goal.factor == pytest.approx(goal.yearly_margin.mean())

    def test_unreachable_margin(self) -> None:
        """Penalties that take the whole invoice leave no price: the factor is NaN."""
        goal = margin_price(
            money(revenue=[100], bonuses=[0], penalties=[100], total_cost=[50]), 0.1
        )
        assert math.isnan(goal.factor)


class TestProposal:
    def test_workbook_has_the_tables_as_numbers(
        self, holding_bid: tuple[int, str, str, Path]
    ) -> None:
        """bid.xlsx: one sheet per table; the year's margin is a number equal to contract.csv's."""
        folder = holding_bid[3]
        book = openpyxl.load_workbook(folder / "bid.xlsx")
        assert list(SHEET_TITLES) == book.sheetnames
        money = list(book["money"].iter_rows(min_row=3, values_only=True))
        margin = next(row for row in money if row[:2] == ("margin", "year"))
        contract = pd.read_csv(folder / "contract.csv")
        expected = contract[(contract["item"] == "margin") & (contract["period"] == "year")]
        assert float(expected["mean"].iloc[0]) == pytest.approx(margin[2], rel=1e-5)
        roles = {row[0]: row[1] for row in book["headcount"].iter_rows(min_row=3, values_only=True)}
        assert roles["team_leaders"] == math.ceil(roles["agents"] / 8)

    def test_text_never_becomes_a_formula(self, tmp_path: Path) -> None:
        """A name starting with '=' is written as text."""
        tables = {name: pd.DataFrame() for name in SHEET_TITLES}
        tables["assumptions"] = pd.DataFrame({"item": ["scenario"], "value": ["=1+1"]})
        write_xlsx(tables, tmp_path / "x.xlsx")
        cell = openpyxl.load_workbook(tmp_path / "x.xlsx")["assumptions"]["B3"]
        assert ("=1+1", "s") == (cell.value, cell.data_type)

    @pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium: page not checked")
    def test_page_renders_every_chart(
        self, holding_bid: tuple[int, str, str, Path], tmp_path: Path
    ) -> None:
        """bid.html in headless Chromium: both charts decode (scripts/screenshot_report.py)."""
        page = holding_bid[3] / "bid.html"
        result = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "screenshot_report.py"), str(page),
             str(tmp_path / "shot.png")],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert 0 == result.returncode, result.stderr
        assert "2/2 images rendered" in result.stdout
        text = page.read_text(encoding="utf-8")
        assert "http" not in text.replace("http-equiv", "")  # self-contained: nothing fetched


class TestSensitivity:
    def test_price_by_volume_margins_by_hand(self) -> None:
        """Margin at price factor k: k x (revenue + bonuses - penalties) - cost, per replication.

        Revenue [100, 120], bonuses [0, 10], penalties [10, 0], cost 80: at 0.9, 0.9 x [90, 130]
        - 80 = [1, 37]; at 1, [10, 50] (the margin itself); at 1.1, [19, 63]. P(loss) 0.
        """
        yearly = {
            "revenue": [100.0, 120.0],
            "bonuses": [0.0, 10.0],
            "penalties": [10.0, 0.0],
            "total_cost": [80.0, 80.0],
        }
        contract = ContractResult(None, money(**yearly))
        table = price_volume_margins({100: contract}).set_index("price_factor")
        assert [19.0, 30.0, 41.0] == pytest.approx(table["mean"].tolist())
        assert [0.0, 0.0, 0.0] == table["p_loss"].tolist()
        assert [10.0, 50.0] == pytest.approx(scaled_margin(contract.money, 1.0).tolist())
