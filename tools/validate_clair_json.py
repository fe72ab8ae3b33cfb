#!/usr/bin/python3
"""Validates JSON documents against Clair's v1-as-emitted JSON Schemas.

Usage: validate_clair_json.py SCHEMA_NAME FILE...   (SCHEMA_NAME e.g. vulnerability_report)
       FILE may be '-' for standard input. Exit 0 when every document validates.
Uses Debian's python3-jsonschema (draft 2020-12) and resolves $refs inside the
schema folder (../shared/reference/clair-schemas/v1-as-emitted by default,
or $LUCID_SCHEMA_DIR).
"""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.environ.get(
    "LUCID_SCHEMA_DIR",
    os.path.normpath(os.path.join(HERE, "..", "..", "shared", "reference", "clair-schemas", "v1-as-emitted")))


def load_store():
    store = {}
    for name in os.listdir(SCHEMA_DIR):
        if name.endswith(".schema.json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                doc = json.load(f)
            store[doc["$id"]] = doc
    return store


def validator_for(schema_name):
    store = load_store()
    schema = next(s for s in store.values() if s["$id"].endswith("/" + schema_name + ".schema.json"))
    resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())


def validate(schema_name, doc):
    """Returns a list of error strings (empty when valid)."""
    v = validator_for(schema_name)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message) for e in v.iter_errors(doc)]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    rc = 0
    for path in sys.argv[2:]:
        text = sys.stdin.read() if path == "-" else open(path).read()
        errors = validate(sys.argv[1], json.loads(text))
        for e in errors[:20]:
            print("%s: %s" % (path, e), file=sys.stderr)
        if errors:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
