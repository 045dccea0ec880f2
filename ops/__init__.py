"""Operations tooling (local stack, provisioning, seeding). Not packaged into the Lambda."""
