import Testing
@testable import Engine

/// Language corners settled against OPA: zero-argument "functions", mocks inside mocks,
/// refused builtins as test doubles, base vs virtual documents, computed function parameters,
/// multi-value ref heads, and query expression texts.
@Suite struct LanguageSemanticsTests {
    func policy(_ src: String, data: Value = .emptyObject, version: RegoVersion = .v1) throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: src, regoVersion: version)], data: data)
    }

    func eval(_ p: CompiledPolicy, _ path: String, input: Value? = nil, strict: Bool = false) throws -> Value? {
        try p.evaluate(path: path.split(separator: ".").map(String.init), input: input,
                       context: EvalContext(strictBuiltinErrors: strict))
    }

    @Test func zeroArgumentHeadIsACompleteRule() throws {
        let p = try policy("package t\nf() := 1\np if { q with time.now_ns as f }\nq if time.now_ns() == 1")
        #expect(try eval(p, "t") == ["f": 1, "p": true])
        #expect(throws: EngineErrors.self) { try policy("package t\nf() := 1\nh := f()") }
    }

    @Test func noMockAppliesInsideAMock() throws {
        // With count mocked, g's own count call is still the real count.
        let p = try policy("""
            package t
            f(x) := 100
            g(x) := count(x)
            p := y if { y := q with count as f }
            q := y if { y := object.union_n([{}, {}]) with object.union_n as g }
            """)
        #expect(try eval(p, "t.p") == 2)
    }

    @Test func refusedBuiltinCanBeMocked() throws {
        let p = try policy("""
            package t
            mock(req) := {"body": {"ok": req.x}}
            allow if { http.send({"x": true}).body.ok }
            test_allow if { allow with http.send as mock }
            """)
        #expect(try eval(p, "t.test_allow") == true)
        #expect(throws: EngineErrors.self) { try policy("package t\nallow if http.send({}).body.ok") }
    }

    @Test func baseDataWinsInThePackageDocument() throws {
        let p = try policy("package t.c\nk := \"bar\"", data: ["t": ["c": ["k": "foo"]]])
        #expect(try eval(p, "t.c") == ["k": "foo"])
    }

    @Test func numberKeysFindStringKeysInBaseData() throws {
        let p = try policy("package t\np := data.nested[2]\nq := o[2] if o := data.nested", data: ["nested": ["2": "bar"]])
        #expect(try eval(p, "t.p") == "bar")
        #expect(try eval(p, "t.q") == nil)  // a value lookup, not a data path
    }

    @Test func computedFunctionParameter() throws {
        let p = try policy("package t\np := f(\"foo bar\")\nf($\"{x} {input.y}\") := 42 if x = \"foo\"")
        #expect(try eval(p, "t.p", input: ["y": "bar"]) == 42)
        #expect(try eval(p, "t.p", input: ["y": "baz"]) == nil)
    }

    @Test func multiValueRefHeadsUniteAndValuesDoNotMerge() throws {
        let sets = try policy("""
            package t
            p[q].r contains s if { some q in ["a", "b"]; some s in ["a", "b"]; q != s }
            p.b.r contains "foo"
            """)
        #expect(try eval(sets, "t.p") == ["a": ["r": .set(SetValue(["b"]))], "b": ["r": .set(SetValue(["a", "foo"]))]])
        let deep = try policy("package t\np[q].r := v if { q := \"q\"; v := {\"s\": {\"t\": 1}} }\np.q.r.s.u := 42")
        #expect(throws: EngineError.self) { try eval(deep, "t.p") }
    }

    @Test func rangeStepMessageMatchesOPA() throws {
        let p = try policy("package t\np := numbers.range_step(0, 10, -2)")
        #expect { try eval(p, "t.p", strict: true) } throws: { e in
            (e as? EngineError)?.message == "numbers.range_step: numbers.range_step: step must be a positive integer"
        }
    }

    @Test func queryExpressionTexts() throws {
        let p = try policy("package t")
        let r = try p.query("x := 1;  y := [1,\n2]", input: nil, context: EvalContext())
        #expect(r.expressionTexts.map(\.text) == ["x := 1", "y := [1,\n2]"])
        #expect(r.expressionTexts.map(\.location.col) == [1, 10])
    }
}
