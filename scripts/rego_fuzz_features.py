"""Rule and literal kinds of rego_fuzz_gen.Gen that aim at language features rather than
builtins (session 7): nested/object/`some`-bound `every`, `some … in` over refs, `with` on
rules, data paths, input and functions (also under `not`), function else chains and default
functions, deep and conflicting ref heads, complete-rule and function conflicts, comprehensions
used as refs, literals with keys of several types, `print`, imports (`data.… as`, `input.…`),
references to the package's own rules through `data`, and, in the small share of "error"
programs, redeclarations, recursion and constant type errors.

Every method returns nothing and emits through Gen.emit(v1, v0); v0 is None for text that only
parses in v1 (the program then runs in v1 only, unless its v0 text imports the keywords).
"""
import json

# Collections whose types the checker cannot know (data/input) or knows (literals).
DOMAINS = ["data.d.users", "input.obj", "input.xs", "data.d.nums", "data.d.tags", "data.d.mixed",
           '{"a": [1], "b": [], "c": [2, "x"]}', "[[1, 2], [3]]", "{[1], [2, 3]}", "[{\"a\": 1}, {\"a\": 2}]",
           "{1, 2, 3}", '{"x": {"y": 1}, "z": {"y": 2}}', "input", "data.d.users[_].roles"]
CONDS = ["is_number({x})", "{x} != 3", "{x}", "type_name({x}) != \"string\"", "not {x} == 1",
         "{x} in [1, 2, \"a\"]", "count({x}) > 0", "{x} > 0", "not is_null({x})", "{x} == {x}"]


