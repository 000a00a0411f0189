"""Bad scenario input gives one line naming the file, the field, the problem and the bad value."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from helpers import REPO, SCENARIOS

from sim.errors import ScenarioError
from sim.scenario import load_scenario

Raw = dict[str, Any]

BASE: Raw = {
    "name": "bad",
    "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
    "call_types": {
        "calls": {
            "volume": {"per_hour": 120},
            "handle_time": {"dist": "exponential", "mean_s": 180},
        }
    },
    "groups": {"agents": {"headcount": 8}},
}


def _calls(raw: Raw) -> Raw:
    """Return the only call type of a raw scenario."""
    calls: Raw = raw["call_types"]["calls"]
    return calls


def _steady(raw: Raw, **fields: Any) -> None:
    """Replace the calendar by a steady state of 4 hourly intervals (fields override)."""
    del raw["calendar"]
    raw["steady_state"] = {"horizon_h": 4, "interval_minutes": 60, **fields}


class Case(NamedTuple):
    """A bad scenario: how to spoil the base, and what the error must name."""

    id: str
    spoil: Callable[[Raw], Any]
    path: str
    got: str


CASES = [
    Case(
        "unknown_key",
        lambda r: _calls(r).update(handel_time={"dist": "exponential", "mean_s": 1}),
        "call_types.calls.handel_time",
        "did you mean 'handle_time'?",
    ),
    Case("unknown_top_level_key", lambda r: r.update(calender={}), "calender", "'calendar'"),
    Case(
        "missing_required",
        lambda r: _calls(r).pop("handle_time"),
        "call_types.calls.handle_time",
        "is required",
    ),
    Case("missing_name", lambda r: r.pop("name"), "name", "is required"),
    Case(
        "cv_zero",
        lambda r: _calls(r).update(handle_time={"dist": "lognormal", "mean_s": 240, "cv": 0}),
        "call_types.calls.handle_time.cv",
        "(got 0)",
    ),
    Case(
        "cv_negative",
        lambda r: _calls(r).update(handle_time={"dist": "gamma", "mean_s": 240, "cv": -0.5}),
        "call_types.calls.handle_time.cv",
        "(got -0.5)",
    ),
    Case(
        "mean_zero",
        lambda r: _calls(r).update(handle_time={"dist": "exponential", "mean_s": 0}),
        "call_types.calls.handle_time.mean_s",
        "(got 0)",
    ),
    Case(
        "patience_mean_negative",
        lambda r: _calls(r).update(patience={"dist": "exponential", "mean_s": -30}),
        "call_types.calls.patience.mean_s",
        "(got -30)",
    ),
    Case(
        "negative_headcount_in_list",
        lambda r: r["groups"]["agents"].update(headcount=[2, 3, 3, -1]),
        "groups.agents.headcount[3]",
        "(got -1)",
    ),
    Case(
        "negative_headcount",
        lambda r: r["groups"]["agents"].update(headcount=-4),
        "groups.agents.headcount",
        "(got -4)",
    ),
    Case(
        "negative_per_hour",
        lambda r: _calls(r).update(volume={"per_hour": -10}),
        "call_types.calls.volume.per_hour",
        "(got -10)",
    ),
    Case(
        "negative_per_interval",
        lambda r: _calls(r).update(volume={"per_interval": [1, 2, -3, 4]}),
        "call_types.calls.volume.per_interval[2]",
        "(got -3",
    ),
    Case(
        "negative_acw",
        lambda r: _calls(r)["handle_time"].update(acw_s=-5),
        "call_types.calls.handle_time.acw_s",
        "(got -5)",
    ),
    Case(
        "headcount_not_a_number",
        lambda r: r["groups"]["agents"].update(headcount="lots"),
        "groups.agents.headcount",
        "(got 'lots')",
    ),
    Case(
        "headcount_a_yes_no_value",  # YAML reads `yes` as true; a count is never a truth value
        lambda r: r["groups"]["agents"].update(headcount=True),
        "groups.agents.headcount",
        "(got True)",
    ),
    Case(
        "mean_a_quoted_number",
        lambda r: _calls(r)["handle_time"].update(mean_s="240"),
        "call_types.calls.handle_time.mean_s",
        "(got '240')",
    ),
    Case(
        "headcount_item_not_a_number",
        lambda r: r["groups"]["agents"].update(headcount=[2, 3, "x", 1]),
        "groups.agents.headcount[2]",
        "(got 'x')",
    ),
    Case(
        "headcount_fraction",
        lambda r: r["groups"]["agents"].update(headcount=2.5),
        "groups.agents.headcount",
        "(got 2.5)",
    ),
    Case(
        "mean_not_a_number",
        lambda r: _calls(r)["handle_time"].update(mean_s="long"),
        "call_types.calls.handle_time.mean_s",
        "(got 'long')",
    ),
    Case(
        "dist_weibull",
        lambda r: _calls(r).update(handle_time={"dist": "weibull", "mean_s": 180}),
        "call_types.calls.handle_time.dist",
        "(got 'weibull')",
    ),
    Case(
        "patience_dist_gamma",
        lambda r: _calls(r).update(patience={"dist": "gamma", "mean_s": 180, "cv": 1}),
        "call_types.calls.patience.dist",
        "(got 'gamma')",
    ),
    Case(
        "interval_20",
        lambda r: r["calendar"].update(interval_minutes=20),
        "calendar.interval_minutes",
        "(got 20)",
    ),
    Case(
        "definition_foo",
        lambda r: r.update(service_level={"definition": "foo"}),
        "service_level.definition",
        "(got 'foo')",
    ),
    Case(
        "at_close_keep",
        lambda r: r["calendar"].update(at_close="keep"),
        "calendar.at_close",
        "(got 'keep')",
    ),
    Case(
        "target_percent",
        lambda r: r.update(service_level={"target": 80}),
        "service_level.target",
        "(got 80)",
    ),
    Case("days_zero", lambda r: r["calendar"].update(days=0), "calendar.days", "(got 0)"),
    Case(
        "close_before_open",
        lambda r: r["calendar"].update(close="07:00"),
        "calendar.close",
        "07:00",
    ),
    Case(
        "close_equals_open",
        lambda r: r["calendar"].update(close="08:00"),
        "calendar.close",
        "(got 08:00)",
    ),
    Case(
        "hours_not_whole_intervals",
        lambda r: r["calendar"].update(close="10:15"),
        "calendar.close",
        "08:00-10:15",
    ),
    Case("bad_clock", lambda r: r["calendar"].update(open="8am"), "calendar.open", "(got '8am')"),
    Case(
        "clock_after_midnight",
        lambda r: r["calendar"].update(close="25:00"),
        "calendar.close",
        "(got '25:00')",
    ),
    Case(
        "unquoted_clock",
        lambda r: r["calendar"].update(open=480),  # what YAML 1.1 makes of an unquoted 8:00
        "calendar.open",
        "(got the number 480",
    ),
    Case(
        "per_interval_wrong_length",
        lambda r: _calls(r).update(volume={"per_interval": [10, 20, 30]}),
        "call_types.calls.volume.per_interval",
        "(got 3)",
    ),
    Case(
        "profile_wrong_length",
        lambda r: _calls(r).update(volume={"daily": 100, "profile": [1, 2, 3, 4, 5]}),
        "call_types.calls.volume.profile",
        "(got 5)",
    ),
    Case(
        "headcount_wrong_length",
        lambda r: r["groups"]["agents"].update(headcount=[1, 2]),
        "groups.agents.headcount",
        "(got 2)",
    ),
    Case(
        "two_volume_forms",
        lambda r: _calls(r).update(volume={"per_hour": 10, "per_interval": [1, 2, 3, 4]}),
        "call_types.calls.volume",
        "'per_interval', 'per_hour'",
    ),
    Case(
        "no_volume_form",
        lambda r: _calls(r).update(volume={}),
        "call_types.calls.volume",
        "(got none)",
    ),
    Case(
        "daily_without_profile",
        lambda r: _calls(r).update(volume={"daily": 100}),
        "call_types.calls.volume.profile",
        "(got daily without profile)",
    ),
    Case(
        "all_zero_profile",
        lambda r: _calls(r).update(volume={"daily": 100, "profile": [0, 0, 0, 0]}),
        "call_types.calls.volume.profile",
        "[0.0, 0.0, 0.0, 0.0]",
    ),
    Case(
        "calendar_and_steady_state",
        lambda r: r.update(steady_state={"horizon_h": 4}),
        "calendar",
        "(got both)",
    ),
    Case(
        "neither_calendar_nor_steady_state",
        lambda r: r.pop("calendar"),
        "calendar",
        "(got neither)",
    ),
    Case(
        "steady_state_per_interval",
        lambda r: (_steady(r), _calls(r).update(volume={"per_interval": [1, 2, 3, 4]})),
        "call_types.calls.volume",
        "(got per_interval)",
    ),
    Case(
        "steady_state_profile",
        lambda r: (_steady(r), _calls(r).update(volume={"daily": 10, "profile": [1, 1, 1, 1]})),
        "call_types.calls.volume",
        "(got daily)",
    ),
    Case(
        "steady_state_headcount_list",
        lambda r: (_steady(r), r["groups"]["agents"].update(headcount=[1, 2, 3, 4])),
        "groups.agents.headcount",
        "(got a list of 4)",
    ),
    Case(
        "warmup_equals_horizon", lambda r: _steady(r, warmup_h=4), "steady_state.warmup_h", "(got 4"
    ),
    Case(
        "warmup_after_horizon", lambda r: _steady(r, warmup_h=6), "steady_state.warmup_h", "(got 6"
    ),
    Case("horizon_zero", lambda r: _steady(r, horizon_h=0), "steady_state.horizon_h", "(got 0)"),
    Case(
        "horizon_not_whole_intervals",
        lambda r: _steady(r, horizon_h=4.5),
        "steady_state.horizon_h",
        "(got 4.5)",
    ),
    Case(
        "cv_for_exponential",
        lambda r: _calls(r)["handle_time"].update(cv=0.5),
        "call_types.calls.handle_time.cv",
        "(got 0.5)",
    ),
    Case(
        "cv_for_deterministic",
        lambda r: _calls(r).update(handle_time={"dist": "deterministic", "mean_s": 60, "cv": 0.1}),
        "call_types.calls.handle_time.cv",
        "(got 0.1)",
    ),
    Case(
        "cv_missing_for_lognormal",
        lambda r: _calls(r).update(handle_time={"dist": "lognormal", "mean_s": 240}),
        "call_types.calls.handle_time.cv",
        "'lognormal'",
    ),
    Case(
        "cv_missing_for_gamma",
        lambda r: _calls(r).update(handle_time={"dist": "gamma", "mean_s": 240}),
        "call_types.calls.handle_time.cv",
        "'gamma'",
    ),
    Case(
        "mean_missing",
        lambda r: _calls(r).update(patience={"dist": "deterministic"}),
        "call_types.calls.patience.mean_s",
        "'deterministic'",
    ),
    Case(
        "patience_none_with_mean",
        lambda r: _calls(r).update(patience={"dist": "none", "mean_s": 100}),
        "call_types.calls.patience.mean_s",
        "(got 100",
    ),
    Case(
        "patience_none_with_cv",
        lambda r: _calls(r).update(patience={"dist": "none", "cv": 0.3}),
        "call_types.calls.patience.cv",
        "(got 0.3)",
    ),
    Case(
        "call_type_named_all",
        lambda r: r.update(call_types={"all": _calls(r)}),
        "call_types.all",
        "(got 'all')",
    ),
    Case(
        "call_type_name_with_spaces",
        lambda r: r.update(call_types={"my calls": _calls(r)}),
        "call_types.my calls",
        "(got 'my calls')",
    ),
    Case(
        "group_named_all",
        lambda r: r.update(groups={"all": {"headcount": 3}}),
        "groups.all",
        "(got 'all')",
    ),
    Case("no_call_types", lambda r: r.update(call_types={}), "call_types", "(got {})"),
    Case(
        "call_types_a_list",
        lambda r: r.update(call_types=["calls"]),
        "call_types",
        "(got ['calls'])",
    ),
    Case("empty_name", lambda r: r.update(name=""), "name", "(got '')"),
    Case(
        "two_groups",
        lambda r: r["groups"].update(backup={"headcount": 2}),
        "groups",
        "(got 2)",
    ),
    Case(
        "chat_channel",
        lambda r: _calls(r).update(channel="chat"),
        "call_types.calls.channel",
        "(got 'chat')",
    ),
]


def _write(folder: Path, raw: Raw, name: str = "bad.yaml") -> Path:
    """Write a raw scenario as YAML and return its path."""
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _load_error(path: Path) -> ScenarioError:
    """Load a file that must be invalid and return the error."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def _assert_one_line(error: ScenarioError, file: Path | str, path: str, got: str) -> None:
    """Assert the house format ``FILE: PATH: message`` with the bad value in the message."""
    text = str(error)
    assert "\n" not in text
    assert str(file) == error.file
    assert path == error.path
    assert text.startswith(f"{file}: {path}: " if path else f"{file}: ")
    assert got in error.message


