"""Numeric core: criteria and kernels, scores, explanations, ranking, allocation, robustness,
comparisons and surfaces, on layers resolved once for a date (:mod:`planner.core.prepared`).

Reads and writes no file. Imports only config, crs, errors and i18n (and the layer model,
:mod:`planner.core.layerset`): never inputs, render, jobs or cli.
"""
