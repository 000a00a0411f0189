"""Email tallies and KPIs: hand-built records with known answers, the summary, and the CLI.

Records -> tallies (``tally_records``) is the reference both engines are held to (the fast
kernel's own email tallies are compared with it in the parity tests); tallies -> KPIs follows the
definitions of ``docs/reference/kpis.md`` (Email).
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS, invoke

from sim.engines.base import (
    RECORD_KINDS,
    CallRecords,
    Outcome,
    Records,
    column_dtype,
    concat_records,
)
from sim.report.email import email_console, email_json
from sim.results import summarize, tally_records
from sim.results.email import EMAIL_COLUMNS, EMAIL_KPIS, email_kpis, summarize_email
from sim.scenario import Plan, build_plan, scenario_from_dict
from sim.simulation import simulate

ANSWERED, CARRIED = int(Outcome.ANSWERED), int(Outcome.CARRIED)
H = 3600.0
DAY_S = 86_400.0
END_AT = 2 * DAY_S
NAN = math.nan

SCENARIO: dict[str, Any] = {
    "name": "mail-kpis",
    "calendar": {"days": 2, "open": "08:00", "close": "12:00", "interval_minutes": 60},
    "call_types": {
        "phone": {"volume": {"per_hour": 10}, "handle_time": {"dist": "exponential", "mean_s": 60}},
        "mail": {
            "channel": "email",
            "volume": {"daily": 24},
            "handle_time": {"dist": "exponential", "mean_s": 60},
            "response_target": {"within_h": 4, "share": 0.9},
        },
        "post": {
            "channel": "email",
            "volume": {"per_hour": 1},
            "handle_time": {"dist": "exponential", "mean_s": 60},
        },
    },
    "groups": {"team": {"headcount": 2}},
}
PHONE, MAIL, POST = 0, 1, 2


@pytest.fixture(scope="module")
def plan() -> Plan:
    """Two mornings (08:00-12:00) with a voice type and two email types, one with a target."""
    return build_plan(scenario_from_dict(SCENARIO))


def _records(rows: list[tuple[int, int, float, float, int]]) -> Records:
    """Records of (rep, call type, arrived_at, answered_at or left_at, outcome) rows."""
    columns: dict[str, list[Any]] = {f.name: [] for f in fields(CallRecords)}
    for i, (rep, k, arrived_at, then_at, outcome) in enumerate(rows):
        answered = outcome == ANSWERED
        day = min(int(arrived_at // DAY_S), 1)
        values = {
            "rep": rep,
            "call_id": i,
            "call_type": k,
            "day": day,
            "interval": 0,
            "origin": 0,
            "arrived_at": arrived_at,
            "answered_at": then_at if answered else NAN,
            "left_at": then_at + 60.0 if answered else then_at,
            "ended_at": then_at + 60.0 if answered else NAN,
            "outcome": outcome,
            "group": 0 if answered else -1,
            "agent": 0 if answered else -1,
            "tier": 0 if answered else -1,
            "handle_s": 60.0 if answered else NAN,
            "patience_s": math.inf,
            "redial_given_up": 0,
            "repeat_given_up": 0,
            "entered_at": arrived_at,
            "bot_path": 0,
        }
        for name, value in values.items():
            columns[name].append(value)
    calls = CallRecords(
        **{
            name: np.array(values, dtype=column_dtype(CallRecords, name))
            for name, values in columns.items()
        }
    )
    others = {
        name: concat_records([], kind) for name, kind in RECORD_KINDS.items() if name != "calls"
    }
    return Records(calls=calls, **others)


# Rep 0: mail items of day 0 at 02:00 (answered 08:00: 6 h, late), 09:00 (answered 10:00: 1 h,
# in time), 11:00 (answered day 1 at 08:30: 21.5 h, late) and day 1 at 23:00 (carried: 1 h old at
# the end, not yet overdue) and 06:00 (carried: 18 h old, overdue); a post item of day 0 at 07:00
# answered at 08:00; a phone call (voice: no email tally).
ROWS = [
    (0, MAIL, 2 * H, 8 * H, ANSWERED),
    (0, MAIL, 9 * H, 10 * H, ANSWERED),
    (0, MAIL, 11 * H, DAY_S + 8.5 * H, ANSWERED),
    (0, MAIL, DAY_S + 23 * H, END_AT, CARRIED),
    (0, MAIL, DAY_S + 6 * H, END_AT, CARRIED),
    (0, POST, 7 * H, 8 * H, ANSWERED),
    (0, PHONE, 9 * H, 9 * H, ANSWERED),
]


class TestTallies:
    """Records -> email tallies, by hand."""

    def test_counts_by_day_of_arrival(self, plan: Plan) -> None:
        """Arrived, answered, within target, carried and overdue per day and type."""
        tallies = tally_records(_records(ROWS), plan, reps=1)
        mail = tallies.email_counts[0, :, MAIL]
        # columns: arrived, answered, within target, carried, carried overdue
        assert mail.tolist() == [[3, 3, 1, 0, 0], [2, 0, 0, 2, 1]]
        assert tallies.email_counts[0, :, POST].tolist() == [[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]]
        assert not tallies.email_counts[0, :, PHONE].any()
        assert tallies.count("offered").sum() == 1  # only the phone call

    def test_ages_sums_and_maxima(self, plan: Plan) -> None:
        """Ages of answered items at their answer, of carried items at the horizon's end."""
        tallies = tally_records(_records(ROWS), plan, reps=1)
        ages = tallies.email_ages[0, :, MAIL] / H
        # columns: answered sum, carried sum, answered max, carried max
        np.testing.assert_allclose(ages[0], [6 + 1 + 21.5, 0, 21.5, 0])
        np.testing.assert_allclose(ages[1], [0, 1 + 18, 0, 18])

    def test_backlog_just_before_openings_and_closings(self, plan: Plan) -> None:
        """Items arrived before the instant and not answered before it."""
        tallies = tally_records(_records(ROWS), plan, reps=1)
        mail = tallies.backlog[0, :, MAIL].tolist()
        # 08:00 day 0: the 02:00 item (answered at 08:00 itself still counts); 12:00: the 11:00
        # item; 08:00 day 1: it and the 06:00 item; 12:00 day 1: the 06:00 item
        assert mail == [[1, 1], [2, 1]]
        assert tallies.backlog[0, :, POST].tolist() == [[1, 0], [0, 0]]

    def test_warm_up_arrivals_are_left_out_but_not_of_the_backlog(self) -> None:
        """In steady state, items of the warm-up count in no email KPI but in the backlog."""
        raw = {
            "name": "steady-mail",
            "steady_state": {"horizon_h": 4, "warmup_h": 1},
            "call_types": {"mail": SCENARIO["call_types"]["post"]},
            "groups": {"team": {"headcount": 1}},
        }
        steady = build_plan(scenario_from_dict(raw))
        rows = [(0, 0, 0.5 * H, 4 * H, CARRIED), (0, 0, 2 * H, 2.5 * H, ANSWERED)]
        tallies = tally_records(_records(rows), steady, reps=1)
        # without a target every answered item is within it (the KPI leaves such types out)
        assert tallies.email_counts[0, 0, 0].tolist() == [1, 1, 1, 0, 0]
        assert tallies.backlog[0, 0, 0].tolist() == [0, 1]


