"""Plotting defaults for every lab: one colour-blind-safe palette, readable sizes, labelled axes.

Call :func:`use_course_style` once at the top of a lab. Every figure in a lab gets a title,
axis labels with units, and a one-line text description (:func:`describe`) that a
screen-reader user can read.
"""

from __future__ import annotations

#: Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Diverging colour map for signed values (correlations, alignments): blue-white-orange.
DIVERGING = "PuOr_r"
SEQUENTIAL = "cividis"


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


def describe(ax, text: str) -> None:
    """Attach a one-line text description to a figure and print it under the plot.

    The description is stored on the figure (``fig.cxlabs_description``) so tests can check
    that every figure has one.
    """
    fig = ax.figure
    fig.cxlabs_description = text
    print(f"Figure: {text}")


def finish(ax, title: str, xlabel: str, ylabel: str, description: str) -> None:
    """Title, axis labels and text description in one call; use it for every lab figure."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.tight_layout()
    describe(ax, description)
