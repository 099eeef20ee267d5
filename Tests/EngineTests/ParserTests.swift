import Testing
@testable import Engine

@Suite struct ParserTests {
    static let behavry = """
    package behavry.authz
    import future.keywords.if
    allow if {
      input.agent.role == "developer"
      input.action.type in {"read", "list"}
    }
    deny if {
      input.action.type == "write"
      startswith(input.resource.path, "/prod/")
    }
    escalate if { input.action.type == "delete" }
    """

    static let agentcy = """
    package agentcy.connectors
    deny[msg] {
      input.action == "chat.tool.execute"
      input.resource.tool_effect in {"write","destructive"}
      not input.context.approval_granted
      not admin_or_owner(input.subject.role)
      msg := sprintf("%s requires approval", [input.resource.tool])
    }
    admin_or_owner(role) { role == "admin" }
    admin_or_owner(role) { role == "owner" }
    """

    @Test func parsesBehavryPolicy() throws {
        let m = try Parser.parseModule(name: "b.rego", source: Self.behavry)
        #expect(m.package.segments == ["behavry", "authz"])
        #expect(m.rules.map(\.name) == ["allow", "deny", "escalate"])
        #expect(m.rules.allSatisfy { $0.kind == .complete && $0.head.valueGenerated })
        guard case .call(let c) = m.rules[0].body[1].kind else { Issue.record("expected call"); return }
        #expect(c.name == "internal.member_2")
        guard case .set(let items) = c.args[1].value else { Issue.record("expected set"); return }
        #expect(items.count == 2)
        guard case .call(let s) = m.rules[1].body[1].kind else { Issue.record("expected call"); return }
        #expect(s.name == "startswith" && s.args.count == 2)
        #expect(m.rules[2].body.count == 1)
        #expect(m.warnings.isEmpty)
    }

    @Test func parsesAgentcyPolicyInV0WithInWarning() throws {
        let m = try Parser.parseModule(name: "a.rego", source: Self.agentcy, version: .v0)
        #expect(m.rules.count == 3)
        let deny = m.rules[0]
        #expect(deny.kind == .partialSet)
        #expect(deny.head.key?.variableName == "msg")
        #expect(deny.body.count == 5)
        #expect(deny.body[2].negated && deny.body[3].negated)
        #expect(m.rules[1].kind == .function && m.rules[1].head.args?.count == 1)
        #expect(m.warnings.count == 1)
        #expect(m.warnings[0].message.contains("import future.keywords.in"))
        #expect(m.warnings[0].location.row == 4)
        // Same module in v1 mode: OPA's strictness errors.
        #expect(throws: EngineErrors.self) { try Parser.parseModule(name: "a.rego", source: Self.agentcy) }
    }

    @Test func v1StrictnessMessages() {
        do {
            _ = try Parser.parseModule(name: "t.rego", source: "package x\np[x] { x := 1 }\n")
            Issue.record("expected errors")
        } catch {
            let msgs = error.errors.map(\.message)
            #expect(msgs.contains("`if` keyword is required before rule body"))
            #expect(msgs.contains("`contains` keyword is required for partial set rules"))
            #expect(error.errors.allSatisfy { $0.code == .parseError && $0.location?.row == 2 })
        }
    }

    @Test func errorMessagesFollowOPA() {
        func message(_ src: String) -> String {
            do { _ = try Parser.parseModule(name: "x.rego", source: src); return "" } catch { return error.description }
        }
        #expect(message("package foo.") == "x.rego:1: rego_parse_error: unexpected eof token: expected identifier\n\tpackage foo.\n\t           ^")
        #expect(message("x := 1").contains("package expected"))
        #expect(message("package x\nimport foo.bar").contains("unexpected import path, must begin with one of: {data, future, input, rego}, got: foo"))
        #expect(message("package x\np if { not every x in [1] { x == 1 } }").contains("unexpected every keyword: illegal negation of 'every'"))
        #expect(message("package x\np if input.x; input.y").contains("unexpected ; token"))
        #expect(message("package x\np").contains("var cannot be used for rule name"))
    }

