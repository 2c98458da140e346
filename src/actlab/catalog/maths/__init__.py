"""The maths the adaptive entries are built from: per-channel broadcasting (`channels`), the
rational (Padé) form and its least-squares fit (`rational`), B-spline bases (`spline`),
softmax mixtures (`mixture`), piecewise-linear hinges (`hinges`) and numeric extrema for facts
without a closed form (`extrema`).

It sits below the catalogue entries that use it (`catalog/entries/`): `channels` imports
nothing from actlab (the spec itself uses its ChannelError), the rest only the spec and the
registry (mixtures and rational fits look their bases up by name), so importing it never
imports an entry.
"""
