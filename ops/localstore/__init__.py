"""The local store: moto's DynamoDB, patched so its cost does not grow with the table.

Used by ``make run`` (``ops.localstore.server``) and by the tests' in-process moto
(``tests/support.moto_store``; ``make test STORE=stock`` runs them on stock moto);
never part of the Lambda package.
See ``ops/localstore/dynamodb.py`` and docs/operations.md "The local store".
"""
