"""Qualification records (企业资质) and their multi-level review chain."""