    @Test func ruleHeadForms() throws {
        let src = """
        package x
        default p := 1
        p := 2 if { false } else := 3 if { true } else := 4
        s contains v if some v in [1, 2]
        o[k] := v if { some k, v in {"a": 1} }
        a.b.c := 1
        a.b[x] := 2 if x := "y"
        f(x, y) := x + y
        g(x) if x > 1
        """
        let m = try Parser.parseModule(name: "h.rego", source: src)
        #expect(m.rules.map(\.kind) == [.complete, .complete, .partialSet, .partialObject, .complete, .partialObject, .function, .function])
        #expect(m.rules[0].isDefault)
        #expect(m.rules[1].elseChain.count == 2 && m.rules[1].elseChain[1].assign)
        #expect(m.rules[4].head.ref.staticPrefix == ["a", "b", "c"])
        #expect(m.rules[5].head.key?.variableName == "x")
        #expect(m.rules[6].head.value.map { if case .call(let c) = $0.value { return c.name } else { return "" } } == "plus")
    }

    @Test func queriesAndTerms() throws {
        let q = try Parser.parseQuery("data.test.p = x; y := 18446744073709551617\nz := \"\\u00e9\\ud83d\\ude00\"")
        #expect(q.count == 3)
        guard case .call(let c) = q[0].kind else { Issue.record("expected call"); return }
        #expect(c.name == "eq")
        guard case .call(let big) = q[1].kind, case .scalar(.number(let n)) = big.args[1].value else { Issue.record("expected number"); return }
        #expect(n.description == "18446744073709551617")
        guard case .call(let s) = q[2].kind, case .scalar(.string(let str)) = s.args[1].value else { Issue.record("expected string"); return }
        #expect(str == "\u{e9}\u{1F600}")

        let t = try Parser.parseQuery("x := f(1).y[_]; s := set(); r := `a\\b`; v := input.if; w := time.now_ns()")
        guard case .call(let a) = t[0].kind, case .ref(let ref) = a.args[1].value, case .call = ref.head.value else {
            Issue.record("expected ref on call"); return
        }
        #expect(ref.parts.count == 2 && ref.parts[1].term.isWildcard)
        guard case .call(let b) = t[1].kind, case .set(let e) = b.args[1].value else { Issue.record("expected set()"); return }
        #expect(e.isEmpty)
        guard case .call(let r) = t[2].kind, case .scalar(.string(let raw)) = r.args[1].value else { Issue.record("raw"); return }
        #expect(raw == "a\\b")
        guard case .call(let w) = t[4].kind, case .call(let now) = w.args[1].value else { Issue.record("call"); return }
        #expect(now.name == "time.now_ns")
    }

    @Test func comprehensionsBeatBitwiseOr() throws {
        let q = try Parser.parseQuery("a := [x | x := 1]; b := {x | x := 1}; c := {k: v | k := 1; v := 2}; d := {1 | 2}")
        let kinds: [String] = q.map {
            guard case .call(let c) = $0.kind else { return "?" }
            return c.args[1].value.kindName
        }
        #expect(kinds == ["arraycomprehension", "setcomprehension", "objectcomprehension", "setcomprehension"])
    }

