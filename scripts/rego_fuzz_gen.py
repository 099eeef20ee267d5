"""Grammar-based generator of small, deterministic Rego programs (used by rego-fuzz.py).

A program is one module (package fz) plus data, input and a query. Every program is rendered
twice from one description: in Rego v1 syntax (for OPA, whose oracle has no v0 mode) and, when
the program is marked v0, also in v0 syntax (for policyd --v0-compatible). The generator keeps
loose types so most programs evaluate, and now and then makes a type error, a builtin error or
a conflict on purpose.
"""
import json
import random

import rego_fuzz_errors
import rego_fuzz_features as feat
import rego_fuzz_semantics as sem

# Share of programs given 1–4 extra compile errors from several stages (rego-fuzz.py --error-share).
MULTI_ERROR_SHARE = 0.0

STRS = ["a", "b", "c", "ab", "foo", "bar", "x,y", "", "A b"]
KEYS = ["a", "b", "c", "k"]


class Ctx:
    """Variables bound so far in one rule body: name -> type (num/str/arr/set/obj/any/bool)."""

    def __init__(self, gen, params=None):
        self.gen = gen
        self.vars = dict(params or {})
        self.n = 0

    def fresh(self):
        self.n += 1
        return "v%d" % self.n

    def of(self, ty):
        return [v for v, t in self.vars.items() if t == ty]


class Program:
    def __init__(self, v1, v0, data, inp, query, v0mode, extra=()):
        self.v1, self.v0, self.data, self.input, self.query, self.v0mode = v1, v0, data, inp, query, v0mode
        # further modules: [(file name, v1 text, v0 text)]
        self.extra = list(extra)


