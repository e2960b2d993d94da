"""Numeric core: criteria and kernels, scores, explanations, ranking, allocation, robustness.

Imports only config, crs, errors and i18n: never inputs, render, jobs or cli.
"""
