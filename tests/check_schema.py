#!/usr/bin/env python3
"""check_schema: validate costsim's JSON output against its JSON Schema.

Usage: python3 tests/check_schema.py SCHEMA JSONFILE...
       python3 tests/check_schema.py SCHEMA --exec COMMAND [ARG...]

Each JSONFILE ('-' for standard input) is parsed and validated against
SCHEMA (docs/costsim-output.schema.json, JSON Schema draft 2020-12) with
python3-jsonschema (Debian 12: 4.10). With --exec, COMMAND is run (e.g.
`costsim run scenarios/x.csv --format json`), must exit 0, and its standard
output is validated; handy for ctest, which cannot pipe. Every violation is
printed on standard error as

    FILE: $.path[3].to.value: what is wrong

Exit status: 0 every file is valid, 1 a file is not valid (or not JSON,
or COMMAND failed), 2 usage error or a schema that cannot be used. Needs
only the standard library and jsonschema.
"""

import json
import subprocess
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


def resolve(schema, node):
    """Follows a local "$ref" ("#/$defs/name") of node, if any."""
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for name in node["$ref"].lstrip("#").strip("/").split("/"):
            target = target[name] if name else target
        node = target
    return node


def conditional_rule(schema, schema_path):
    """The description of the if/then/else rule an error comes from, if
    any (e.g. "budget is present exactly when a budget is set"). Schema
    paths pass through "$ref" silently, so each step resolves it first."""
    node, rule = schema, None
    for step in schema_path:
        if isinstance(node, dict) and step not in node:
            node = resolve(schema, node)
        if (isinstance(node, dict) and step in ("then", "else") and node is not schema
                and "description" in node):
            rule = node["description"]
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return rule
    return rule


def schema_at(schema, schema_path):
    """The subschema at schema_path (resolving "$ref"s on the way), or {}."""
    node = schema
    for step in schema_path:
        if isinstance(node, dict) and step not in node:
            node = resolve(schema, node)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return {}
    return node if isinstance(node, dict) else {}


def describe(schema, document, error):
    leaf = deepest(error)
    path = list(leaf.absolute_path)
    message = leaf.message
    schema_path = list(leaf.absolute_schema_path)
    if message.startswith("False schema does not allow"):
        # A key that a rule forbids ("properties": {"key": false}). Some
        # jsonschema versions report the parent object's path: add the key.
        key = schema_path[-1] if len(schema_path) >= 2 and schema_path[-2] == "properties" else None
        if key is None and schema_path and schema_path[-1] == "properties":
            properties = schema_at(schema, schema_path)
            parent = document
            for step in path:
                parent = parent[step]
            forbidden = [k for k, v in properties.items()
                         if v is False and isinstance(parent, dict) and k in parent]
            key = forbidden[0] if len(forbidden) == 1 else None
        if key is not None and (not path or path[-1] != key):
            path.append(key)
        message = "this key is not allowed here"
    if len(message) > 300:
        message = message[:297] + "..."
    rule = conditional_rule(schema, schema_path)
    if rule:
        message += " (%s)" % rule
    return "%s: %s" % (json_path(path), message)


def reject_constant(name):
    """Python's json reads NaN and Infinity, which JSON does not have."""
    raise ValueError("%s is not valid JSON" % name)


def load_json(name):
    if isinstance(name, bytes):
        return json.loads(name.decode("utf-8"), parse_constant=reject_constant)
    if name == "-":
        return json.load(sys.stdin, parse_constant=reject_constant)
    with open(name, encoding="utf-8") as f:
        return json.load(f, parse_constant=reject_constant)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: check_schema.py SCHEMA JSONFILE...\n"
                         "       check_schema.py SCHEMA --exec COMMAND [ARG...]\n")
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

    inputs = [(name, name) for name in argv[2:]]
    if argv[2] == "--exec":
        if len(argv) < 4:
            sys.stderr.write("check_schema.py: --exec needs a command\n")
            return 2
        label = " ".join(argv[3:])
        try:
            done = subprocess.run(argv[3:], stdout=subprocess.PIPE, check=False)
        except OSError as e:
            sys.stderr.write("%s: cannot run: %s\n" % (label, e))
            return 1
        if done.returncode != 0:
            sys.stderr.write("%s: exit status %d, expected 0\n" % (label, done.returncode))
            return 1
        inputs = [(label, done.stdout)]

    status = 0
    for name, source in inputs:
        try:
            document = load_json(source)
        except (OSError, ValueError) as e:
            sys.stderr.write("%s: not valid JSON: %s\n" % (name, e))
            status = 1
            continue
        errors = sorted(validator.iter_errors(document),
                        key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p)
                                       for p in e.absolute_path])
        if not errors:
            print("%s: valid" % name)
            continue
        status = 1
        for error in errors[:MAX_ERRORS_SHOWN]:
            sys.stderr.write("%s: %s\n" % (name, describe(schema, document, error)))
        if len(errors) > MAX_ERRORS_SHOWN:
            sys.stderr.write("%s: ... and %d more\n"
                             % (name, len(errors) - MAX_ERRORS_SHOWN))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