class Features:
    # ---- helpers ----------------------------------------------------------------------------
    def cond(self, x):
        return self.r.choice(CONDS).format(x=x)

    def domain(self, c):
        r = self.r
        if r.random() < 0.25:
            return self.term(r.choice(["arr", "set", "obj"]), c, 1)
        return r.choice(DOMAINS)

    def both(self, v1_head, v0_head, body):
        """A rule `HEAD if { body }` in v1 and `HEAD { body }` in v0."""
        b = self.braces(body) if body else None
        self.emit(v1_head + (" if " + b if b else ""), v0_head + (" " + b if b else ""))

    def v1_only(self, text):
        self.emit(text, None)

    # ---- every ------------------------------------------------------------------------------
    def rule_every(self, name):
        r = self.r
        c = self.ctx()
        x, y, k, xs = c.fresh(), c.fresh(), c.fresh(), c.fresh()
        form = r.randrange(6)
        if form == 0:  # domain bound by `some`
            body = ["some %s, %s in %s" % (k, xs, self.domain(c)), "type_name(%s) != \"\"" % k,
                    "every %s in %s { %s }" % (x, xs, self.cond(x))]
        elif form == 1:  # nested
            body = ["every %s in %s { every %s in %s { %s } }" % (xs, self.domain(c), x, xs, self.cond(x))]
        elif form == 2:  # keys and values of an object
            body = ["every %s, %s in %s { %s; %s != \"q\" }" % (k, x, r.choice(["data.d.users", "input.obj", "data.d.tags", '{"a": 1, "b": "x"}']),
                                                              self.cond(x), k)]
        elif form == 3:  # an outer variable inside, a `some` inside
            body = ["%s := %s" % (y, self.num_lit()),
                    "every %s in %s { some %s in [1, 2, 3]; %s > %s; type_name(%s) != \"q\" }" % (x, self.domain(c), k, k, y, x)]
        elif form == 4:  # the result of a comprehension, and `not every`-like use via a helper
            body = ["every %s in [%s | some %s in %s] { %s }" % (x, y, y, self.domain(c), self.cond(x))]
        else:  # every over an empty or undefined domain
            body = ["every %s in %s { type_name(%s) != \"q\"; false }" % (x, x, r.choice(["[]", "set()", "{}", "input.nope", "data.d.nope", "input.obj.zz"]))]
        if r.random() < 0.3:
            body.append(self.literal(c))
        self.both(name, name, body)
        self.rules.append((name, "bool"))

    # ---- some … in over refs ----------------------------------------------------------------
    def rule_some_in(self, name):
        r = self.r
        c = self.ctx()
        k, v = c.fresh(), c.fresh()
        dom = self.domain(c)
        if r.random() < 0.5:
            it, out = "some %s, %s in %s" % (k, v, dom), r.choice(["[%s, %s]" % (k, v), k, v])
            if out == v:
                it += "; %s == %s" % (k, k)  # (an unused `some` key is a compile error)
        else:
            it, out = "some %s in %s" % (v, dom), v
        body = [it]
        if r.random() < 0.4:
            body.append(self.cond(v))
        if r.random() < 0.3:  # `some x in` nested in an iteration
            w = c.fresh()
            body.append("some %s in %s" % (w, r.choice(["[1, 2]", v, "data.d.nums"])))
        if r.random() < 0.75:  # (a complete rule over an iteration mostly conflicts)
            self.emit("%s contains %s if %s" % (name, out, self.braces(body)), "%s[%s] %s" % (name, out, self.braces(body)))
            self.rules.append((name, "set"))
        else:
            self.both("%s := %s" % (name, out), "%s = %s" % (name, out), body)
            self.rules.append((name, "any"))

    # ---- with -------------------------------------------------------------------------------
    def rule_with(self, name):
        r = self.r
        c = self.ctx()
        others = [n for n, kd in self.rules if not kd.startswith("fn")]
        fns = [(n, kd) for n, kd in self.rules if kd.startswith("fn")]
        target = r.choice(others) if others else "input.n"
        mocks = [
            "data.fz.%s as %s" % (r.choice(others), r.choice(["5", '"m"', "[1]", "{}"])) if others else "input.n as 1",
            "input as %s" % r.choice(["[1, 2]", '"s"', "5", '{"n": 1}', "{}"]),
            "input.obj.a as %s" % self.num_lit(),
            "input.xs[0] as 9" if r.random() < 0.25 else "input.xs as [9]",
            "data.d.users.bob as {\"age\": 99}",
            "data.d as {}",
            "data.d.nums as %s" % r.choice(["[]", "[7]", '"s"']),
            "count as mockf",
            "count as 3",
            "upper as lower",
            "concat as mockf2",
        ]
        if fns:
            fn, kd = r.choice(fns)
            mocks.append("%s as %s" % (fn, "mockf" if kd == "fn1" else "mockf2") if r.random() < 0.6 else "%s as 11" % fn)
        ms = " ".join("with " + r.choice(mocks) for _ in range(r.choice([1, 1, 2])))
        v = c.fresh()
        form = r.randrange(4)
        if form == 0:
            body = ["%s := %s %s" % (v, target, ms)]
            out = v
        elif form == 1:
            body = ["not %s %s" % (target, ms)]
            out = "true"
        elif form == 2 and fns:
            fn, kd = r.choice(fns)
            args = ", ".join(self.term(ty, c, 1) for ty in self.fn_params[fn])
            body = ["%s := %s(%s) %s" % (v, fn, args, ms)]
            out = v
        else:
            body = ["%s := [%s | some %s in %s] %s" % (v, "x", "x", r.choice(["input.xs", "data.d.nums", "input"]), ms)]
            out = v
        self.both("%s := %s" % (name, out), "%s = %s" % (name, out), body)
        self.rules.append((name, "any"))

    # ---- functions --------------------------------------------------------------------------
    def rule_fn_else(self, name):
        r = self.r
        ty = r.choice(["num", "str"])
        self.fn_params[name] = [ty]
        c = self.ctx({"a0": ty})
        lit = self.num_lit if ty == "num" else self.str_lit
        v1 = "%s(a0) := %s if { %s }" % (name, self.term("num", c, 1), r.choice(["a0 == %s" % lit(), "is_%s(a0)" % ("number" if ty == "num" else "string"), "a0 != %s" % lit()]))
        v0 = v1.replace(" := ", " = ", 1).replace(" if {", " {", 1)
        for _ in range(r.randint(1, 2)):
            val = r.choice([self.num_lit(), self.str_lit(), "a0"])
            cond = r.choice(["a0 == %s" % lit(), "count([a0]) == 1", "a0 != %s" % lit(), "false"])
            v1 += " else := %s if { %s }" % (val, cond)
            v0 += " else = %s { %s }" % (val, cond)
        if r.random() < 0.5:
            val = self.num_lit()
            v1 += " else := %s" % val
            v0 += " else = %s" % val
        self.emit(v1, v0)
        if r.random() < 0.4:
            d = r.choice(["0", '"d"', "false"])  # (one value for both texts)
            self.emit("default %s(_) := %s" % (name, d), "default %s(_) = %s" % (name, d))
        if r.random() < 0.2:  # a second definition: outputs may conflict
            val, arg = self.num_lit(), lit()
            self.emit("%s(x) := %s if { x == %s }" % (name, val, arg), "%s(x) = %s { x == %s }" % (name, val, arg))
        self.rules.append((name, "fn1"))
        # a rule calling it with several arguments (the checker's inferred argument types)
        call = "[%s]" % ", ".join("%s(%s)" % (name, a) for a in [lit(), lit(), r.choice(["input.n", "input.s", "1", '"a"'])])
        self.emit("%sc := %s" % (name, call), "%sc = %s" % (name, call))
        self.rules.append((name + "c", "arr"))

    def rule_fn_bool(self, name):
        """A boolean function (`f(x) if …`), used under `not` and with `with`."""
        r = self.r
        self.fn_params[name] = ["any"]
        cond = self.cond("x")
        self.emit("%s(x) if { %s }" % (name, cond), "%s(x) { %s }" % (name, cond))
        if r.random() < 0.3:
            lit = self.str_lit()  # (one literal for both texts)
            self.emit("%s(x) if { x == %s }" % (name, lit), "%s(x) { x == %s }" % (name, lit))
        self.rules.append((name, "fn1"))
        # (an undefined argument under `not` is the oracle artifact again: input refs rarely)
        arg = r.choice(["1", '"a"', "[1]", "data.d.mixed[1]"]) if r.random() < 0.8 else r.choice(["input.n", "input.xs"])
        # (an undefined argument under `not … with` is an oracle artifact, docs/conformance.md)
        body = r.choice(["not %s(%s)" % (name, arg), "%s(%s)" % (name, arg),
                         "not %s(%s) with input as {}" % (name, r.choice(["1", '"a"', "[1]"]))])
        self.emit("%sn if { %s }" % (name, body), "%sn { %s }" % (name, body))
        self.rules.append((name + "n", "bool"))

    # ---- ref heads --------------------------------------------------------------------------
    def rule_ref_deep(self, name):
        r = self.r
        c = self.ctx()
        k, v = c.fresh(), c.fresh()
        dom = r.choice(['{"x": 1, "y": 2}', "input.obj", "data.d.tags", '["p", "q"]', "data.d.users"])
        it = "some %s, %s in %s" % (k, v, dom)
        forms = [
            ("%s.a.b[%s] := %s" % (name, k, v), "%s.a.b[%s] = %s" % (name, k, v)),
            ("%s[%s].c := %s" % (name, k, v), "%s[%s].c = %s" % (name, k, v)),
            ("%s[%s][%s] := 1" % (name, k, v), "%s[%s][%s] = 1" % (name, k, v)),
            ("%s.a[%s] := %s" % (name, k, v), "%s.a[%s] = %s" % (name, k, v)),
        ]
        h1, h0 = r.choice(forms)
        self.both(h1, h0, [it])
        if r.random() < 0.5:  # a set-valued leaf beside it
            self.emit("%s.a.s contains %s if { %s }" % (name, k, it), None)
        extra = r.random()
        if extra < 0.25:  # another rule on the same key: values conflict at run time
            val = self.num_lit()
            self.both("%s.a.b.x := %s" % (name, val), "%s.a.b.x = %s" % (name, val), ["true"])
        elif extra < 0.35:  # a complete rule on a prefix: a compile-time conflict
            self.emit("%s.a := 1" % name, "%s.a = 1" % name)
        elif extra < 0.6:
            val = self.term("num", c, 1)
            self.both("%s.z := %s" % (name, val), "%s.z = %s" % (name, val), [])
        self.rules.append((name, "obj"))

    def rule_conflict(self, name):
        """A complete rule (or partial object key) whose clauses may give different values."""
        r = self.r
        c = self.ctx()
        if r.random() < 0.5:
            for _ in range(2):
                val = self.num_lit()
                self.both("%s := %s" % (name, val), "%s = %s" % (name, val), [self.term("bool", c)])
            self.rules.append((name, "num"))
        else:
            for doms in (['["a"]', "input.xs", "data.d.nums"], ['["a", "b"]', "[1]", "input.xs"]):
                val = self.num_lit()
                self.both("%s[k] := %s" % (name, val), "%s[k] = %s" % (name, val), ["some k in %s" % r.choice(doms)])
            self.rules.append((name, "obj"))

    # ---- values and refs --------------------------------------------------------------------
    def rule_values(self, name):
        """Literals with keys of several types, comprehensions used as refs, data self-refs, print."""
        r = self.r
        c = self.ctx()
        others = [n for n, kd in self.rules if not kd.startswith("fn")]
        val = r.choice([
            '{1: "a", "x": "b", true: 3, null: 0, [1]: 2, {"k": 1}: 5}',
            '{1: "a", "x": "b"}[%s]' % r.choice(["1", '"x"', '"1"', "true"]),
            '{1, "1", 1.0, true, null, [1], {"a": 1}}',
            "[x | some x in %s][%s]" % (self.domain(c), r.choice(["0", "1", "-1", '"a"' if r.random() < 0.1 else "0"])),
            "{k: v | some k, v in %s}[%s]" % (self.domain(c), r.choice(['"a"', "0", '"alice"', '"x"'])),
            "{x | some x in %s}[%s]" % (self.domain(c), r.choice(["1", '"a"', "[1]"])),
            "count([x | some x in %s; %s])" % (self.domain(c), self.cond("x")),
            "[[x, y] | some x in [1, 2]; some y in [x, 3]]",
            "{x: [y | some y in %s; y != x] | some x in [1, 2]}" % self.domain(c),
            "data.fz.%s" % r.choice(others) if others else "data.d.tags.a",
            "object.keys(data.fz)" if r.random() < 0.1 else "data.d",
            "{2.0: 1, 2: 2}" if r.random() < 0.2 else "[1.0, 2.50, 1e2]",
            '{"a": {"b": [1, {"c": 2}]}}.a.b[1].c',
            "input[%s]" % r.choice(["0", '"n"', "_"]),
        ])
        if r.random() < 0.35:
            # Literals with variables iterate in OPA's compiled term order (session 8).
            val = r.choice([
                "[y | z := %s; some y in {z, 1, 3}]" % r.choice(["2", "input.n", '"s"', "0"]),
                "[y | some y in {input.n, 2, input.m, \"a\"}]",
                "[k | z := %s; some k, _ in {z: 1, \"a\": 2, 3: 3}]" % r.choice(['"b"', "input.n", "1"]),
                "[y | a := 3; b := input.m; some y in {b, a, input.n, count(input.xs)}]",
                "[y | some y in {[input.n], [1], {\"k\": input.m}, 0}]",
                "[v | some v in {input.s: 1, data.d.tags.a: 2, \"k\": 3}]",
                "[y | z := {input.n, 1}; w := [z]; some y in w[0]]",
            ])
        body = []
        if r.random() < 0.3:
            body.append("print(%s)" % r.choice(['"p"', "input.n", "input.nope", "data.d.tags", '"a", 1, [2]', "{x | some x in [1]}"]))
        self.both("%s := %s" % (name, val), "%s = %s" % (name, val), body)
        self.rules.append((name, "any"))

    def rule_imports(self, name):
        """Uses the module's imports (`data.d.users as U`, `input.obj`, `data.d`)."""
        r = self.r
        val = r.choice(["U.alice.age", "obj.a", "U[input.user].name", "[k | some k, _ in U]", "d.tags.k", "count(obj)",
                        "{k | U[k].age > 20}", "d.nums[_]" if r.random() < 0.3 else "U.bob"])
        self.both("%s := %s" % (name, val), "%s = %s" % (name, val), [])
        self.rules.append((name, "any"))

    # ---- deliberate errors (only in "error" programs) ---------------------------------------
    def rule_error(self, name):
        r = self.r
        others = [n for n, kd in self.rules if not kd.startswith("fn")]
        other = r.choice(others) if others else "r0"
        text = r.choice([
            "%s := x if { x := 1; x := 2 }",
            "%s := x if { x := 1; x = 2 }",
            "%s := x if { some x; x := 1 }",
            "%s := x if { x = 1; x := 2 }",
            "%s if { data.fz.%s }" % ("%s", name),
            "%s := count(data.fz)",
            "%s := x if { x := \"a\" + 1 }",
            "%s := count(1)",
            "%s := x if { x := [1][\"a\"] }",
            "%s := x if { x := {\"a\": 1}.b }",
            "%s := upper(1)",
            "%s := 1 / 0",
            "%s if { 1 == \"a\" }",
            "%s := x if { [x, 1] = [2, 3] }",
            "%s := x if { x := data.fz.%s.nope }" % ("%s", other),
            "%s contains x if { x := input.xs[_]; x := 1 }",
            "%s := f(1)",
            "%s := input.xs.a",
            "%s := concat(\",\", [1])",
            "%s := {x | x := 1; y := 2}",
        ]) % name
        self.emit(text, None if (" contains " in text) else text.replace(" := ", " = ", 1).replace(" if {", " {"))
        self.rules.append((name, "any"))


