"""The graphic captcha: PNG drawn by the ``captcha`` library (Pillow), imported
only when a captcha is requested so it costs nothing at cold start."""
from __future__ import annotations

import base64


def render_png(text: str) -> str:
    from captcha.image import ImageCaptcha

    data = ImageCaptcha(width=160, height=60).generate(text).getvalue()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
