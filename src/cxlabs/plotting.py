"""Plotting defaults for every lab: one colour-blind-safe palette, readable sizes, labelled axes.

Importing this module applies the course style once (:func:`use_course_style`; a lab may
call it again, which is harmless). Every figure in a lab gets a title, axis labels with
units, and a one-line text description that a screen-reader user can read: :func:`finish`
does all three, and refuses an empty title, label or description. :func:`figure_problems`
says what a figure lacks (tests use it on every figure a lab draws).
"""

from __future__ import annotations

#: Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Diverging colour map for signed values (correlations, alignments): blue-white-orange.
DIVERGING = "PuOr_r"
SEQUENTIAL = "cividis"


_STYLE_APPLIED = False


def use_course_style() -> None:
    """Set matplotlib/seaborn defaults: palette, font sizes, grid, figure size.

    Examples
    --------
    >>> from cxlabs.plotting import use_course_style
    >>> use_course_style()
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=list(PALETTE), font_scale=1.05)
    mpl.rcParams.update({
        "figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.titlesize": 13, "axes.titleweight": "bold",
        "axes.labelsize": 11, "legend.frameon": False, "image.cmap": SEQUENTIAL,
        "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    })
    global _STYLE_APPLIED
    _STYLE_APPLIED = True
    _install_alt_text()


#: MIME type of each inline figure format (``InlineBackend.figure_formats``).
_FIGURE_MIMES = {"png": "image/png", "retina": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "svg": "image/svg+xml"}


def _figure_bundle(fig):
    """The extra display data of a described figure: its description as the image's ``alt``
    metadata and as its plain-text form (in place of ``<Figure size 800x450 with 1 Axes>``).

    nbconvert's HTML (the classic template, which nbgrader's feedback page extends) writes the
    ``alt`` metadata into the ``<img>`` tag, and the saved notebook keeps it; JupyterLab 4 draws
    an image output without reading it (its ``renderImage`` sets only the source, size and
    background), so there the description is the "Figure: ..." line printed with the chart.
    """
    text = getattr(fig, "cxlabs_description", "")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        from matplotlib_inline.backend_inline import InlineBackend

        formats = InlineBackend.instance().figure_formats
    except Exception:  # noqa: BLE001 - not in a kernel with the inline backend
        formats = {"png"}
    mimes = {_FIGURE_MIMES[f] for f in formats if f in _FIGURE_MIMES} or {"image/png"}
    return {"text/plain": f"Figure: {text}"}, {mime: {"alt": text} for mime in sorted(mimes)}


def _install_alt_text() -> None:
    """In IPython, show every described figure with its description as alt text (see
    :func:`_figure_bundle`); elsewhere nothing."""
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from cxlabs.widgets.explorer import _bundle_with_alt, _Explorer

    bundles = shell.display_formatter.mimebundle_formatter
    bundles.for_type(Figure, _figure_bundle)
    bundles.for_type(_Explorer, _bundle_with_alt)  # an explorer's static picture, for saved notebooks


def style_applied() -> bool:
    """True once :func:`use_course_style` has run in this process (importing this module runs it)."""
    return _STYLE_APPLIED


def describe(ax, text: str) -> None:
    """Attach a one-line text description to a figure and print it ("Figure: ...", wrapped
    between words like every message; continued lines are indented).

    In a notebook the line appears just above the chart (the inline backend shows a figure
    when the cell ends); in an explorer widget, under it. In IPython the description is also
    the image's ``alt`` metadata and its plain-text form (:func:`_figure_bundle`), so a saved
    notebook, nbconvert's HTML and the feedback page (``autograder/feedback_filters.AltText``
    for what was saved without it) give it as the image's alt text. JupyterLab does not read
    that metadata: there the printed line is the description.

    The description is stored on the figure (``fig.cxlabs_description``) so tests can check
    that every figure has one.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a figure needs a one-line text description: say what it shows and "
                         "what to notice, e.g. 'Bar chart of ...; the largest is ...'.")
    from cxlabs.feedback import wrap

    fig = ax.figure
    fig.cxlabs_description = text
    print(wrap(f"Figure: {text}"))  # between words: a browser breaks an overlong line mid-word


def finish(ax, title: str, xlabel: str, ylabel: str, description: str) -> None:
    """Title, axis labels and text description in one call; use it for every lab figure.

    Put the unit in brackets in the label of every numeric axis, e.g. ``"lead time (hours)"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3], [10, 12, 9])
    >>> finish(ax, "Orders per day", "day (of March)", "orders (count)",
    ...        "Line chart of orders over three days; the busiest is day 2.")
    Figure: Line chart of orders over three days; the busiest is day 2.
    >>> figure_problems(fig)
    []
    """
    empty = [name for name, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel))
             if not isinstance(value, str) or not value.strip()]
    if empty:
        raise ValueError(f"every lab figure needs a title and labelled axes; {empty} is empty.")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.tight_layout()
    describe(ax, description)


def _is_colorbar(ax) -> bool:
    return ax.get_label() == "<colorbar>" or hasattr(ax, "_colorbar")


def figure_problems(fig) -> list[str]:
    """What a figure lacks by the course's rules; an empty list when it is fine.

    The rules: a text description (:func:`describe`); every plotting area has a title and
    both axis labels; a unit in brackets on at least one axis label, or on the colour bar of
    a heatmap.
    """
    problems = []
    if not getattr(fig, "cxlabs_description", "").strip():
        problems.append("no text description (use cxlabs.plotting.finish or describe)")
    axes = [ax for ax in fig.axes if not _is_colorbar(ax)]
    bars = [ax for ax in fig.axes if _is_colorbar(ax)]
    if not axes:
        problems.append("no plotting area")
    for i, ax in enumerate(axes):
        where = f"axes {i}"
        if not ax.get_title().strip():
            problems.append(f"{where}: no title")
        labels = [ax.get_xlabel(), ax.get_ylabel()]
        problems += [f"{where}: no {n} label" for n, lab in zip("xy", labels, strict=True) if not lab.strip()]
        bar_labels = [b.get_ylabel() or b.get_xlabel() for b in bars]
        if not any("(" in lab for lab in labels + bar_labels):
            problems.append(f"{where}: no unit in brackets on an axis label, e.g. 'wait (hours)'")
    return problems


use_course_style()
