"""Shared by builtin-diff.py and oracle-cases.py: a builtin call from the fixture case files
(`name <TAB> JSON arguments`, a set written {"$set": [...]}, an object with non-string keys
{"$obj": [[key, value], ...]}) as a Rego expression plus an input.

Arguments without a set go through `input`, so no engine can reject them at compile time."""
import json


def rego(v):
    """A JSON value (with {"$set": [...]} for sets) as Rego source."""
    if isinstance(v, dict):
        if "$set" in v:
            items = v["$set"]
            return "set()" if not items else "{" + ", ".join(rego(x) for x in items) + "}"
        if "$obj" in v:  # an object with keys of any type: [[key, value], ...]
            return "{" + ", ".join(rego(k) + ": " + rego(x) for k, x in v["$obj"]) + "}"
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + rego(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(rego(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def has_set(v):
    if isinstance(v, dict):
        return "$set" in v or "$obj" in v or any(has_set(x) for x in v.values())
    if isinstance(v, list):
        return any(has_set(x) for x in v)
    return False


def call_expression(name, args):
    """(`name(arg terms…)`, input object) for one call."""
    inp, terms = {}, []
    for i, a in enumerate(args):
        if has_set(a):
            terms.append(rego(a))
        else:
            inp["a%d" % i] = a
            terms.append("input.a%d" % i)
    return "%s(%s)" % (name, ", ".join(terms)), inp
