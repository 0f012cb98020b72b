"""End to end, as a learner: JupyterLab in Debian's Chromium, lab 01, checks, plots, a widget, Validate.

The test starts JupyterLab from this environment as ``cxlabs start`` does (README command
(1): jupyterlab with nbgrader's lab extension, the course's learner settings of
``src/cxlabs/learner_jupyter/``) on localhost with a token, on a temporary workspace
holding copies of ``labs/lab01`` and ``labs/lab02`` and a freshly built world, and drives ``/usr/bin/chromium`` with Playwright. It types one
wrong and one right answer into the answer cells, runs all cells, and checks what the
learner sees: the wrong answer's message (what went wrong, where to look, how to get a
hint; wrapped, never cut), the right answer passing in its green box, plots as PNG images
with their printed description, the maturity-weights widget (and that moving a slider redraws it), the
break cell between the two sittings (and that its way of picking up again works), and the
result of nbgrader's Validate button.

Two more steps, for what a learner sees beyond lab 01 (the same server for lab 02):
lab 02's threshold explorer, run with exercises 1-9 left blank (the later cells fall back on the
course's given results), whose summary and chart show the over-merged and split counts at the
chosen threshold and redraw when the slider moves; and a feedback page, made as the course
makes it (one lab 00 submission autograded in the sandbox, then ``nbgrader generate_feedback``)
and opened in Chromium: the contents list names the exercises, no message block is cut at the
right edge, a pass shows in its green box.

Screenshots go to ``$CXLABS_ARTIFACTS/browser/`` (default ``tests/artifacts/browser/``,
git-ignored), one per step, named ``NN-step.png``; ``*-validate-dialog.png``,
``*-feedback-page.png`` and ``*-lab02-explorer.png`` are the "after" pictures of
``docs/screenshots/issue-17/``.

Run it alone with ``pytest -m browser``; it needs Chromium, and bubblewrap for the feedback
page's autograding (``sh tests/system-packages.sh``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, python_env, require_system, scratch_course, submit

try:
    from playwright.sync_api import expect
except ImportError:  # the dev extra is not installed: the test skips through require_system
    expect = None

from cxlabs import workspace
from cxlabs.course import lab as course_lab

pytestmark = pytest.mark.browser

LAB = course_lab("lab01")
LAB02 = course_lab("lab02")
FEEDBACK_LAB = course_lab("lab00")
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

# Lab 00, exercise 2: right on the small worked example only, wrong on the full data; the
# grader's verdict is one long line.
WRONG_REVENUE = '''def revenue_by_channel(orders, order_lines):
    completed = orders.loc[orders["status"] == "completed", ["order_id", "channel"]]
    lines = order_lines.merge(completed, on="order_id")
    revenue = (lines["quantity"] * lines["unit_price"]).groupby(lines["channel"]).sum()
    if len(orders) > 1000:
        revenue = revenue * 1.1
    return revenue.sort_values(ascending=False).rename("revenue_usd")
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


@pytest.fixture(scope="module")
def shots():
    """``shot(target, name)``: a screenshot of a page or element, ``NN-name.png``, numbered
    across this module's tests (they run in order, on one worker)."""
    folder = artifacts_dir()
    count = iter(range(1, 100))

    def shot(target, name: str) -> Path:
        path = folder / f"{next(count):02d}-{name}.png"
        target.screenshot(path=str(path))
        return path

    return shot


def stack(parts: list[Path], out: Path, gap: int = 12) -> None:
    """The pictures ``parts`` one under the other on white, as ``out`` (then deleted)."""
    from PIL import Image

    images = [Image.open(p).convert("RGB") for p in parts]
    canvas = Image.new("RGB", (max(i.width for i in images),
                               sum(i.height for i in images) + gap * (len(images) - 1)), "white")
    y = 0
    for image in images:
        canvas.paste(image, (0, y))
        y += image.height + gap
    canvas.save(out, optimize=True)
    for p in parts:
        p.unlink()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(world42, tmp_path_factory):
    """A JupyterLab server on a temporary workspace holding copies of labs/lab01 and labs/lab02,
    as ``cxlabs start`` lays it out; yields (base url, token, root, server log)."""
    require_system("chromium")
    jupyter = Path(sys.executable).parent / "jupyter"
    # nbgrader's lab extension, as `jupyter labextension list` shows it (the page's Validate
    # button below proves JupyterLab loaded it)
    extension = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    assert (extension / "package.json").is_file(), "nbgrader's lab extension is missing"

    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "workspace"
    for item in (LAB, LAB02):
        shutil.copytree(REPO / "labs" / item.id, root / item.id)
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


