// libyaml's event API. CYaml is Yams' copy of libyaml: not a product of the Yams package, but
// its module is visible to every module that depends on Yams. Yams' own loader refuses
// duplicate mapping keys and resolves tags its own way, both unlike go-yaml v2 (the parser
// behind OPA's yaml builtins, itself a port of libyaml), so the document tree is built here.
internal import CYaml

/// The first document of a YAML text as go-yaml v2's parser sees it: nodes with their raw
/// tags, plain-ness and anchors; aliases point at the node most recently anchored by that
/// name (anchors are registered before their children, so a node can contain itself).
struct GoYAMLDocument {
    enum Kind { case scalar, sequence, mapping, alias }

    struct Node {
        var kind: Kind
        /// The resolved tag URI (`tag:yaml.org,2002:int`, `!foo`, `!`), "" when none was given.
        var tag: String
        /// Scalar text, or the alias' anchor name.
        var value: String
        /// A scalar without explicit tag written plain (or tagged with the non-specific `!`):
        /// its type comes from its text.
        var implicit: Bool
        var children: [Int] = []
        /// For an alias: the anchored node.
        var target: Int = -1
    }

    var nodes: [Node] = []
    /// nil for an empty stream (go-yaml decodes it as null).
    var root: Int?

    static let yamlTagPrefix = "tag:yaml.org,2002:"

