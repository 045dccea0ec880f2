"""DynamoDB adapters: PynamoDB models (the table definitions) and repositories."""