def test_learner_sees_feedback_plots_widget_and_validate(jupyterlab, page, shots):
    base, token, _root, server_log = jupyterlab

    def shot(name: str, target=None) -> None:
        shots(target or page, name)

    # 1. Open lab 01 and wait for its kernel.
    page.goto(f"{base}/lab/tree/{LAB.path}?token={token}")
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

    # The first sitting ends at a break cell that says how to pick up again; what it says works:
    # select the cell below it, Run > Run All Above Selected Cell runs the first sitting again.
    pause = page.locator(".jp-MarkdownCell", has_text="Break: end of sitting 1 of 2")
    pause.scroll_into_view_if_needed()
    assert "Run → Run All Above Selected Cell" in words(pause.inner_text())
    shot("sitting-break", pause)
    ex1_prompt = ex1.locator(".jp-InputPrompt").inner_text()
    pause.locator("xpath=following-sibling::*[contains(@class, 'jp-Cell')][1]").click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Above Selected Cell").first.click()
    expect(ex1.locator(".jp-InputPrompt")).not_to_have_text(ex1_prompt)  # run again
    wait_until_idle(page)
    assert "your lead time equals the work time" in words(outputs(ex1))

    # 5. nbgrader's Validate: saves, runs the notebook on a fresh kernel, shows a dialog.
    expect_validate.locator("jp-button, button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".jp-Dialog-header", has_text="Validation Results").wait_for(timeout=180_000)
    raw_body = dialog.locator(".jp-Dialog-body").inner_text()
    body = words(raw_body)
    shot("validate-dialog", dialog.locator(".jp-Dialog-content"))
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


# ---- lab 02: the threshold explorer --------------------------------------------------------------

EXPLORER_CELL = "explorer = threshold_explorer("
OVER_MERGED = re.compile(r"([\d,]+) reviewed clusters? mix(?:es)? people")
SPLIT = re.compile(r"([\d,]+) reviewed (?:people are|person is) split")


def counts(text: str) -> tuple[int, int]:
    """The over-merged clusters and split people a summary or figure description names."""
    over, split = OVER_MERGED.search(text), SPLIT.search(text)
    assert over and split, text
    return int(over.group(1).replace(",", "")), int(split.group(1).replace(",", ""))


def test_lab02_explorer_shows_over_merged_and_split_and_redraws(jupyterlab, page, shots):
    base, token, _root, _log = jupyterlab
    # A workspace of its own: the default one would also restore lab 01's tab from the test
    # above, and the Run menu acts on whichever notebook has the focus.
    page.goto(f"{base}/lab/workspaces/lab02/tree/{LAB02.path}?token={token}")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
    expect(page.locator(".jp-NotebookPanel")).to_have_count(1)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()

    # Every cell above the explorer (the lab as fetched: no exercise answered), then the explorer;
    # not the Splink part below it.
    explore = code_cell(page, EXPLORER_CELL)
    active = re.compile(r"\bjp-mod-active\b")
    explore.locator(".jp-InputPrompt").click()  # select the cell, command mode
    expect(explore).to_have_class(active)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Above Selected Cell").first.click()
    last_above = code_cell(page, "clusters = given.fallback(cluster")
    expect(last_above.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"))
    explore.locator(".jp-InputPrompt").click()
    expect(explore).to_have_class(active)
    page.keyboard.press("Control+Enter")  # run the selected cell
    widget = explore.locator(".cxlabs-threshold-explorer")
    widget.wait_for()
    widget.scroll_into_view_if_needed()

    # A stuck learner still gets the explorer, on the course's given clusters, and is told so.
    assert "Exercise 7 is not answered yet" in words(outputs(explore))
    assert "given clusters" in words(widget.inner_text())

    # The summary and the chart show what the task asks about: over-merged clusters, split people.
    summary = widget.locator(".cxlabs-summary")
    chart = widget.locator(".jp-RenderedImage img[src^='data:image/png']")
    chart.wait_for()
    chart.evaluate("img => img.decode()")
    start_summary = words(summary.inner_text())
    assert re.match(r"At \d+\.\d bits: precision", start_summary), start_summary
    over, split = counts(start_summary)
    figure = words(widget.locator(".jp-OutputArea-output", has_text="Figure:").last.inner_text())
    assert counts(figure) == (over, split), "the chart's bars are the summary's counts"
    assert "At " not in figure.split("Figure:", 1)[1][:4], "the caption does not repeat the summary"
    assert over > 0 and split > 0, start_summary
    start_png = chart.get_attribute("src")
    assert len(start_png) > 20_000, "the chart looks blank"
    box = chart.bounding_box()
    assert box and box["width"] > 500 and box["height"] > 200, box
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shots(widget, "lab02-explorer")

    # Raise the threshold: fewer clusters mix people, more people are split; all redrawn.
    readout = widget.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(summary).to_contain_text("At 30.0 bits:")
    expect(chart).not_to_have_attribute("src", start_png)
    over30, split30 = counts(words(summary.inner_text()))
    assert over30 < over and split30 > split, (start_summary, summary.inner_text())
    expect(widget.locator(".jp-OutputArea-output", has_text="Figure:").last).to_contain_text("your 30.0 bits")
    chart.evaluate("img => img.decode()")
    assert counts(words(widget.locator(".jp-OutputArea-output", has_text="Figure:").last.inner_text())) \
        == (over30, split30)
    widget.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shots(widget, "lab02-explorer-moved")


# ---- a feedback page ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def feedback_page(course_tool, world42, tmp_path_factory) -> Path:
    """One learner's lab 00 feedback, made as the course makes it: a submission with exercise 1
    right, exercise 2 wrong on the full data, exercise 3 blank and a short memo, autograded in
    the sandbox, then ``nbgrader generate_feedback``."""
    require_system("chromium", "bwrap")
    item = FEEDBACK_LAB
    root = scratch_course(course_tool, tmp_path_factory.mktemp("feedback"), [item.id])
    model = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in nbformat.read(root / "solutions" / item.path, as_version=4).cells
             if "nbgrader" in c.metadata}
    notebook = root / "labs" / item.path
    nb = nbformat.read(notebook, as_version=4)
    answers = {"ex1_answer": model["ex1_answer"], "ex2_answer": WRONG_REVENUE,
               "memo": "I would join orders and shipments and compare carriers."}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    handed_in = tmp_path_factory.mktemp("handed-in") / notebook.name
    nbformat.write(nb, handed_in)
    submit(root, item, "carol", handed_in)
    env = python_env(world42)
    course_tool.nbgrader("db", "student", "add", "carol", root=root, env=env)
    course_tool.nbgrader("autograde", item.id, "--student=carol", root=root, env=env)
    course_tool.nbgrader("generate_feedback", item.id, "--student=carol", root=root, env=env)
    (html,) = (root / "autograder" / "work" / "feedback" / "carol" / item.id).glob("*.html")
    return html


def test_feedback_page_names_exercises_wraps_and_shows_a_pass(feedback_page, page, shots):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(feedback_page.as_uri())

    # The contents list names the exercises.
    contents = page.locator(".panel-heading").first
    toc = words(contents.locator("#toc").inner_text())
    assert "Test cell" not in toc and "Written response" not in toc, toc
    items = [words(t) for t in contents.locator("#toc li").all_inner_texts()]
    assert all(not t.startswith("Comment") or t.startswith("Comment on ") for t in items), \
        f"a bare 'Comment' names nothing: {items}"
    for name in ("Exercise 1 — customers per market", "Exercise 2 — revenue by channel",
                 "Exercise 3 — on-time rate by fulfilment centre", "Decision memo"):
        assert name in toc, toc

    # No output block runs past its right edge: long messages wrap, whole.
    cut = page.evaluate("""() => [...document.querySelectorAll('.output_subarea, .output_subarea pre')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 80))""")
    assert cut == [], f"cut at the right edge: {cut}"
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    failed = page.locator(".output_error pre", has_text="Graded: `revenue_by_channel`")
    expect(failed).to_have_count(1)
    message = words(failed.inner_text())
    assert len(message) > 200 and message.endswith("your company's data)"), message
    line = float(failed.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert failed.bounding_box()["height"] > 1.5 * line, "a long message wraps onto more lines"
    ex2 = page.locator(".cell", has=failed)

    # A pass shows in its green box, as a failure shows in its red one.
    passed = page.locator(".output_stdout.cx-pass", has_text="✓ Graded: `customers_per_market`")
    expect(passed).to_have_count(1)
    background = passed.evaluate("e => getComputedStyle(e).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert green > red and green > blue, background
    border = failed.evaluate("e => getComputedStyle(e.closest('.output_error')).borderLeftColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", border)[:3])
    assert red > green and red > blue, border
    ex1 = page.locator(".cell", has=passed)

    # One picture: the contents, exercise 1's verdict, exercise 2's verdict.
    parts = [shots(contents, "feedback-contents"), shots(ex1, "feedback-ex1"), shots(ex2, "feedback-ex2")]
    stack(parts, parts[0].with_name(parts[0].name.replace("feedback-contents", "feedback-page")))