class TestKpis:
    """Email tallies -> KPIs."""

    def test_definitions(self, plan: Plan) -> None:
        """Counts, share within target, mean and max ages, backlog; by day and in total."""
        tallies = tally_records(_records(ROWS), plan, reps=1)
        days = email_kpis(tallies, plan, "day")
        total = email_kpis(tallies, plan, "total")
        mail, post, everything = 0, 1, 2  # email types, then "all"
        assert days["arrived"][0, :, mail].tolist() == [3, 2]
        assert total["carried"][0, 0].tolist() == [2, 0, 2]
        # day 0: 1 of 3 answered in time; day 1: no answer, one carried item overdue
        np.testing.assert_allclose(days["within_target_share"][0, :, mail], [1 / 3, 0.0])
        assert total["within_target_share"][0, 0, mail] == pytest.approx(1 / 4)
        assert math.isnan(total["within_target_share"][0, 0, post])  # no target
        assert total["within_target_share"][0, 0, everything] == pytest.approx(1 / 4)
        assert total["age_answered_mean_s"][0, 0, mail] == pytest.approx(28.5 * H / 3)
        assert total["age_answered_max_s"][0, 0, everything] == pytest.approx(21.5 * H)
        assert total["age_left_mean_s"][0, 0, mail] == pytest.approx(9.5 * H)
        assert total["age_left_max_s"][0, 0, mail] == pytest.approx(18 * H)
        assert days["backlog_open"][0, :, everything].tolist() == [2, 2]
        assert np.isnan(total["backlog_close"]).all()
        assert math.isnan(days["age_left_mean_s"][0, 0, mail])  # nothing carried from day 0

    def test_summary_frame_and_plain_data(self, plan: Plan) -> None:
        """One row per day (then total), type and KPI; JSON and console read from it."""
        tallies = tally_records(_records(ROWS), plan, reps=1)
        frame = summarize_email(tallies, plan)
        assert list(frame.columns) == list(EMAIL_COLUMNS)
        assert len(frame) == 3 * 3 * len(EMAIL_KPIS)  # (2 days + total) x (2 types + all)
        share = frame[(frame.day == "total") & (frame.call_type == "mail")]
        share = share[share.kpi == "within_target_share"].iloc[0]
        assert (share["mean"], share["target"]) == (pytest.approx(0.25), 0.9)
        document = email_json(frame)
        assert document["mail"]["total"]["within_target_share"]["target"] == 0.9
        assert document["all"]["d1"]["backlog_open"]["mean"] == 2.0
        text = email_console(frame)
        assert "answered within target  25.0%  (target 90%)" in text
        assert "carried over" in text

    def test_no_email_gives_an_empty_frame(self) -> None:
        """A voice-only plan has no email rows."""
        voice = {**SCENARIO, "call_types": {"phone": SCENARIO["call_types"]["phone"]}}
        voice_plan = build_plan(scenario_from_dict(voice))
        result = simulate(voice_plan, reps=1, seed=1, engine="simpy")
        assert summarize_email(result.tallies, voice_plan).empty


