"""Checks a TLS report (JSON on stdin) against rfc8460-report.schema.json; prints every problem, exits 1 on any."""
import json
import sys
import jsonschema

schema = json.load(open(sys.argv[1]))
report = json.load(sys.stdin)
checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
errors = list(jsonschema.Draft202012Validator(schema, format_checker=checker).iter_errors(report))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
sys.exit(1 if errors else 0)
