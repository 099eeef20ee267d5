import Testing
@testable import Engine

/// Rule indexing: evaluation with the index must give exactly the answers of scanning every
/// rule, and must actually skip rules whose tested constant does not match.
@Suite struct RuleIndexTests {
    static let source = """
        package t

        default kind := "none"
        kind := "a" if input.x == "a"
        kind := "b" if { "b" == input.x }
        kind := "one" if input.x == 1
        kind := "many" if input.x in {"m1", "m2"}
        kind := "list" if input.x in ["l1", "l2"]
        kind := "obj" if input.x = {"k": [1, 2]}
        kind := "deep" if input.y.z == "deep"
        kind := "else" if { input.x == "e" } else := "else2" if { input.x == "e2" }

        tags contains "a" if input.x == "a"
        tags contains "n" if input.x == 1.0
        tags contains "w" if input.w
        tags contains "not-a" if { not input.x == "a"; input.x }
        tags contains sprintf("lookup-%v", [v]) if { input.x == "a"; some v in input.vs }

        obj[k] := 1 if { input.x == "a"; k := "ka" }
        obj[k] := 2 if { k := "kb"; input.x == 1 }
        obj.fixed := 3 if input.x == "a"

        via_with := v if { v := kind with input as {"x": "b"} }
        via_with_path := v if { v := kind with input.x as "m2" }
        """

    static let inputs: [Value?] = [
        nil, .emptyObject, "a", ["x": "a"], ["x": "b"], ["x": 1], ["x": 1.0], ["x": .double(1.5)],
        ["x": "m1"], ["x": "m2"], ["x": "l2"], ["x": ["k": [1, 2]]], ["x": ["k": [1, 2.0]]],
        ["x": "zz"], ["y": ["z": "deep"]], ["x": "a", "y": ["z": "deep"]], ["x": ["a"]],
        ["x": "a", "w": true, "vs": [1, 2]], ["x": "e"], ["x": "e2"], ["x": .null], ["x": false],
        ["x": .set(SetValue(["a"]))], ["y": "deep"],
    ]

    static let paths: [[String]] = [
        ["t", "kind"], ["t", "tags"], ["t", "obj"], ["t", "via_with"], ["t", "via_with_path"], ["t"],
    ]

    func policy() throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
    }

    /// Evaluates `path` on a fresh evaluator, with or without the index: the answer (or the
    /// error's text) and the number of rule bodies entered.
    func run(_ p: CompiledPolicy, _ path: [String], _ input: Value?, indexed: Bool) -> (String, Int) {
        let ev = Evaluator(plan: p.plan, input: input, context: EvalContext(nowNs: 0), limits: .default)
        ev.useRuleIndex = indexed
        let term = PlanBuilder.dataRef(p.plan.root, path, [])
        var result: Value?
        do {
            try ev.evalTerm(term) { v in if result == nil { result = v } }
        } catch {
            return ("error: \(error)", ev.rulesRun)
        }
        return (result.map { "\($0)" } ?? "undefined", ev.rulesRun)
    }

    @Test func indexesAreBuilt() throws {
        let p = try policy()
        let kind = try #require(p.plan.node(at: ["t", "kind"])?.index)
        #expect(kind.path == ["x"])
        // `input.y.z` tests a different ref, the else rule must always run, and an object
        // constant is not indexed (as in OPA, whose index files scalars and arrays of scalars).
        #expect(kind.unindexed.count == 3)
        #expect(p.plan.node(at: ["t", "tags"])?.index != nil)
        #expect(p.plan.node(at: ["t", "obj"])?.index != nil)
        #expect(p.plan.node(at: ["t", "via_with"])?.index == nil)
    }

    @Test func indexedAndScanningAgree() throws {
        let p = try policy()
        for input in Self.inputs {
            for path in Self.paths {
                let indexed = run(p, path, input, indexed: true)
                let scanned = run(p, path, input, indexed: false)
                #expect(indexed.0 == scanned.0, "\(path) on \(input.map { "\($0)" } ?? "no input")")
                #expect(indexed.1 <= scanned.1)
            }
        }
    }

    @Test func answersMatchRegoSemantics() throws {
        let p = try policy()
        func kind(_ input: Value?) -> String { run(p, ["t", "kind"], input, indexed: true).0 }
        #expect(kind(["x": "a"]) == "\"a\"")
        #expect(kind(["x": 1.0]) == "\"one\"")  // 1 == 1.0 in Rego
        #expect(kind(["x": ["k": [1, 2.0]]]) == "\"obj\"")
        #expect(kind(["x": "m2"]) == "\"many\"")
        #expect(kind(["x": "l1"]) == "\"list\"")
        #expect(kind(["x": "e2"]) == "\"else2\"")
        #expect(kind(["y": ["z": "deep"]]) == "\"deep\"")
        #expect(kind(["x": "zz"]) == "\"none\"")
        #expect(kind(nil) == "\"none\"")
        #expect(kind("a") == "\"none\"")
        #expect(kind(["x": "a", "y": ["z": "deep"]]).hasPrefix("error:"))
        #expect(run(p, ["t", "tags"], ["x": 1], indexed: true).0 == "{\"n\", \"not-a\"}")
        #expect(run(p, ["t", "tags"], ["x": "a", "vs": [1, 2]], indexed: true).0 == "{\"a\", \"lookup-1\", \"lookup-2\"}")
        #expect(run(p, ["t", "obj"], ["x": "a"], indexed: true).0 == "{\"fixed\": 3, \"ka\": 1}")
    }

    @Test func withOverridesUseTheOverriddenInput() throws {
        let p = try policy()
        for input: Value? in [nil, ["x": "a"], ["x": "m2"]] {
            #expect(run(p, ["t", "via_with"], input, indexed: true).0 == "\"b\"")
            #expect(run(p, ["t", "via_with_path"], input, indexed: true).0 == "\"many\"")
        }
        let q = try p.query("x := data.t.kind with input as {\"x\": 1.0}", input: ["x": "a"], context: EvalContext())
        #expect(q.rows.first?.bindings.first?.1 == "one")
    }

    @Test func indexSkipsRulesThatCannotMatch() throws {
        var src = "package s\n"
        for i in 0..<20 { src += "r contains \(i) if input.x == \"v\(i)\"\n" }
        src += "r contains \"always\" if input.x\n"
        for i in 0..<20 { src += "c := \(i) if input.k.j == \(i)\n" }
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "s.rego", source: src)])
        let hit = run(p, ["s", "r"], ["x": "v7"], indexed: true)
        #expect(hit.0 == "{7, \"always\"}")
        #expect(hit.1 == 2)
        #expect(run(p, ["s", "r"], ["x": "v7"], indexed: false).1 == 21)
        #expect(run(p, ["s", "r"], ["x": "nope"], indexed: true).1 == 1)
        #expect(run(p, ["s", "r"], ["y": 1], indexed: true).1 == 1)
        let c = run(p, ["s", "c"], ["k": ["j": 13.0]], indexed: true)
        #expect(c.0 == "13")
        #expect(c.1 == 1)
        #expect(run(p, ["s", "c"], ["k": ["j": "13"]], indexed: true).1 == 0)
        // Through the public API (pooled evaluators) the answers are the same.
        #expect(try p.evaluate(path: ["s", "c"], input: ["k": ["j": 4]], context: EvalContext()) == 4)
        #expect(try p.prepare(path: ["s", "r"]).evaluate(input: ["x": "v3"], context: EvalContext()) == .set(SetValue([3, "always"])))
    }
}