class TestFieldErrors:
    """Invalid fields name their exact path and the value found."""

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_error_names_path_and_value(self, tmp_path: Path, case: Case) -> None:
        """Each bad field gives one line with the field path and the bad value."""
        raw = copy.deepcopy(BASE)
        case.spoil(raw)
        file = _write(tmp_path, raw)
        _assert_one_line(_load_error(file), file, case.path, case.got)

    def test_base_is_valid(self, tmp_path: Path) -> None:
        """The unspoilt base scenario loads (so every case fails for its own reason)."""
        scenario = load_scenario(_write(tmp_path, BASE))
        expected = 4
        assert expected == scenario.n_intervals

    def test_message_house_style_for_bounds(self, tmp_path: Path) -> None:
        """Pydantic's generic text is rewritten to ``must be > 0 (got 0)``."""
        raw = copy.deepcopy(BASE)
        _calls(raw)["handle_time"]["mean_s"] = 0
        error = _load_error(_write(tmp_path, raw))
        expected = "must be > 0 (got 0)"
        assert expected == error.message

    def test_unknown_key_lists_known_fields_when_nothing_is_close(self, tmp_path: Path) -> None:
        """A key unlike any field gets the list of the section's known fields."""
        raw = copy.deepcopy(BASE)
        raw["groups"]["agents"]["zzz"] = 1
        error = _load_error(_write(tmp_path, raw))
        expected = "is not a known field (known fields: headcount)"
        assert expected == error.message


