"""The ceiling: the connector's job in a bare Python loop (requests + json, no CDK).

Same token call, same limit/offset pages, same rename of `subject` to `api_subject`, one JSON line
per record on stdout, so that `bench.py` can compare it with the connector as a whole process.
"""

from __future__ import annotations

import argparse
import json
import sys

import requests

STREAMS = {
    "activity": "/v0/public/activities",
    "participants": "/v0/public/activities/participants",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    base = config["base_url"].rstrip("/")
    page_size = int(config.get("page_size", 1000))
    session = requests.Session()
    token = session.post(
        f"{base}/auth/v1/tokens",
        data={
            "grant_type": "client_credentials",
            "client_id": config["api_key"],
            "client_secret": config["api_secret"],
        },
        timeout=60,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    out = sys.stdout
    dumps = json.dumps
    for stream, path in STREAMS.items():
        offset = 0
        while True:
            response = session.get(
                f"{base}{path}", params={"limit": page_size, "offset": offset}, timeout=120
            )
            response.raise_for_status()
            records = response.json()["data"]
            for record in records:
                if "subject" in record:
                    record["api_subject"] = record.pop("subject")
                out.write(dumps({"type": "RECORD", "record": {"stream": stream, "data": record}}))
                out.write("\n")
            offset += len(records)
            if len(records) < page_size:
                break


if __name__ == "__main__":
    main()
