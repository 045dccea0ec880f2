"""What ``infra/`` reads from the resource catalog, without importing the CDK.

``chalicelib.resources`` declares queues, state machines, the bucket and the
secret; ``chalicelib.store.tables.table_specs()`` declares the tables. This
module adds the deployment's view of them (stages, checks), cheap to import
for the policy generator and the fast tests.
"""
from __future__ import annotations

import re
from typing import Any

from chalicelib import resources

# Stages deployed to AWS by the CDK app; the policy generator also covers the
# local stage (``chalice local`` reads its policy file too).
DEPLOY_STAGES = ("dev", "prod")
POLICY_STAGES = ("local", *DEPLOY_STAGES)
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def table_specs() -> tuple[Any, ...]:
    # Imported late: the models module reads the stage from the environment at
    # import time (for the models' table names only; the specs do not use them).
    from chalicelib.store.tables import table_specs as specs

    return specs()


def pascal(*words: str) -> str:
    """``pascal("table", "main_2")`` is ``TableMain2``: construct ids and statement ids."""
    return "".join(w[:1].upper() + w[1:] for word in words for w in re.split(r"[-_]", word))


def asl_placeholders(text: str) -> set[str]:
    """The ``${Placeholder}`` names in an ASL text."""
    return set(PLACEHOLDER.findall(text))


def check_state_machine(sm: resources.StateMachineDef, text: str) -> None:
    """The ASL's placeholders are exactly the catalog's substitutions, every
    reference is ``table:<logical>`` / ``queue:<logical>`` of a declared
    resource, and no grant has a wildcard action."""
    found, declared = asl_placeholders(text), set(sm.substitutions)
    if found != declared:
        raise ValueError(
            f"state machine {sm.logical!r} ({sm.asl_file}): placeholders in the ASL {sorted(found)} "
            f"differ from the catalog's substitutions {sorted(declared)}")
    tables = {spec.logical for spec in table_specs()}
    queues = {q.logical for q in resources.QUEUES}
    for ref in [*sm.substitutions.values(), *(ref for _, ref in sm.grants)]:
        kind, _, logical = ref.partition(":")
        if logical not in {"table": tables, "queue": queues}.get(kind, ()):
            raise ValueError(f"state machine {sm.logical!r}: unknown resource reference {ref!r} "
                             f"(expected table:<one of {sorted(tables)}> or queue:<one of {sorted(queues)}>)")
    for action, _ in sm.grants:
        if "*" in action or ":" not in action:
            raise ValueError(f"state machine {sm.logical!r}: grant {action!r} must name one action (service:Action)")
