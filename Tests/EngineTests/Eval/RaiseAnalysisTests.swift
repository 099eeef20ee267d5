import Testing
@testable import Engine

/// RaiseAnalysis decides where ClausePrune puts a clause's checks: only where something that
/// may raise runs before a read. The errors OPA raises (and the clauses it skips) are pinned by
/// the `raise analysis:` cases in fuzz-regressions.json; these pin which clauses need no check.
@Suite struct RaiseAnalysisTests {
    static let source = """
        package t

        sensitive := {"shell.exec", "db.drop"}
        patterns := [`^a`, `^b`]
        is_sensitive if input.tool in sensitive
        quiet(x) if { x == 1 }
        g(x) := x / 0
        boom if { g(1) }
        c := x if { some x in [1, 2] }
        one := x if { x := input.n }
        a1 contains m if { is_sensitive; m := concat(" ", [input.tool, input.id]) }
        a2 contains m if { some p in patterns; regex.match(p, input.tool); m := p }
        a3 contains m if { quiet(1); m := input.id }
        a4 contains m if { boom; m := input.id }
        a5 contains m if { c; m := input.id }
        a6 contains m if { one; m := input.id }
        a7 contains m if { not boom; m := input.id }
        a8 contains m if { [x | x := g(1)]; m := input.id }
        """

    static func rule(_ p: CompiledPolicy, _ name: String) throws -> (rule: PRule, guarded: PRule?) {
        let n = try #require(p.plan.node(at: ["t", name]))
        #expect(n.rules.count == 1)
        return (n.rules[0], n.guardedRules?[0])
    }

    @Test func checksOnlyWhereSomethingMayRaise() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        // Rules and functions that cannot raise: the body stays as written; the copy run while
        // a `with` replaces a function has the check.
        for (name, checks) in [("a1", 2), ("a3", 1), ("a6", 1)] {
            let (r, g) = try Self.rule(p, name)
            #expect(r.body.count == 2, "\(name)")
            #expect((g?.body.count ?? 0) == 2 + checks, "\(name)")
        }
        // `some p in patterns` cannot raise, and regex.match reads input.tool itself.
        let (a2, g2) = try Self.rule(p, "a2")
        #expect(a2.body.count == 3)
        #expect(g2?.body.count == 4)
        // A rule calling a raising function, a conflict, `not` of a raising rule and a
        // comprehension whose body raises: input.id is read first.
        for name in ["a4", "a5", "a7", "a8"] {
            let (r, g) = try Self.rule(p, name)
            #expect(r.body.count == 3, "\(name)")
            #expect(g == nil, "\(name)")
        }
    }

    @Test func replacedFunctionsRaiseWhereOPARaises() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
        let ctx = EvalContext(strictBuiltinErrors: true)
        // `quiet` replaced by the raising `g`: skipped without input.id, raises with it.
        let q = "x := data.t.a3 with data.t.quiet as data.t.g"
        let none = try p.query(q, input: .object(ObjectValue()), context: ctx)
        #expect(none.rows.count == 1 && none.rows[0].bindings.first?.1 == .set(SetValue()))
        #expect(throws: EngineErrors.self) { try p.query(q, input: ["id": "u"], context: ctx) }
        // Without the replacement it does not raise.
        let plain = try p.query("x := data.t.a3", input: ["id": "u"], context: ctx)
        #expect(plain.rows.first?.bindings.first?.1 == .set(SetValue([.string("u")])))
    }
}
