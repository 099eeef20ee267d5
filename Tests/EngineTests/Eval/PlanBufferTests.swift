import Testing
@testable import Engine

/// The plan buffers the evaluator's rule loops read (`DataNode.ruleBuffer`, the rule index's
/// candidate lists) must hold exactly the lists they copy, and the pooled evaluators must
/// serve every evaluation, however many run at once.
@Suite struct PlanBufferTests {
    static let src = """
        package t
        import rego.v1

        allow if input.kind == "a"
        allow if input.kind == "b"
        allow if input.admin
        tags contains "x" if input.kind == "a"
        tags contains "y" if input.kind in {"b", "c"}
        tags contains "z" if input.z
        """

    @Test func nodeBufferFollowsRules() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.src)])
        for path in [["t", "allow"], ["t", "tags"]] {
            let n = try #require(p.plan.node(at: path))
            #expect(n.ruleBuffer.count == n.rules.count)
            #expect(zip(n.ruleBuffer, n.rules).allSatisfy { $0 === $1 })
        }
        // Changed after the plan is built: the buffer follows.
        let n = try #require(p.plan.node(at: ["t", "allow"]))
        let old = n.rules
        n.rules = Array(old.suffix(1))
        #expect(n.ruleBuffer.count == 1 && n.ruleBuffer[0] === old[2])
        n.rules = old
        #expect(n.ruleBuffer.count == 3 && zip(n.ruleBuffer, old).allSatisfy { $0 === $1 })
    }

    /// `PRule.constantValue` is the rule's value term when that is a constant, and follows it.
    @Test func constantValueFollowsTheValueTerm() throws {
        let src = """
            package c
            import rego.v1

            decision := "deny" if input.x
            decision := sprintf("%v", [input.y]) if input.y
            """
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "c.rego", source: src)])
        let n = try #require(p.plan.node(at: ["c", "decision"]))
        #expect(n.rules.count == 2)
        #expect(n.rules[0].constantValue == .string("deny"))
        #expect(n.rules[1].constantValue == nil)
        let r = n.rules[0]
        let old = r.value
        r.value = .const(.int(7))
        #expect(r.constantValue == .int(7))
        r.value = nil
        #expect(r.constantValue == nil)
        r.value = old
        let q = p.prepare(path: ["c", "decision"])
        #expect(try q.evaluate(input: ["x": true], nowNs: 0) == .string("deny"))
        #expect(try q.evaluate(input: ["y": 3], nowNs: 0) == .string("3"))
        #expect(try q.evaluate(input: ["z": 1], nowNs: 0) == nil)
    }

    @Test func indexCandidatesAreTheBuckets() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.src)])
        let n = try #require(p.plan.node(at: ["t", "tags"]))
        let idx = try #require(n.index)
        for (i, c) in idx.constants.enumerated() {
            let got = idx.candidates(["kind": c])
            #expect(got.count == idx.buckets[i].count && zip(got, idx.buckets[i]).allSatisfy { $0 === $1 })
        }
        for input: Value? in [nil, ["kind": "q"], ["other": 1]] {
            let got = idx.candidates(input)
            #expect(got.count == idx.unindexed.count && zip(got, idx.unindexed).allSatisfy { $0 === $1 })
        }
        let q = p.prepare(path: ["t"])
        let doc = try #require(try q.evaluate(input: ["kind": "b"], nowNs: 0))
        #expect(doc["allow"] == .true)
        #expect(doc["tags"] == .set(SetValue(["y"])))
    }

    /// Evaluations on several threads at once take evaluators from the slot and the list (and
    /// make fresh ones); each answer is its own input's.
    @Test func pooledEvaluatorsUnderConcurrency() async throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.src)])
        let q = p.prepare(path: ["t", "tags"])
        let kinds: [String] = ["a", "b", "c", "d"]
        let want: [String: Value] = ["a": .set(SetValue(["x"])), "b": .set(SetValue(["y"])),
                                     "c": .set(SetValue(["y"])), "d": .set(SetValue([]))]
        let bad = await withTaskGroup(of: Int.self) { g in
            for t in 0..<8 {
                g.addTask {
                    var bad = 0
                    for i in 0..<2000 {
                        let k = kinds[(i + t) % kinds.count]
                        let got = try? q.evaluate(input: ["kind": .string(k)], nowNs: 0)
                        if got != want[k] { bad += 1 }
                    }
                    return bad
                }
            }
            return await g.reduce(0, +)
        }
        #expect(bad == 0)
    }
}
