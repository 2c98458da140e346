"""Figures and reports: activation curves and galleries (more reports land with experiments)."""

from actlab.report.activation_plots import (
    autograd_curves,
    entry_figure,
    gallery,
    plot_activations,
    y_limits,
)

__all__ = ["autograd_curves", "entry_figure", "gallery", "plot_activations", "y_limits"]
