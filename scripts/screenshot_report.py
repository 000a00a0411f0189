"""Screenshot an HTML report in headless Chromium, after checking every image rendered.

Usage::

    python scripts/screenshot_report.py REPORT_HTML OUT_PNG

Two Chromium runs, standard library only:

1. a temporary harness page beside the report loads it in an iframe 1280 px wide and, on the
   iframe's load event (which waits for every image), writes into its own title how many of the
   report's images are complete with a natural width above zero, out of how many, and how tall
   the page is; Chromium dumps the harness DOM (``--dump-dom``) and the title is read back.
   Reading the iframe's document needs ``--allow-file-access-from-files`` (file pages are
   otherwise of distinct origins); a virtual time budget lets the page settle first;
2. when every image rendered, a screenshot of the whole page: the window is 1280 px wide and as
   tall as the page (at most 16384 px).

Exit status 0 when every image rendered and the screenshot was written; 1 with a message on
stderr when an image did not render (no screenshot then) or Chromium failed; 2 for bad usage
or no Chromium (``/usr/bin/chromium``, or ``chromium`` / ``chromium-browser`` on PATH).
Temporary files (the harness and Chromium profiles) are removed.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

WIDTH = 1280  # window width, px
MAX_HEIGHT = 16384  # tallest screenshot, px
TIMEOUT_S = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body style="margin:0">
<iframe id="report" src="{src}" style="border:0;width:{width}px;height:800px"></iframe>
<script>
const frame = document.getElementById("report");
frame.addEventListener("load", () => {{
  try {{
    const page = frame.contentDocument;
    const images = Array.from(page.images);
    const shown = images.filter((image) => image.complete && image.naturalWidth > 0);
    const height = Math.ceil(page.documentElement.scrollHeight);
    document.title = `images ${{shown.length}}/${{images.length}} height ${{height}}`;
  }} catch (error) {{
    document.title = `error ${{error}}`;
  }}
}});
</script>
</body></html>
"""
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
RESULT = re.compile(r"images (\d+)/(\d+) height (\d+)")


class CheckError(Exception):
    """The page could not be checked or an image did not render."""


def find_chromium() -> str | None:
    """Return the Chromium binary: ``/usr/bin/chromium``, else the first on PATH, else None."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return next(
        (path for name in ("chromium", "chromium-browser") if (path := shutil.which(name))),
        None,
    )


def run_chromium(binary: str, arguments: list[str]) -> str:
    """Run Chromium with :data:`FLAGS`, a fresh profile and ``arguments``; return its stdout.

    Raises
    ------
    CheckError
        When Chromium exits non-zero or runs longer than :data:`TIMEOUT_S` seconds.
    """
    profile = tempfile.mkdtemp(prefix="screenshot-profile-")
    try:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *arguments]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise CheckError(f"chromium ran longer than {TIMEOUT_S} s") from error
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if result.returncode != 0:
        raise CheckError(f"chromium failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    return result.stdout


def check_images(binary: str, report: Path) -> tuple[int, int, int]:
    """Load ``report`` in the harness; return (images rendered, images, page height in px).

    Raises
    ------
    CheckError
        When the harness could not read the page.
    """
    with tempfile.NamedTemporaryFile(
        "w", dir=report.parent, prefix=".harness-", suffix=".html", encoding="utf-8", delete=False
    ) as handle:
        handle.write(HARNESS.format(src=html.escape(report.as_uri()), width=WIDTH))
        harness = Path(handle.name)
    try:
        dom = run_chromium(
            binary,
            [
                "--allow-file-access-from-files",
                "--virtual-time-budget=10000",
                f"--window-size={WIDTH},800",
                "--dump-dom",
                harness.as_uri(),
            ],
        )
    finally:
        harness.unlink(missing_ok=True)
    title = TITLE.search(dom)
    found = RESULT.fullmatch(html.unescape(title.group(1)).strip()) if title else None
    if found is None:
        got = html.unescape(title.group(1)) if title else "no title"
        raise CheckError(f"could not inspect the page in chromium (harness title: {got})")
    rendered, total, height = (int(value) for value in found.groups())
    return rendered, total, height


def screenshot(binary: str, report: Path, out: Path, height: int) -> tuple[int, int]:
    """Save a screenshot of ``report`` :data:`WIDTH` px wide and ``height`` tall; return its size.

    Raises
    ------
    CheckError
        When Chromium wrote no PNG.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    run_chromium(
        binary,
        [f"--window-size={WIDTH},{height}", f"--screenshot={out}", report.as_uri()],
    )
    return png_size(out)


def png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) of a PNG from its header.

    Raises
    ------
    CheckError
        When the file is missing or not a PNG.
    """
    try:
        head = path.read_bytes()[:24]
    except OSError as error:
        raise CheckError(f"no screenshot written: {error}") from error
    if len(head) < 24 or not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise CheckError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def main(argv: list[str]) -> int:
    """Check the images of a report and screenshot it; return the exit status."""
    if len(argv) != 2:
        print("usage: python scripts/screenshot_report.py REPORT_HTML OUT_PNG", file=sys.stderr)
        return 2
    report, out = Path(argv[0]).resolve(), Path(argv[1])
    binary = find_chromium()
    if not report.is_file() or binary is None:
        missing = f"no report {argv[0]}" if not report.is_file() else "no chromium found"
        print(f"error: {missing}", file=sys.stderr)
        return 2
    try:
        rendered, total, height = check_images(binary, report)
        if rendered == total:
            width, shot_height = screenshot(binary, report, out, min(height, MAX_HEIGHT))
    except CheckError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if rendered != total:
        print(f"error: {report.name}: only {rendered}/{total} images rendered", file=sys.stderr)
        return 1
    print(
        f"{report.name}: {rendered}/{total} images rendered; "
        f"screenshot {argv[1]} ({width}x{shot_height})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
