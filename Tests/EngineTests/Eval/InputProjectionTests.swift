import Testing
@testable import Engine

/// Input projection: the shape derived per entrypoint, identical answers from projected and
/// full parses, and identical rejection of invalid JSON wherever the fault is.
@Suite struct InputProjectionTests {
    static let source = #"""
        package t

        import input.alias.deep as imported

        rbac if {
            some role in input.agent.roles
            input.action in {"read", "write"}
            startswith(input.resource.path, "/prod/")
        }

        bare := input
        dynamic_key := input[k] if k := "action"
        dynamic_deep := [v | some v in input.agent]
        walked := [p | walk(input.tool, [p, _])]
        walk_all := count([p | walk(input, [p, _])])

        f(x) := concat(",", x)
        g(x) := input.fn.inner if x
        via_function := f(input.agent.roles)
        via_function_body := g(true)

        env := object.get(input, ["context", "environment"], "prod")
        trust := object.get(input.agent, "trust_level", 0)
        fake_get(o, k, d) := o
        replaced_get := x if { x := object.get(input, ["context", "environment"], "prod") with object.get as fake_get }

        with_path := v if { v := rbac with input.action as "write" }
        with_deep := v if { v := rbac with input.resource.path as "/prod/x" }
        with_whole := v if { v := rbac with input as {"action": "read", "agent": {"roles": ["a"]}, "resource": {"path": "/prod/"}} }
        with_reads := v if { v := input.w.after with input.w.before as 1 }