class TestFileErrors:
    """Problems with the YAML file itself."""

    def test_yaml_syntax_error_gives_line_and_column(self, tmp_path: Path) -> None:
        """A YAML syntax error names the line and column where the parser stopped."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: x\ncall_types: {calls: [1, 2}\n")
        error = _load_error(file)
        _assert_one_line(error, file, "line 2, column 26", "YAML syntax error")

    def test_tab_indentation(self, tmp_path: Path) -> None:
        """A tab used for indentation is a syntax error on its line."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: x\ncalendar:\n\topen: '08:00'\n")
        error = _load_error(file)
        assert error.path.startswith("line 3, column ")
        assert "'\\t'" in error.message

    def test_duplicate_key(self, tmp_path: Path) -> None:
        """A key given twice is refused (YAML would otherwise keep the last silently)."""
        file = tmp_path / "bad.yaml"
        file.write_text(yaml.safe_dump(BASE, sort_keys=False) + "name: again\n")
        error = _load_error(file)
        line = len(file.read_text().splitlines())
        _assert_one_line(error, file, f"line {line}, column 1", "duplicate key 'name'")

    def test_merge_keys_may_be_overridden(self, tmp_path: Path) -> None:
        """A key merged from an anchor (``<<: *x``) may be overridden without a duplicate error."""
        text = (
            "name: merged\n"
            "calendar: {open: '08:00', close: '10:00'}\n"
            "call_types:\n"
            "  a: &base\n"
            "    volume: {per_hour: 10}\n"
            "    handle_time: {dist: exponential, mean_s: 60}\n"
            "  b:\n"
            "    <<: *base\n"
            "    volume: {per_hour: 20}\n"
            "groups: {agents: {headcount: 2}}\n"
        )
        file = tmp_path / "merged.yaml"
        file.write_text(text)
        scenario = load_scenario(file)
        expected = 20.0
        assert expected == scenario.call_types["b"].volume.per_hour

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that does not exist gives one line naming it."""
        file = tmp_path / "nowhere.yaml"
        error = _load_error(file)
        _assert_one_line(error, file, "", "cannot read the file")

    def test_folder_instead_of_file(self, tmp_path: Path) -> None:
        """A folder given as the scenario gives one line naming it."""
        error = _load_error(tmp_path)
        _assert_one_line(error, tmp_path, "", "cannot read the file")

    @pytest.mark.parametrize(
        ("text", "got"),
        [
            ("- 1\n- 2\n", "(got a list)"),
            ("just text\n", "(got a str)"),
            ("", "(got an empty file)"),
        ],
        ids=["list", "scalar", "empty"],
    )
    def test_top_level_not_a_mapping(self, tmp_path: Path, text: str, got: str) -> None:
        """A document that is not a mapping of fields is refused as a whole."""
        file = tmp_path / "bad.yaml"
        file.write_text(text)
        _assert_one_line(_load_error(file), file, "", got)

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A file that is not UTF-8 text gives one line, not a decoding traceback."""
        file = tmp_path / "bad.yaml"
        file.write_bytes(b"name: caf\xe9\n")
        _assert_one_line(_load_error(file), file, "", "byte 0xe9")

    def test_python_tags_are_not_executed(self, tmp_path: Path) -> None:
        """YAML is read with a safe loader: a Python tag is an error, never a call."""
        file = tmp_path / "bad.yaml"
        file.write_text("name: !!python/object/apply:os.getcwd []\n")
        error = _load_error(file)
        assert "python/object/apply" in error.message