    @Test func templateStrings() throws {
        let q = try Parser.parseQuery(#"x := $"a {input.x} b \{c}""#)
        guard case .call(let c) = q[0].kind, case .template(let t) = c.args[1].value else { Issue.record("template"); return }
        #expect(t.parts.count == 3)
        if case .text(let s) = t.parts[2] { #expect(s == " b {c}") } else { Issue.record("text") }
    }

    @Test func everySomeWithAndNot() throws {
        let src = """
        package x
        p if {
          some k, v in input.xs
          every y in input.ys { y > k }
          not q with input as {"a": 1} with data.f as count
        }
        q if true
        """
        let m = try Parser.parseModule(name: "e.rego", source: src)
        let body = m.rules[0].body
        guard case .some(.membership(let k, _, _)) = body[0].kind else { Issue.record("some"); return }
        #expect(k?.variableName == "k")
        guard case .every(let e) = body[1].kind else { Issue.record("every"); return }
        #expect(e.key == nil && e.value.variableName == "y")
        #expect(body[2].negated && body[2].with.count == 2)
    }

    @Test func metadataAnnotations() throws {
        let src = """
        # METADATA
        # description: The suite
        package testing

        # METADATA
        # title: T
        # authors:
        # - Jane Doe <jane@example.com>
        p := 1
        """
        let m = try Parser.parseModule(name: "m.rego", source: src)
        #expect(m.annotations.count == 2)
        #expect(m.annotations[0].scope == .package && m.annotations[0].path == ["testing"])
        let rule = m.rules[0].annotations
        #expect(rule.count == 1 && rule[0].path == ["testing", "p"])
        let author = rule[0].value.objectValue?["authors"]?.arrayValue?.first
        #expect(author == .object(ObjectValue(["name": "Jane Doe", "email": "jane@example.com"])))
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: EngineErrors.self) { try Parser.parseQuery("x := " + deep) }
    }
}

extension ParserTests {
    @Test func moderateNestingParses() throws {
        let n = 60
        let src = "x := " + String(repeating: "[", count: n) + String(repeating: "]", count: n)
        #expect(try Parser.parseQuery(src).count == 1)
    }
}

extension ParserTests {
    @Test func regoParseModuleBuiltin() throws {
        let b = try #require(BuiltinRegistry.lookup("rego.parse_module"))
        let ctx = EvalContext()
        let v = try b.implementation(Arguments([.string("x.rego"), .string("package a.b\np := 1")]), ctx)
        #expect(v.map { JSONWriter.string($0) } == #"{"package":{"path":[{"type":"var","value":"data"},{"type":"string","value":"a"},{"type":"string","value":"b"}]},"rules":[{"body":[{"index":0,"terms":{"type":"boolean","value":true}}],"head":{"assign":true,"name":"p","ref":[{"type":"var","value":"p"}],"value":{"type":"number","value":1}}}]}"#)
        do {
            _ = try b.implementation(Arguments([.string("x.rego"), .string("package foo.")]), ctx)
            Issue.record("expected an error")
        } catch let e as BuiltinError {
            #expect(e.message == "1 error occurred: x.rego:1: rego_parse_error: unexpected eof token: expected identifier\n\tpackage foo.\n\t           ^")
        }
    }
}

extension ParserTests {
    @Test func v0MultiPartRefHeadIsAnObjectRule() throws {
        let m = try Parser.parseModule(name: "r.rego", source: "package test\np[q][r] { q := [\"a\"][r] }\ns[x] { x := 1 }", version: .v0)
        #expect(m.rules[0].kind == .partialObject && m.rules[0].head.valueGenerated)
        #expect(m.rules[1].kind == .partialSet)
    }
}

extension ParserTests {
    @Test func v0RefHeadWithIfIsAnObjectRule() throws {
        let m = try Parser.parseModule(name: "r.rego", source: "package test\nimport future.keywords\nq[7] = 8 if true\na[x] if q[x]", version: .v0)
        #expect(m.rules[1].kind == .partialObject)
    }
}

/// v0-only import rules. The oracle has no v0 mode, so these follow OPA's parser (v1.20) as
/// read, not recorded answers: in v0, `rego.v1` brings every future keyword, so it cannot be
/// combined with `future.keywords` imports in either order, and it cannot be aliased (in v1 the
/// import changes nothing and an alias is accepted, which the oracle confirms).
extension ParserTests {
    static func v0Errors(_ source: String) -> [String] {
        do {
            _ = try Parser.parseModule(name: "v0.rego", source: source, version: .v0)
            return []
        } catch {
            return error.errors.map { "\($0.location?.row ?? 0): \($0.message)" }
        }
    }

    @Test func v0RegoV1AndFutureKeywordsExcludeEachOther() {
        let mutual = "the `rego.v1` import implies `future.keywords`, these are therefore mutually exclusive"
        #expect(Self.v0Errors("package p\nimport rego.v1\nimport future.keywords.in\nr := 1\n") == ["3: " + mutual])
        #expect(Self.v0Errors("package p\nimport future.keywords\nimport rego.v1\nr := 1\n") == ["3: " + mutual])
        #expect(Self.v0Errors("package p\nimport rego.v1\nimport rego.v1\nr := 1\n") == [])
    }

    @Test func v0RegoV1ImportCannotBeAliased() throws {
        #expect(Self.v0Errors("package p\nimport rego.v1 as x\nr := 1\n") == ["2: `rego` imports cannot be aliased"])
        _ = try Parser.parseModule(name: "v1.rego", source: "package p\nimport rego.v1 as x\nr := 1\n")
    }

    @Test func v0RegoV1ImportAppliesV1Strictness() {
        #expect(Self.v0Errors("package p\nimport rego.v1\np[x] { x := 1 }\n") == [
            "3: `if` keyword is required before rule body", "3: `contains` keyword is required for partial set rules",
        ])
        #expect(Self.v0Errors("package p\np[x] { x := 1 }\np.q\n") == [])
    }
}