    /// Parses up to the end of the first document, as go-yaml's Unmarshal does (later
    /// documents are not looked at beyond what libyaml reads ahead).
    static func parse(_ text: String) throws(GoYAML.Failure) -> GoYAMLDocument {
        var bytes = Array(text.utf8)
        let count = bytes.count
        bytes.append(0)  // a non-null buffer even for empty input
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw GoYAML.Failure(message: "yaml: out of memory") }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buf throws(GoYAML.Failure) -> GoYAMLDocument in
            let flowQuestion = firstFlowQuestionMark(buf.baseAddress!, count)
            yaml_parser_set_input_string(&parser, buf.baseAddress, count)
            var builder = Builder(parser: &parser)
            do throws(GoYAML.Failure) {
                let doc = try builder.document()
                // Only a '?' the parser reaches counts (`&a &b [a?b]` ends the document early).
                if let q = flowQuestion, q.index < builder.endIndex { throw q.failure }
                return doc
            } catch {
                // A failure before the '?' stands: libyaml's, or an unknown anchor's.
                if let q = flowQuestion {
                    let at = parser.error == YAML_NO_ERROR ? builder.failIndex : Int(parser.problem_mark.index)
                    if at > q.index { throw q.failure }
                }
                throw error
            }
        }
    }

    /// go-yaml's scanner (an older libyaml) ends a plain scalar inside `[…]`/`{…}` at a `?`
    /// and reads it as a key indicator, which the parser then refuses right after a node
    /// (`[a?b]`: `did not find expected ',' or ']'`, at the `?`, in the context of the
    /// innermost collection's start). Yams' libyaml keeps `a?b` one scalar, so the first such
    /// `?` is found with libyaml's scanner and reported as go-yaml would.
    private static func firstFlowQuestionMark(_ base: UnsafePointer<UInt8>, _ count: Int) -> (index: Int, failure: GoYAML.Failure)? {
        var scanner = yaml_parser_t()
        guard yaml_parser_initialize(&scanner) == 1 else { return nil }
        defer { yaml_parser_delete(&scanner) }
        yaml_parser_set_input_string(&scanner, base, count)
        var flows: [(isSequence: Bool, line: Int)] = []
        var content = false  // only the first document counts
        while true {
            var token = yaml_token_t()
            guard yaml_parser_scan(&scanner, &token) == 1 else { return nil }
            defer { yaml_token_delete(&token) }
            switch token.type {
            case YAML_STREAM_END_TOKEN, YAML_DOCUMENT_END_TOKEN: return nil
            case YAML_DOCUMENT_START_TOKEN: if content { return nil }
            case YAML_STREAM_START_TOKEN, YAML_VERSION_DIRECTIVE_TOKEN, YAML_TAG_DIRECTIVE_TOKEN: continue
            case YAML_FLOW_SEQUENCE_START_TOKEN: content = true; flows.append((true, Int(token.start_mark.line)))
            case YAML_FLOW_MAPPING_START_TOKEN: content = true; flows.append((false, Int(token.start_mark.line)))
            case YAML_FLOW_SEQUENCE_START_TOKEN: flows.append((true, Int(token.start_mark.line)))
            case YAML_FLOW_MAPPING_START_TOKEN: flows.append((false, Int(token.start_mark.line)))
            case YAML_FLOW_SEQUENCE_END_TOKEN, YAML_FLOW_MAPPING_END_TOKEN: _ = flows.popLast()
            case YAML_SCALAR_TOKEN where token.data.scalar.style == YAML_PLAIN_SCALAR_STYLE:
                content = true
                guard let flow = flows.last else { continue }
                let value = UnsafeBufferPointer(start: token.data.scalar.value, count: token.data.scalar.length)
                guard value.dropFirst().contains(0x3F) else { continue }  // '?' after the first character
                // Marks count characters: find the scalar's first byte, then the '?' in the source.
                @inline(__always) func nextChar(_ i: inout Int) {
                    i += 1
                    while i < count, base[i] & 0xC0 == 0x80 { i += 1 }
                }
                var byte = 0, chars = 0
                let start = Int(token.start_mark.index)
                while byte < count, chars < start { nextChar(&byte); chars += 1 }
                var line = Int(token.start_mark.line)
                nextChar(&byte)
                chars += 1
                while byte < count {
                    let b = base[byte]
                    if b == 0x0A || (b == 0x0D && (byte + 1 == count || base[byte + 1] != 0x0A)) { line += 1 }
                    if b == 0x3F {
                        let problem = "did not find expected ',' or '\(flow.isSequence ? "]" : "}")'"
                        let at = line != 0 ? line : flow.line
                        return (chars, GoYAML.Failure(message: at != 0 ? "yaml: line \(at): \(problem)" : "yaml: \(problem)"))
                    }
                    nextChar(&byte)
                    chars += 1
                }
                return nil
            default: content = true
            }
        }
    }

    /// go-yaml's report of a libyaml failure: the problem's line (0-based as libyaml counts,
    /// plus one for scanner errors), else the context's, omitted when 0.
    static func failure(_ p: yaml_parser_t) -> GoYAML.Failure {
        var line = 0
        if p.problem_mark.line != 0 {
            line = Int(p.problem_mark.line) + (p.error == YAML_SCANNER_ERROR ? 1 : 0)
        } else if p.context_mark.line != 0 {
            line = Int(p.context_mark.line)
        }
        let problem = p.problem.map { String(cString: $0) } ?? ""
        let msg = problem.isEmpty ? "unknown problem parsing YAML content" : problem
        return GoYAML.Failure(message: line != 0 ? "yaml: line \(line): \(msg)" : "yaml: \(msg)")
    }

    private struct Builder {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        var doc = GoYAMLDocument()
        var anchors: [String: Int] = [:]
        /// Where an unknown anchor was referenced, where the document ended (libyaml's
        /// character indexes).
        var failIndex = Int.max, endIndex = Int.max

        init(parser: UnsafeMutablePointer<yaml_parser_t>) { self.parser = parser }

        /// The next event, which the caller must release with yaml_event_delete.
        mutating func next() throws(GoYAML.Failure) -> yaml_event_t {
            var ev = yaml_event_t()
            guard yaml_parser_parse(parser, &ev) == 1 else { throw GoYAMLDocument.failure(parser.pointee) }
            return ev
        }

        mutating func document() throws(GoYAML.Failure) -> GoYAMLDocument {
            var ev = try next()
            yaml_event_delete(&ev)  // STREAM-START
            ev = try next()
            if ev.type == YAML_STREAM_END_EVENT { yaml_event_delete(&ev); return doc }
            yaml_event_delete(&ev)  // DOCUMENT-START
            ev = try next()
            doc.root = try node(&ev)
            ev = try next()
            endIndex = Int(ev.start_mark.index)
            yaml_event_delete(&ev)  // DOCUMENT-END
            return doc
        }

        static func text(_ p: UnsafeMutablePointer<UInt8>?, _ n: Int? = nil) -> String {
            guard let p else { return "" }
            let len = n ?? strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
            let bytes = UnsafeBufferPointer(start: p, count: len)
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            return Bytes.goLossy(Array(bytes))
        }

        mutating func add(_ n: Node, anchor: UnsafeMutablePointer<UInt8>?) -> Int {
            doc.nodes.append(n)
            let i = doc.nodes.count - 1
            if anchor != nil { anchors[Self.text(anchor)] = i }
            return i
        }

        /// Builds the node that starts with `ev` (consumed), reading its children.
        mutating func node(_ ev: inout yaml_event_t) throws(GoYAML.Failure) -> Int {
            defer { yaml_event_delete(&ev) }
            switch ev.type {
            case YAML_SCALAR_EVENT:
                let s = ev.data.scalar
                return add(Node(kind: .scalar, tag: Self.text(s.tag), value: Self.text(s.value, s.length),
                                implicit: s.plain_implicit != 0), anchor: s.anchor)
            case YAML_ALIAS_EVENT:
                let name = Self.text(ev.data.alias.anchor)
                guard let target = anchors[name] else {
                    failIndex = Int(ev.start_mark.index)
                    throw GoYAML.Failure(message: "yaml: unknown anchor '\(name)' referenced")
                }
                var n = Node(kind: .alias, tag: "", value: name, implicit: false)
                n.target = target
                doc.nodes.append(n)
                return doc.nodes.count - 1
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isSeq = ev.type == YAML_SEQUENCE_START_EVENT
                let end = isSeq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT
                let tag = isSeq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag
                let anchor = isSeq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor
                let i = add(Node(kind: isSeq ? .sequence : .mapping, tag: Self.text(tag), value: "", implicit: false), anchor: anchor)
                var children: [Int] = []
                while true {
                    var child = try next()
                    if child.type == end { yaml_event_delete(&child); break }
                    children.append(try node(&child))
                }
                doc.nodes[i].children = children
                return i
            default:
                throw GoYAML.Failure(message: "yaml: unexpected event")
            }
        }
    }
}
