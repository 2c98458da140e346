"""Figures and reports: the catalogue's pages (`actlab.report.catalogue`: activation plots,
the catalogue text, docs/catalogue.md) and the experiment reports (figures, the HTML report).

The plot functions are re-exported here for convenience.
"""

from actlab.report.catalogue.activation_plots import (
    autograd_curves,
    entry_figure,
    gallery,
    plot_activations,
    y_limits,
)

__all__ = ["autograd_curves", "entry_figure", "gallery", "plot_activations", "y_limits"]
