"""Hostile and extreme files end in one line and exit code 2, fast and in bounded memory."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest
import yaml
from helpers import SCENARIOS, invoke

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.limits import MAX_CSV_BYTES, MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_VALUES


def _one_line(file: Path) -> str:
    """Validate ``file`` through the CLI; assert exit 2 and one ``error:`` line; return it."""
    code, out, err = invoke("validate", str(file))
    assert (2, "", 1) == (code, out, len(err.splitlines())), err[:500]
    assert err.startswith(f"error: {file}: ")
    assert "Traceback" not in err
    return err


def _alias_bomb(levels: int) -> str:
    """A "billion laughs" document: each level is nine aliases of the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join([*lines, "name: bomb"]) + "\n"


class TestYamlBounds:
    """Aliases, nesting, size and file kind are bounded before anything is built."""

    def test_alias_bomb_is_refused_without_expanding(self, tmp_path: Path) -> None:
        """Nine levels (9**10 values expanded) fail at once, and memory stays small."""
        file = tmp_path / "bomb.yaml"
        file.write_text(_alias_bomb(9), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        err = _one_line(file)
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert f"more than {MAX_YAML_VALUES:,} values" in err
        assert grown_kib < 200_000

    def test_small_aliases_still_load(self, tmp_path: Path) -> None:
        """Aliases that expand to a few values are ordinary YAML and load."""
        text = (SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8")
        file = tmp_path / "aliases.yaml"
        file.write_text(text + "\n" + _alias_bomb(1).replace("name: bomb\n", ""), "utf-8")
        with pytest.raises(ScenarioError, match="l0: is not a known field"):
            load_scenario(file)

    def test_recursive_alias_is_refused(self, tmp_path: Path) -> None:
        """An anchor that contains itself expands without end: refused."""
        file = tmp_path / "loop.yaml"
        file.write_text("name: &a [*a]\n", encoding="utf-8")
        assert "values once its aliases are expanded" in _one_line(file)

    @pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 1000, 100_000])
    def test_deep_nesting_is_refused(self, tmp_path: Path, depth: int) -> None:
        """Nesting beyond the limit is one line, not a RecursionError."""
        file = tmp_path / "deep.yaml"
        file.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
        assert f"limit of {MAX_YAML_DEPTH} levels" in _one_line(file)

    def test_nesting_at_the_limit_parses(self, tmp_path: Path) -> None:
        """Nesting up to the limit is read (and then fails as an ordinary bad field)."""
        depth = MAX_YAML_DEPTH - 1  # the top-level mapping is one level
        file = tmp_path / "deep.yaml"
        file.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
        assert "levels" not in _one_line(file)

    def test_file_over_the_size_limit_is_not_read(self, tmp_path: Path) -> None:
        """A sparse file larger than the limit is refused by its size."""
        file = tmp_path / "huge.yaml"
        with file.open("wb") as stream:
            stream.truncate(MAX_YAML_BYTES + 1)
        assert f"limit of {MAX_YAML_BYTES // 2**20} MiB" in _one_line(file)

    def test_fifo_does_not_block(self, tmp_path: Path) -> None:
        """A FIFO is refused before it is opened (opening it would wait for a writer)."""
        file = tmp_path / "pipe.yaml"
        os.mkfifo(file)
        assert "is not a regular file" in _one_line(file)

    def test_device_is_refused(self) -> None:
        """An endless device is not read."""
        code, _, err = invoke("validate", "/dev/zero")
        assert (2, "error: /dev/zero: is not a regular file") == (code, err.split(" (")[0])

    def test_folder_is_refused(self, tmp_path: Path) -> None:
        """A folder given as the scenario (through the API; the CLI refuses it first)."""
        with pytest.raises(ScenarioError, match=r"is not a regular file \(got a folder\)"):
            load_scenario(tmp_path)


class TestLongValues:
    """A bad value is shown cut, never echoed whole."""

    def test_megabyte_value_is_cut(self, tmp_path: Path) -> None:
        """A one-megabyte bad value gives a short line."""
        raw = yaml.safe_load((SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8"))
        raw["service_level"]["threshold_s"] = "x" * 1_000_000
        file = tmp_path / "long.yaml"
        file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        err = _one_line(file)
        assert len(err) < 600
        assert "characters" in err

    def test_binary_csv_is_short(self, tmp_path: Path) -> None:
        """Binary garbage given as a CSV input is one short line."""
        raw = yaml.safe_load((SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8"))
        calls = next(iter(raw["call_types"].values()))
        calls["volume"] = {"daily": 100, "profile": "garbage.csv"}
        (tmp_path / "garbage.csv").write_bytes(bytes(range(1, 256)) * 20)
        file = tmp_path / "garbage.yaml"
        file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        code, _, err = invoke("validate", str(file))
        assert (2, 1) == (code, len(err.splitlines()))
        assert len(err) < 600

    def test_csv_over_the_size_limit(self, tmp_path: Path) -> None:
        """A CSV input larger than its limit is refused by its size."""
        raw = yaml.safe_load((SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8"))
        calls = next(iter(raw["call_types"].values()))
        calls["volume"] = {"daily": 100, "profile": "big.csv"}
        with (tmp_path / "big.csv").open("wb") as stream:
            stream.truncate(MAX_CSV_BYTES + 1)
        file = tmp_path / "big.yaml"
        file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        code, _, err = invoke("validate", str(file))
        assert 2 == code
        assert f"{tmp_path / 'big.csv'}: is larger than the limit" in err
