"""Adapters of the intake service: tables, repositories, the personal-data vault, keys, reference data."""
