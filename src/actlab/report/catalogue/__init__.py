"""The catalogue's pages, read from the spec table: activation plots (`activation_plots`), the
table as data and plain text (`catalogue_text`), the corrections of common misstatements
(`misstatements`) and docs/catalogue.md itself (`docs`, what `actlab docs` writes).

Below the experiment reports: nothing here imports from `actlab.experiments`.
"""
