#!/usr/bin/env python3
# summary: a small JSON Schema (draft 2020-12) validator for the keywords tcplens's schemas use,
# standard library only, and the checks of tests/t_82_json.sh built on it.
#
#   validate.py SCHEMA records NAME=FILE...   every line of each JSON Lines FILE against SCHEMA:
#                                             one "PASS json-schema:NAME" / "FAIL ..." line each
#   validate.py SCHEMA mutations FILE         invalid variants of FILE's first record must all be
#                                             rejected (the validator and the schema can fail)
#   validate.py SCHEMA docs DOC.md            the fields of the schema and of DOC's table agree
#
# A keyword this validator does not implement makes the schema itself an error, so the schema
# cannot quietly rely on something unchecked. Where the python3 jsonschema module is importable,
# records and mutations are also checked with it and the two must agree.
import copy
import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "$comment", "examples"}
KEYWORDS = {"type", "required", "properties", "additionalProperties", "enum", "const", "pattern",
            "minimum", "maximum", "minLength", "items", "uniqueItems", "dependentRequired", "$ref"}


LIB_SAMPLE = 100  # records per file also checked with the jsonschema module


class SchemaError(Exception):
    pass


def is_type(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    if isinstance(v, bool):
        return False
    if t == "number":
        return isinstance(v, (int, float))
    if t == "integer":  # 2020-12: a number with a zero fractional part is an integer
        return isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    raise SchemaError("unknown type %r" % t)


_patterns = {}


def pattern(p):
    r = _patterns.get(p)
    if r is None:
        r = _patterns[p] = re.compile(p)
    return r


FAST_TYPES = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) is int or type(v) is float,
}


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise SchemaError("only local $ref is supported: %r" % ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def json_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def compile_schema(schema, root, cache=None):
    """Turn a (sub)schema into a function f(v, path, errors) that appends every way v fails it.
    Compiled once, so validating many records costs only the checks themselves."""
    if cache is None:
        cache = {}
    if schema is True:
        return lambda v, path, errors: None
    if schema is False:
        return lambda v, path, errors: errors.append("%s: not allowed" % path)
    key = id(schema)
    if key in cache:
        return lambda v, path, errors: cache[key](v, path, errors)
    checks = []
    if "$ref" in schema:
        target = resolve(root, schema["$ref"])
        checks.append(compile_schema(target, root, cache))
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        for t in types:
            is_type(None, t)  # an unknown type name is a schema error, found here
        fast = FAST_TYPES.get(types[0]) if len(types) == 1 else None

        def c_type(v, path, errors, types=types, fast=fast):
            if fast(v) if fast is not None else any(is_type(v, t) for t in types):
                return False
            errors.append("%s: %s is not of type %s" % (path, json.dumps(v), "/".join(types)))
            return True  # nothing else is worth checking
        checks.append(c_type)
    if "enum" in schema:
        enum = schema["enum"]
        strings = frozenset(enum) if all(isinstance(e, str) for e in enum) else None

        def c_enum(v, path, errors):
            if strings is not None and type(v) is str:
                ok = v in strings
            else:
                ok = any(json_equal(v, e) for e in enum)
            if not ok:
                errors.append("%s: %s is not one of %s" % (path, json.dumps(v), enum))
        checks.append(c_enum)
    if "const" in schema:
        const = schema["const"]

        def c_const(v, path, errors):
            if not json_equal(v, const):
                errors.append("%s: %s is not %s" % (path, json.dumps(v), json.dumps(const)))
        checks.append(c_const)
    if "pattern" in schema or "minLength" in schema:
        rx = pattern(schema["pattern"]) if "pattern" in schema else None
        minlen = schema.get("minLength", 0)

        def c_string(v, path, errors):
            if isinstance(v, str):
                if rx is not None and not rx.search(v):
                    errors.append("%s: %s does not match %s" % (path, json.dumps(v), rx.pattern))
                if len(v) < minlen:
                    errors.append("%s: shorter than %d" % (path, minlen))
        checks.append(c_string)
    if "minimum" in schema or "maximum" in schema:
        lo, hi = schema.get("minimum"), schema.get("maximum")

        def c_range(v, path, errors):
            if is_type(v, "number"):
                if lo is not None and v < lo:
                    errors.append("%s: %s is below %s" % (path, v, lo))
                if hi is not None and v > hi:
                    errors.append("%s: %s is above %s" % (path, v, hi))
        checks.append(c_range)
    if "items" in schema or schema.get("uniqueItems"):
        item = compile_schema(schema["items"], root, cache) if "items" in schema else None
        unique = schema.get("uniqueItems", False)

        def c_array(v, path, errors):
            if isinstance(v, list):
                if item is not None:
                    for i, x in enumerate(v):
                        item(x, "%s[%d]" % (path, i), errors)
                if unique:
                    seen = [json.dumps(x, sort_keys=True) for x in v]
                    if len(seen) != len(set(seen)):
                        errors.append("%s: items are not unique" % path)
        checks.append(c_array)
    objkw = ("required", "properties", "additionalProperties", "dependentRequired")
    if any(k in schema for k in objkw):
        required = schema.get("required", [])
        props = {k: compile_schema(sub, root, cache) for k, sub in schema.get("properties", {}).items()}
        addl = (compile_schema(schema["additionalProperties"], root, cache)
                if "additionalProperties" in schema else None)
        deps = schema.get("dependentRequired", {})

        def c_object(v, path, errors):
            if not isinstance(v, dict):
                return
            for k in required:
                if k not in v:
                    errors.append("%s: '%s' is required" % (path, k))
            for k, x in v.items():
                f = props.get(k)
                if f is not None:
                    f(x, path + "." + k, errors)
                elif addl is not None:
                    addl(x, path + "." + k, errors)
            for k, needs in deps.items():
                if k in v:
                    for n in needs:
                        if n not in v:
                            errors.append("%s: '%s' needs '%s'" % (path, k, n))
        checks.append(c_object)

    if len(checks) == 1:
        run = checks[0]
    else:
        def run(v, path, errors):
            for c in checks:
                if c(v, path, errors):
                    return
    cache[key] = run
    return run


_compiled = {}


def walk(schema, root):
    """Raise SchemaError for any keyword or $ref in the schema this validator cannot check."""
    if isinstance(schema, bool):
        return
    unknown = set(schema) - ANNOTATIONS - KEYWORDS
    if unknown:
        raise SchemaError("keywords not supported by this validator: %s" % sorted(unknown))
    if "$ref" in schema:
        try:
            resolve(root, schema["$ref"])
        except (KeyError, TypeError):
            raise SchemaError("$ref %r does not resolve" % schema["$ref"])
    subs = list(schema.get("properties", {}).values()) + list(schema.get("$defs", {}).values())
    for k in ("items", "additionalProperties"):
        if k in schema:
            subs.append(schema[k])
    for sub in subs:
        walk(sub, root)


def validate(schema, v):
    f = _compiled.get(id(schema))
    if f is None:
        f = _compiled[id(schema)] = compile_schema(schema, schema)
    errors = []
    f(v, "$", errors)
    return errors


def library_validator(schema):
    """The jsonschema module's draft 2020-12 validator, or None when it is not installed."""
    try:
        import jsonschema  # noqa: F401
        from jsonschema import Draft202012Validator
    except Exception:
        return None
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def cmd_records(schema, args):
    lib = library_validator(schema)
    for arg in args:
        name, _, path = arg.partition("=")
        bad, n = None, 0
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                n += 1
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    bad = "line %d is not JSON: %s" % (lineno, e)
                    break
                errs = validate(schema, rec)
                if errs:
                    bad = "line %d: %s" % (lineno, "; ".join(errs[:3]))
                    break
                # the library is slow: a sample of each file is enough to keep the two in step
                if lib is not None and lineno <= LIB_SAMPLE and not lib.is_valid(rec):
                    bad = "line %d: jsonschema rejects it: %s" % (
                        lineno, next(iter(lib.iter_errors(rec))).message)
                    break
        if bad:
            print("FAIL json-schema:%s: %s" % (name, bad))
        elif n == 0:
            print("SKIP json-schema:%s: no packets" % name)
        else:
            print("PASS json-schema:%s" % name)


def cmd_mutations(schema, path):
    with open(path, encoding="utf-8") as f:
        rec = json.loads(f.readline())
    if validate(schema, rec):
        print("FAIL json-schema-mutations: the first record is not valid to begin with")
        return

    def m(fn):
        r = copy.deepcopy(rec)
        fn(r)
        return r
    mutants = {
        "no frame": m(lambda r: r.pop("frame")),
        "frame 0": m(lambda r: r.update(frame=0)),
        "frame as text": m(lambda r: r.update(frame="1")),
        "unknown field": m(lambda r: r.update(frames=1)),
        "flag name": m(lambda r: r.update(flags="SYN,FOO")),
        "analysis name": m(lambda r: r.update(analysis=["retransmision"])),
        "analysis twice": m(lambda r: r.update(analysis=["retransmission", "retransmission"])),
        "seq over 32 bits": m(lambda r: r.update(seq=4294967296)),
        "port over 65535": m(lambda r: r.update(sport=70000)),
        "state without server": m(lambda r: r["state"].pop("server")),
        "state name": m(lambda r: r["state"].update(client="SYN_SENT")),
        "step": m(lambda r: r.update(step="handshake.4")),
        "phase": m(lambda r: r.update(phase="setup")),
        "flags without seq": m(lambda r: r.pop("seq")),
        "dst without src": m(lambda r: r.pop("src")),
        "time as text": m(lambda r: r.update(time="0.0")),
        "boolean as integer": m(lambda r: r.update(len=True)),
    }
    lib = library_validator(schema)
    bad = []
    for name, r in mutants.items():
        if not validate(schema, r):
            bad.append(name)
        elif lib is not None and lib.is_valid(r):
            bad.append(name + " (jsonschema accepts it)")
    if bad:
        print("FAIL json-schema-mutations: accepted: %s" % ", ".join(bad))
    else:
        print("PASS json-schema-mutations")


def cmd_docs(schema, path):
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    table = set()
    section = None
    for line in doc.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if section == "The packet record" and line.startswith("| `"):
            first = line.split("|")[1]
            table.update(re.findall(r"`([a-z_]+)`", first))
    fields = set(schema["properties"])
    missing, extra = sorted(fields - table), sorted(table - fields)
    if missing or extra:
        print("FAIL json-schema-docs: not in %s: %s; not in the schema: %s" % (path, missing, extra))
    else:
        print("PASS json-schema-docs")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: validate.py SCHEMA records NAME=FILE... | mutations FILE | docs DOC.md")
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        print("FAIL json-schema-dialect: $schema is not draft 2020-12")
    try:
        walk(schema, schema)
    except SchemaError as e:
        print("FAIL json-schema-supported: %s" % e)
        return
    what = sys.argv[2]
    if what == "records":
        cmd_records(schema, sys.argv[3:])
    elif what == "mutations":
        cmd_mutations(schema, sys.argv[3])
    elif what == "docs":
        cmd_docs(schema, sys.argv[3])
    else:
        sys.exit("validate.py: unknown check %r" % what)


if __name__ == "__main__":
    main()
