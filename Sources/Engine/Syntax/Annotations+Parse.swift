import Yams

// `# METADATA` blocks: a comment line reading `METADATA` followed by directly adjacent comment
// lines holding YAML. A block applies to the package or rule statement that follows it.

extension Parser {
    /// Attaches each block to the statement after it. A malformed block is recorded in
    /// `module.annotationErrors` and skipped: OPA only reports those errors when some module
    /// calls `rego.metadata.chain()` / `rego.metadata.rule()` (the compiler decides).
    mutating func attachAnnotations(to module: inout Module) {
        var blocks: [(endRow: Int, yaml: String, location: SourceLocation)] = []
        var i = 0
        let cs = module.comments
        while i < cs.count {
            let c = cs[i]
            guard c.text.trimmingSpaces == "METADATA" else { i += 1; continue }
            var lines: [String] = []
            var row = c.location.row
            var j = i + 1
            while j < cs.count, cs[j].location.row == row + 1, cs[j].text.trimmingSpaces != "METADATA" {
                lines.append(cs[j].text)
                row += 1
                j += 1
            }
            blocks.append((row, lines.joined(separator: "\n"), c.location))
            i = j
        }
        guard !blocks.isEmpty else { return }
        let pkgPath = module.package.segments
        for block in blocks {
            // The statement right after the block: the package or a rule.
            let ruleIndex = module.rules.firstIndex { $0.location.row > block.endRow }
            let beforePackage = module.package.location.row > block.endRow
            let defaultScope: Annotations.Scope = beforePackage ? .package : .rule
            var ann: Annotations
            do {
                ann = try parseAnnotation(block.yaml, location: block.location, defaultScope: defaultScope)
            } catch {
                module.annotationErrors.append(error)
                continue
            }
            func misplaced(_ want: String, _ have: String) {
                module.annotationErrors.append(EngineError(
                    .parseError, "annotation scope '\(ann.scope.rawValue)' must be applied to \(want) (have \(have))",
                    location: block.location))
            }
            switch ann.scope {
            case .package, .subpackages:
                if !beforePackage { misplaced("package", "rule"); continue }
                ann.path = pkgPath
                module.annotations.append(ann)
            case .rule, .document:
                if beforePackage { misplaced("rule", "package"); continue }
                guard let r = ruleIndex else {
                    module.annotationErrors.append(EngineError(.parseError, Self.invalidScope(""), location: block.location))
                    continue
                }
                ann.path = pkgPath + module.rules[r].head.ref.staticPrefix
                module.rules[r].annotations.append(ann)
                module.annotations.append(ann)
            }
        }
    }

    static func invalidScope(_ s: String) -> String {
        "invalid annotation scope '\(s)'. Use one of 'rule', 'document', 'package', or 'subpackages'"
    }

    func parseAnnotation(_ yaml: String, location: SourceLocation, defaultScope: Annotations.Scope) throws(EngineError) -> Annotations {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw EngineError(.parseError, "yaml: \(error)", location: location)
        }
        var fields: [(String, Value)] = []
        var scope = defaultScope
        var scopeGiven = false
        var entrypoint = false
        if let node {
            guard case .mapping(let m) = node else {
                throw EngineError(.parseError, "yaml: annotation must be a mapping", location: location)
            }
            for (k, v) in m {
                let key = k.string ?? ""
                switch key {
                case "scope":
                    guard let s = v.string, let sc = Annotations.Scope(rawValue: s) else {
                        throw EngineError(.parseError, Parser.invalidScope(v.string ?? ""), location: location)
                    }
                    scope = sc
                    scopeGiven = true
                case "entrypoint":
                    let v = Parser.yamlValue(v)
                    entrypoint = v == .true
                    fields.append((key, v))
                case "schemas":
                    fields.append((key, .array(Parser.listItems(v).flatMap(Parser.schemaEntries))))
                case "authors":
                    fields.append((key, .array(Parser.listItems(v).map(Parser.author))))
                case "related_resources":
                    fields.append((key, .array(Parser.listItems(v).map(Parser.relatedResource))))
                default:
                    fields.append((key, Parser.yamlValue(v)))
                }
            }
        }
        // An entrypoint block before a rule documents the whole rule (OPA's default).
        if entrypoint && !scopeGiven && scope == .rule { scope = .document }
        fields.append(("scope", .string(scope.rawValue)))
        let obj = ObjectValue(pairs: fields.map { (Value.string($0.0), $0.1) })
        return Annotations(scope: scope, value: .object(obj), location: location)
    }

    static func listItems(_ n: Node) -> [Node] {
        if case .sequence(let s) = n { return Array(s) }
        return [n]
    }

    /// `Jane Doe <jane@example.com>` → {name, email}; mappings pass through.
    static func author(_ n: Node) -> Value {
        guard case .scalar = n, let s = n.string else { return yamlValue(n) }
        var name = s.trimmingSpaces
        var pairs: [(Value, Value)] = []
        if name.hasSuffix(">"), let lt = name.lastIndex(of: "<") {
            let email = String(name[name.index(after: lt)..<name.index(before: name.endIndex)])
            name = String(name[..<lt]).trimmingSpaces
            pairs.append((.string("email"), .string(email)))
        }
        if !name.isEmpty { pairs.append((.string("name"), .string(name))) }
        return .object(ObjectValue(pairs: pairs))
    }

    /// `- input.x: schema.y` → {path, schema}; `- input: {inline}` → {path, definition}.
    static func schemaEntries(_ n: Node) -> [Value] {
        guard case .mapping(let m) = n else { return [yamlValue(n)] }
        return m.map { pair in
            let path = Value.array((pair.key.string ?? "").split(separator: ".").map { .string(String($0)) })
            if case .scalar = pair.value, let s = pair.value.string {
                let schema = Value.array(s.split(separator: ".").map { .string(String($0)) })
                return .object(ObjectValue(pairs: [(.string("path"), path), (.string("schema"), schema)]))
            }
            return .object(ObjectValue(pairs: [(.string("path"), path), (.string("definition"), yamlValue(pair.value))]))
        }
    }

    /// A bare URL string → {ref}; mappings pass through.
    static func relatedResource(_ n: Node) -> Value {
        if case .scalar = n, let s = n.string { return .object(ObjectValue(pairs: [(.string("ref"), .string(s))])) }
        return yamlValue(n)
    }

    static func yamlValue(_ n: Node) -> Value {
        switch n {
        case .scalar(let s):
            switch n.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .bool(n.bool ?? false)
            case Tag.Name.int.rawValue: return Number.parse(s.string).map(Value.number) ?? .string(s.string)
            case Tag.Name.float.rawValue: return n.float.map { .number(Number($0)) } ?? .string(s.string)
            default: return .string(s.string)
            }
        case .sequence(let seq):
            return .array(seq.map(yamlValue))
        case .mapping(let m):
            return .object(ObjectValue(pairs: m.map { (Value.string($0.key.string ?? ""), yamlValue($0.value)) }))
        case .alias:
            return .null
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

extension Ref {
    /// The leading constant keys of a rule ref (`p.q[x]` → ["p", "q"]).
    public var staticPrefix: [String] {
        var out = [headVariable ?? ""]
        for p in parts {
            guard let k = p.stringKey else { break }
            out.append(k)
        }
        return out
    }
}
