#!/usr/bin/env python3
"""Posts batches of ratings to an Encore server until the connection fails, and writes every
acknowledged rating (user, item) to ACKED, one per line, only after its 201 arrived.
Usage: server_durability.py URL ACKED. The caller kills the server mid-stream (kill -9),
restarts it, and checks the store against ACKED: every line present exactly once."""
import json
import sys
import urllib.request

url, acked_path = sys.argv[1], sys.argv[2]
batch_size = 10
sent = 0
with open(acked_path, "w") as acked:
    batch = 0
    while True:
        ratings = [{"user": f"durable-{batch}", "item": str(i + 1), "rating": 1 + (batch + i) % 5} for i in range(batch_size)]
        request = urllib.request.Request(url + "/v1/ratings", data=json.dumps({"ratings": ratings}).encode(),
                                         headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status != 201:
                    print(f"unexpected status {response.status}", file=sys.stderr)
                    sys.exit(1)
                json.load(response)
        except Exception as error:  # the kill: stop here; this batch was not acknowledged
            print(f"stopped after {batch} acknowledged batches ({error.__class__.__name__})")
            break
        for r in ratings:
            acked.write(f"{r['user']}\t{r['item']}\n")
        acked.flush()
        batch += 1
