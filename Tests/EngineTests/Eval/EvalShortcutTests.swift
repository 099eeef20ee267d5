import Testing
@testable import Engine

/// The evaluation shortcuts (inline builtin arguments, constant rule values, `some k, v in`
/// bound directly, object literals built without a dictionary, sprintf with a format parsed at
/// compile time) answer exactly as the general paths. Expected values are OPA's
/// (`opa_eval.py` on the same policy and input).
@Suite struct EvalShortcutTests {
    static let source = #"""
        package t

        roles := {"b": 2, "a": 1}
        mutating := {"write", "create"}
        k1 := "x"
        uses_roles := roles.a
        uses_mut := "write" in mutating
        over := v if { v := uses_roles with data.t.roles as {"a": 9} }
        over_whole := v if { v := uses_mut with data.t.mutating as {"read"} }
        pairs_obj contains [k, v] if { some k, v in {"y": 2, "x": 1} }
        pairs_arr contains [k, v] if { some k, v in ["p", "q"] }
        pairs_set contains [k, v] if { some k, v in {"s", "t"} }
        pairs_bound contains v if { some "x", v in {"y": 2, "x": 1} }
        pairs_wild contains k if { some k, _ in {"y": 2, "x": 1} }
        pairs_same contains k if { some k, k in {"y": "y", "x": 1} }
        pairs_input contains [k, v] if { some k, v in input.m }
        obj_sorted := {"a": input.n, "b": 2}
        obj_unsorted := {"b": input.n, "a": 2}
        obj_vars := {x: 1, y: 2} if { x := input.s; y := "m" }
        fmt1 := sprintf("%s requires approval (%d)", [input.s, input.n])
        fmt2 := sprintf("100%% %v/%v %s", [1.5, [1, "a"]])
        fmt3 := sprintf("a %s b", ["x", 2, {"k": true}])
        fmt4 := sprintf("%q %x %T %d", ["h\"i", "hi", 3, "s"])
        fmt5 := sprintf("ünï %s ✓", ["ç"])
        fmt6 := sprintf("%d %v", [-9223372036854775808, 12345678901234567890123])
        fmt7 := sprintf("%5d|%-3s|%03d", [7, "a", 4])
        fmt8 := sprintf("end %", [1])
        """#

    static let expected: [(String, Value)] = [
        ("roles", ["a": 1, "b": 2]),
        ("uses_roles", 1),
        ("uses_mut", true),
        ("over", 9),
        ("over_whole", false),
        ("pairs_obj", .set(SetValue([["x", 1], ["y", 2]]))),
        ("pairs_arr", .set(SetValue([[0, "p"], [1, "q"]]))),
        ("pairs_set", .set(SetValue([["s", "s"], ["t", "t"]]))),
        ("pairs_bound", .set(SetValue([1]))),
        ("pairs_wild", .set(SetValue(["x", "y"]))),
        ("pairs_same", .set(SetValue(["y"]))),
        ("pairs_input", .set(SetValue([["a", 0], ["b", [1]]]))),
        ("obj_sorted", ["a": 3, "b": 2]),
        ("obj_unsorted", ["a": 2, "b": 3]),
        ("obj_vars", ["m": 2, "tool": 1]),
        ("fmt1", "tool requires approval (3)"),
        ("fmt2", "100% 1.5/[1, \"a\"] %!s(MISSING)"),
        ("fmt3", "a x b%!(EXTRA int64=2, string={\"k\": true})"),
        ("fmt4", "\"h\\\"i\" 6869 int64 %!d(string=s)"),
        ("fmt5", "ünï ç ✓"),
        ("fmt6", "-9223372036854775808 12345678901234567890123"),
        ("fmt7", "    7|a  |004"),
        ("fmt8", "end %!(NOVERB)%!(EXTRA int64=1)"),
    ]

    @Test func answersMatchOPA() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        let input: Value = ["s": "tool", "n": 3, "m": ["b": [1], "a": 0]]
        for (rule, want) in Self.expected {
            let got = try p.evaluate(path: ["t", rule], input: input, context: EvalContext(nowNs: 0))
            #expect(got == want, "\(rule)")
        }
    }

    @Test func constantRulesAreFoldedOnlyWhenUnconditional() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        #expect(p.plan.node(at: ["t", "roles"])?.constantValue == ["a": 1, "b": 2])
        #expect(p.plan.node(at: ["t", "mutating"])?.constantValue == .set(SetValue(["create", "write"])))
        #expect(p.plan.node(at: ["t", "uses_roles"])?.constantValue == nil)
        #expect(p.plan.node(at: ["t", "over"])?.constantValue == nil)
        let q = try CompiledPolicy.compile(modules: [RegoModule(name: "q.rego", source: """
            package q
            default d := 1
            d := 2
            two := 1
            two := 1
            cond := 3 if input.x
            """)])
        for name in ["d", "two", "cond"] { #expect(q.plan.node(at: ["q", name])?.constantValue == nil, "\(name)") }
        #expect(try q.evaluate(path: ["q", "cond"], input: ["x": false], context: EvalContext(nowNs: 0)) == nil)
        #expect(try q.evaluate(path: ["q", "d"], input: nil, context: EvalContext(nowNs: 0)) == 2)
    }

    /// Every format both ways: parsed per call (`sprintf(String, _)`) and compiled once.
    @Test func compiledFormatsRenderAsTheGeneralPath() {
        let formats = [
            "", "plain", "%s", "%d", "%v", "%s requires approval (%d)", "%%", "100%% %s", "%q|%x|%X|%T",
            "%s %s %s %s", "ünï %s ✓ %d", "%b %o %O %c %U", "%e %f %g %E %G", "%t %p", "%s%", "%",
            "tail %v.", "%d%d", "%w",
        ]
        let argLists: [[Value]] = [
            [], ["a"], [1], ["x", 2], [1.5, "s", [1, "a"], ["k": true]], [-7, 0, 255, 65],
            [.set(SetValue(["z"])), .null, false], [.double(-2.5e300), -1], ["h\"i\n", "ç"],
        ]
        for f in formats {
            let compiled = GoFormatter.CompiledFormat(f)
            if f.contains("%!") || f == "%" || f == "%s%" { #expect(compiled == nil, "\(f)") }
            guard let compiled else {
                #expect(GoFormatter.sprintfPlain(f, []) == nil, "\(f)")
                continue
            }
            for args in argLists {
                let goArgs = args.map(GoFormatter.Arg.init)
                #expect(GoFormatter.sprintf(compiled, goArgs) == GoFormatter.sprintf(f, goArgs), "\(f) \(args)")
                #expect(GoFormatter.sprintfPlain(f, goArgs) == GoFormatter.sprintf(f, goArgs), "\(f) \(args)")
            }
        }
        // Flags, width, precision and indexes are left to the general path.
        for f in ["%5d", "%-3s", "%03d", "%.2f", "%[1]s", "%*d", "%+d", "% d", "%#x", "ok %% %5d"] {
            #expect(GoFormatter.CompiledFormat(f) == nil, "\(f)")
            #expect(GoFormatter.sprintfPlain(f, [.int(1)]) == nil, "\(f)")
        }
    }

    /// Calls with up to three arguments pass them inline; more go through an array.
    @Test func inlineAndSpilledArguments() throws {
        let inline = Arguments(count: 3, "a", 2, true)
        #expect(inline.count == 3 && inline[0] == "a" && inline[1] == 2 && inline[2] == true)
        #expect(inline.values == ["a", 2, true])
        let spilled = Arguments(["a", "b", "c", "d"])
        #expect(spilled.count == 4 && spilled[3] == "d" && spilled.values == ["a", "b", "c", "d"])
        #expect(Arguments([]).values == [] && Arguments(["x"]).values == ["x"])
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "f.rego", source: """
            package f
            f4(a, b, c, d) := concat("-", [a, b, c, d])
            r := f4("w", "x", "y", input.z)
            s := replace(input.z, "z", "Z")
            """)])
        #expect(try p.evaluate(path: ["f", "r"], input: ["z": "z"], context: EvalContext(nowNs: 0)) == "w-x-y-z")
        #expect(try p.evaluate(path: ["f", "s"], input: ["z": "zz"], context: EvalContext(nowNs: 0)) == "ZZ")
        #expect(try p.evaluate(path: ["f", "r"], input: [:], context: EvalContext(nowNs: 0)) == nil)
    }
}
