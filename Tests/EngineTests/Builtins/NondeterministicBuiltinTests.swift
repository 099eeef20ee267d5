import Testing
@testable import Engine

/// rand.intn and uuid.rfc4122 cannot be recorded from the oracle; check their contract:
/// stable within one evaluation (per key), fresh across evaluations, in range, well-formed.
@Suite struct NondeterministicBuiltinTests {
    func call(_ name: String, _ args: [Value], _ ctx: EvalContext) throws -> Value? {
        try BuiltinRegistry.lookup(name)!.implementation(Arguments(args), ctx)
    }

    @Test func randIntnIsInRangeAndStablePerEvaluation() throws {
        let ctx = EvalContext()
        let first = try call("rand.intn", ["k", 1000], ctx)
        for _ in 0..<20 { #expect(try call("rand.intn", ["k", 1000], ctx) == first) }
        guard case .number(let n)? = first, let i = n.exactInt else { Issue.record("not an integer"); return }
        #expect(i >= 0 && i < 1000)
        // Negative bounds use |n|; zero gives 0 (both as OPA).
        for _ in 0..<50 {
            let c = EvalContext()
            guard case .number(let m)? = try call("rand.intn", ["x", -5], c), let j = m.exactInt else { Issue.record("not an integer"); return }
            #expect(j >= 0 && j < 5)
        }
        #expect(try call("rand.intn", ["z", 0], EvalContext()) == 0)
        #expect(BuiltinRegistry.lookup("rand.intn")!.isDeterministic == false)
    }

    @Test func randIntnDiffersAcrossEvaluations() throws {
        var seen = Set<Value>()
        for _ in 0..<30 { if let v = try call("rand.intn", ["k", 1_000_000_000], EvalContext()) { seen.insert(v) } }
        #expect(seen.count > 1)
    }

    @Test func uuidIsVersion4StablePerKeyAndParses() throws {
        let ctx = EvalContext()
        let a = try call("uuid.rfc4122", ["a"], ctx)
        #expect(try call("uuid.rfc4122", ["a"], ctx) == a)
        #expect(try call("uuid.rfc4122", ["b"], ctx) != a)
        guard case .string(let s)? = a else { Issue.record("not a string"); return }
        #expect(s.utf8.count == 36)
        let parsed = try call("uuid.parse", [.string(s)], ctx)
        #expect(parsed?["version"] == 4)
        #expect(parsed?["variant"] == "RFC4122")
        #expect(try call("uuid.rfc4122", ["a"], EvalContext()) != a)
    }

    @Test func typeErrorsUseOPAWording() throws {
        #expect(throws: BuiltinError.self) { try call("rand.intn", [1, 2], EvalContext()) }
        // OPA checks uuid.rfc4122's key type only at compile time: at run time (`input.x`) any
        // value keys a UUID.
        #expect(try call("uuid.rfc4122", [1], EvalContext())?.stringValue?.count == 36)
    }
}
