"""Credentials: password hashing, tokens, one-time codes, captcha images."""
