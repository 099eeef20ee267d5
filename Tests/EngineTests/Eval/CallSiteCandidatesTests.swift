import Testing
@testable import Engine

/// Regex patterns compiled per call site when the plan is built (`RegexTable`, from
/// `SlotCandidates`) answer exactly as the shared cache: iterated constant rules, base data,
/// `p := pats[_]`, `pats[i]`, `every`, literals, assigned constants, patterns built at run
/// time or read from the input, a `with` overlay replacing the candidates, and every regex
/// builtin with a pattern argument. Expected values are OPA's (`opa_eval.py`).
@Suite struct CallSiteCandidatesTests {
    static let source = #"""
        package t

        pats := [`^fs\.(read|list)_[a-z]+$`, `(?i)drop`, `^a.c$`, `b`]

        anymatch contains p if {
            some p in pats
            regex.match(p, input.s)
        }

        viaindex contains i if {
            regex.match(pats[i], input.s)
        }

        viaassign contains p if {
            p := pats[_]
            regex.match(p, input.s)
        }

        viabase contains p if {
            some p in data.cfg.patterns
            regex.match(p, input.s)
        }

        literal := regex.match(`^a.c$`, input.s)

        fromconst := regex.match(x, input.s) if x := `(?i)DROP`

        built := regex.match(concat("", ["^a", ".c$"]), input.s)

        frominput := regex.match(input.p, input.s)

        allmatch if {
            every p in ["a", "b"] { regex.match(p, input.s) }
        }

        overlaid := x if { x := anymatch with data.t.pats as [`^x`, "y"] }

        replaced := [regex.replace(input.s, p, "<$0>") | some p in pats]

        splits := [regex.split(p, input.s) | some p in ["a", "b"]]

        found := [regex.find_n(p, input.s, -1) | some p in ["[a-c]", "x"]]

        valid := [regex.is_valid(p) | some p in pats]

        submatch := [regex.find_all_string_submatch_n(p, input.s, 2) | some p in [`(a)(b)?`]]

        badpats := ["a", "["]

