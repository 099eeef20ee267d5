import Testing
@testable import Engine

/// Core evaluation semantics through the public API.
@Suite struct EvaluatorTests {
    func policy(_ src: String, data: Value = .emptyObject, version: RegoVersion = .v1) throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: src, regoVersion: version)], data: data)
    }

    func eval(_ p: CompiledPolicy, _ path: String, input: Value? = nil) throws -> Value? {
        try p.evaluate(path: path.split(separator: ".").map(String.init), input: input, context: EvalContext())
    }

    @Test func behavryAuthz() throws {
        let p = try policy("""
            package behavry.authz
            import future.keywords.if
            allow if { input.agent.role == "developer"; input.action.type in {"read","list"} }
            deny if { input.action.type == "write"; startswith(input.resource.path, "/prod/") }
            escalate if { input.action.type == "delete" }
            """)
        let read: Value = ["agent": ["role": "developer"], "action": ["type": "read"]]
        #expect(try eval(p, "behavry.authz", input: read) == ["allow": true])
        let write: Value = ["agent": ["role": "x"], "action": ["type": "write"], "resource": ["path": "/prod/db"]]
        #expect(try eval(p, "behavry.authz", input: write) == ["deny": true])
        #expect(try eval(p, "behavry.authz.allow", input: write) == nil)
    }

    @Test func agentcyConnectorsV0() throws {
        let p = try policy("""
            package agentcy.connectors
            deny[msg] { input.action == "chat.tool.execute"; input.resource.tool_effect in {"write","destructive"}; not input.context.approval_granted; not admin_or_owner(input.subject.role); msg := sprintf("%s requires approval", [input.resource.tool]) }
            admin_or_owner(role) { role == "admin" }
            admin_or_owner(role) { role == "owner" }
            """, version: .v0)
        var input: Value = ["action": "chat.tool.execute", "resource": ["tool_effect": "write", "tool": "rm"],
                            "subject": ["role": "dev"], "context": [:]]
        #expect(try eval(p, "agentcy.connectors.deny", input: input) == .set(SetValue(["rm requires approval"])))
        input = ["action": "chat.tool.execute", "resource": ["tool_effect": "write", "tool": "rm"],
                 "subject": ["role": "owner"], "context": [:]]
        #expect(try eval(p, "agentcy.connectors.deny", input: input) == .emptySet)
    }

    @Test func completeRuleConflict() throws {
        let p = try policy("package t\np := 1 if input.a\np := 2 if input.b")
        #expect(try eval(p, "t.p", input: ["a": true]) == 1)
        #expect(throws: EngineError.self) { try eval(p, "t.p", input: ["a": true, "b": true]) }
    }

    @Test func defaultElseAndUndefined() throws {
        let p = try policy("""
            package t
            default d := "no"
            d := "yes" if input.x > 1
            f(x) := "big" if { x > 10 } else := "small"
            g := f(input.x)
            u if input.missing
            """)
        #expect(try eval(p, "t.d", input: ["x": 0]) == "no")
        #expect(try eval(p, "t.d", input: ["x": 5]) == "yes")
        #expect(try eval(p, "t.g", input: ["x": 50]) == "big")
        #expect(try eval(p, "t.g", input: ["x": 5]) == "small")
        #expect(try eval(p, "t.u", input: ["x": 5]) == nil)
    }

    @Test func baseAndVirtualDocumentsMerge() throws {
        let p = try policy("package a.b\nr := 1", data: ["a": ["b": ["c": 2], "z": 3]])
        #expect(try eval(p, "a") == ["b": ["c": 2, "r": 1], "z": 3])
    }

    @Test func withReplacesInputDataAndFunctions() throws {
        let p = try policy("""
            package t
            f(x) := x + 1
            p := y if y := f(1) with f as 10
            q := v if v := data.cfg.level with data.cfg.level as 7
            r := v if v := input.a with input.a as "w"
            """)
        #expect(try eval(p, "t.p") == 10)
        #expect(try eval(p, "t.q") == 7)
        #expect(try eval(p, "t.r") == "w")
    }

    @Test func unsafeVariableIsACompileError() throws {
        do {
            _ = try policy("package t\np if { x > 1 }")
            Issue.record("expected an unsafe var error")
        } catch let error as EngineErrors {
            #expect(error.errors.first?.code == .unsafeVarError)
            #expect(error.errors.first?.message == "var x is unsafe")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func recursionIsACompileErrorAsInOPA() throws {
        do {
            _ = try policy("package t\nf(n) := 0 if n == 0\nf(n) := f(n - 1) + 1 if n > 0\np := f(input.n)")
            Issue.record("expected a recursion error")
        } catch let error as EngineErrors {
            #expect(error.errors.first?.code == .recursionError)
        }
    }

    @Test func callDepthIsBoundedNotACrash() throws {
        // A chain of 300 rules, each calling the previous one: deep, but not recursive.
        var src = "package t\nr0 := input.x"
        for i in 1..<300 { src += "\nr\(i) := r\(i - 1)" }
        let p = try policy(src)
        #expect(try eval(p, "t.r299", input: ["x": 7]) == 7)
        #expect(throws: EngineError.self) {
            _ = try p.evaluate(path: ["t", "r299"], input: ["x": 7], context: EvalContext(), limits: EvalLimits(maxDepth: 100))
        }
    }

    @Test func stepBudget() throws {
        // Input-dependent, so the compiler cannot fold it into a constant.
        let p = try policy("package t\np := count([x | some x in numbers.range(1, input.n); x > 0])")
        #expect(throws: EngineError.self) {
            _ = try p.evaluate(path: ["t", "p"], input: ["n": 100_000], context: EvalContext(), limits: EvalLimits(maxSteps: 1000))
        }
    }

    @Test func queryBindings() throws {
        let p = try policy("package t\nxs := [1, 2, 3]")
        let r = try p.query("data.t.xs[i] = x; x > 1", input: nil, context: EvalContext())
        #expect(r.rows.count == 2)
        #expect(r.rows.map { $0.bindings.map(\.0) } == [["i", "x"], ["i", "x"]])
    }
}
