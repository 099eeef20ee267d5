import Testing
@testable import Engine

/// `PreparedQuery.evaluate(input:nowNs:limits:)` evaluates in the pooled evaluator's own
/// context, reset per evaluation: every evaluation must see exactly what a fresh
/// `EvalContext(nowNs:)` would give it, whatever the evaluator ran before.
@Suite struct ReusedContextTests {
    static let source = """
        package t

        now := time.now_ns()
        same_now if time.now_ns() == now
        pair := [rand.intn("k", 1000000000), rand.intn("k", 1000000000)]
        printed if print("hello")
        bad := to_number("x")
        prefix := [startswith("/prod/a", "/prod/"), startswith("/pro", "/prod/"), startswith("abc", ""),
                   endswith("a long path beyond fifteen bytes", "fifteen bytes"), endswith("x\\u00e9", "\\u00e9"),
                   startswith("a long path beyond fifteen bytes", "a long path beyond fifteen bytes!")]
        """

    func policy() throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
    }

    @Test func timeIsPerEvaluationAndConstantWithinOne() throws {
        let q = try policy().prepare(path: ["t"])
        for now: Int64 in [1_700_000_000_000_000_000, 42, 1_700_000_000_000_000_001] {
            let doc = try #require(try q.evaluate(input: nil, nowNs: now))
            #expect(doc["now"] == .int(Int(now)))
            #expect(doc["same_now"] == .true)
        }
    }

    @Test func memoisedValuesDoNotOutliveTheirEvaluation() throws {
        let q = try policy().prepare(path: ["t", "pair"])
        var seen = Set<Value>()
        for i in 0..<6 {
            let pair = try #require(try q.evaluate(input: nil, nowNs: Int64(i))?.arrayValue)
            #expect(pair.count == 2)
            #expect(pair[0] == pair[1])  // stable within one evaluation
            seen.insert(pair[0])
        }
        // A memo kept across evaluations would repeat the first draw six times (chance of six
        // equal fresh draws from 10^9: negligible).
        #expect(seen.count > 1)
    }

    @Test func callerContextSettingsDoNotLeakIntoTheReusedOne() throws {
        let p = try policy()
        let printed = p.prepare(path: ["t", "printed"]), bad = p.prepare(path: ["t", "bad"])
        var lines: [String] = []
        // The pooled evaluator serves a caller's context in between (print sink, strict errors).
        _ = try printed.evaluate(input: nil, nowNs: 1)
        let strict = EvalContext(nowNs: 2, strictBuiltinErrors: true) { lines.append($0) }
        #expect(try printed.evaluate(input: nil, context: strict) == .true)
        #expect(throws: EngineError.self) { try bad.evaluate(input: nil, context: strict) }
        #expect(lines.count == 1)
        // Back in the engine's own context: no sink, not strict.
        #expect(try printed.evaluate(input: nil, nowNs: 3) == .true)
        #expect(try bad.evaluate(input: nil, nowNs: 3) == nil)
        #expect(lines.count == 1)
    }

    @Test func stopSignalIsRecognised() throws {
        #expect(Evaluator.errorIsOneWord, "error existential: \(MemoryLayout<any Error>.size) bytes")
        #expect(Evaluator.isStop(Evaluator.stop))
        // The preallocated signal is recognised by identity, also after a throw and catch.
        do { throw Evaluator.stop } catch { #expect(Evaluator.isStopBox(error)) }
        #expect(!Evaluator.isStopBox(StopIteration()))
        #expect(!Evaluator.isStopBox(EngineError(.evalInternalError, "x")))
        #expect(Evaluator.isStop(StopIteration()))
        #expect(!Evaluator.isStop(EngineError(.evalInternalError, "x")))
    }

    @Test func bytePrefixAndSuffix() throws {
        let q = try policy().prepare(path: ["t", "prefix"])
        #expect(try q.evaluate(input: nil, nowNs: 0) == [true, false, true, true, true, false])
    }

    @Test func sameAnswersAsAFreshContext() throws {
        let q = try policy().prepare(path: ["t"])
        for now: Int64 in [5, 6] {
            var fresh = try #require(try q.evaluate(input: nil, context: EvalContext(nowNs: now))?.objectValue)
            var reused = try #require(try q.evaluate(input: nil, nowNs: now)?.objectValue)
            fresh = fresh.removing("pair")  // random by design
            reused = reused.removing("pair")
            #expect(Value.object(fresh) == .object(reused))
        }
    }
}