        bad contains p if {
            some p in badpats
            regex.match(p, input.s)
        }
        """#

    static let data = #"{"cfg": {"patterns": ["^fs", "(?i)DROP", "b$"]}}"#

    static let rules = ["anymatch", "viaindex", "viaassign", "viabase", "literal", "fromconst", "built",
                        "frominput", "allmatch", "overlaid", "replaced", "splits", "found", "valid", "submatch"]

    /// Per input: OPA's value of each rule above (nil: undefined).
    static let expected: [(input: String, values: [String?])] = [
        (#"{"s": "fs.read_x", "p": "^fs"}"#, [
            #"["^fs\\.(read|list)_[a-z]+$"]"#, "[0]", #"["^fs\\.(read|list)_[a-z]+$"]"#, #"["^fs"]"#,
            "false", "false", "false", "true", nil, "[]",
            #"["<fs.read_x>", "fs.read_x", "fs.read_x", "fs.read_x"]"#, #"[["fs.re", "d_x"], ["fs.read_x"]]"#,
            #"[["a"], ["x"]]"#, "[true, true, true, true]", #"[[["a", "a", ""]]]"#,
        ]),
        (#"{"s": "abc", "p": "^a.c$"}"#, [
            #"["^a.c$", "b"]"#, "[2, 3]", #"["^a.c$", "b"]"#, "[]", "true", "false", "true", "true", "true", "[]",
            #"["abc", "abc", "<abc>", "a<b>c"]"#, #"[["", "bc"], ["a", "c"]]"#, #"[["a", "b", "c"], []]"#,
            "[true, true, true, true]", #"[[["ab", "a", "b"]]]"#,
        ]),
        (#"{"s": "DROPab"}"#, [
            #"["(?i)drop", "b"]"#, "[1, 3]", #"["(?i)drop", "b"]"#, #"["(?i)DROP", "b$"]"#, "false", "true",
            "false", nil, "true", "[]", #"["DROPab", "<DROP>ab", "DROPab", "DROPa<b>"]"#,
            #"[["DROP", "b"], ["DROPa", ""]]"#, #"[["a", "b"], []]"#, "[true, true, true, true]",
            #"[[["ab", "a", "b"]]]"#,
        ]),
        (#"{"s": "xyab"}"#, [
            #"["b"]"#, "[3]", #"["b"]"#, #"["b$"]"#, "false", "false", "false", nil, "true", #"["^x", "y"]"#,
            #"["xyab", "xyab", "xyab", "xya<b>"]"#, #"[["xy", "b"], ["xya", ""]]"#, #"[["a", "b"], ["x"]]"#,
            "[true, true, true, true]", #"[[["ab", "a", "b"]]]"#,
        ]),
    ]

    static func policy() throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: source)], data: JSONReader.parse(data))
    }

    /// Sets print sorted; arrays of set members come back in Rego order, as OPA prints them.
    static func normalized(_ v: Value?) -> Value? {
        guard let v else { return nil }
        if case .set(let s) = v { return .array(s.elements) }
        return v
    }

    @Test func answersMatchOPA() throws {
        let p = try Self.policy()
        for (input, values) in Self.expected {
            let iv = try JSONReader.parse(input)
            for (rule, want) in zip(Self.rules, values) {
                let got = try p.evaluate(path: ["t", rule], input: iv, context: EvalContext(nowNs: 0))
                #expect(Self.normalized(got) == (try want.map { try JSONReader.parse($0) }), "\(rule) on \(input)")
            }
        }
    }

    /// A bad pattern among the candidates is left to the general path: the same error.
    @Test func badCandidatePatternFailsAsBefore() throws {
        let p = try Self.policy()
        let strict = EvalContext(nowNs: 0, strictBuiltinErrors: true)
        let e = #expect(throws: (any Error).self) {
            _ = try p.evaluate(path: ["t", "bad"], input: ["s": "xyz"], context: strict)
        }
        #expect("\(e.map { "\($0)" } ?? "")".contains("regex.match: error parsing regexp: missing closing ]: `[`"))
        // Not strict: the builtin error makes the call undefined, the other pattern still counts.
        #expect(try p.evaluate(path: ["t", "bad"], input: ["s": "xa"], context: EvalContext(nowNs: 0)) == .set(SetValue(["a"])))
        // A pattern that is no candidate goes through the shared cache, errors included.
        #expect(throws: (any Error).self) {
            _ = try p.evaluate(path: ["t", "frominput"], input: ["s": "x", "p": "["], context: strict)
        }
    }

    /// Which call sites get a table: the iterated collections above do, a pattern from the input
    /// or built at run time does not.
    @Test func candidatesOfRules() throws {
        let p = try Self.policy()
        func calls(_ rule: String) -> [PCall] {
            var out: [PCall] = []
            func term(_ t: PTerm) {
                switch t {
                case .call(let c):
                    if c.name.hasPrefix("regex.") || c.name == "re_match" { out.append(c) }
                    c.args.forEach(term)
                case .compr(let c):
                    term(c.head)
                    c.body.forEach(expr)
                default: break
                }
            }
            func expr(_ e: PExpr) {
                switch e.kind {
                case .term(let t): term(t)
                case .call(let c, _): term(.call(c))
                case .unify(let a, let b): term(a); term(b)
                case .every(_, _, _, let b, _): b.forEach(expr)
                default: break
                }
            }
            for r in p.plan.node(at: ["t", rule])?.rules ?? [] {
                r.body.forEach(expr)
                if let v = r.value { term(v) }
            }
            return out
        }
        for rule in ["anymatch", "viaindex", "viaassign", "viabase", "literal", "fromconst", "allmatch",
                     "replaced", "splits", "found", "valid", "submatch", "bad"] {
            let cs = calls(rule)
            #expect(!cs.isEmpty && cs.allSatisfy(\.isSpecialized), "\(rule)")
        }
        for rule in ["built", "frominput"] {
            #expect(calls(rule).contains { !$0.isSpecialized }, "\(rule)")
        }
    }

    /// Lookup by identity, by equal bytes from other storage, and misses.
    @Test func tableLookup() throws {
        let long = "^mcp__github__(get|list|search)_[a-z_]+$"
        let table = try #require(RegexTable([.string(long), "^a", "[", .int(3), "^a"]))
        #expect(table.lookup(long)?.pattern == long)
        let rebuilt = String(decoding: Array(long.utf8), as: UTF8.self)
        #expect(table.lookup(rebuilt)?.pattern == long)
        #expect(table.lookup("^a")?.pattern == "^a")
        #expect(table.lookup("[") == nil && table.lookup("^b") == nil)
        // NFC and NFD spellings are different patterns (byte equality, as OPA).
        let nfc = RegexTable(["\u{e9}"]), nfd = "e\u{301}"
        #expect(nfc?.lookup(nfd) == nil)
        // Long lists use a dictionary behind the identity scan.
        let many = try #require(RegexTable((0..<40).map { .string("^p\($0)$") }))
        #expect(many.lookup(String(decoding: Array("^p17$".utf8), as: UTF8.self))?.matches("p17") == true)
        #expect(many.lookup("^p40$") == nil)
        #expect(RegexTable(nil) == nil && RegexTable(["["]) == nil)
    }
}
