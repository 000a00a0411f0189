"""Batch experiments over many scenarios (designs, common random numbers, result store).

Not built yet: this package marks the layer in the architecture (see docs/design.md).
"""
