"""End to end, as a learner: JupyterLab in Debian's Chromium, lab 01, checks, plots, a widget, Validate.

The test starts JupyterLab from this environment as ``cxlabs start`` does (README command
(1): jupyterlab with nbgrader's lab extension, the course's learner settings of
``src/cxlabs/learner_jupyter/``) on localhost with a token, on a temporary copy of
``labs/lab01`` and a freshly built world, and drives ``/usr/bin/chromium`` with Playwright. It types one
wrong and one right answer into the answer cells, runs all cells, and checks what the
learner sees: the wrong answer's message (what went wrong, where to look, how to get a
hint; wrapped, never cut), the right answer passing in its green box, plots as PNG images, the maturity-weights widget (and that
moving a slider redraws it), and the result of nbgrader's Validate button.

Screenshots go to ``$CXLABS_ARTIFACTS/browser/`` (default ``tests/artifacts/browser/``,
git-ignored), one per step, named ``NN-step.png``.

Run it alone with ``pytest -m browser``; it needs Chromium (``sh tests/system-packages.sh``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, require_system

try:
    from playwright.sync_api import expect
except ImportError:  # the dev extra is not installed: the test skips through require_system
    expect = None

from cxlabs import workspace
from cxlabs.course import lab as course_lab

pytestmark = pytest.mark.browser

LAB = course_lab("lab01")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000

WRONG_CASE_TIMES = '''def case_times(events):
    """Lead, work and wait time in hours per case (index: case_id)."""
    hours = (events["ended_at"] - events["started_at"]) / pd.Timedelta(hours=1)
    work = hours.groupby(events["case_id"]).sum()
    # a common mistake: the lead time summed from the stage durations
    return pd.DataFrame({"lead_time_h": work, "work_time_h": work, "wait_time_h": work - work})
'''

RIGHT_MATURITY_SCORES = '''def maturity_scores(assessments, weights):
    """Weighted maturity score and level per capability, lowest score first."""
    table = assessments.pivot_table(index="capability", columns="dimension", values="score",
                                    aggfunc="median")
    w = pd.Series(weights, dtype=float)[table.columns]
    score = table.mul(w, axis=1).sum(axis=1) / w.sum()
    level = np.floor(score).astype(int).map(LEVELS)
    return pd.DataFrame({"score": score, "level": level}).sort_values("score")
'''

# JupyterLab settings for a deterministic page: every cell in the DOM (no windowing). The
# news pop-up is off through the course's learner settings, as for a learner.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def artifacts_dir() -> Path:
    base = Path(os.environ.get("CXLABS_ARTIFACTS", REPO / "tests" / "artifacts"))
    folder = base / "browser"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(world42, tmp_path_factory):
    """A JupyterLab server on a temporary copy of labs/lab01; yields (base url, token, root)."""
    require_system("chromium")
    jupyter = Path(sys.executable).parent / "jupyter"
    # nbgrader's lab extension, as `jupyter labextension list` shows it (the page's Validate
    # button below proves JupyterLab loaded it)
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    assert (extension / "package.json").is_file(), "nbgrader's lab extension is missing"

    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "lab01"
    shutil.copytree(REPO / "labs" / LAB.id, root)
    settings = tmp / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    for d in ("config", "runtime", "workspaces", "ipython"):
        (tmp / d).mkdir()
    port, token = free_port(), secrets.token_hex(16)
    env = {**workspace.learner_env(), "CXLABS_DATA_DIR": str(world42), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "IPYTHONDIR": str(tmp / "ipython"),
           "PATH": f"{jupyter.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as for a learner
    cmd = [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp / "jupyterlab.log").open("w")
    server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token, root, tmp / "jupyterlab.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path="/usr/bin/chromium", headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1300})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def code_cell(page, text: str):
    """The code cell whose source contains ``text``."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator(".cm-content", has_text=text))
    expect(cell).to_have_count(1)  # editors fill in after the notebook is attached
    return cell


def type_answer(page, first_line: str, source: str) -> None:
    """Replace an answer cell's source, as a learner pasting into the editor would."""
    editor = code_cell(page, first_line).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")  # leave edit mode
    text = code_cell(page, first_line).locator(".cm-content").inner_text()
    assert source.splitlines()[2].strip() in text, text


def wait_until_idle(page) -> None:
    """Every code cell has run (a number in its prompt, no '*') and the kernel is idle."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
            const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            const busy = document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="busy"]');
            return done && !busy;
        }""", timeout=TIMEOUT_MS)


def outputs(cell) -> str:
    return cell.locator(".jp-Cell-outputWrapper").inner_text()


