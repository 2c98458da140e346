"""The maths the adaptive entries are built from: per-channel broadcasting, the rational
(Padé) form and its least-squares fit, B-spline bases and softmax mixtures.

It sits below the catalogue entries that use it (`catalog/entries/`) and above the registry
and spec only (mixtures and rational fits look their bases up by name), so importing it never
imports an entry.
"""
