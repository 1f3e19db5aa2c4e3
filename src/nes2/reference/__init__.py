"""Checked reference data shipped with the package (sources cited where used)."""