class TestProfileCsvErrors:
    """Problems in a CSV profile name the CSV file and the line and column at fault."""

    @staticmethod
    def _scenario(folder: Path, csv_text: str | None) -> Path:
        """Write a scenario with a 4-interval CSV profile ``profile.csv`` (None: no CSV)."""
        if csv_text is not None:
            (folder / "profile.csv").write_text(csv_text)
        raw = copy.deepcopy(BASE)
        _calls(raw)["volume"] = {"daily": 100, "profile": "profile.csv"}
        return _write(folder, raw)

    def test_good_csv_loads(self, tmp_path: Path) -> None:
        """The well-formed CSV used below loads (each case spoils one thing)."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:00,3\n09:30,4\n"
        scenario = load_scenario(self._scenario(tmp_path, text))
        expected = [1.0, 2.0, 3.0, 4.0]
        assert expected == scenario.call_types["calls"].volume.profile

    def test_missing_csv(self, tmp_path: Path) -> None:
        """A profile file that does not exist is reported on the scenario's profile field."""
        file = self._scenario(tmp_path, None)
        error = _load_error(file)
        _assert_one_line(error, file, "call_types.calls.volume.profile", "profile.csv")

    def test_bad_header(self, tmp_path: Path) -> None:
        """A header without interval_start and weight names the CSV and line 1."""
        file = self._scenario(tmp_path, "time,weight\n08:00,1\n")
        error = _load_error(file)
        _assert_one_line(error, tmp_path / "profile.csv", "line 1", "(got time,weight)")

    def test_weight_not_a_number(self, tmp_path: Path) -> None:
        """A weight that is not a number names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30,abc\n09:00,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 3, column weight", "(got 'abc')")

    def test_negative_weight(self, tmp_path: Path) -> None:
        """A negative weight names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:00,-3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 4, column weight", "(got '-3')")

    def test_missing_weight_cell(self, tmp_path: Path) -> None:
        """A row without a weight names the CSV, its line and the weight column."""
        text = "interval_start,weight\n08:00,1\n08:30\n09:00,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "line 3, column weight", "is missing")

    def test_wrong_interval_start(self, tmp_path: Path) -> None:
        """An interval_start that is not the interval's start time names the expected time."""
        text = "interval_start,weight\n08:00,1\n08:30,2\n09:15,3\n09:30,4\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(
            error, tmp_path / "profile.csv", "line 4, column interval_start", "(got '09:15')"
        )
        assert "expected 09:00" in error.message

    def test_all_zero_weights(self, tmp_path: Path) -> None:
        """Weights that are all zero name the CSV and its weight column."""
        text = "interval_start,weight\n08:00,0\n08:30,0\n09:00,0\n09:30,0\n"
        error = _load_error(self._scenario(tmp_path, text))
        _assert_one_line(error, tmp_path / "profile.csv", "column weight", "(got 0)")

    def test_header_only(self, tmp_path: Path) -> None:
        """A CSV with a header and no rows names the CSV."""
        error = _load_error(self._scenario(tmp_path, "interval_start,weight\n"))
        _assert_one_line(error, tmp_path / "profile.csv", "", "no rows")

    def test_empty_csv(self, tmp_path: Path) -> None:
        """An empty CSV names the CSV."""
        error = _load_error(self._scenario(tmp_path, ""))
        _assert_one_line(error, tmp_path / "profile.csv", "", "empty")

    def test_too_few_rows(self, tmp_path: Path) -> None:
        """A CSV with fewer rows than intervals is reported on the profile field with the count."""
        file = self._scenario(tmp_path, "interval_start,weight\n08:00,1\n08:30,2\n09:00,3\n")
        error = _load_error(file)
        _assert_one_line(error, file, "call_types.calls.volume.profile", "(got 3)")

    def test_csv_not_utf8(self, tmp_path: Path) -> None:
        """A CSV that is not UTF-8 text names the CSV, not a decoding traceback."""
        file = self._scenario(tmp_path, None)
        (tmp_path / "profile.csv").write_bytes(b"interval_start,weight\n08:00,1\xff\n")
        _assert_one_line(_load_error(file), tmp_path / "profile.csv", "", "byte 0xff")


