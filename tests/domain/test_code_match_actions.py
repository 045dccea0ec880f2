"""Every action of a listed product's 对码 history has a Chinese label in the ``code_match_action``
dictionary (the portal shows the history with it)."""
from __future__ import annotations

from chalicelib.domain import project_results as rules
from chalicelib.domain.enums import CodeMatchAction


def test_each_code_match_action_is_in_the_dictionary():
    written = {rules.SET, rules.CHANGED, rules.UNMATCHED}
    labelled = {m.value for m in CodeMatchAction}
    assert written == labelled, f"对码 actions and their labels differ: written {sorted(written)}, labelled {sorted(labelled)}"
