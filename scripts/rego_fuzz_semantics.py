"""Rule kinds of rego_fuzz_gen.Gen aimed at evaluation semantics OPA's conformance suite covers
and the session-7 features did not (session 9): a second module in another package (rules,
functions, partial sets/objects, ref heads, defaults) referenced from `package fz` through
`data.lib…`, imports and `with`; nested `with` (a rule under `with` whose body uses `with`
again, builtins mocked by functions with else chains or several clauses); pattern
unification of arrays/objects/sets against data and input; multi-level partial rules
(`p[x][y] := …`, `p[x] contains y`); arithmetic on big integers and floats; ordering and
equality across types; rule-indexing-sensitive clause sets; negation of refs into undefined
paths (rules, data, input, other packages); default rules beside conflicting clauses.

Every method emits through Gen.emit(v1, v0) (v0 None: v1-only text) and registers its rule.
"""
import json

# Values of every type, for ordering/equality across types (OPA's order: null < boolean <
# number < string < array < object < set).
MIXED = ["null", "false", "true", "0", "-1", "1.5", "1", "1.0", '""', '"a"', '"B"', "[]", "[1]", "[1, 2]",
         "[1, 0]", '["a"]', "{}", '{"a": 1}', '{"a": 2}', '{"b": 0}', '{"a": 1, "b": 0}', "set()", "{1}",
         "{1, 2}", "{1, 3}", '{"a"}', "{[1]}", '{{"a": 1}}', "input.n", "input.s", "input.xs", "input.obj"]

BIG = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
       "12345678901234567890123", "1e308", "1.7976931348623157e308", "0.1", "0.2", "0.3", "1e-7", "3",
       "-7", "2.5", "1e20", "100000000000000000000", "4.0", "1e2", "-0.0", "123456789.123456789"]


