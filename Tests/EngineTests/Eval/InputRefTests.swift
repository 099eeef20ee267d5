import Testing
@testable import Engine

/// Ground input references (`input.a.b` with constant keys) are read once per evaluation
/// through the memo (Compiler/InputRefs.swift). They must answer as walking the input each
/// time does: under `with input…` (inside and after), in functions, comprehensions and
/// loops, for undefined paths and non-string keys, and with the input parsed for the
/// entrypoint's projection. Expected answers are OPA's (`opa_eval.py` on this policy/input).
@Suite struct InputRefTests {
    static let source = #"""
        package t

        name := input.tool.name
        twice := [input.tool.name, input.tool.name]
        with_name := v if { v := name with input.tool.name as "other" }
        with_whole := v if { v := input.tool.name with input as {"tool": {"name": "w"}} }
        after_with := [a, b] if { a := name with input.tool as {"name": "x"}; b := input.tool.name }
        missing := input.tool.nope
        missing_deep := input.nope.deeper
        first_arg := input.args[0]
        second_arg := input.args[1]
        by_var contains v if { some k; v := input.tool.args[k] }
        keyed := input.tool[input.key]
        in_loop contains p if { some p in ["a", "b", "c"]; startswith(input.tool.name, p) }
        f(x) := concat(":", [x, input.tool.name])
        called := f("pre")
        called_with := v if { v := f("pre") with input.tool.name as "zz" }
        compr := [x | some x in input.args; x != input.tool.name]
        obj_get := object.get(input.tool, "name", "dflt")
        obj_get_missing := object.get(input.tool, "zzz", "dflt")
        num_key := input.m[1]
        not_there if not input.tool.nope
        default d := "none"
        d := input.tool.name if input.flag
        """#

    static let input = #"{"tool": {"name": "abc", "args": {"p": 1, "q": 2}}, "args": ["x", "abc", "y"], "key": "name", "m": {"1": "one"}, "flag": true}"#

    static let expected: [(String, Value?)] = [
        ("name", "abc"), ("twice", ["abc", "abc"]), ("with_name", "other"), ("with_whole", "w"),
        ("after_with", ["x", "abc"]), ("missing", nil), ("missing_deep", nil), ("first_arg", "x"),
        ("second_arg", "abc"), ("by_var", .set(SetValue([1, 2]))), ("keyed", "abc"),
        ("in_loop", .set(SetValue(["a"]))), ("called", "pre:abc"), ("called_with", "pre:zz"),
        ("compr", ["x", "y"]), ("obj_get", "abc"), ("obj_get_missing", "dflt"), ("num_key", nil),
        ("not_there", true), ("d", "abc"),
    ]

    @Test func answersMatchOPA() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        let full = try InputProjectionTests.parse(Self.input, nil).get()
        for (rule, want) in Self.expected {
            let q = p.prepare(path: ["t", rule])
            var t = Self.input
            let projected = try t.withUTF8 { try q.parseInput(UnsafeRawBufferPointer($0)) }
            for input in [full, projected] {
                let got = try q.evaluate(input: input, context: EvalContext(nowNs: 0))
                #expect(got == want, "\(rule)")
            }
            // A second evaluation with the same evaluator (pooled) sees its own input.
            let other = try q.evaluate(input: ["tool": ["name": "b"]], context: EvalContext(nowNs: 0))
            if rule == "name" { #expect(other == "b") }
        }
    }

    @Test func oneMemoSlotPerDistinctPath() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        var ids: [[Value]: Int] = [:]
        func collect(_ t: PTerm) {
            switch t {
            case .inputRef(let r):
                if let id = ids[r.keys] { #expect(id == r.id, "\(r.keys)") }
                ids[r.keys] = r.id
                #expect(r.id >= 0)
            case .ref(let h, let path): collect(h); path.forEach(collect)
            case .array(let xs): xs.forEach(collect)
            case .call(let c): c.args.forEach(collect)
            default: break
            }
        }
        for name in ["name", "twice", "first_arg", "second_arg", "keyed", "called"] {
            for r in p.plan.node(at: ["t", name])?.rules ?? [] {
                if let v = r.value { collect(v) }
                for e in r.body {
                    if case .unify(let a, let b) = e.kind { collect(a); collect(b) }
                }
            }
        }
        #expect(ids[["tool", "name"]] != nil)
        #expect(ids[["args", 0]] != nil && ids[["args", 1]] != nil)
        #expect(Set(ids.values).count == ids.count)
    }
}