def words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces as single spaces (messages are wrapped)."""
    return " ".join(text.split())


def test_learner_sees_feedback_plots_widget_and_validate(jupyterlab, page):
    base, token, _root, server_log = jupyterlab
    shots = artifacts_dir()
    count = iter(range(1, 100))

    def shot(name: str, target=None) -> None:
        path = shots / f"{next(count):02d}-{name}.png"
        (target or page).screenshot(path=str(path))

    # 1. Open lab 01 and wait for its kernel.
    page.goto(f"{base}/lab/tree/{LAB.notebook}.ipynb?token={token}")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
    expect_validate = page.locator(".validate-button")
    expect_validate.wait_for()
    shot("lab01-opened")
    # The learner's JupyterLab: no instructor tools, no news pop-up, the course's nbgrader config.
    menus = words(page.locator(".lm-MenuBar").inner_text())
    assert "Nbgrader" not in menus or "Formgrader" not in menus
    page.locator(".lm-MenuBar-itemLabel", has_text="View").first.click()
    page.keyboard.press("Escape")
    assert page.locator("text=Formgrader").count() == 0 and page.locator("text=Create Assignment").count() == 0
    assert page.locator(".jp-Notification-Toast, .Toastify__toast").filter(has_text="news").count() == 0

    # 2. A wrong answer to exercise 1 and a right answer to exercise 6, typed into the editor.
    type_answer(page, "def case_times(events):", WRONG_CASE_TIMES)
    shot("wrong-answer-typed", code_cell(page, "def case_times(events):"))
    type_answer(page, "def maturity_scores(assessments, weights):", RIGHT_MATURITY_SCORES)
    shot("right-answer-typed", code_cell(page, "def maturity_scores(assessments, weights):"))

    # 3. Run all cells; the check cells carry the raises-exception tag, so a failing check
    #    does not stop the run.
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    wait_until_idle(page)

    # The wrong answer's message: what was done, where to look, how to get a hint.
    ex1 = code_cell(page, "checks.case_times.check(case_times)")
    ex1.scroll_into_view_if_needed()
    text = words(outputs(ex1))
    assert "your lead time equals the work time" in text
    assert "Where to look: Part 1, 'Where the time goes'" in text
    assert "checks.case_times.hint()" in text
    shot("wrong-answer-message", ex1)

    # The right answer passes.
    ex6 = code_cell(page, "checks.maturity_scores.check(maturity_scores)")
    ex6.scroll_into_view_if_needed()
    assert "✓ Exercise 6" in outputs(ex6)
    assert ex6.locator(".cxlabs-pass").count() == 1, "a pass shows as its own green box"
    shot("right-answer-passes", ex6)

    # The lab ends with where the learner stands.
    where = code_cell(page, "progress()")
    where.scroll_into_view_if_needed()
    summary_text = words(outputs(where))
    assert "Lab 01:" in summary_text and "1 failing" in summary_text and "still at stake" in summary_text
    assert "'state':" not in summary_text, "the table alone, not the returned rows again"
    shot("progress-summary", where)

    # Plots are PNG images with their one-line description.
    look1 = code_cell(page, "times = preview(case_times, events)")
    look1.scroll_into_view_if_needed()
    assert look1.locator(".jp-RenderedImage img[src^='data:image/png']").count() == 1
    look1.locator(".jp-RenderedImage img").evaluate("img => img.decode()")
    assert "Figure: Histogram of lead time" in outputs(look1)
    shot("plot-lead-time", look1)
    look6 = code_cell(page, "maturity = preview(maturity_scores, assessments, WEIGHTS)")
    assert look6.locator(".jp-RenderedImage img[src^='data:image/png']").count() == 1
    assert "Figure: Bar chart of weighted maturity" in outputs(look6)

    # 4. The widget: five sliders, a summary, a chart; moving a slider redraws them.
    explore = code_cell(page, "maturity_explorer(assessments, maturity_scores, WEIGHTS)")
    widget = explore.locator(".cxlabs-maturity-explorer")
    widget.wait_for()
    widget.scroll_into_view_if_needed()
    sliders = widget.locator(".widget-slider")
    assert sliders.count() == 5
    chart = widget.locator(".jp-RenderedImage img[src^='data:image/png']")
    chart.wait_for()
    chart.evaluate("img => img.decode()")
    summary = widget.locator(".cxlabs-summary")
    assert "Close first:" in summary.inner_text()
    assert "Same order as with the lab's weights" in summary.inner_text()
    before_text, before_png = outputs(explore), chart.get_attribute("src")
    assert len(before_png) > 20_000, "the chart looks blank"
    shot("widget-rendered", widget)

    governance = sliders.filter(has_text="governance")
    readout = governance.locator(".widget-readout")  # the slider's editable value
    readout.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("0")
    page.keyboard.press("Enter")  # governance no longer counts
    expect(explore.locator(".jp-Cell-outputWrapper")).to_contain_text("governance 0;")  # redrawn
    expect(readout).to_have_text("0.00")
    expect(summary).to_contain_text("Close first:")
    expect(chart).not_to_have_attribute("src", before_png)
    chart.evaluate("img => img.decode()")  # painted before the screenshot
    expect(chart).to_be_visible()
    assert len(chart.get_attribute("src")) > 20_000, "the redrawn chart looks blank"
    box = chart.bounding_box()
    assert box and box["height"] > 200, box
    assert outputs(explore) != before_text
    widget.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shot("widget-slider-moved", widget)  # the widget fits the viewport: an element taller than
    # the viewport is captured before Chromium has painted its lower part

    # 5. nbgrader's Validate: saves, runs the notebook on a fresh kernel, shows a dialog.
    expect_validate.locator("jp-button, button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".jp-Dialog-header", has_text="Validation Results").wait_for(timeout=180_000)
    raw_body = dialog.locator(".jp-Dialog-body").inner_text()
    body = words(raw_body)
    shot("validate-dialog")
    assert not any(line.rstrip().endswith("...") for line in raw_body.splitlines()), \
        "nbgrader cut a message line: it should be wrapped"
    assert "The following cell failed:" in body
    assert "checks.case_times.check(case_times)" in body
    assert "your lead time equals the work time" in body
    assert "checks.maturity_scores.check(maturity_scores)" not in body, "the right answer should pass"
    assert "not answered yet" in body  # exercises left blank are reported too
    dialog.locator(".jp-Dialog-footer button").first.click()
    dialog.wait_for(state="detached")
    server_text = server_log.read_text()
    assert "No nbgrader_config.py file found" not in server_text, "the learner nbgrader config is found"
