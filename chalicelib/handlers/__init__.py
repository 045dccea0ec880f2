"""HTTP entry points: one Chalice blueprint per feature. HTTP only."""
