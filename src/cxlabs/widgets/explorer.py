"""What every explorer shares: a guard for unanswered exercises and a summary-and-chart frame."""

from __future__ import annotations

import base64
import contextlib
import html
import io
from collections.abc import Callable


def _ipywidgets():
    import ipywidgets

    return ipywidgets


def _answered(trial: Callable[[], object], function_name: str) -> bool:
    """Run ``trial`` once; False, with a plain note, if the learner's function is not ready."""
    try:
        trial()
    except NotImplementedError:
        print(f"Not answered yet: write {function_name} above, then run this cell again.")
        return False
    except Exception as exc:  # noqa: BLE001 - learner code: explain, do not stop Run All
        print(f"The explorer needs a working {function_name}; it raised {type(exc).__name__}: {exc}")
        return False
    return True


def _blank_or_answered(trial: Callable[[], object], function_name: str) -> bool | None:
    """Run ``trial`` once: True if it ran, None if the learner's function is blank
    (``NotImplementedError``: the caller may use given results), False, with a plain note,
    if it failed otherwise."""
    try:
        trial()
    except NotImplementedError:
        return None
    except Exception as exc:  # noqa: BLE001 - learner code: explain, do not stop Run All
        print(f"The explorer needs a working {function_name}; it raised {type(exc).__name__}: {exc}")
        return False
    return True


class _Explorer:
    """What every explorer shares: a one-line summary and a chart, redrawn on every change.

    A subclass builds ``self.summary`` (HTML), ``self.output`` (Output) and ``self.widget``,
    then calls :meth:`_show` or :meth:`_fail` from its ``update``.
    """

    figure = None
    _png: bytes | None = None
    _summary_text = ""

    def _show(self, summary: str, draw: Callable) -> None:
        """Show ``summary``, and the figure ``draw()`` returns with its one-line description."""
        from IPython.display import Image, display

        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(summary)}</p>"
        self._summary_text = summary
        self.output.clear_output(wait=True)
        with self.output:  # the chart, then its printed description under it, inside the widget
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                fig = draw()
            png = io.BytesIO()
            fig.savefig(png, format="png", bbox_inches="tight")
            self._png = png.getvalue()
            display(Image(data=self._png, format="png"))
            print(printed.getvalue(), end="")
        self.figure = fig

    def _fail(self, exc: Exception) -> None:
        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(str(exc))}</p>"
        self._summary_text, self._png = str(exc), None
        self.output.clear_output()

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a static picture and summary for wherever widgets do not run.

        JupyterLab shows the widget (its renderer comes first). A saved notebook without widget
        state, nbgrader's feedback page and the formgrader fall back to the chart as it was first
        drawn (``image/png``) and the summary and figure description as text (the feedback's
        alt text, ``feedback_filters.AltText``), instead of an empty output.
        """
        data = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        description = getattr(self.figure, "cxlabs_description", "") or ""
        text = self._summary_text + (f"\nFigure: {description}" if description else "")
        if text:
            data["text/plain"] = text
        if self._png:
            data["image/png"] = base64.b64encode(self._png).decode("ascii")
        return data


def _bundle_with_alt(explorer: _Explorer):
    """An explorer's display data with its static picture's ``alt`` metadata: the figure's
    description (registered for IPython's display by ``cxlabs.plotting``)."""
    data = explorer._repr_mimebundle_()
    description = getattr(explorer.figure, "cxlabs_description", "") or ""
    if "image/png" in data and description:
        return data, {"image/png": {"alt": description}}
    return data