def feature_kinds(gen):
    """(weight, method) of the feature rules in ordinary programs."""
    return [(2, gen.rule_every), (2, gen.rule_some_in), (2, gen.rule_with), (1.5, gen.rule_fn_else),
            (1, gen.rule_fn_bool), (1.5, gen.rule_ref_deep), (0.5, gen.rule_conflict), (1.5, gen.rule_values)]


def header(r, v0, imports):
    """(v1 lines, v0 lines, v0 style) of the module head: same number of lines in both texts.
    v0 style: "classic" (future.keywords.in/every, v0 rules), "keywords" (every future keyword:
    v0 rules beside v1-style ones) or "regov1" (`import rego.v1`: the v1 text)."""
    style = r.choice(["classic", "classic", "keywords", "regov1"]) if v0 else "classic"
    v1 = ["package fz"] + imports + ["#", "#"]
    if style == "classic":
        v0l = ["package fz"] + imports + ["import future.keywords.in", "import future.keywords.every"]
    elif style == "keywords":
        v0l = ["package fz"] + imports + ["import future.keywords", "#"]
        # The import also keeps `not expr` whole in OPA (NegationLifting): the v1 text needs it.
        v1 = ["package fz"] + imports + ["import future.keywords", "#"]
    else:
        v0l = ["package fz"] + imports + ["import rego.v1", "#"]
    return v1, v0l, style


IMPORTS = [["import data.d.users as U", "import input.obj", "import data.d"],
           ["import input.obj", "import data.d.users as U", "import data.d"]]


def imports(r):
    return list(r.choice(IMPORTS)) if r.random() < 0.25 else []


def dumps(v):
    return json.dumps(v)
