"""Faults while writing: one line, a documented exit code, no temporary file, nothing lost."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from helpers import SCENARIOS, invoke

from sim.files import TEMP_PREFIX, atomic_write
from sim.report import outputs
from sim.report.outputs import write_all

DAY = str(SCENARIOS / "retail_bank_day.yaml")


def _text(text: str):
    return lambda path: path.write_text(text, encoding="utf-8")


def _fail(code: int):
    def write(*_args: object) -> None:
        raise OSError(code, "simulated fault")

    return write


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


class TestWriteAll:
    """All files or none, and the fault named by the file it hit."""

    def test_fault_keeps_the_earlier_files_and_no_temporary(self, tmp_path: Path) -> None:
        """A fault in the second file leaves both old files as they were."""
        write_all(tmp_path, {"a.csv": _text("old a"), "b.csv": _text("old b")})
        with pytest.raises(OSError, match="simulated fault") as raised:
            write_all(tmp_path, {"a.csv": _text("new a"), "b.csv": _fail(errno.ENOSPC)})
        assert str(tmp_path / "b.csv") == raised.value.filename
        assert ("old a", "old b") == tuple(
            (tmp_path / n).read_text(encoding="utf-8") for n in ("a.csv", "b.csv")
        )
        assert [] == _temporaries(tmp_path)

    def test_folder_in_place_of_a_file(self, tmp_path: Path) -> None:
        """A folder where a file goes is refused before anything is written."""
        (tmp_path / "b.csv").mkdir()
        with pytest.raises(IsADirectoryError) as raised:
            write_all(tmp_path, {"a.csv": _text("a"), "b.csv": _text("b")})
        assert str(tmp_path / "b.csv") == raised.value.filename
        assert not (tmp_path / "a.csv").exists()
        assert [] == _temporaries(tmp_path)

    def test_leftovers_of_a_killed_run_are_removed(self, tmp_path: Path) -> None:
        """Temporary files of the same targets from an earlier kill do not survive a run."""
        (tmp_path / f"{TEMP_PREFIX}a.csv.x1y2.csv").write_text("partial", encoding="utf-8")
        (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
        write_all(tmp_path, {"a.csv": _text("a")})
        assert [] == _temporaries(tmp_path)
        assert "mine" == (tmp_path / "notes.txt").read_text(encoding="utf-8")

    def test_atomic_write_removes_leftovers_and_names_the_target(self, tmp_path: Path) -> None:
        """``atomic_write`` behaves alike for a single file."""
        target = tmp_path / "scenario.yaml"
        (tmp_path / f"{TEMP_PREFIX}scenario.yaml.abc.yaml").write_text("x", encoding="utf-8")
        with pytest.raises(OSError, match="simulated fault") as raised:
            atomic_write(target, _fail(errno.EIO))
        assert (str(target), []) == (raised.value.filename, _temporaries(tmp_path))


class TestRunCommand:
    """``ccsim run`` turns write faults into one line."""

    def test_folder_in_place_of_a_report_file(self, tmp_path: Path) -> None:
        """Exit code 2, one line naming the file; the other files of an earlier run remain."""
        code, _, _ = invoke("run", DAY, "--reps", "2", "--out", str(tmp_path), "--quiet")
        assert 0 == code
        before = (tmp_path / "summary.csv").read_bytes()
        (tmp_path / "groups.csv").unlink()
        (tmp_path / "groups.csv").mkdir()
        code, _, err = invoke("run", DAY, "--reps", "3", "--out", str(tmp_path), "--quiet")
        assert (2, 1) == (code, len(err.splitlines()))
        assert err.startswith(f"error: {tmp_path / 'groups.csv'}: ")
        assert before == (tmp_path / "summary.csv").read_bytes()
        assert [] == _temporaries(tmp_path)

    @pytest.mark.parametrize(("fault", "exit_code"), [(errno.ENOSPC, 1), (errno.EROFS, 2)])
    def test_disk_full_and_read_only(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: int, exit_code: int
    ) -> None:
        """A full disk is the machine's fault (exit 1); a read-only folder the user's (exit 2)."""
        monkeypatch.setattr(outputs, "save_png", _fail(fault))
        code, _, err = invoke("run", DAY, "--reps", "2", "--out", str(tmp_path), "--quiet")
        assert (exit_code, 1) == (code, len(err.splitlines()))
        assert "simulated fault" in err
        assert "Traceback" not in err
        assert [] == sorted(p.name for p in tmp_path.iterdir())

    def test_out_is_inside_a_file(self, tmp_path: Path) -> None:
        """An ``--out`` folder that cannot be made (a file is in its path): one line, exit 2."""
        file = tmp_path / "taken"
        file.write_text("x", encoding="utf-8")
        out = file / "sub"
        code, _, err = invoke("run", DAY, "--reps", "2", "--out", str(out), "--quiet")
        assert (2, 1) == (code, len(err.splitlines()))
        assert err.startswith(f"error: {out}: ")


class TestLiteralNames:
    """Names are shown as written in plots, never read as mathematics."""

    def test_dollar_signs_in_titles_and_ticks(self, tmp_path: Path) -> None:
        """A figure whose title and tick labels hold unbalanced ``$`` saves."""
        from matplotlib.figure import Figure

        figure = Figure()
        axes = figure.subplots()
        axes.bar(["a $x_{", "$5 $ b"], [1, 2])
        axes.set_title(r"cost $\\frac{$ day")
        outputs.save_png(figure, tmp_path / "names.png")
        assert (tmp_path / "names.png").stat().st_size > 0

    def test_run_of_a_scenario_named_with_dollars(self, tmp_path: Path) -> None:
        """``ccsim run`` of a scenario whose name holds ``$...$`` writes every plot."""
        text = (SCENARIOS / "retail_bank_day.yaml").read_text(encoding="utf-8")
        lines = [
            'name: "cost $\\\\frac{ $x^"' if line.startswith("name:") else line
            for line in text.splitlines()
        ]
        folder = tmp_path / "in"
        shutil.copytree(SCENARIOS / "profiles", folder / "profiles")
        file = folder / "dollars.yaml"
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = tmp_path / "out"
        code, _, err = invoke("run", str(file), "--reps", "2", "--out", str(out), "--quiet")
        assert (0, "") == (code, err)
        assert 3 == len(list(out.glob("*.png")))


class TestSpreadsheetSafeCsv:
    """Names that a spreadsheet would run as formulas are written as text."""

    def test_formula_names_are_marked_numbers_are_not(self, tmp_path: Path) -> None:
        """``=1+1`` gets a quote; ``-3``, ``-`` and plain names are kept; numbers stay numbers."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "name": ["=HYPERLINK(1)", "+sum", "@cmd", "-3", "-", "plain", "-x"],
                "value": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            }
        )
        outputs.write_csv(frame, tmp_path / "t.csv")
        back = pd.read_csv(tmp_path / "t.csv", dtype={"name": str})
        expected = ["'=HYPERLINK(1)", "'+sum", "'@cmd", "-3", "-", "plain", "'-x"]
        assert expected == back["name"].tolist()
        assert frame["value"].tolist() == back["value"].tolist()

    def test_compare_csv_of_a_scenario_named_like_a_formula(self, tmp_path: Path) -> None:
        """``ccsim compare`` writes a scenario called ``=cmd`` as text."""
        text = (SCENARIOS / "erlang_c_check.yaml").read_text(encoding="utf-8")
        files = []
        for name in ("=cmd|x", "@other"):
            file = tmp_path / f"s{len(files)}.yaml"
            lines = [f"name: '{name}'" if s.startswith("name:") else s for s in text.splitlines()]
            file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files.append(str(file))
        out = tmp_path / "out"
        code, _, err = invoke("compare", *files, "--reps", "2", "--out", str(out))
        assert (0, "") == (code, err)
        written = (out / "compare.csv").read_text(encoding="utf-8")
        assert "'=cmd|x" in written
        assert "'@other" in written
        assert ",=cmd" not in written
