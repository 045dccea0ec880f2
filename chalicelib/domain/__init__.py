"""Pure domain: rules, value objects, state machines. No AWS, no HTTP."""
