#!/usr/bin/env python3
"""check_schema: validate costsim's JSON output against its JSON Schema.

Usage: python3 tests/check_schema.py SCHEMA JSONFILE...

Each JSONFILE ('-' for standard input) is parsed and validated against
SCHEMA (docs/costsim-output.schema.json, JSON Schema draft 2020-12) with
python3-jsonschema (Debian 12: 4.10). Every violation is printed on
standard error as

    FILE: $.path[3].to.value: what is wrong

Exit status: 0 every file is valid, 1 a file is not valid (or not JSON),
2 usage error or a schema that cannot be used. Needs only the standard
library and jsonschema; it does not run costsim itself.
"""

import json
import sys

MAX_ERRORS_SHOWN = 20


def json_path(path):
    """'$.summary[3].cv' for the deque of keys and indices jsonschema gives."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        elif part.isidentifier():
            out += "." + part
        else:
            out += "[%s]" % json.dumps(part)
    return out


def deepest(error):
    """The most specific reason inside a oneOf/anyOf failure: a branch's
    error about the value's content rather than "is not of type" from a
    branch the value was never meant for, the deepest first."""
    while error.context:
        error = min(error.context,
                    key=lambda e: (e.validator == "type", -len(e.absolute_path)))
    return error


def describe(error):
    leaf = deepest(error)
    message = leaf.message
    if len(message) > 300:
        message = message[:297] + "..."
    return "%s: %s" % (json_path(leaf.absolute_path), message)


def load_json(name):
    if name == "-":
        return json.load(sys.stdin)
    with open(name, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: check_schema.py SCHEMA JSONFILE...\n")
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    try:
        import jsonschema
    except ImportError:
        sys.stderr.write("check_schema.py: python3-jsonschema is not installed "
                         "(apt-get install python3-jsonschema)\n")
        return 2
    try:
        schema = load_json(argv[1])
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except (OSError, ValueError) as e:
        sys.stderr.write("%s: cannot read the schema: %s\n" % (argv[1], e))
        return 2
    except jsonschema.exceptions.SchemaError as e:
        sys.stderr.write("%s: not a valid JSON Schema: %s at %s\n"
                         % (argv[1], e.message, json_path(e.absolute_path)))
        return 2
    validator = cls(schema)

    status = 0
    for name in argv[2:]:
        try:
            document = load_json(name)
        except (OSError, ValueError) as e:
            sys.stderr.write("%s: not valid JSON: %s\n" % (name, e))
            status = 1
            continue
        errors = sorted(validator.iter_errors(document),
                        key=lambda e: [str(p) for p in e.absolute_path])
        if not errors:
            print("%s: valid" % name)
            continue
        status = 1
        for error in errors[:MAX_ERRORS_SHOWN]:
            sys.stderr.write("%s: %s\n" % (name, describe(error)))
        if len(errors) > MAX_ERRORS_SHOWN:
            sys.stderr.write("%s: ... and %d more\n"
                             % (name, len(errors) - MAX_ERRORS_SHOWN))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
