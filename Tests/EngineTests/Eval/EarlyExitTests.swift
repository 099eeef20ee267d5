import Testing
@testable import Engine

/// OPA's early exit: a complete rule set (or function) whose rules all have one and the same
/// constant value stops at its first value, so a later solution or rule that would raise an
/// error is never evaluated. Rule sets with different values evaluate every solution (a
/// conflict is an error). Functions also stop inside a body whose value is constant. Partial
/// set rules collect every element. Expected answers are OPA's (`opa_eval.py` on this policy).
@Suite struct EarlyExitTests {
    static let source = #"""
        package t

        f(x) := 1 if x == 2
        f(x) := 2 if x == 2
        f(x) := true if x == 1

        within if { some x in [1, 2]; f(x) }
        across if true
        across if { f(2) }
        vals := "a" if true
        vals := "a" if { f(2) }
        withelse if false
        else := true if true
        withelse if { f(2) }
        objs := {"a": 1} if true
        objs := {"a": 1} if { f(2) }
        rev if { some x in [2, 1]; f(x) }
        errfirst if { f(2) }
        errfirst if true
        diff := "a" if true
        diff := "b" if { false }
        diff := "a" if { f(2) }
        varval := x if { some x in [1, 1, 2]; x < 2 }
        varval2 := x if { some x in [1, 2]; f(x); x == 1 }
        defaulted if { some x in [1, 2]; f(x) }
        default defaulted := false
        e1 := 1 if false
        else := 2
        e1 := 2 if { f(2) }
        e2 := 1 if false
        else := 1
        e2 := 1 if { f(2) }
        e3 := 1 if true
        else := 2
        e3 := 1 if { f(2) }
        s contains "a" if { some x in [1, 2]; f(x) }
        o["k"] := 1 if { some x in [1, 2]; f(x) }
        n := 1 if { some x in [1, 2]; f(x) }
        n2 := 1 if { some x in [1, 2]; f(x) }
        n2 := 2 if false

        g(y) := true if { some x in [1, 2]; f(x) }
        h2(y) := true if { some x in [1, 2]; f(x) }
        h2(y) := true if { y == 5 }
        h3(y) := true if { some x in [1, 2]; f(x) }
        h3(y) := false if { y == 5 }
        h4(y) := true if { some x in [1, 2]; f(x) }
        h4(y) := true if { f(2) }
        callg if g(1)
        c2 if h2(1)
        c3 if h3(1)
        c4 if h4(1)

        # Partial sets: every rule, every solution (straight bodies without continuations).
        deny contains msg if { input.a > 1; msg := sprintf("a=%d", [input.a]) }
        deny contains msg if { some k, _ in input.m; msg := concat(":", ["m", k]) }
        deny contains "const" if { some x in [1, 2, 3]; x > 1 }
        deny contains input.missing if true
        deny contains [x, y] if { x := input.a; y := x + 1 }
        """#

    static let values: [(String, Value)] = [
        ("within", true), ("across", true), ("vals", "a"), ("withelse", true), ("objs", ["a": 1]),
        ("varval", 1), ("defaulted", true), ("e2", 1), ("o", ["k": 1]), ("n", 1),
        ("callg", true), ("c2", true), ("c3", true), ("c4", true),
        ("deny", .set(SetValue(["a=2", "m:p", "m:q", "const", [2, 3]]))),
    ]

    static let conflicts = ["rev", "errfirst", "diff", "varval2", "e1", "e3", "s", "n2"]

    @Test func answersMatchOPA() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        let input: Value = ["a": 2, "m": ["q": 1, "p": 0]]
        for (rule, want) in Self.values {
            let got = try p.evaluate(path: ["t", rule], input: input, context: EvalContext(nowNs: 0))
            #expect(got == want, "\(rule)")
        }
        for rule in Self.conflicts {
            do {
                let got = try p.evaluate(path: ["t", rule], input: input, context: EvalContext(nowNs: 0))
                Issue.record("\(rule): expected a conflict error, got \(String(describing: got))")
            } catch {
                // `evaluate` throws only `EngineError` (typed throws).
                #expect(error.code == .evalConflictError, "\(rule)")
            }
        }
    }

    @Test func earlyExitOnlyForOneConstantValue() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        for name in ["within", "across", "vals", "withelse", "objs", "e2", "n", "g", "h2", "h4", "defaulted"] {
            #expect(p.plan.node(at: ["t", name])?.earlyExit == true, "\(name)")
        }
        for name in ["diff", "varval", "e1", "e3", "n2", "h3", "f", "s", "deny"] {
            #expect(p.plan.node(at: ["t", name])?.earlyExit == false, "\(name)")
        }
    }
}
