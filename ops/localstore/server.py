"""``moto_server`` with the local-store patch applied: ``python -m ops.localstore.server -H host -p port``."""
from __future__ import annotations

import sys

from ops.localstore import dynamodb


def main(argv: list[str] | None = None) -> None:
    dynamodb.apply()
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
