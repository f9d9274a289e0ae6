#!/usr/bin/env python3
"""Time the black-box probe's abusive GraphQL requests against a running server.

    newsdesk serve --demo --bind 127.0.0.1:18080 &
    python3 benches/abuse.py http://127.0.0.1:18080

Each line: the attack, the seconds until the refusal arrived, the first error.
Bounded: one request per attack, loopback only.
"""
import json
import sys
import time
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"


def post(query):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(BASE + "/graphql", body, {"content-type": "application/json"})
    started = time.time()
    answer = json.load(urllib.request.urlopen(req, timeout=60))
    return time.time() - started, (answer.get("errors") or [{}])[0].get("message")


def fragments(levels):
    q = "fragment L0 on Tag { name }\n"
    q += "".join(f"fragment L{i} on Tag {{ ...L{i-1} ...L{i-1} }}\n" for i in range(1, levels + 1))
    return q + f'{{ tag(slug: "x") {{ ...L{levels} }} }}'


ATTACKS = {
    "fragment explosion, 24 levels": fragments(24),
    "fragment explosion, 30 levels": fragments(30),
    "1,000 aliased logins": "mutation { " + " ".join(
        f'a{i}: login(email: "a@example.org", password: "guess {i}") {{ accessToken }}' for i in range(1000)) + " }",
    "2,400 search aliases": "{ " + " ".join(
        f's{i}: search(query: "harbour", first: 1) {{ edges {{ cursor }} }}' for i in range(2400)) + " }",
}

for name, query in ATTACKS.items():
    took, error = post(query)
    print(f"{name:32} {took * 1000:8.1f} ms  {error}")