class Semantics:
    # ---- a second module in another package ---------------------------------------------------
    def lib_module(self):
        """Emit the rules of `package lib` (or `package fz.lib`) into self.lib1 / self.lib0."""
        r = self.r
        self.lib_pkg = r.choice(["lib", "lib", "fz.lib", "a.b"])
        self.lib1, self.lib0 = [], []

        def both(v1, v0):
            self.lib1.append(v1)
            self.lib0.append(v0)
        dom = r.choice(["input.xs", "data.d.nums", '["a", "b", 1]', "{1, 2, 3}", "data.d.tags", "input.obj"])
        both("p := %s if { %s }" % (self.num_lit(), r.choice(["input.n > 0", "input.flag", "true", "input.s == \"a\""])),
             "p = %s { %s }" % (self.num_lit(), "true"))  # (v0 text replaced below)
        self.lib0[-1] = self.lib1[-1].replace(" := ", " = ", 1).replace(" if {", " {", 1)
        if r.random() < 0.4:
            both("default p := %s" % r.choice(["0", '"none"', "false"]), None)
            self.lib0[-1] = self.lib1[-1].replace(" := ", " = ")
        both("s contains x if { some x in %s }" % dom, "s[x] { some x in %s }" % dom)
        both("o[k] := v if { some k, v in %s }" % r.choice(['{"a": 1, "b": [2]}', "data.d.tags", "input.obj", "data.d.users"]),
             None)
        self.lib0[-1] = self.lib1[-1].replace(" := ", " = ").replace(" if {", " {")
        fval = r.choice(["x * 2", "count(x)", "[x]", "x"])
        both("f(x) := %s if { %s }" % (fval, r.choice(["is_number(x)", "true", "x != 0"])), None)
        self.lib0[-1] = self.lib1[-1].replace(" := ", " = ", 1).replace(" if {", " {", 1)
        if r.random() < 0.5:
            both('f(x) := "s" if { is_string(x) }', 'f(x) = "s" { is_string(x) }')
        if r.random() < 0.3:
            both("default f(_) := -1", "default f(_) = -1")
        both("t.a.b := %s" % self.num_lit(), None)
        self.lib0[-1] = self.lib1[-1].replace(" := ", " = ")
        if r.random() < 0.5:
            both("t[k].c := v if { some k, v in %s }" % r.choice(['{"x": 1, "y": 2}', "input.obj", '["p"]']), None)
            self.lib0[-1] = self.lib1[-1].replace(" := ", " = ").replace(" if {", " {")
        if r.random() < 0.3:
            both("q if { not p == 1; count(s) > 0 }", "q { not p == 1; count(s) > 0 }")
        if r.random() < 0.25:  # a rule of lib reading a rule of fz (no cycle: fz's rules do not all read lib)
            both("back := data.fz.mockf(1)", "back = data.fz.mockf(1)")
        self.lib_refs = {
            "num": ["data.%s.p" % self.lib_pkg, "data.%s.t.a.b" % self.lib_pkg, "data.%s.f(3)" % self.lib_pkg,
                    "count(data.%s.s)" % self.lib_pkg],
            "any": ["data.%s.o" % self.lib_pkg, "data.%s" % self.lib_pkg, "data.%s.s" % self.lib_pkg,
                    'data.%s.f("a")' % self.lib_pkg, "data.%s.t" % self.lib_pkg, "data.%s.o.a" % self.lib_pkg,
                    "data.%s.nope" % self.lib_pkg, "data.%s.t.zz.c" % self.lib_pkg],
        }

    def lib_text(self, v0):
        h = "package %s" % self.lib_pkg
        if v0:
            return "\n".join([h, "import rego.v1"] + self.lib1) + "\n"
        return "\n".join([h, "#"] + self.lib1) + "\n"

    def rule_other_pkg(self, name):
        r = self.r
        if not getattr(self, "lib_pkg", None):
            self.lib_module()
        pkg = self.lib_pkg
        c = self.ctx()
        v, k = c.fresh(), c.fresh()
        forms = [
            ("%s := %s" % (name, r.choice(self.lib_refs["num"] + self.lib_refs["any"])), []),
            ("%s contains %s" % (name, v), ["some %s in data.%s.s" % (v, pkg)]),
            ("%s contains %s" % (name, v), ["data.%s.s[%s]" % (pkg, v)]),
            ("%s := %s" % (name, v), ["%s := data.%s.f(%s)" % (v, pkg, r.choice(["1", '"a"', "input.n", "[1]", "data.d.nums[0]"]))]),
            ("%s := %s" % (name, v), ["%s := data.%s.p with input.n as %s" % (v, pkg, r.choice(["-1", "5"]))]),
            ("%s := %s" % (name, v), ["%s := data.%s.f(2) with data.%s.f as %s" % (v, pkg, pkg, r.choice(["mockf", "7"]))]),
            ("%s := %s" % (name, v), ["%s := data.%s.s with data.%s.s as {9}" % (v, pkg, pkg)]),
            ("%s := %s" % (name, v), ["%s := data.%s with data.%s.p as 100" % (v, pkg, pkg)]),
            ("%s := %s" % (name, v), ["%s := data.%s with data.%s.%s" % (v, pkg, pkg, r.choice(
                ["t.a.b as 5", "t.a as {}", "s as {9}", "q as false", "p as 2 with input.flag as false"] +
                ["o.a as 1"] * (r.random() < 0.2))), ]),  # (o.a: below a rule, a compile error)
            ("%s := %s" % (name, v), ["%s := data.%s.o[%s]" % (v, pkg, k), "%s != \"zz\"" % k]),
            ("%s := [%s, %s]" % (name, k, v), ["some %s, %s in data.%s" % (k, v, pkg)]),
            ("%s := %s" % (name, v), ["%s := {k | some k, _ in data.%s}" % (v, pkg)]),
            ("%s if" % name, ["not data.%s.%s" % (pkg, r.choice(["p", "nope", "t.a.zz", "o.zz", "s[99]", "q"]))]),
            ("%s if" % name, ["not data.%s.f(%s)" % (pkg, r.choice(["1", '"b"']))]),
            ("%s := %s" % (name, v), ["%s := data.%s.t[%s].c" % (v, pkg, k), "%s != 1" % k]),
        ]
        head, body = r.choice(forms)
        if head.endswith(" if"):
            self.emit("%s { %s }" % (head, "; ".join(body)), "%s { %s }" % (head[:-3], "; ".join(body)))
            self.rules.append((name, "bool"))
            return
        if " contains " in head:
            b = "; ".join(body)
            self.emit("%s if { %s }" % (head, b), "%s[%s] { %s }" % (name, v, b))
            self.rules.append((name, "set"))
            return
        if body:
            self.both(head, head.replace(" := ", " = ", 1), body)
        else:
            self.emit(head, head.replace(" := ", " = ", 1))
        self.rules.append((name, "any"))

    # ---- nested with ------------------------------------------------------------------------
    def rule_nested_with(self, name):
        r = self.r
        c = self.ctx()
        inner, h = name + "i", name + "h"
        # a helper rule whose body uses `with` itself; the outer rule evaluates it under `with`
        mock_inner = r.choice(["input.n as 1", "count as mockf", "data.d.nums as [4, 5]", 'input.s as "q"'])
        self.both("%s := [input.n, count(input.xs), x]" % inner, "%s = [input.n, count(input.xs), x]" % inner,
                  ["x := sum(data.d.nums) with %s" % mock_inner])
        # a function used as a builtin's replacement: else chain or several clauses
        if r.random() < 0.5:
            self.emit("%s(x) := 1 if { x == [] } else := 2 if { is_array(x) } else := 3" % h,
                      "%s(x) = 1 { x == [] } else = 2 { is_array(x) } else = 3" % h)
        else:
            self.emit("%s(x) := count(x) + 10 if { is_array(x) }" % h, "%s(x) = count(x) + 10 { is_array(x) }" % h)
            self.emit("%s(x) := 20 if { is_string(x) }" % h, "%s(x) = 20 { is_string(x) }" % h)
        self.rules.append((h, "fn1"))
        self.fn_params[h] = ["any"]
        outer = r.choice([
            "input.n as 9", "input.xs as [1, 2, 3, 4]", "count as %s" % h, "sum as count",
            "input as {\"n\": 2, \"xs\": []}", "data.d.nums as []", "count as 0",
        ])
        v = c.fresh()
        form = r.randrange(4)
        if form == 0:
            body = ["%s := %s with %s" % (v, inner, outer)]
        elif form == 1:
            body = ["%s := %s with %s with %s" % (v, inner, outer, r.choice(["input.m as 1", "count as mockf", "upper as lower"]))]
        elif form == 2:
            body = ["%s := [%s, %s(%s)] with %s" % (v, inner, h, r.choice(["[]", "[1]", '"s"', "input.xs"]), outer)]
        else:  # the helper function mocked by a value, and a builtin mocked by it
            body = ["%s := count(%s) with count as %s with %s as 5" % (v, r.choice(["[1]", "input.xs", '"abc"']), h, h)]
        self.both("%s := %s" % (name, v), "%s = %s" % (name, v), body)
        self.rules.append((inner, "arr"))
        self.rules.append((name, "any"))

    # ---- pattern unification ----------------------------------------------------------------
    def rule_pattern(self, name):
        r = self.r
        a, b, cc = "pa", "pb", "pc"
        # (pattern, right sides of a fitting or unknown shape, collections to iterate)
        arr2 = ["input.pair", "input.xs", "data.d.nums", "[input.n, input.obj]", "data.d.users.alice.roles"]
        shapes = [
            ("[%s, {\"b\": %s}]" % (a, b), arr2 + ['[1, {"b": 2}]', '[1, {"b": 2, "c": 3}]', '[[1], {"b": [2]}]'],
             ['[[1, {"b": 2}], [3, 4]]', "data.d.mixed", "[input.pair, [5, {\"b\": 6}]]"]),
            ("[%s, [%s, %s]]" % (a, b, cc), arr2 + ["[1, [2, 3]]", "[1, [2]]"], ["[[1, [2, 3]], [4, [5, 6]]]", "[input.pair]"]),
            ('{"a": [%s, %s], "b": {"c": %s}}' % (a, b, cc), ["input.obj", '{"a": [1, 2], "b": {"c": 3}}', "data.d.tags",
                                                           '{"a": [1, 2], "b": {"c": 3, "d": 4}}'], ["[input.obj, {\"a\": [1, 2], \"b\": {\"c\": 3}}]"]),
            ("[_, %s]" % a, arr2 + ["[1, 2]"], ["[[1, 2], [3, 4], [5]]", "data.d.users[_].roles"]),
            ("[%s, %s, _]" % (a, b), arr2 + ["[1, 2, 3]"], ["[[1, 2, 3], [4, 5, 6]]", "data.d.mixed"]),
            ('{"name": %s, "roles": [%s, _]}' % (a, b), ["data.d.users.alice", "data.d.users[input.user]", "input.obj"],
             ["data.d.users"]),
            ("[%s, %s]" % (a, a), arr2 + ["[1, 1]", "[1, 1.0]", "[[1], [1]]"], ["[[1, 1], [1, 2], [2, 2]]"]),
            ('{"a": %s}' % a, ["input.obj", "data.d.tags", '{"a": 1}', '{"a": 1, "b": 2}'], ["data.d.users", "[input.obj, {\"a\": 3}]"]),
            ("[[%s, %s], [_, %s]]" % (a, b, cc), ["[[1, 2], [3, 4]]", "[input.pair, input.pair]", "[input.xs, [0, 1]]"],
             ["[[[1, 2], [3, 4]]]"]),
        ]
        pat, rhss, colls = r.choice(shapes)
        used = [x for x in (a, b, cc) if x in pat]
        out = "[%s]" % ", ".join(used)
        if r.random() < 0.3:  # iterate: some element of a collection matches
            body = ["%s = %s[_]" % (pat, r.choice(colls))]
        else:
            rhs = r.choice(rhss)
            op = "=" if "[pa, pa]" in pat or r.random() < 0.5 else ":="
            body = ["%s = %s" % (rhs, pat) if op == "=" and r.random() < 0.4 else "%s %s %s" % (pat, op, rhs)]
        if r.random() < 0.5:
            self.emit("%s contains %s if { %s }" % (name, out, "; ".join(body)), "%s[%s] { %s }" % (name, out, "; ".join(body)))
            self.rules.append((name, "set"))
        else:
            self.both("%s := %s" % (name, out), "%s = %s" % (name, out), body)
            self.rules.append((name, "arr"))

    # ---- multi-level partial rules ----------------------------------------------------------
    def rule_multi_partial(self, name):
        r = self.r
        dom = r.choice(['{"a": [1, 2], "b": [3]}', "data.d.users", '{"x": {"y": 1, "z": 2}}', "input.obj",
                        '[["a", 1], ["b", 2], ["a", 3]]'])
        form = r.randrange(5)
        if form == 0:
            self.v1_only("%s[k][i] := v if { some k, vs in %s; some i, v in vs }" % (name, dom))
        elif form == 1:
            self.v1_only("%s[k] contains v if { some k, vs in %s; some v in vs }" % (name, dom))
        elif form == 2:
            self.v1_only("%s[x][y] := true if { some p in %s; [x, y] := p }" % (name, dom))
        elif form == 3:
            self.v1_only("%s.by[k].n := count(vs) if { some k, vs in %s }" % (name, dom))
            if r.random() < 0.5:
                self.v1_only("%s.by.extra.n := 0" % name)
        else:
            self.v1_only("%s[k].all contains v if { some k, vs in %s; some v in vs }" % (name, dom))
            if r.random() < 0.15:  # (OPA: conflicting rules … found)
                self.v1_only("%s[k].first := vs[0] if { some k, vs in %s }" % (name, dom))
        self.rules.append((name, "obj"))
        if r.random() < 0.5:  # read it back through refs with variables
            q = name + "q"
            self.v1_only("%s contains [a, b] if { some a, b in %s }" % (q, name) if r.random() < 0.5 else
                         "%s := %s[%s]" % (q, name, r.choice(['"a"', '"x"', '"by"', '"alice"', '"zz"'])))
            self.rules.append((q, "any"))

    # ---- arithmetic on big integers and floats ------------------------------------------------
    def rule_bignum(self, name):
        r = self.r
        x, y = r.choice(BIG), r.choice(BIG)
        op = r.choice(["+", "-", "*", "/", "%", "<", "==", ">=", "!="])
        exprs = [
            "%s %s %s" % (x, op, y),
            "%s(%s)" % (r.choice(["round", "ceil", "floor", "abs"]), x),
            "[%s, %s] == [%s, %s]" % (x, y, y, x),
            "{%s, %s}" % (x, y),
            "count({%s, %s})" % (x, y),
            "sum([%s, %s])" % (x, y),
            "max([%s, %s])" % (x, y),
            "to_number(%s)" % json.dumps(r.choice(BIG)),
            "format_int(%s, 10)" % x,
            "%s * 1.0 == %s" % (x, x),
            "numbers.range(%s, %s + 2)" % (x, x) if "." not in x and "e" not in x and len(x) < 22 else "%s + 0" % x,
            "{%s: \"a\"}[%s]" % (x, y),
            "[%s][0] == %s" % (x, y),
            "%s / 3 * 3" % x,
            "(%s + 1) - %s" % (x, x),
            "json.marshal([%s])" % x,
            "sprintf(\"%%v %%d\", [%s, %s])" % (x, "3"),
        ]
        e = r.choice(exprs)
        self.emit("%s := o if { o := %s }" % (name, e), "%s = o { o := %s }" % (name, e))
        self.rules.append((name, "any"))

    # ---- ordering and equality across types -----------------------------------------------------
    def rule_order(self, name):
        r = self.r
        a, b = r.choice(MIXED), r.choice(MIXED)
        op = r.choice(["<", "<=", ">", ">=", "==", "!="])
        e = r.choice([
            "%s %s %s" % (a, op, b),
            "sort([%s, %s, %s])" % (a, b, r.choice(MIXED)),
            "max({%s, %s})" % (a, b),
            "min([%s, %s])" % (a, b),
            "[%s, %s] %s [%s, %s]" % (a, b, op, b, a),
            "{%s, %s, %s}" % (a, b, r.choice(MIXED)),
            "{%s: 1, %s: 2}" % (a, b) if "input" not in a + b else "[%s] == [%s]" % (a, b),
            "{%s} == {%s}" % (a, b),
            "%s in {%s, %s}" % (a, b, r.choice(MIXED)),
            "[x | some x in {%s, %s, %s}]" % (a, b, r.choice(MIXED)),
            "{\"k\": %s} == {\"k\": %s}" % (a, b),
        ])
        self.emit("%s := o if { o := %s }" % (name, e), "%s = o { o := %s }" % (name, e))
        self.rules.append((name, "any"))

    # ---- rule indexing ----------------------------------------------------------------------
    def rule_indexed(self, name):
        """Several clauses on equalities of input/data with constants, as OPA's rule index sees them."""
        r = self.r
        refs = ["input.s", "input.n", "input.user", "input.xs", "input.obj.a", "input.pair[0]", "input.flag",
                "data.d.tags.k", "input.xs[0]"]
        vals = ['"a"', '"foo,bar"', "1", "1.0", "2.5", '"alice"', '"12"', "[]", "[1, 2, 3]", "true", "false",
                "3", '"3"', "-3", "null", "[2, 2]", "0"]
        ref = r.choice(refs)
        n = r.randint(2, 4)
        kind = r.choice(["bool", "val", "fn", "set"])
        for i in range(n):
            ref_i = ref if r.random() < 0.8 else r.choice(refs)
            v = r.choice(vals)
            cond = r.choice(["%s == %s" % (ref_i, v), "%s = %s" % (v, ref_i), "%s = x; x == %s" % (ref_i, v),
                             "glob.match(\"f*\", [], %s)" % ref_i if ref_i == "input.s" else "%s != %s" % (ref_i, v),
                             "[%s, _] = input.pair" % v, "%s[_] == %s" % (r.choice(["input.xs", "data.d.nums"]), v)])
            if r.random() < 0.3:
                cond += "; " + r.choice(["input.flag", "not input.flag", "input.m > 1"])
            if kind == "bool":
                self.both("%s" % name, name, [cond])
            elif kind == "val":
                self.both("%s := %d" % (name, i), "%s = %d" % (name, i), [cond])
            elif kind == "set":
                self.emit("%s contains %d if { %s }" % (name, i, cond), "%s[%d] { %s }" % (name, i, cond))
            else:
                fcond = cond.replace(ref_i, "y")
                self.emit("%sf(y) := %d if { %s }" % (name, i, fcond), "%sf(y) = %d { %s }" % (name, i, fcond))
        if kind == "fn":
            self.fn_params[name + "f"] = ["any"]
            self.rules.append((name + "f", "fn1"))
            val = "[x | some y in [%s, %s, %s]; x := %sf(y)]" % (ref, r.choice(vals), r.choice(vals), name)
            self.emit("%s := %s" % (name, val), "%s = %s" % (name, val))
            # (a conflict between clauses is an error when two match)
            self.rules.append((name, "arr"))
            return
        if r.random() < 0.4 and kind != "set":
            d = "false" if kind == "bool" else "-1"
            self.emit("default %s := %s" % (name, d), "default %s = %s" % (name, d))
        self.rules.append((name, {"bool": "bool", "val": "num", "set": "set"}[kind]))

    # ---- negation of refs into undefined paths --------------------------------------------------
    def rule_not_undefined(self, name):
        r = self.r
        others = [n for n, kd in self.rules if not kd.startswith("fn")]
        refs = ["input.nope", "input.obj.zz", "input.xs[7]", "input.pair[1][0]", "data.d.users.dave",
                "data.d.users.alice.age.x", "data.d.nope.deeper", "input.n.x", "data.d.tags[input.s]",
                "data.d.users[input.user].roles[0]", "input[\"n\"]", "data.d.mixed[5].k"]
        if others:
            o = r.choice(others)
            refs += ["data.fz.%s" % o, "data.fz.%s.zz" % o, "data.fz.%s[0]" % o, "%s.nope" % o]
        ref = r.choice(refs)
        lit = r.choice(["not %s" % ref, "not %s == 1" % ref, "not %s.x" % ref,
                        "x := [1 | not %s]" % ref, "not not_helper_%s" % name if False else "not %s" % ref])
        body = [lit]
        if r.random() < 0.4:
            body.append(r.choice(["input.flag", "true", "count(input.xs) >= 0"]))
        self.both(name, name, body)
        self.rules.append((name, "bool"))

    # ---- defaults beside conflicting clauses ------------------------------------------------------
    def rule_default_conflict(self, name):
        r = self.r
        d = r.choice(["0", '"d"', "false", "[]"])
        self.emit("default %s := %s" % (name, d), "default %s = %s" % (name, d))
        for _ in range(r.randint(1, 3)):
            val = r.choice(["1", "2", "0", '"d"', "false", "input.n", "count(input.xs)"])
            cond = r.choice(["input.flag", "input.n > 0", "input.m == 3", "true", "input.s != \"a\"", "false"])
            self.both("%s := %s" % (name, val), "%s = %s" % (name, val), [cond])
        self.rules.append((name, "any"))


def semantics_kinds(gen):
    """(weight, method) of the session-9 rule kinds."""
    return [(2, gen.rule_other_pkg), (1.5, gen.rule_nested_with), (1.5, gen.rule_pattern),
            (1.5, gen.rule_multi_partial), (1.2, gen.rule_bignum), (1.5, gen.rule_order), (2, gen.rule_indexed),
            (1.2, gen.rule_not_undefined), (1, gen.rule_default_conflict)]
