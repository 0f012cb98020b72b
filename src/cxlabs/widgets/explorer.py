"""What every explorer shares: a guard for unanswered exercises and a summary-and-chart frame."""

from __future__ import annotations

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


class _Explorer:
    """What every explorer shares: a one-line summary and a chart, redrawn on every change.

    A subclass builds ``self.summary`` (HTML), ``self.output`` (Output) and ``self.widget``,
    then calls :meth:`_show` or :meth:`_fail` from its ``update``.
    """

    figure = None

    def _show(self, summary: str, draw: Callable) -> None:
        """Show ``summary``, and the figure ``draw()`` returns with its one-line description."""
        from IPython.display import Image, display

        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(summary)}</p>"
        self.output.clear_output(wait=True)
        with self.output:  # the chart and its printed description, inside the widget
            fig = draw()
            png = io.BytesIO()
            fig.savefig(png, format="png", bbox_inches="tight")
            display(Image(data=png.getvalue(), format="png"))
        self.figure = fig

    def _fail(self, exc: Exception) -> None:
        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(str(exc))}</p>"
        self.output.clear_output()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
