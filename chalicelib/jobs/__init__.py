"""Background jobs: an SQS queue consumed by a Chalice ``on_sqs_message``
handler (the local runner drives the same handler), job records with progress
in DynamoDB, results as S3 objects behind presigned links."""
