"""The local store: moto's DynamoDB, patched so its cost does not grow with the table.

Used by ``make run`` only (``ops.localstore.server``); never part of the Lambda
package, and the tests keep stock moto except where they compare the two.
See ``ops/localstore/dynamodb.py`` and docs/operations.md "The local store".
"""
