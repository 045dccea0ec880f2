"""Identity use cases: registration, sessions, recovery, organisation
administration, certification, procurement entry, supervision, provisioning."""
