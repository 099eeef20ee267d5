import Testing
@testable import Engine

/// Ad-hoc query semantics checked against `opa eval` (answers recorded with the OPA oracle).
@Suite struct QueryExpressionTests {
    func policy() throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: "package p\na := input.x", regoVersion: .v1)],
                                   data: .emptyObject)
    }

    func errors(_ q: String) -> [EngineError] {
        do { _ = try policy().query(q, input: nil, context: EvalContext()); return [] } catch let e as EngineErrors {
            return e.errors
        } catch { return [] }
    }

    func values(_ q: String, input: Value? = nil) throws -> [[Value]] {
        try policy().query(q, input: input, context: EvalContext()).rows.map(\.expressions)
    }

    @Test func termWithModifiersReportsItsValue() throws {
        // OPA: 3 (the value under `with`), not true.
        #expect(try values("data.p.a with input.x as 3") == [[3]])
        #expect(try values("data.p.a with input.x as 3; true") == [[3, true]])
        // A lone expression reports false; among several, false fails the row.
        #expect(try values("data.p.a with input.x as false") == [[false]])
        #expect(try values("data.p.a with input.x as false; y := 1").isEmpty)
        #expect(try values("data.p.a", input: ["x": false]) == [[false]])
        #expect(try values("false") == [[false]])
    }

    @Test func builtinCallsInQueriesAreChecked() throws {
        // Was a crash (missing operand); OPA: sprintf: arity mismatch.
        let arity = errors("x := sprintf(\"a\")")
        #expect(arity.first?.code == .typeError)
        #expect(arity.first?.message.hasPrefix("sprintf: arity mismatch") == true)
        // OPA lists only the arguments (no result) under `want` for arity mismatches.
        #expect(errors("x := time.now_ns(1)").first?.message == "time.now_ns: arity mismatch\n\thave: (number, ???)\n\twant: ()")
        #expect(errors("x := union({1})").first?.message.hasPrefix("union: invalid argument(s)") == true)
        // OPA checks safety before types: `[x | count(1)]` is `var x is unsafe`, not a type error.
        #expect(errors("[x | count(1)]").map(\.message) == ["var x is unsafe"])
        #expect(errors("y := count(1); z").first?.message == "var z is unsafe")
    }
    @Test func callsWithoutOutputReportTheirValue() throws {
        // OPA captures a call's value: 3, not true; false is reported for a lone expression
        // without iteration, and fails the row among several expressions or when iterating.
        #expect(try values("count([1, 2, 3])") == [[3]])
        #expect(try values("count([1, 2, 3]); true") == [[3, true]])
        #expect(try values("1 > 2") == [[false]])
        #expect(try values("data.p.a == 1", input: ["x": 2]) == [[false]])
        #expect(try values("1 > 2; y := 1").isEmpty)
        #expect(try values("[1, 5][_] > 2") == [[true]])
        // Undefined arguments still leave the query undefined; an output argument binds as before.
        #expect(try values("startswith(input.s, \"a\")").isEmpty)
        #expect(try values("plus(1, 2, z)") == [[true]])
        #expect(try values("not 1 > 2") == [[true]])
        // The captured value's variable is `_` in errors, after the written ones.
        #expect(errors("count(x)").map(\.message) == ["var x is unsafe", "var _ is unsafe"])
    }
}
