"""Volume-based procurement allocation (分量): tasks, demand import, institution sheets,
the city → province → alliance office review chain, agreements (docs/allocation.md)."""
