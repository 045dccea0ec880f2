"""Request and response models (pydantic v2): the API's shapes, one per use."""