class TestVoiceKpisApart:
    """Email items are in none of the voice KPIs, and email types have no voice rows."""

    def test_voice_totals_count_voice_calls_only(self, plan: Plan) -> None:
        """The run's offered and answered equal the voice records'; no email rows."""
        result = simulate(plan, reps=2, seed=3, engine="simpy", keep_records=True)
        assert result.records is not None
        calls = result.records.calls
        voice = calls.call_type == PHONE
        assert (~voice).sum() > 0
        total = summarize(result.tallies, plan).total
        rows = total[total.kpi.isin(["offered", "answered"]) & (total.call_type == "all")]
        offered, answered = rows.set_index("kpi")["mean"][["offered", "answered"]]
        assert offered == voice.sum() / 2
        assert answered == (voice & (calls.outcome == ANSWERED)).sum() / 2
        assert set(total.call_type) == {"phone", "all"}


class TestRunCommand:
    """``ccsim run`` shows the email KPIs on the console, in email.csv and in --json."""

    def test_console_csv_and_json(self, tmp_path: Path) -> None:
        """The email block, email.csv and the ``email`` key; no email row in the call table."""
        scenario = str(SCENARIOS / "email_backoffice.yaml")
        args = ("--reps", "3", "--seed", "2", "--engine", "simpy", "--no-plots")
        code, out, err = invoke("run", scenario, *args, "--out", str(tmp_path))
        assert code == 0, err
        assert "email (mean over replications, 95% CI)" in out
        assert "backlog (all email types)" in out
        assert not any(line.startswith("email ") and "n/a" in line for line in out.splitlines())
        frame = pd.read_csv(tmp_path / "email.csv")
        assert set(frame.kpi) == set(EMAIL_KPIS)
        assert set(frame.day) == {"d0", "d1", "total"}
        code, out, err = invoke("run", scenario, *args, "--json")
        assert code == 0, err
        document = json.loads(out)
        assert set(document["kpis"]) == {"phone", "all"}
        carried = document["email"]["email"]["total"]["carried"]["mean"]
        assert (
            carried
            == frame[(frame.day == "total") & (frame.call_type == "email")].set_index("kpi")[
                "mean"
            ]["carried"]
        )
