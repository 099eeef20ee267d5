import Testing
@testable import Engine

/// `PRule.straightBody` (the buffer the evaluator's straight-line pass reads) must hold exactly
/// the rule's `body` after every compiler pass that rewrites it.
@Suite struct RuleBodyBufferTests {
    @Test func bufferFollowsTheBody() throws {
        let src = """
            package t
            import rego.v1

            default allow := false
            allow if { input.a == 1; x := input.b; x > 2 }
            allow if input.c
            tags contains t if { some t in input.tags; startswith(t, "x") }
            f(x) := y if { y := x + 1 }
            """
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: src)])
        var rules: [PRule] = []
        for path in [["t", "allow"], ["t", "tags"], ["t", "f"]] {
            let n = try #require(p.plan.node(at: path))
            rules += n.rules
            if let d = n.defaultRule { rules.append(d) }
        }
        #expect(rules.count == 5)
        for r in rules {
            #expect(r.straightBody.count == r.body.count)
            #expect(zip(r.straightBody, r.body).allSatisfy { $0 === $1 })
        }
        // Reassigned (as compiler passes do): the buffer follows.
        let r = rules[0]
        let old = r.body
        r.body = Array(old.prefix(1))
        #expect(r.straightBody.count == 1 && r.straightBody[0] === old[0])
        r.body = []
        #expect(r.straightBody.isEmpty)
        r.body = old
        #expect(zip(r.straightBody, old).allSatisfy { $0 === $1 } && r.straightBody.count == old.count)
        // Answers through the buffer.
        let q = p.prepare(path: ["t"])
        let doc = try #require(try q.evaluate(input: ["a": 1, "b": 3, "tags": ["xa", "b"]], nowNs: 0))
        #expect(doc["allow"] == .true)
        #expect(doc["tags"] == .set(SetValue(["xa"])))
    }
}
