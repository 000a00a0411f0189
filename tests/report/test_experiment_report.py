"""Experiment report files made from hand-built tables (no simulation)."""

from __future__ import annotations

import base64
import io
import math
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from helpers import REPO

from sim.report import (
    EXPERIMENT_REPORT_FILES,
    markdown_table,
    write_experiment_report,
)
from sim.report import experiment_report as module
from sim.results.experiment import ExperimentTables

KPIS = ("service_level", "asa_s", "abandon_rate", "occupancy", "offered", "staffed_h")
# Per KPI: baseline mean, change per point, CI half-width (fractions as fractions).
LEVELS = {
    "service_level": (0.72, 0.04, 0.006),
    "asa_s": (24.0, -4.5, 0.8),
    "abandon_rate": (0.061, -0.011, 0.002),
    "occupancy": (0.86, -0.02, 0.003),
    "offered": (4615.0, 0.0, 12.0),
    "staffed_h": (480.0, 32.0, 0.0),
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCRIPT = REPO / "scripts" / "screenshot_report.py"


def make_report(
    factors: dict[str, list[object]],
    *,
    points: list[str] | None = None,
    baseline: str | None = None,
    reps: tuple[int, ...] = (200,),
) -> ExperimentTables:
    """An experiment report of made-up KPIs: point i moves each KPI by i steps from the first.

    ``factors`` maps factor names to levels (one per point; ``{}`` for a single unnamed point);
    ``reps`` cycles over the points as their replications.
    """
    count = len(next(iter(factors.values()))) if factors else 1
    names = points or [f"p{i}" for i in range(count)]
    design = pd.DataFrame({"point": names, **factors})
    base = baseline or names[0]
    table, differences = [], []
    for i, point in enumerate(names):
        n_reps = reps[i % len(reps)]
        for kpi in KPIS:
            start, step, half = LEVELS[kpi]
            mean = start + i * step
            table.append((point, kpi, mean, mean - half, mean + half, half, n_reps))
            if point != base:
                diff = mean - start
                differences.append(
                    (point, kpi, diff, diff - half / 5, diff + half / 5, 0.1, n_reps)
                )
    return ExperimentTables(
        name="staffing <study>",
        source="experiments/staffing.yaml",
        description="Agents from 60 to 68.\n\nSame seed for every point.",
        engine="fast",
        seed=1,
        baseline=base,
        factors=design,
        table=pd.DataFrame(table, columns=list(module.TABLE_COLUMNS)),
        differences=pd.DataFrame(differences, columns=list(module.DIFFERENCE_COLUMNS)),
        intervals=interval_frame(names),
        sl_target=0.8,
        kpis=KPIS,
        precision={"service_level": 0.01, "asa_s": 2.0},
    )


def interval_frame(points: list[str]) -> pd.DataFrame:
    """Service level of 24 half-hours from 08:00, dipping at the late-morning peak."""
    labels = [f"{8 + j // 2:02d}:{30 * (j % 2):02d}" for j in range(24)]
    rows = []
    for i, point in enumerate(points):
        for j, label in enumerate(labels):
            mean = min(0.98, 0.6 + 0.05 * i + 0.3 * abs(math.sin(j / 7)))
            rows.append((point, label, mean, mean - 0.04, mean + 0.04))
    return pd.DataFrame(rows, columns=list(module.INTERVAL_COLUMNS))


def one_factor() -> ExperimentTables:
    """Three points on one numeric factor, agents = 60, 64, 68."""
    return make_report({"agents": [60, 64, 68]})


def grid() -> ExperimentTables:
    """A 2 x 2 grid: agents (numeric) by routing (names)."""
    return make_report({"agents": [60, 60, 64, 64], "routing": ["skills", "pooled"] * 2})


def single() -> ExperimentTables:
    """One point, no factors, hence no differences."""
    return make_report({})


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The report of :func:`one_factor` written once for the module."""
    folder = tmp_path_factory.mktemp("experiment")
    return folder, write_experiment_report(folder, one_factor())


class ImageParser(HTMLParser):
    """Collects the attributes of every <img> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def embedded_pngs(page: str) -> list[bytes]:
    """Decode the data URI of every image of ``page``; fail on any other source."""
    parser = ImageParser()
    parser.feed(page)
    prefix = "data:image/png;base64,"
    sources = [str(image.get("src")) for image in parser.images]
    assert all(src.startswith(prefix) for src in sources), [s[:40] for s in sources]
    assert all(image.get("alt") for image in parser.images)
    return [base64.b64decode(src[len(prefix) :], validate=True) for src in sources]


class TestFiles:
    """The files and the CSV table."""

    def test_writes_exactly_the_report_files(self, written: tuple[Path, list[Path]]) -> None:
        """The files returned and on disk are EXPERIMENT_REPORT_FILES, nothing else."""
        folder, paths = written
        assert [folder / name for name in EXPERIMENT_REPORT_FILES] == paths
        assert sorted(EXPERIMENT_REPORT_FILES) == sorted(p.name for p in folder.iterdir())

    def test_csv_has_a_row_per_point_and_kpi(self, written: tuple[Path, list[Path]]) -> None:
        """Long format: point, factors, kpi, stats, n_reps, differences; baseline diff NaN."""
        table = pd.read_csv(written[0] / "table.csv")
        expected = ["point", "agents", "kpi", "mean", "ci_low", "ci_high", "n_reps"]
        assert [*expected, "diff_mean", "diff_ci_low", "diff_ci_high"] == list(table.columns)
        assert 3 * len(KPIS) == len(table)
        baseline = table[table["point"] == "p0"]
        assert baseline[["diff_mean", "diff_ci_low", "diff_ci_high"]].isna().all().all()
        others = table[table["point"] != "p0"]
        assert others["diff_mean"].notna().all()
        row = table[(table["point"] == "p2") & (table["kpi"] == "asa_s")].iloc[0]
        assert (68, -9.0) == (row["agents"], row["diff_mean"])

    def test_markdown_file_is_the_markdown_table(self, written: tuple[Path, list[Path]]) -> None:
        """table.md holds what markdown_table returns."""
        text = (written[0] / "table.md").read_text(encoding="utf-8")
        assert markdown_table(one_factor()) + "\n" == text

    def test_grid_csv_keeps_design_order(self, tmp_path: Path) -> None:
        """Both factor columns, points in design order."""
        write_experiment_report(tmp_path, grid())
        table = pd.read_csv(tmp_path / "table.csv")
        assert ["point", "agents", "routing", "kpi"] == list(table.columns[:4])
        assert ["p0", "p1", "p2", "p3"] == list(dict.fromkeys(table["point"]))


class TestMarkdown:
    """The Markdown table: a row per point, KPIs as mean [CI], differences as Δ columns."""

    def test_header_and_shape(self) -> None:
        """Header line with engine, seed and replications, then a row per point."""
        lines = markdown_table(one_factor()).splitlines()
        assert (
            "Experiment staffing <study>: engine fast, seed 1, 200 replications per point"
            == (lines[0])
        )
        header = [cell.strip() for cell in lines[2].strip("|").split("|")]
        assert ["point", "agents", *KPIS, *(f"Δ {k}" for k in KPIS)] == header
        assert 3 == len(lines) - 4  # header line, blank, column names, separator

    def test_fractions_in_percent_and_points(self) -> None:
        """Fractions show as percent, their differences in pt; the baseline says so."""
        rows = markdown_table(one_factor()).splitlines()[4:]
        cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
        assert "72.0% [71.4, 72.6]" == cells[0][2]
        assert "6.1% [5.9, 6.3]" == cells[0][4]
        assert ["baseline"] * len(KPIS) == cells[0][-len(KPIS) :]
        assert "+8.0 pt [7.9, 8.1]" == cells[2][2 + len(KPIS)]
        assert "-9.0 [-9.2, -8.8]" == cells[2][3 + len(KPIS)]

    def test_decimals_follow_the_size_of_the_kpi(self) -> None:
        """Counts in the thousands without decimals, hours and seconds with one."""
        cells = markdown_table(one_factor()).splitlines()[4].strip("|").split("|")
        assert "4615 [4603, 4627]" == cells[6].strip()
        assert "480.0 [480.0, 480.0]" == cells[7].strip()

    def test_replications_that_differ_show_a_range(self) -> None:
        """n to m replications when points differ (precision targets)."""
        report = make_report({"agents": [60, 64, 68]}, reps=(100, 250, 400))
        assert "100 to 400 replications per point" in markdown_table(report).splitlines()[0]

    def test_pipes_are_escaped(self) -> None:
        """A pipe in a point name does not break the table."""
        report = make_report({"agents": [60, 64]}, points=["a|b", "c"])
        assert "| a\\|b |" in markdown_table(report)

    def test_estimate_formats(self) -> None:
        """NaN means are n/a; a NaN CI (one replication) leaves the mean alone."""
        assert "n/a" == module.format_estimate(math.nan, 0, 1, percent=False, decimals=1)
        assert "12.35" == module.format_estimate(
            12.345, math.nan, math.nan, percent=False, decimals=2
        )
        assert module.is_fraction("transfer_rate")
        assert not module.is_fraction("asa_s")
        assert module.is_fraction("service_level Mon")
        assert module.is_fraction("p_meet 2027-01-04 Mon")


class TestHtml:
    """One self-contained page."""

    def test_images_are_embedded_pngs(self, written: tuple[Path, list[Path]]) -> None:
        """Three images, each a data URI of a valid PNG wider than 300 px."""
        page = (written[0] / "report.html").read_text(encoding="utf-8")
        pngs = embedded_pngs(page)
        assert 3 == len(pngs)
        for png in pngs:
            assert png.startswith(PNG_SIGNATURE)
            assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[1] > 300

    def test_images_are_the_png_files(self, written: tuple[Path, list[Path]]) -> None:
        """The page embeds the very bytes of the PNG files (each figure rendered once)."""
        folder = written[0]
        pngs = embedded_pngs((folder / "report.html").read_text(encoding="utf-8"))
        names = [name for name in EXPERIMENT_REPORT_FILES if name.endswith(".png")]
        assert [(folder / name).read_bytes() for name in names] == pngs

    def test_nothing_is_fetched(self, written: tuple[Path, list[Path]]) -> None:
        """No external address, stylesheet link or script source."""
        page = (written[0] / "report.html").read_text(encoding="utf-8")
        for needle in ("http://", "https://", 'src="/', "<link", "<script src"):
            assert needle not in page

    def test_text_is_escaped(self, tmp_path: Path) -> None:
        """Names and descriptions appear escaped, never as markup."""
        report = make_report({"agents": [60, 64]}, points=["<b>x</b>", "y"])
        write_experiment_report(tmp_path, report)
        page = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert "&lt;b&gt;x&lt;/b&gt;" in page
        assert "<b>x</b>" not in page
        assert "staffing &lt;study&gt;" in page

    def test_meta_block(self, written: tuple[Path, list[Path]]) -> None:
        """Source, engine, seed, baseline, replications, precision and description."""
        page = (written[0] / "report.html").read_text(encoding="utf-8")
        for text in (
            "experiments/staffing.yaml",
            "<dd>fast</dd>",
            "<dd>p0</dd>",
            "<dd>200</dd>",
            "service_level ±1 pt, asa_s ±2",
            "<p>Same seed for every point.</p>",
            "How to read this",
        ):
            assert text in page


class TestDesigns:
    """Figures of other designs: a 2 x 2 grid, named variants, a single point."""

    def test_grid_draws_a_line_per_second_factor_level(self) -> None:
        """Two lines per KPI panel, x the numeric first factor."""
        figure = module.kpis_figure(grid())
        legend = figure.axes[0].get_legend()
        assert legend is not None
        texts = [text.get_text() for text in legend.get_texts()]
        assert ["target 80%", "routing = skills", "routing = pooled"] == texts
        assert 2 == len(figure.axes[1].containers)  # an error-bar line per routing
        assert "agents" == figure.axes[0].get_xlabel()

    def test_named_variants_use_point_names(self) -> None:
        """A string factor: categorical x with the point names."""
        report = make_report({"shift": ["fixed", "staggered", "split"]}, points=["f", "st", "sp"])
        figure = module.kpis_figure(report)
        assert ["f", "st", "sp"] == [t.get_text() for t in figure.axes[0].get_xticklabels()]

    def test_single_point_notes_no_difference(self, tmp_path: Path) -> None:
        """One point: all files written, the difference panel says there is none."""
        report = single()
        paths = write_experiment_report(tmp_path, report)
        assert len(EXPERIMENT_REPORT_FILES) == len(paths)
        texts = [t.get_text() for t in module.differences_figure(report).axes[0].texts]
        assert ["no other point to compare"] == texts
        assert "| p0 |" in markdown_table(report)
        assert 3 == len(embedded_pngs((tmp_path / "report.html").read_text(encoding="utf-8")))


class TestAllOrNothing:
    """A failure leaves no new file behind."""

    def test_missing_column_writes_nothing(self, tmp_path: Path) -> None:
        """A table without ci_high raises before anything is written."""
        (tmp_path / "keep.txt").write_text("earlier")
        report = one_factor()
        broken = ExperimentTables(
            **{**report.__dict__, "table": report.table.drop(columns="ci_high")}
        )
        with pytest.raises(ValueError, match="ci_high"):
            write_experiment_report(tmp_path, broken)
        assert ["keep.txt"] == sorted(p.name for p in tmp_path.iterdir())

    def test_failure_in_the_last_file_removes_the_others(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The HTML failing after the tables and plots were staged leaves none of them."""

        def fail(*_: object) -> str:
            raise RuntimeError("disk full")

        monkeypatch.setattr(module, "html_report", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            write_experiment_report(tmp_path, single())
        assert [] == list(tmp_path.iterdir())


def chromium() -> str | None:
    """The Chromium binary the screenshot script would use, if any."""
    names = ("chromium", "chromium-browser")
    found = [shutil.which(name) for name in names]
    return next((p for p in ["/usr/bin/chromium", *found] if p and Path(p).is_file()), None)


@pytest.mark.skipif(chromium() is None, reason="no chromium binary: cannot check the page")
class TestBrowser:
    """The page renders in headless Chromium (scripts/screenshot_report.py)."""

    def test_screenshot_shows_every_image(
        self, written: tuple[Path, list[Path]], tmp_path: Path
    ) -> None:
        """3/3 images decode in the browser; the screenshot is a real picture."""
        shot = tmp_path / "shot.png"
        result = subprocess.run(
            [sys.executable, str(SCRIPT), str(written[0] / "report.html"), str(shot)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert 0 == result.returncode, result.stderr
        assert "3/3 images rendered" in result.stdout
        pixels = matplotlib.image.imread(shot)
        assert 1280 == pixels.shape[1]
        sample = pixels.reshape(-1, pixels.shape[2])[::101]  # every 101st pixel: quick
        assert len(np.unique(sample, axis=0)) > 16
        assert sorted(EXPERIMENT_REPORT_FILES) == sorted(p.name for p in written[0].iterdir())

    def test_a_broken_image_fails(self, tmp_path: Path) -> None:
        """An image that does not decode makes the script exit non-zero and say so."""
        page = tmp_path / "broken.html"
        page.write_text(
            '<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA" alt="x">'
            "</body></html>",
            encoding="utf-8",
        )
        result = subprocess.run(
            [sys.executable, str(SCRIPT), str(page), str(tmp_path / "shot.png")],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert 0 != result.returncode
        assert "0/1 images rendered" in result.stderr
        assert ["broken.html"] == sorted(p.name for p in tmp_path.iterdir())
