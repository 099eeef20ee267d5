import Testing
@testable import Engine

/// The evaluator's fast paths (session 12) answer exactly as the general ones: string equality
/// decided by representation or length, string keys and members looked up without the generic
/// two-value comparison, small sets built without hashing, comparison and membership operators
/// computed by the evaluator itself, child nodes found by a scan, and `sprintf` rendered
/// straight from the values. Expected values are OPA's (`opa_eval.py` on the same policy and
/// input, 2026-11-23).
@Suite struct EvalFastPathTests {
    static let source = #"""
        package fp

        long_a := concat("", ["a-rather-long-string-", "value"])
        long_b := concat("", ["a-rather-long-", "string-value"])
        long_c := concat("", ["a-rather-long-string-", "valuE"])

        eq_long if long_a == long_b
        neq_long if long_a != long_c
        eq_nfc if "\u00e9" == "e\u0301"
        in_arr if input.name in ["x", "shell.exec", 3]
        in_arr_num if 3 in ["3", 3.0]
        in_arr_num_str if "3" in [3]
        in_set if input.name in {"db.drop", "shell.exec"}
        in_obj if input.name in {"k": "shell.exec"}
        in_obj_key if "k" in {"k": "v"}
        not_in_str if not input.name in "shell.exec"
        in_undef if input.missing in ["x"]
        lt_mixed if 1 < "a"
        cmp_num if { 2.5 > 2; 2 >= 2.0; 1.0 == 1; 1 != 2 }
        cmp_str if { "b" > "a"; "a" < "ab"; "é" > "z" }
        cmp_obj if {"a": 1} < {"a": 2}
        eq_arr if [1, "x"] == [1.0, "x"]
        count_eq := count([x | some x in input.list; x == input.name])
        set_small := {x | some x in input.list}
        set_large := {x | some x in numbers.range(1, 12)} | {1.0, "a", "a"}
        set_dup := {x | some x in [1.0, 1, 2, 2.0]}
        set_dup_large := {x | some x in [1.0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2.0]}
        """#

    static let input = #"{"name": "shell.exec", "list": ["shell.exec", "a", "shell.exec", "b", "a-rather-long-string-value"]}"#

    /// OPA's answer for `data.fp` (rules that are undefined are absent).
    static let expected = #"""
        {"cmp_num": true, "cmp_obj": true, "cmp_str": true, "count_eq": 2, "eq_arr": true, "eq_long": true,
         "in_arr": true, "in_arr_num": true, "in_obj": true, "in_set": true,
         "long_a": "a-rather-long-string-value", "long_b": "a-rather-long-string-value",
         "long_c": "a-rather-long-string-valuE", "lt_mixed": true, "neq_long": true, "not_in_str": true,
         "set_dup": [1.0, 2], "set_dup_large": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
         "set_large": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "a"],
         "set_small": ["a", "a-rather-long-string-value", "b", "shell.exec"]}
        """#

    @Test func answersMatchOPA() throws {
        let p = try CompiledPolicy.compile(modules: [RegoModule(name: "fp.rego", source: Self.source)])
        let input = try JSONReader.parse(Self.input)
        guard case .object(let want)? = try? JSONReader.parse(Self.expected) else {
            Issue.record("expected answer does not parse")
            return
        }
        let names = ["long_a", "long_b", "long_c", "eq_long", "neq_long", "eq_nfc", "in_arr", "in_arr_num",
                     "in_arr_num_str", "in_set", "in_obj", "in_obj_key", "not_in_str", "in_undef", "lt_mixed",
                     "cmp_num", "cmp_str", "cmp_obj", "eq_arr", "count_eq", "set_small", "set_large", "set_dup",
                     "set_dup_large"]
        for name in names {
            let got = try p.evaluate(path: ["fp", name], input: input, context: EvalContext(nowNs: 0))
            let w = want[.string(name)]
            // Sets come back as sets, OPA's as sorted arrays; the text also shows which of two
            // equal numbers a set kept (`1.0` before `1`).
            let gotText = got.map { v -> String in
                if case .set(let s) = v { return JSONWriter.string(.array(s.elements)) }
                return JSONWriter.string(v)
            }
            #expect(gotText == w.map { JSONWriter.string($0) }, "\(name)")
        }
    }

    @Test func stringEqualityByRepresentationThenBytes() {
        let a = "a-rather-long-string-value"
        let b = String(decoding: Array(a.utf8), as: UTF8.self)  // same bytes, other storage
        #expect(regoStringsEqual(a, a) && regoStringsEqual(a, b) && regoStringsEqual(b, a))
        #expect(!regoStringsEqual(a, a + "x"))
        #expect(!regoStringsEqual(a, "a-rather-long-string-valuE"))  // same length
        #expect(!regoStringsEqual("\u{e9}", "e\u{301}"))
        #expect(regoStringsEqual("", String(decoding: [UInt8](), as: UTF8.self)))
        #expect(regoStringsEqual("short", String(decoding: Array("short".utf8), as: UTF8.self)))
        #expect(!regoStringsEqual("short", "shore"))
    }

    /// A small builder (an array) and a large one (a hash set) agree; the first of equal
    /// elements stays in both.
    @Test func setBuilderSmallAndLarge() throws {
        guard case .array(let spelled) = try JSONReader.parse("[1.0, 2.50]") else { return }
        for n in [0, 1, 2, 7, 8, 9, 20] {
            var b = SetBuilder()
            var inserted = 0
            b.insert(spelled[0])  // 1.0
            for i in 0..<n {
                let new = b.insert(.string("s\(n - i)"))
                if new { inserted += 1 }
                let r44722 = b.insert(.string("s\(n - i)"))
                #expect(!r44722)
            }
            let r40908 = b.insert(.int(1))
            #expect(!r40908)
            let r56757 = b.insert(spelled[1])
            #expect(r56757)
            let r3490 = b.insert(.double(2.5))
            #expect(!r3490)
            #expect(b.count == n + 2 && inserted == n)
            #expect(b.contains(.int(1)) && b.contains(.string("s1")) == (n > 0) && !b.contains(.string("zz")))
            let s = b.build()
            #expect(s.count == n + 2)
            #expect(s.elements == s.elements.sorted { Value.compare($0, $1) < 0 })
            #expect(JSONWriter.string(s.elements[0]) == "1.0" && JSONWriter.string(s.elements[1]) == "2.50")
            var again = SetBuilder(s)
            let dup = again.insert(.string("s1"))
            #expect(!dup || n == 0)
            #expect(Value.set(again.build()) == Value.set(s) || n == 0)
        }
    }

    /// Small objects and sets looked up by string (and by other values) answer as a scan with
    /// `==` does.
    @Test func smallLookupsByString() throws {
        let o = try JSONReader.parse(#"{"a": 1, "bb": 2, "1": 3, "a-rather-long-string-value": 4}"#)
        #expect(o[.string("bb")] == 2 && o[.string("1")] == 3 && o[.int(1)] == nil)
        #expect(o[.string(String(decoding: Array("a-rather-long-string-value".utf8), as: UTF8.self))] == 4)
        #expect(o[.string("b")] == nil && o[.string("\u{e9}")] == nil)
        let s = Value.set(SetValue(["x", 1, "a-rather-long-string-value", .double(2.5)]))
        #expect(s[.string("x")] == "x" && s[.int(1)] == 1 && s[.string("1")] == nil && s[.double(2.5)] != nil)
        #expect(s[.string(String(decoding: Array("a-rather-long-string-value".utf8), as: UTF8.self))] != nil)
    }

    /// Child nodes are found by a scan while a node has at most 8, by the dictionary beyond;
    /// both by runtime keys (`data.pkgs[input.p].v`) and constant ones.
    @Test func childNodesByScanAndByDictionary() throws {
        for count in [3, 8, 9, 12] {
            var modules = (0..<count).map { i in
                RegoModule(name: "p\(i).rego", source: "package pkgs.p\(i)\nv := \(i)\n")
            }
            modules.append(RegoModule(name: "q.rego", source: """
                package q
                byKey := data.pkgs[input.p].v
                direct := data.pkgs.p2.v
                all := count(data.pkgs)
                """))
            let p = try CompiledPolicy.compile(modules: modules)
            for i in [0, 2, count - 1] {
                #expect(try p.evaluate(path: ["q", "byKey"], input: ["p": .string("p\(i)")], context: EvalContext(nowNs: 0)) == .int(i))
            }
            #expect(try p.evaluate(path: ["q", "byKey"], input: ["p": "nope"], context: EvalContext(nowNs: 0)) == nil)
            #expect(try p.evaluate(path: ["q", "direct"], input: nil, context: EvalContext(nowNs: 0)) == 2)
            #expect(try p.evaluate(path: ["q", "all"], input: nil, context: EvalContext(nowNs: 0)) == .int(count))
        }
    }

    /// `sprintf` straight from the values (plain `%s`/`%v`/`%q` strings, `%d`/`%v` integers) renders
    /// what the general path renders, and declines everything else.
    @Test func directSprintfMatchesTheGeneralPath() throws {
        let formats = ["", "plain", "%s", "%d", "%v", "%s requires approval (%d)", "100%% %s", "ünï %s ✓ %d",
                       "%v-%v", "%q", "%s %s"]
        let spelled = try JSONReader.parse("[5.0, 1e2]")
        guard case .array(let sp) = spelled else { return }
        let argLists: [[Value]] = [[], ["a"], [1], ["x", 2], ["x", "y"], [-7, 0], [.double(1.5)], ["ç", 3],
                                   [sp[0]], [sp[1]], [.null], [["a"]], [1, 2, 3], ["a", "b", "c"], ["h\"i\n\u{7f}ç"]]
        var direct = 0
        for f in formats {
            guard let compiled = GoFormatter.CompiledFormat(f) else { continue }
            for args in argLists {
                guard let text = GoFormatter.sprintfDirect(compiled, args) else { continue }
                direct += 1
                #expect(text == GoFormatter.sprintf(f, args.map(GoFormatter.Arg.init)), "\(f) \(args)")
            }
        }
        #expect(direct >= 10)
        let c = GoFormatter.CompiledFormat("%s %d")!
        #expect(GoFormatter.sprintfDirect(c, ["a"]) == nil)  // missing argument
        #expect(GoFormatter.sprintfDirect(c, ["a", 1, 2]) == nil)  // extra argument
        #expect(GoFormatter.sprintfDirect(c, [1, "a"]) == nil)  // bad verbs
        #expect(GoFormatter.sprintfDirect(c, ["a", sp[0]]) == nil)  // spelled number
    }
}