        arrays := [input.args[0], input.args[1]]
        nested := input.a.b.c
        imp := imported
        constant := true
        printing if { print(input.p) }
        every_ok if { every x in input.list { x > 0 } }
        compr := {k: v | some k, v in input.obj; k != "skip"}
        templ := $"{input.name}-{input.n}"
        not_test if { not input.flag }
        keyed[input.kk] := 1
        """#

    static let entrypoints: [(path: [String], shape: String?)] = [
        (["t", "rbac"], #"{"action": *, "agent": {"roles": *}, "resource": {"path": *}}"#),
        (["t", "bare"], nil),
        (["t", "dynamic_key"], nil),
        (["t", "dynamic_deep"], #"{"agent": *}"#),
        (["t", "walked"], #"{"tool": *}"#),
        (["t", "walk_all"], nil),
        (["t", "via_function"], #"{"agent": {"roles": *}}"#),
        (["t", "via_function_body"], #"{"fn": {"inner": *}}"#),
        (["t", "env"], #"{"context": {"environment": *}}"#),
        (["t", "trust"], #"{"agent": {"trust_level": *}}"#),
        (["t", "replaced_get"], nil),
        (["t", "with_path"], #"{"action": *, "agent": {"roles": *}, "resource": {"path": *}}"#),
        (["t", "with_deep"], #"{"action": *, "agent": {"roles": *}, "resource": {"path": *}}"#),
        (["t", "with_whole"], #"{"action": *, "agent": {"roles": *}, "resource": {"path": *}}"#),
        (["t", "with_reads"], #"{"w": {"after": *}}"#),
        (["t", "arrays"], #"{"args": *}"#),
        (["t", "nested"], #"{"a": {"b": {"c": *}}}"#),
        (["t", "imp"], #"{"alias": {"deep": *}}"#),
        (["t", "constant"], "{}"),
        (["t", "printing"], #"{"p": *}"#),
        (["t", "every_ok"], #"{"list": *}"#),
        (["t", "compr"], #"{"obj": *}"#),
        (["t", "templ"], #"{"n": *, "name": *}"#),
        (["t", "not_test"], #"{"flag": *}"#),
        (["t", "keyed"], #"{"kk": *}"#),
        (["t"], nil),
    ]

    static let inputs: [String] = [
        "{}", "[]", "null", "1", #""s""#,
        #"{"action":"read","agent":{"id":"a1","roles":["admin","ops"],"trust_level":3},"resource":{"path":"/prod/db"},"context":{"environment":"dev","request_id":"r"},"tool":{"name":"x","args":{"a":[1,{"b":null}]}}}"#,
        #"{"action":"write","agent":{"roles":"notalist"},"resource":{"path":5}}"#,
        #"{"action":"read","agent":[1,2],"resource":"flat","context":"flat"}"#,
        #"{"action":"read","action":"write","agent":{"roles":["x"],"roles":["y","z"]},"resource":{"path":"/prod/a"}}"#,
        #"{"\u0061ction":"read","agent":{"r\u006fles":["x"]},"resource":{"path":"/prod/\u00e9"},"skipped":"\ud83d\ude00 \u00e9 \"q\" \\"}"#,
        #"{"zzz":{"deep":[[[[{"a":"\u00e9"}]]]]},"action":"delete","agent":{"roles":[]},"a":{"b":{"c":{"d":1},"x":2}}}"#,
        #"{"args":["first",2,3],"a":{"b":"notobj"},"alias":{"deep":{"x":[1]}},"fn":{"inner":7,"outer":8}}"#,
        #"{"context":{"environment":"staging","tz":"UTC"},"agent":{"trust_level":5,"other":1}}"#,
        #"{"context":{},"agent":{}}"#,
        #"{"w":{"before":0,"after":"kept"},"list":[1,2,3],"obj":{"k":1,"skip":2},"name":"n","n":3,"flag":false,"kk":"key","p":"printed"}"#,
        #"{"list":[1,-2],"flag":true,"name":"only","kk":{"o":1}}"#,
        #"  { "action" : "read" , "agent" : { "roles" : [ "a" ] } , "resource" : { "path" : "/prod/" } , "x" : [ ] , "y" : { } }  "#,
        #"{"α":"ü","action":"read","agent":{"roles":["é"],"ñ":{"z":[true,false,null,1.5e3,-0]}}}"#,
        #"{"big":123456789012345678901234567890,"f":1.25e-3,"action":"read","agent":{"roles":["x"]}}"#,
    ]

    func policy() throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: Self.source)])
    }

    static func parse(_ text: String, _ shape: InputShape?, maxDepth: Int = JSONReader.defaultMaxDepth)
        -> Result<Value, JSONParseError>
    {
        var t = text
        return t.withUTF8 { buf in
            Result { () throws(JSONParseError) -> Value in
                try JSONReader.parse(UnsafeRawBufferPointer(buf), shape: shape, maxDepth: maxDepth)
            }
        }
    }

    /// The reference projection of a fully parsed value.
    static func project(_ v: Value, _ shape: InputShape?) -> Value {
        guard let shape, case .object(let o) = v else { return v }
        var b = ObjectBuilder()
        for f in shape.fields {
            if let x = o[f.keyValue] { b[f.keyValue] = project(x, f.shape) }
        }
        return .object(b.build())
    }

    static func answer(_ q: PreparedQuery, _ input: Value) -> String {
        do {
            let v = try q.evaluate(input: input, context: EvalContext(nowNs: 0))
            return v.map { "\($0)" } ?? "undefined"
        } catch {
            return "error: \(error)"
        }
    }

    @Test func shapesPerEntrypoint() throws {
        let p = try policy()
        for e in Self.entrypoints {
            #expect(p.prepare(path: e.path).inputShape?.description == e.shape, "\(e.path)")
        }
    }

    @Test func projectedAndFullParsesGiveTheSameAnswers() throws {
        let p = try policy()
        for e in Self.entrypoints {
            let q = p.prepare(path: e.path)
            for text in Self.inputs {
                let full = try Self.parse(text, nil).get()
                let projected = try Self.parse(text, q.inputShape).get()
                #expect(projected == Self.project(full, q.inputShape), "\(e.path) \(text)")
                var t = text
                let viaQuery = try t.withUTF8 { try q.parseInput(UnsafeRawBufferPointer($0)) }
                #expect(viaQuery == projected)
                #expect(Self.answer(q, projected) == Self.answer(q, full), "\(e.path) on \(text)")
            }
        }
    }

    @Test func projectionSkipsWhatTheQueryCannotSee() throws {
        let p = try policy()
        let q = p.prepare(path: ["t", "rbac"])
        let v = try Self.parse(Self.inputs[5], q.inputShape).get()
        #expect(JSONWriter.string(v) == #"{"action":"read","agent":{"roles":["admin","ops"]},"resource":{"path":"/prod/db"}}"#)
        // Escaped keys match the shape's keys once decoded; duplicates keep the last value.
        #expect(JSONWriter.string(try Self.parse(Self.inputs[9], q.inputShape).get())
            == #"{"action":"read","agent":{"roles":["x"]},"resource":{"path":"/prod/é"}}"#)
        #expect(JSONWriter.string(try Self.parse(Self.inputs[8], q.inputShape).get())
            == #"{"action":"write","agent":{"roles":["y","z"]},"resource":{"path":"/prod/a"}}"#)
        #expect(try Self.parse(Self.inputs[5], p.prepare(path: ["t", "constant"]).inputShape).get() == .emptyObject)
    }

    /// Invalid documents, most of them broken inside parts the shapes skip.
    static let invalid: [String] = [
        "", " ", "{", "}", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "[1,]", "[1 2]",
        #"{"skip":"\x""#, #"{"skip":"\u12"}"#, #"{"skip":"\u12G4"}"#, #"{"skip":"\ud800\u12"}"#,
        #"{"skip":"a"#, #"{"skip":01}"#, #"{"skip":1.}"#, #"{"skip":1e}"#, #"{"skip":-}"#, #"{"skip":tru}"#,
        #"{"skip":nul}"#, #"{"skip":[1,2,]}"#, #"{"skip":{"a":1,}}"#, #"{"skip":{"a"}}"#, #"{"skip":x}"#,
        "{\"skip\":\"\u{01}\"}", "{\"sk\u{01}ip\":1}", #"{"ske\y":1}"#, #"{"action":"read"} x"#, #"{"action":"read",}"#,
        #"{"agent":{"roles":["a"],"id":"\q"}}"#, #"{"agent":{"id":[{"x":[1,}]}}"#, #"{"a":{"b":{"c":1,"d":[}}}"#,
        #"{"skip":{"deep":[[[[[[[[1]]]]]]]]}}"#,
    ]
    static let invalidBytes: [[UInt8]] = [
        Array(#"{"skip":""#.utf8) + [0xC3] + Array(#""}"#.utf8),  // truncated UTF-8
        Array(#"{"skip":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),  // encoded surrogate
        Array(#"{"skip":""#.utf8) + [0xF5, 0x80, 0x80, 0x80] + Array(#""}"#.utf8),
        Array(#"{""#.utf8) + [0xC0, 0xAF] + Array(#"":1}"#.utf8),  // overlong key
        Array(#"{"action":1,"#.utf8) + [0xFF] + Array(#":2}"#.utf8),
    ]

    func shapes() throws -> [InputShape?] {
        let p = try policy()
        return Self.entrypoints.map { p.prepare(path: $0.path).inputShape }
            + [InputShape.keeping([["skip", "x"]]), InputShape.keeping([["a", "b"], ["zz"]])]
    }

    static func outcome(_ bytes: [UInt8], _ shape: InputShape?, maxDepth: Int) -> String {
        bytes.withUnsafeBytes { buf in
            do {
                return "ok \(JSONWriter.string(try JSONReader.parse(buf, shape: shape, maxDepth: maxDepth)))"
            } catch let e as JSONParseError {
                return "error \(e.message) at \(e.offset)"
            } catch {
                return "error \(error)"
            }
        }
    }

    @Test func invalidJSONIsRejectedExactlyAsByTheFullParser() throws {
        let all = Self.invalid.map { Array($0.utf8) } + Self.invalidBytes
        for shape in try shapes() {
            for bytes in all {
                for depth in [JSONReader.defaultMaxDepth, 4] {
                    let full = Self.outcome(bytes, nil, maxDepth: depth)
                    let projected = Self.outcome(bytes, shape, maxDepth: depth)
                    let text = String(decoding: bytes, as: UTF8.self)
                    if depth == JSONReader.defaultMaxDepth && !text.contains("deep") { #expect(full.hasPrefix("error"), "\(text)") }
                    #expect(projected.hasPrefix("error") == full.hasPrefix("error"))
                    if full.hasPrefix("error") { #expect(projected == full, "\(String(decoding: bytes, as: UTF8.self))") }
                }
            }
        }
    }

    /// Random byte edits of valid documents: both parsers fail identically, or both succeed and
    /// the projected value is the projection of the full one.
    @Test func mutatedDocumentsAgree() throws {
        var rng = ProjectionFuzzRNG(seed: 5)
        let alphabet = Array(#"{}[],:"\ u0aé1e-.tfn"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        let shapes = try shapes()
        var failures = 0
        for round in 0..<3000 {
            var bytes = Array(Self.inputs[round % Self.inputs.count].utf8)
            for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                }
            }
            let shape = shapes[round % shapes.count]
            let depth = round % 5 == 0 ? 2 : JSONReader.defaultMaxDepth
            let full = bytes.withUnsafeBytes { buf in
                Result { () throws(JSONParseError) -> Value in try JSONReader.parse(buf, maxDepth: depth) }
            }
            let expected: String
            switch full {
            case .success(let v): expected = "ok \(JSONWriter.string(Self.project(v, shape)))"
            case .failure(let e): expected = "error \(e.message) at \(e.offset)"
            }
            let got = Self.outcome(bytes, shape, maxDepth: depth)
            if got != expected { failures += 1 }
            #expect(got == expected, "\(String(decoding: bytes, as: UTF8.self)) with \(shape?.description ?? "*")")
            if failures > 5 { break }
        }
    }

    /// Every anchor policy on variants of its recorded inputs (members dropped or replaced by
    /// values of other types, at every depth): projected and full parses answer the same.
    /// (Full-parse answers are checked against OPA by AnchorDifferentialTests and
    /// scripts/differential.py.)
    @Test func anchorsAgreeOnVariedInputs() throws {
        let replacements: [Value] = [.null, "x", 1, [], .emptyObject, ["roles": ["operator"]], false]
        func variants(_ v: Value, _ out: inout [Value], depth: Int) {
            guard case .object(let o) = v, depth < 3 else { return }
            for (k, child) in o.pairs {
                out.append(.object(o.removing(k)))
                for r in replacements { out.append(.object(o.inserting(k, r))) }
                var inner: [Value] = []
                variants(child, &inner, depth: depth + 1)
                for x in inner { out.append(.object(o.inserting(k, x))) }
            }
        }
        var checked = 0
        for a in try AnchorDifferentialTests.loadAnchors() {
            let q = a.policy.prepare(path: a.path)
            for c in a.cases.prefix(40) {
                var inputs = [c.input]
                variants(c.input, &inputs, depth: 0)
                for input in inputs {
                    let text = JSONWriter.string(input)
                    let full = try Self.parse(text, nil).get()
                    let projected = try Self.parse(text, q.inputShape).get()
                    #expect(Self.answer(q, projected) == Self.answer(q, full), "\(a.name): \(text)")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
    }

    /// The skipping scanner keeps the containers it is inside as 64 bits and hands deeper ones
    /// to its recursive form: nesting around that boundary, and around `maxDepth`, valid or
    /// broken at the innermost level, is accepted and rejected as by the full parser.
    @Test func deepSkippedValuesAgree() throws {
        let shape = InputShape.keeping([["z"]])
        for n in [1, 2, 62, 63, 64, 65, 66, 70, 130] {
            let open = (0..<n).map { $0 % 3 == 0 ? #"{"k":"# : "[" }.joined()
            let close = (0..<n).reversed().map { $0 % 3 == 0 ? "}" : "]" }.joined()
            for inner in ["1", #""s""#, "[]", "{}", "[1,]", #"{"a"}"#, "tru", #""\x""#, "", "1 2", " [ 1 , { } ] "] {
                let doc = #"{"skip":"# + open + inner + close + #", "z": 3}"#
                for depth in [n - 1, n, n + 1, n + 2, JSONReader.defaultMaxDepth] where depth > 0 {
                    let bytes = Array(doc.utf8)
                    let full = bytes.withUnsafeBytes { buf in
                        Result { () throws(JSONParseError) -> Value in try JSONReader.parse(buf, maxDepth: depth) }
                    }
                    let expected: String
                    switch full {
                    case .success(let v): expected = "ok \(JSONWriter.string(Self.project(v, shape)))"
                    case .failure(let e): expected = "error \(e.message) at \(e.offset)"
                    }
                    #expect(Self.outcome(bytes, shape, maxDepth: depth) == expected, "\(doc) at depth \(depth)")
                }
            }
        }
    }

    /// Keys are matched by length and their first 8 bytes as one word: keys of 0–12 bytes that
    /// differ in any byte, near the end of the buffer too, select exactly the shape's fields.
    @Test func keyMatchingByWord() throws {
        let keys = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "abcdefghijkl", "é", "\u{1F600}x"]
        let shape = try #require(InputShape.keeping([[""], ["abcdefgh"], ["abcdefghi"], ["ab"], ["é"]]))
        for k in keys {
            for other in keys {
                for doc in [#"{""# + k + #"":1,""# + other + #"":[2]}"#, #"{""# + k + #"":1}"#, #"{""# + k + #"":{}}"#] {
                    let bytes = Array(doc.utf8)
                    let full = try bytes.withUnsafeBytes { buf throws(JSONParseError) in try JSONReader.parse(buf) }
                    #expect(Self.outcome(bytes, shape, maxDepth: JSONReader.defaultMaxDepth)
                        == "ok \(JSONWriter.string(Self.project(full, shape)))", "\(doc)")
                }
            }
        }
    }

    @Test func keepingBuildsPrefixClosedShapes() {
        #expect(InputShape.keeping([["a", "b"], ["a"], ["c", "d"]])?.description == #"{"a": *, "c": {"d": *}}"#)
        #expect(InputShape.keeping([["a"], []]) == nil)
        #expect(InputShape.keeping([])?.description == "{}")
    }
}

/// A small deterministic generator (tests must not depend on the system's randomness).
private struct ProjectionFuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
