"""Volume-based procurement allocation (分量), pure: the rule that computes base
quantities, the validation of an institution's own allocation, and the status
tables of the review chain per level (docs/allocation.md)."""
