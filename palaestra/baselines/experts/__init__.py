"""Scripted experts: privileged policies that prove each task solvable (``palaestra validate`` runs them)."""
