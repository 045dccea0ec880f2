"""API description (OpenAPI) built from the route table and the pydantic models."""
