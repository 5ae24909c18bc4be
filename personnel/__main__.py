"""``python -m personnel [--host H] [--port P]``: serve the personnel backend with uvicorn.

Defaults come from PERSONNEL_URL (http://127.0.0.1:8100); the database from
PERSONNEL_DATABASE_URL (sqlite:///var/personnel.db, relative to the working directory).
"""

from __future__ import annotations

import argparse
import os
from urllib.parse import urlparse

import uvicorn


def main() -> None:
    url = urlparse(os.environ.get("PERSONNEL_URL", "http://127.0.0.1:8100"))
    parser = argparse.ArgumentParser(prog="python -m personnel", description=__doc__)
    parser.add_argument("--host", default=url.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=url.port or 8100)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    uvicorn.run(
        "personnel.app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