class Gen(feat.Features, sem.Semantics):
    def __init__(self, rng: random.Random, v0: bool):
        self.r = rng
        self.v0 = v0
        self.rules = []       # [(name, kind)] kind: bool/num/str/arr/set/obj/fn1/fn2
        self.out1 = []        # v1 lines
        self.out0 = []        # v0 lines
        self.err_rate = 0.03
        self.fn_params = {}

    def ctx(self, params=None):
        return Ctx(self, params)

    # ---- leaves -----------------------------------------------------------------------------
    def num_lit(self):
        return str(self.r.choice([0, 1, 2, 3, 5, 7, 10, -1, -4, 100]))

    def str_lit(self):
        return json.dumps(self.r.choice(STRS))

    def pick(self, *opts):
        """opts: (weight, fn) pairs."""
        total = sum(w for w, _ in opts)
        x = self.r.random() * total
        for w, f in opts:
            x -= w
            if x < 0:
                return f()
        return opts[-1][1]()

    # ---- typed terms ------------------------------------------------------------------------
    def term(self, ty, c, depth=0):
        r = self.r
        if depth > 2:
            return {"num": self.num_lit, "str": self.str_lit, "bool": lambda: r.choice(["true", "false"]),
                    "arr": lambda: "[1, 2]", "set": lambda: '{"a", "b"}', "obj": lambda: '{"a": 1}',
                    "any": self.num_lit}[ty]()
        if r.random() < self.err_rate and ty in ("num", "str", "arr", "set", "obj"):
            return self.bad_term(ty, c, depth)
        own = c.of(ty)
        if own and r.random() < 0.35:
            return r.choice(own)
        rules = [n for n, k in self.rules if k == ty]
        if rules and r.random() < 0.2:
            return r.choice(rules)
        d = depth + 1
        t = lambda ty2: self.term(ty2, c, d)  # noqa: E731
        if ty == "num":
            return self.pick(
                (3, self.num_lit),
                (2, lambda: r.choice(["input.n", "input.m", "data.d.nums[%d]" % r.randrange(0, 5),
                                       "data.d.users[%s].age" % json.dumps(r.choice(["alice", "bob", "carol"]))])),
                (2, lambda: "(%s %s %s)" % (t("num"), r.choice(["+", "-", "*"]), t("num"))),
                (0.6, lambda: "(%s %s %s)" % (t("num"), r.choice(["/", "%"]), t("num"))),
                (2, lambda: "count(%s)" % t(r.choice(["arr", "set", "obj", "str"]))),
                (1, lambda: "%s(%s)" % (r.choice(["sum", "max", "min", "product"]), r.choice(["data.d.nums", "input.xs", "[1, 2, 3]", "{1, 5}"]))),
                (1, lambda: "abs(%s)" % t("num")),
                (1, lambda: "indexof(%s, %s)" % (t("str"), t("str"))),
                (0.5, lambda: "to_number(%s)" % r.choice(['"12"', "input.n", "true", "null", '"x"'])),
                (0.5, lambda: "array.concat(%s, [1])[0]" % t("arr")),
                (0.5, lambda: "object.get(%s, %s, 0)" % (t("obj"), self.str_lit())),
                (0.5, lambda: "%s[%s]" % (r.choice(["data.d.tags", "input.obj"]), json.dumps(r.choice(KEYS)))),
                (0.4, lambda: "bits.and(%s, %s)" % (t("num"), t("num"))),
                (0.5, lambda: "object.get(%s, %s, 0)" % (t("obj"), r.choice(['["a", "b"]', '["users", "bob", "age"]', "[]", '["k"]']))),
                (0.5, lambda: "count(numbers.range(%s, %s))" % (r.choice(["0", "1", "-2"]), r.choice(["3", "0", "-1"]))),
                (0.4, lambda: "count(indexof_n(%s, %s))" % (t("str"), self.str_lit())),
                (0.4, lambda: "max(%s)" % r.choice(["[1, \"a\", [2]]", "{2, 1}", "[]", "data.d.mixed"])),
            )
        if ty == "str":
            return self.pick(
                (3, self.str_lit),
                (2, lambda: r.choice(["input.s", "input.user", "data.d.users[input.user].name"])),
                (1, lambda: "concat(%s, %s)" % (self.str_lit(), r.choice(['["a", "b"]', "split(%s, \",\")" % t("str"), "[%s, %s]" % (t("str"), t("str")), "{%s}" % t("str")]))),
                (1, lambda: "upper(%s)" % t("str")),
                (1, lambda: "lower(%s)" % t("str")),
                (1, lambda: "trim(%s, %s)" % (t("str"), self.str_lit())),
                (1, lambda: "substring(%s, %s, %s)" % (t("str"), r.choice(["0", "1", "-1", "5"]), r.choice(["1", "2", "-1", "10"]))),
                (1, lambda: "replace(%s, %s, %s)" % (t("str"), self.str_lit(), self.str_lit())),
                (1, lambda: 'sprintf("%%v-%%v", [%s, %s])' % (t("any"), t("any"))),
                (0.5, lambda: "format_int(%s, %s)" % (t("num"), r.choice(["2", "10", "16"]))),
                (0.5, lambda: "json.marshal(%s)" % t(r.choice(["arr", "obj", "set"]))),
                (0.5, lambda: "type_name(%s)" % t(r.choice(["num", "arr", "set", "obj", "str"]))),
                (0.5, lambda: "strings.reverse(%s)" % t("str")),
                (0.5, lambda: "%s(%s, %s)" % (r.choice(["trim_prefix", "trim_suffix", "trim_left", "trim_right"]), t("str"), self.str_lit())),
                (0.5, lambda: "strings.replace_n(%s, %s)" % (r.choice(['{"a": "b", "b": "a"}', '{"": "x"}', '{"o": "0"}']), t("str"))),
                (0.5, lambda: 'sprintf(%s, [%s])' % (r.choice(['"%s"', '"%d"', '"%v"', '"%q"', '"%x"', '"[%v]"']), t(r.choice(["str", "num", "arr", "set", "obj"])))),
                (0.3, lambda: "json.marshal(json.filter(%s, %s))" % (t("obj"), r.choice(['["a"]', '{"a/b"}', '["users/bob"]']))),
                (0.3, lambda: "json.marshal(json.remove(%s, %s))" % (t("obj"), r.choice(['["a"]', '{"a/b"}', '["users/bob/age"]']))),
            )
        if ty == "bool":
            return self.pick(
                (2, lambda: r.choice(["true", "false", "input.flag"])),
                (3, lambda: "%s %s %s" % (t("num"), r.choice(["<", ">", "<=", ">=", "==", "!="]), t("num"))),
                (1, lambda: "%s == %s" % (t("str"), t("str"))),
                (1, lambda: "%s(%s, %s)" % (r.choice(["startswith", "endswith", "contains"]), t("str"), t("str"))),
                (1, lambda: "is_%s(%s)" % (r.choice(["number", "string", "array", "set", "object"]), t(r.choice(["num", "str", "arr", "set", "obj"])))),
                (1, lambda: "%s in %s" % (t("any"), t(r.choice(["arr", "set", "obj"])))),
                (0.5, lambda: "regex.match(%s, %s)" % (r.choice(['"^a"', '"b+"', '"[a-c]$"', '"("']), t("str"))),
                (0.5, lambda: "object.keys(%s) == %s" % (t("obj"), t("set"))),
                (0.5, lambda: "object.subset(%s, %s)" % (t("obj"), t("obj"))),
                (0.5, lambda: "%s in %s" % (self.str_lit(), t("obj")) if False else "%s, %s in %s" % (self.str_lit(), self.num_lit(), t(r.choice(["obj", "arr"])))),
                (0.5, lambda: "%s %s %s" % (t(r.choice(["arr", "set", "obj", "str"])), r.choice(["<", ">", "=="]), t(r.choice(["arr", "set", "obj", "num"])))),
            )
        if ty == "arr":
            return self.pick(
                (2, lambda: r.choice(["[]", "[1, 2, 3]", '["a", "b"]', "[1, [2], {\"a\": 3}]", "[null, true]"])),
                (2, lambda: r.choice(["input.xs", "data.d.nums", "data.d.users[input.user].roles", "data.d.mixed"])),
                (1, lambda: "[%s, %s]" % (t("any"), t("any"))),
                (1, lambda: "array.concat(%s, %s)" % (t("arr"), t("arr"))),
                (1, lambda: "array.slice(%s, %s, %s)" % (t("arr"), r.choice(["0", "1", "-1"]), r.choice(["2", "5", "0"]))),
                (1, lambda: "split(%s, %s)" % (t("str"), r.choice(['","', '""', '"a"']))),
                (1, lambda: "sort(%s)" % r.choice(["data.d.nums", "input.xs", '["b", "a"]', '{3, 1}', '[1, "a"]'])),
                (2, lambda: self.array_compr(c, d)),
                (0.5, lambda: "array.reverse(%s)" % t("arr")),
                (0.5, lambda: "numbers.range(%s, %s)" % (r.choice(["0", "2", "-1"]), r.choice(["3", "0", "1"]))),
                (0.5, lambda: "[%s < %s, %s == %s]" % (t("any"), t("any"), t("any"), t("any"))),
                (0.3, lambda: "strings.split_n(%s, \",\", %s)" % (t("str"), r.choice(["1", "2", "-1", "0"])) if False else "split(%s, \",\")" % t("str")),
            )
        if ty == "set":
            return self.pick(
                (2, lambda: r.choice(["set()", '{"a", "b"}', "{1, 2, 3}", '{"a", 1}', "{[1], {\"a\": 1}}"])),
                (1, lambda: "{%s, %s}" % (t("any"), t("any"))),
                (2, lambda: "(%s %s %s)" % (t("set"), r.choice(["|", "&", "-"]), t("set"))),
                (1, lambda: "object.keys(%s)" % t("obj")),
                (1, lambda: "%s(%s)" % (r.choice(["intersection", "union"]), "{%s, %s}" % (t("set"), t("set")))),
                (2, lambda: self.set_compr(c, d)),
            )
        if ty == "obj":
            return self.pick(
                (2, lambda: r.choice(["{}", '{"a": 1, "b": 2}', '{"a": {"b": [1, 2]}}', '{"k": "v", "a": null}'])),
                (2, lambda: r.choice(["input.obj", "data.d.tags", "data.d.users", "data.d.users[input.user]"])),
                (1, lambda: '{%s: %s, "z": %s}' % (t("str"), t("any"), t("any"))),
                (1, lambda: "object.union(%s, %s)" % (t("obj"), t("obj"))),
                (1, lambda: "object.remove(%s, %s)" % (t("obj"), r.choice(['["a"]', '{"b"}', '{"a": 1}']))),
                (1, lambda: "object.filter(%s, %s)" % (t("obj"), r.choice(['["a"]', '{"b", "k"}']))),
                (2, lambda: self.obj_compr(c, d)),
                (0.5, lambda: "json.unmarshal(%s)" % r.choice(["`{\"a\": 1}`", '"{}"', '"[1"', "input.s"])),
                (0.5, lambda: "object.union_n([%s, %s])" % (t("obj"), t("obj"))),
                (0.5, lambda: 'json.patch(%s, [{"op": "add", "path": %s, "value": %s}])' % (t("obj"), r.choice(['"/a"', '"/z/q"', '"/users/dave"', '"/k"']), self.num_lit())),
            )
        # any
        return t(r.choice(["num", "str", "arr", "set", "obj", "bool"]))

    def bad_term(self, ty, c, depth):
        """A term that is likely an error: mostly at run time (operands from input or data,
        whose types the checker cannot know), now and then one the type checker rejects."""
        r = self.r
        t = lambda ty2: self.term(ty2, c, depth + 1)  # noqa: E731
        if r.random() < 0.2:
            return r.choice([
                lambda: "(%s + %s)" % (t("num"), r.choice(['"1"', "[1]"])),
                lambda: "concat(%s, [1, 2])" % self.str_lit(),
                lambda: "(%s | [1])" % t("set"),
                lambda: "count(5)",
                lambda: "sprintf(%s, %s)" % (self.str_lit(), t("num")),
            ])()
        return r.choice([
            lambda: "(%s + %s)" % (t("num"), r.choice(["input.s", "input.xs", "data.d.mixed[1]"])),
            lambda: "(%s / %s)" % (t("num"), r.choice(["0", "input.m", "(input.n - input.n)"])),
            lambda: "(%s %% %s)" % (r.choice(["input.n", "7", "data.d.nums[2]"]), r.choice(["0", "input.m", "input.n"])),
            lambda: "count(%s)" % r.choice(["input.n", "input.flag", "data.d.tags.a"]),
            lambda: "concat(%s, %s)" % (self.str_lit(), r.choice(["input.xs", "data.d.mixed", "data.d.nums"])),
            lambda: "upper(%s)" % r.choice(["input.n", "input.xs", "data.d.tags.k"]),
            lambda: "(%s | %s)" % (t("set"), r.choice(["input.xs", "input.obj"])),
            lambda: "to_number(%s)" % r.choice(['"abc"', "input.s", "input.xs"]),
            lambda: "json.unmarshal(%s)" % r.choice(['"{"', "input.s"]),
            lambda: "sum(%s)" % r.choice(["data.d.mixed", "input.xs", "input.obj"]),
            lambda: "substring(%s, %s, 1)" % (t("str"), r.choice(["-2", "input.n"])),
            lambda: "(%s - %s)" % (t("set"), r.choice(["input.n", "input.s"])),
            lambda: "format_int(%s, %s)" % (t("num"), r.choice(["input.m", "7"])),
            lambda: "bits.and(%s, %s)" % (r.choice(["input.n", "1.5"]), t("num")),
            lambda: "regex.match(%s, %s)" % (r.choice(['"("', "input.s"]), t("str")),
            lambda: "object.get(%s, \"a\", 0)" % r.choice(["input.xs", "input.n", "input.obj"]),
            lambda: "array.slice(%s, 0, 1)" % r.choice(["input.s", "input.obj", "input.xs"]),
            lambda: "trim(%s, %s)" % (r.choice(["input.n", "input.s"]), r.choice(['"a"', "input.m"])),
            lambda: "split(%s, \",\")" % r.choice(["input.n", "input.s", "input.pair"]),
            lambda: "object.union(%s, %s)" % (t("obj"), r.choice(["input.xs", "input.obj"])),
            lambda: "(%s < %s)" % (r.choice(["input.s", "input.n"]), r.choice(["input.xs", "1"])),
        ])()

    # ---- comprehensions ---------------------------------------------------------------------
    def coll_iter(self, c, depth):
        """'some x in COLL' or 'some k, v in COLL' pieces: returns (text, bound)."""
        r = self.r
        coll_ty = r.choice(["arr", "set", "obj"])
        coll = self.term(coll_ty, c, depth)
        x = c.fresh()
        if r.random() < 0.4 or coll_ty == "obj":
            k = c.fresh()
            # use the key, or OPA rejects it as a declared but unused var (a compile error
            # worth meeting now and then, not in most programs)
            # (a comparison with a literal of another type is a compile-time match error when
            # the collection's type is known: mostly compare through type_name)
            use = "" if r.random() < 0.1 else "; %s != %s" % (k, self.str_lit() if coll_ty == "obj" else self.num_lit()) \
                if coll_ty != "set" and r.random() < 0.5 else "; type_name(%s) != %s" % (k, self.str_lit())
            return "some %s, %s in %s%s" % (k, x, coll, use), {k: "any" if coll_ty == "obj" else ("num" if coll_ty == "arr" else "any"), x: "any"}
        if r.random() < 0.3 and coll_ty == "arr":
            # old-style iteration: coll[i]
            i = c.fresh()
            return "%s := %s[%s]" % (x, coll, i), {x: "any", i: "num"}
        return "some %s in %s" % (x, coll), {x: "any"}

    def compr_body(self, c, depth):
        it, bound = self.coll_iter(c, depth)
        sub = Ctx(self, dict(c.vars))
        sub.n = c.n + 10
        sub.vars.update(bound)
        parts = [it]
        if self.r.random() < 0.5:
            x = list(bound)[-1]
            parts.append(self.r.choice(["is_number(%s)" % x, "%s != %s" % (x, self.num_lit()) if self.r.random() < 0.3 else "is_string(%s)" % x,
                                        "not %s in {%s}" % (x, self.str_lit()), "%s in [1, 2, \"a\"]" % x]))
        c.n = sub.n + 5
        return "; ".join(parts), list(bound), sub

    def array_compr(self, c, depth):
        body, bound, sub = self.compr_body(c, depth)
        return "[%s | %s]" % (self.r.choice(bound), body)

    def set_compr(self, c, depth):
        body, bound, sub = self.compr_body(c, depth)
        return "{%s | %s}" % (self.r.choice(bound), body)

    def obj_compr(self, c, depth):
        body, bound, sub = self.compr_body(c, depth)
        k = bound[0]
        v = bound[-1]
        if self.r.random() < 0.3:
            k = "sprintf(\"%%v\", [%s])" % v  # may conflict: same key, different values
        return "{%s: %s | %s}" % (k, v, body)

    # ---- body literals ----------------------------------------------------------------------
    def literal(self, c):
        r = self.r
        ty = r.choice(["num", "str", "arr", "set", "obj"])
        v = c.fresh()
        opts = [
            (4, lambda: self._bind(c, v, ty, "%s := %s" % (v, self.term(ty, c)))),
            (3, lambda: self.term("bool", c)),
            (2, lambda: self._iter(c)),
            (1, lambda: self._not(c)),
            (1, lambda: self._every(c)),
            (1, lambda: self._destructure(c)),
            (1, lambda: self._data_ref(c)),
            (1, lambda: self._with(c)),
            (1, lambda: self._call_fn(c)),
            (0.5, lambda: "%s = %s" % (self.term("num", c), self.term("num", c))),
        ]
        return self.pick(*opts)

    def _not(self, c):
        t = self.term("bool", c, 1)
        # OPA quirk (left alone): a body of just `not true` under a head with a call counts as
        # true there; keep it out so it does not hide other differences.
        return "not " + ("input.flag" if t == "true" else t)

    def _bind(self, c, v, ty, text):
        c.vars[v] = ty
        return text

    def _iter(self, c):
        text, bound = self.coll_iter(c, 0)
        c.vars.update(bound)
        return text

    def _every(self, c):
        r = self.r
        coll = self.term(r.choice(["arr", "set", "obj"]), c, 1)
        x = c.fresh()
        cond = r.choice(["is_number(%s)" % x, "%s != %s" % (x, self.num_lit()), "%s" % x,
                         "count([%s]) == 1" % x, "%s > 0" % x])
        if r.random() < 0.4:
            k = c.fresh()
            return "every %s, %s in %s { %s; %s != \"q\" }" % (k, x, coll, cond, k)
        return "every %s in %s { %s }" % (x, coll, cond)

    def _destructure(self, c):
        r = self.r
        a, b = c.fresh(), c.fresh()
        c.vars[a] = "any"
        c.vars[b] = "any"
        return r.choice([
            lambda: "[%s, %s] := [%s, %s]" % (a, b, self.term("num", c, 1), self.term("str", c, 1)),
            lambda: "[%s, %s] := %s" % (a, b, r.choice(["input.pair", "input.xs", "data.d.users.alice.roles", "split(input.s, \",\")"])),
            lambda: '{"a": %s, "b": %s} = %s' % (a, b, r.choice(["input.obj", "data.d.tags", "object.remove(data.d.tags, {\"k\"})"])),
            lambda: '[%s, [%s, 2]] = [1, [3, 2]]' % (a, b),
            lambda: '%s := input.pair[0]; %s := input.pair[1]' % (a, b),
        ])()

    def _data_ref(self, c):
        r = self.r
        u, role = c.fresh(), c.fresh()
        c.vars[u] = "str"
        c.vars[role] = "str"
        return r.choice([
            "data.d.users[%s].roles[_] = %s" % (u, role),
            "%s := data.d.users[%s].roles[_]" % (role, u),
            "some %s; data.d.users[%s].age > %s; %s := \"r\"" % (u, u, self.num_lit(), role),
            "data.d.users[%s].name = %s" % (u, role),
        ])

    def _with(self, c):
        r = self.r
        rules = [n for n, k in self.rules if not k.startswith("fn")]
        target = r.choice(rules) if rules else "true"
        mock = r.choice([
            "input.n as %s" % self.num_lit(),
            'input.user as "bob"',
            "input as {\"n\": 3, \"xs\": [1], \"s\": \"a\"}",
            "data.d.nums as [9, 8]",
            'data.d.users.alice.age as 1',
            "count as 42" if r.random() < 0.5 else "count as mockf",
            "upper as lower",
        ])
        v = c.fresh()
        c.vars[v] = "any"
        return "%s := %s with %s" % (v, target, mock)

    def _call_fn(self, c):
        fns = [(n, k) for n, k in self.rules if k.startswith("fn")]
        if not fns:
            return self.term("bool", c)
        n, k = self.r.choice(fns)
        v = c.fresh()
        c.vars[v] = "any"
        args = ", ".join(self.term(ty, c, 1) for ty in self.fn_params[n])
        return "%s := %s(%s)" % (v, n, args)

    def body(self, c, n=None):
        n = n if n is not None else self.r.randint(1, 3)
        return [self.literal(c) for _ in range(n)]

    # ---- rules ------------------------------------------------------------------------------
    def emit(self, v1, v0):
        self.out1.append(v1)
        self.out0.append(v0)

    @staticmethod
    def braces(lits):
        return "{ " + "; ".join(lits) + " }"

    def rule_complete(self, name):
        r = self.r
        ty = r.choice(["bool", "num", "str", "arr", "set", "obj"])
        clauses = 1 if r.random() < 0.75 else 2
        for _ in range(clauses):
            c = Ctx(self)
            lits = self.body(c)
            if ty == "bool":
                b = self.braces(lits)
                self.emit("%s if %s" % (name, b), "%s %s" % (name, b))
            else:
                val = self.term(ty, c)
                b = self.braces(lits)
                self.emit("%s := %s if %s" % (name, val, b), "%s = %s %s" % (name, val, b))
        if r.random() < 0.3:
            d = {"bool": "false", "num": "0", "str": '"none"', "arr": "[]", "set": "set()", "obj": "{}"}[ty]
            self.emit("default %s := %s" % (name, d), "default %s = %s" % (name, d))
        self.rules.append((name, ty))

    def rule_else(self, name):
        r = self.r
        c = Ctx(self)
        lits = self.body(c)
        v1 = "%s := %s if %s" % (name, self.num_lit(), self.braces(lits))
        v0 = "%s = %s %s" % (name, v1.split(" := ")[1].split(" if ")[0], self.braces(lits))
        for _ in range(r.randint(1, 2)):
            c2 = Ctx(self)
            lits2 = self.body(c2)
            val = self.num_lit()
            v1 += " else := %s if %s" % (val, self.braces(lits2))
            v0 += " else = %s %s" % (val, self.braces(lits2))
        if r.random() < 0.6:
            val = self.str_lit()
            v1 += " else := %s" % val
            v0 += " else = %s" % val
        self.emit(v1, v0)
        self.rules.append((name, "any"))

    def rule_partial_set(self, name):
        c = Ctx(self)
        lits = self.body(c, self.r.randint(0, 2))
        lits.append(self._iter(c))
        x = self.r.choice(list(c.vars)) if c.vars else "1"
        b = self.braces(lits)
        self.emit("%s contains %s if %s" % (name, x, b), "%s[%s] %s" % (name, x, b))
        if self.r.random() < 0.3:
            c = Ctx(self)
            t = self.term("any", c)
            b = self.braces(self.body(c, 1))
            self.emit("%s contains %s if %s" % (name, t, b), "%s[%s] %s" % (name, t, b))
        self.rules.append((name, "set"))

    def rule_partial_obj(self, name):
        c = Ctx(self)
        lits = self.body(c, self.r.randint(0, 1))
        text, bound = self.coll_iter(c, 0)
        c.vars.update(bound)
        lits.append(text)
        names = list(bound)
        k = names[0]
        if self.r.random() < 0.3:
            k = "sprintf(\"k%%v\", [%s])" % names[-1]
        v = self.r.choice([names[-1], "%s" % self.term("any", c, 1)])
        b = self.braces(lits)
        self.emit("%s[%s] := %s if %s" % (name, k, v, b), "%s[%s] = %s %s" % (name, k, v, b))
        self.rules.append((name, "obj"))

    def rule_function(self, name):
        r = self.r
        arity = r.choice([1, 1, 2])
        clauses = r.randint(1, 3)
        types = [r.choice(["num", "str"]) for _ in range(arity)]
        self.fn_params[name] = types
        for i in range(clauses):
            params = ["a%d" % j for j in range(arity)]
            c = Ctx(self, dict(zip(params, types)))
            if r.random() < 0.3:
                params[0] = '"a"' if types[0] == "str" else "1"
                c.vars.pop("a0", None)
            lits = self.body(c, r.randint(0, 2))
            val = self.term(r.choice(["num", "str", "bool"]), c)
            b = self.braces(lits) if lits else None
            head1 = "%s(%s) := %s" % (name, ", ".join(params), val)
            head0 = "%s(%s) = %s" % (name, ", ".join(params), val)
            self.emit(head1 + (" if " + b if b else ""), head0 + (" " + b if b else ""))
        self.rules.append((name, "fn%d" % arity))

    def rule_ref_head(self, name):
        """Rules whose head is a ref: `r.a.b := v`, `r[k].x := v`, `r.s contains x` (v1 only in
        OPA's v0 too, with `import rego.v1`-free syntax: `r.a.b = v { … }`)."""
        r = self.r
        c = Ctx(self)
        lits = self.body(c, r.randint(0, 2))
        b = self.braces(lits) if lits else "{ true }"
        form = r.randrange(3)
        if form == 0:
            key = r.choice(["a.b", "a.c", "b"])
            val = self.term(r.choice(["num", "str"]), c)
            self.emit("%s.%s := %s if %s" % (name, key, val, b), "%s.%s = %s %s" % (name, key, val, b))
            if r.random() < 0.5:
                key2 = r.choice(["a.d", "a.b", "c"])
                n = self.num_lit()
                self.emit("%s.%s := %s" % (name, key2, n), "%s.%s = %s" % (name, key2, n))
        elif form == 1:
            text, bound = self.coll_iter(c, 0)
            lits2 = lits + [text]
            k = list(bound)[0]
            b2 = self.braces(lits2)
            self.emit("%s[%s].v := %s if %s" % (name, k, list(bound)[-1], b2), "%s[%s].v = %s %s" % (name, k, list(bound)[-1], b2))
        else:
            text, bound = self.coll_iter(c, 0)
            b2 = self.braces(lits + [text])
            x = list(bound)[-1]
            self.emit("%s.s contains %s if %s" % (name, x, b2), None)
            # v0 without the keywords has no `contains`: program() decides
        self.rules.append((name, "obj"))

    def rule_fn_mock(self, name):
        """A rule calling a function with that function replaced by `with`."""
        fns = [(n, k) for n, k in self.rules if k.startswith("fn")]
        if not fns:
            return self.rule_complete(name)
        n, k = self.r.choice(fns)
        c = Ctx(self)
        args = ", ".join(self.term(ty, c, 1) for ty in self.fn_params[n])
        mock = self.r.choice(["mockf", "7", '"m"']) if k == "fn1" else self.r.choice(["7", "concat"]) if False else "7"
        self.emit("%s := v if { v := %s(%s) with %s as %s }" % (name, n, args, n, mock),
                  "%s = v { v := %s(%s) with %s as %s }" % (name, n, args, n, mock))
        self.rules.append((name, "any"))

    def program(self, idx):
        r = self.r
        self.emit("mockf(x) := 7", "mockf(x) = 7")
        self.emit("mockf2(x, y) := 8", "mockf2(x, y) = 8")
        imports = feat.imports(r)
        kinds = [(1, self.rule_complete), (1, self.rule_complete), (1, self.rule_else), (1, self.rule_partial_set),
                 (1, self.rule_partial_obj), (1, self.rule_function), (1, self.rule_function), (1, self.rule_ref_head),
                 (1, self.rule_fn_mock)] + feat.feature_kinds(self) + sem.semantics_kinds(self)
        if imports:
            kinds.append((2, self.rule_imports))
        n = r.randint(2, 6)
        for i in range(n):
            self.pick(*[(w, (lambda f=f, i=i: f("r%d" % i))) for w, f in kinds])
        if r.random() < 0.12:  # an "error" program: one deliberate compile or run-time error
            self.rule_error("r%d" % n)
        if MULTI_ERROR_SHARE and r.random() < MULTI_ERROR_SHARE:  # errors from several compiler stages
            for text in rego_fuzz_errors.error_rules(r, n):
                self.emit(text, None)
        # a final rule that gathers the others (keeps undefinedness visible)
        names = [n for n, k in self.rules if not k.startswith("fn")]
        data = {"d": {
            "users": {"alice": {"name": "alice", "roles": ["admin", "dev"], "age": r.choice([30, 17])},
                      "bob": {"name": "bob", "roles": ["dev"], "age": 25},
                      "carol": {"name": "carol", "roles": [], "age": r.choice([40, "40"])}},
            "nums": r.choice([[1, 2, 3, 4, 5], [3, 1, 2], [0, -1, 2.5, 10, 7]]),
            "tags": {"a": 1, "b": 2, "k": r.choice([3, "3"])},
            "mixed": [1, "a", None, True, [1], {"k": 1}],
        }}
        inp = {"n": r.choice([0, 1, 2, 5, -3, 2.5]), "m": r.choice([3, 0, 10]),
               "s": r.choice(["foo,bar", "a", "", "12"]), "user": r.choice(["alice", "bob", "dave"]),
               "xs": r.choice([[1, 2, 3], [], ["a", 1], [2, 2]]), "flag": r.choice([True, False]),
               "obj": r.choice([{"a": 1, "b": 2}, {"k": "v"}, {}]), "pair": r.choice([[1, 2], ["a"], [3, [4]]])}
        x = r.random()
        if x < 0.08:
            inp = None
        elif x < 0.14:  # input that is not an object
            inp = r.choice([[1, 2], "s", 5, [], False])
        qk = r.random()
        if qk < 0.7 or not names:
            query = "x := data.fz"
            lib = getattr(self, "lib_pkg", None)
            if lib and r.random() < 0.3:
                query = r.choice(["x := data.%s" % lib, "x := data", "x := [data.fz, data.%s]" % lib])
        elif qk < 0.85:
            query = "x := data.fz.%s" % r.choice(names)
        else:
            colls = [n for n, k in self.rules if k in ("set", "obj", "arr")]
            query = "data.fz.%s[x]" % r.choice(colls) if colls else "x := data.fz"
        h1, h0, style = feat.header(r, self.v0, imports)
        if style == "regov1":
            body0 = self.out1
        elif style == "keywords":  # each rule in either syntax
            body0 = [a if b is None or r.random() < 0.4 else b for a, b in zip(self.out1, self.out0)]
        else:
            body0 = self.out0
        v1 = "\n".join(h1 + self.out1) + "\n"
        v0ok = self.v0 and None not in body0
        v0 = "\n".join(h0 + [x for x in body0 if x is not None]) + "\n"
        extra = []
        if getattr(self, "lib_pkg", None):
            extra.append(("test-1.rego", self.lib_text(False), self.lib_text(True)))
        return Program(v1, v0, data, inp, query, v0ok, extra)


def generate(seed, index, v0_share=0.3):
    r = random.Random("%d/%d" % (seed, index))
    v0 = r.random() < v0_share
    return Gen(r, v0).program(index)
