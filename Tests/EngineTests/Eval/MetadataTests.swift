import Testing
@testable import Engine

/// `rego.metadata.chain()` / `rego.metadata.rule()` (lowered to per-rule constants) and when
/// `# METADATA` errors are reported.
@Suite struct MetadataTests {
    func compile(_ sources: [String]) throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: sources.enumerated().map { RegoModule(name: "m\($0.offset).rego", source: $0.element) })
    }

    func eval(_ p: CompiledPolicy, _ path: [String]) throws -> Value? {
        try p.evaluate(path: path, input: nil, context: EvalContext())
    }

    @Test func chainOrdersRuleDocumentPackageSubpackages() throws {
        let root = """
            # METADATA
            # scope: subpackages
            # title: root
            package a
            """
        let mod = """
            # METADATA
            # description: pkg
            package a.b

            # METADATA
            # scope: document
            # title: doc
            p := 0 if { false }

            # METADATA
            # title: first
            # METADATA
            # title: second
            p := rego.metadata.chain() if { true }

            q := rego.metadata.chain()
            """
        let p = try compile([root, mod])
        func entry(_ path: [String], _ ann: Value?) -> Value {
            var o: [String: Value] = ["path": .array(path.map(Value.string))]
            if let ann { o["annotations"] = ann }
            return .object(ObjectValue(o))
        }
        let pkg = entry(["a", "b"], ["description": "pkg", "scope": "package"])
        let sub = entry(["a"], ["scope": "subpackages", "title": "root"])
        #expect(try eval(p, ["a", "b", "p"]) == .array([
            entry(["a", "b", "p"], ["scope": "rule", "title": "second"]),
            entry(["a", "b", "p"], ["scope": "rule", "title": "first"]),
            entry(["a", "b", "p"], ["scope": "document", "title": "doc"]),
            pkg, sub,
        ]))
        // A rule without blocks of its own still leads the chain with its path.
        #expect(try eval(p, ["a", "b", "q"]) == .array([entry(["a", "b", "q"], nil), pkg, sub]))
    }

    @Test func ruleIsTheRuleScopedBlockOnly() throws {
        let p = try compile(["""
            package t

            # METADATA
            # title: f
            # entrypoint: true
            f(x) := rego.metadata.rule()
            fr := f(1)

            # METADATA
            # title: g
            g := rego.metadata.rule()

            h := rego.metadata.rule()
            """])
        // `entrypoint: true` without a scope documents the whole rule: not rule-scoped.
        #expect(try eval(p, ["t", "fr"]) == .emptyObject)
        #expect(try eval(p, ["t", "g"]) == ["scope": "rule", "title": "g"])
        #expect(try eval(p, ["t", "h"]) == .emptyObject)
    }

    @Test func metadataErrorsOnlyWhenMetadataIsUsed() throws {
        let misplaced = """
            package t
            # METADATA
            # scope: package
            p := 1
            """
        #expect(try eval(compile([misplaced]), ["t", "p"]) == 1)
        #expect(throws: EngineErrors.self) { try compile([misplaced, "package u\nq := rego.metadata.rule()"]) }
        let twice = ["# METADATA\n# title: a\npackage t", "# METADATA\n# title: b\npackage t\nq := rego.metadata.chain()"]
        #expect(throws: EngineErrors.self) { try compile(twice) }
    }
}
