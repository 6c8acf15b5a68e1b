"""Evaluation: hand-written question sets, metrics, benchmark runners. Top of the stack."""