def _bad_file(folder: Path) -> Path:
    """Write a scenario with an unknown key and return its path."""
    raw = copy.deepcopy(BASE)
    _calls(raw)["handel_time"] = {"dist": "exponential", "mean_s": 1}
    return _write(folder, raw)


class TestValidateCommand:
    """``ccsim validate`` turns a scenario error into one line on stderr and exit code 2."""

    @pytest.mark.parametrize(
        "make_file",
        [
            _bad_file,
            lambda folder: _write(folder, {**BASE, "name": ""}),
            lambda folder: folder / "missing.yaml",
        ],
        ids=["unknown_key", "bad_value", "missing_file"],
    )
    def test_one_line_and_exit_code_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], make_file: Callable[[Path], Path]
    ) -> None:
        """Exit code 2, nothing on stdout, exactly one ``error: FILE: ...`` line on stderr."""
        from sim.cli import main

        file = make_file(tmp_path)
        with pytest.raises(SystemExit) as exited:
            main(["validate", str(file)])
        out, err = capsys.readouterr()
        expected = (2, "", 1)
        assert expected == (exited.value.code, out, len(err.splitlines()))
        assert err.startswith(f"error: {file}: ")
        assert "Traceback" not in err

    def test_valid_file_passes(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A valid scenario prints one ``valid`` line on stdout and nothing on stderr."""
        from sim.cli import main

        file = SCENARIOS / "erlang_c_check.yaml"
        main(["validate", str(file)])
        out, err = capsys.readouterr()
        assert not err
        assert out.startswith(f"{file}: valid")

    def test_console_script(self, tmp_path: Path) -> None:
        """The installed ``ccsim`` prints one error line without a traceback and exits 2."""
        file = _bad_file(tmp_path)
        ccsim = Path(sys.executable).with_name("ccsim")
        command = [str(ccsim)] if ccsim.exists() else [sys.executable, "-m", "sim"]
        result = subprocess.run(
            [*command, "validate", str(file)],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
            timeout=120,
        )
        expected = (2, "", 1)
        assert expected == (result.returncode, result.stdout, len(result.stderr.splitlines()))
        line = f"error: {file}: call_types.calls.handel_time: is not a known field"
        assert result.stderr.startswith(line)
        assert "Traceback" not in result.stderr
