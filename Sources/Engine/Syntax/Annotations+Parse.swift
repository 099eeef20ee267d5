import Yams

// `# METADATA` blocks: a comment line reading `METADATA` followed by directly adjacent comment
// lines holding YAML. A block applies to the package or rule statement that follows it.

extension Parser {
    mutating func attachAnnotations(to module: inout Module) throws(EngineError) {
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
            var ann = try parseAnnotation(block.yaml, location: block.location, defaultScope: defaultScope)
            switch ann.scope {
            case .package, .subpackages:
                if !beforePackage {
                    throw EngineError(.parseError, "annotation scope '\(ann.scope.rawValue)' must be applied to package", location: block.location)
                }
                ann.path = pkgPath
                module.annotations.append(ann)
            case .rule, .document:
                if beforePackage || ruleIndex == nil {
                    throw EngineError(.parseError, "annotation scope '\(ann.scope.rawValue)' must be applied to rule", location: block.location)
                }
                let r = ruleIndex!
                ann.path = pkgPath + module.rules[r].head.ref.staticPrefix
                module.rules[r].annotations.append(ann)
                module.annotations.append(ann)
            }
        }
    }

    func parseAnnotation(_ yaml: String, location: SourceLocation, defaultScope: Annotations.Scope) throws(EngineError) -> Annotations {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw EngineError(.parseError, "yaml: \(error)", location: location)
        }
        var fields: [(String, Value)] = []
        var scope = defaultScope
        if let node {
            guard case .mapping(let m) = node else {
                throw EngineError(.parseError, "yaml: annotation must be a mapping", location: location)
            }
            for (k, v) in m {
                let key = k.string ?? ""
                switch key {
                case "scope":
                    guard let s = v.string, let sc = Annotations.Scope(rawValue: s) else {
                        throw EngineError(.parseError, "invalid annotation scope '\(v.string ?? "")'", location: location)
                    }
                    scope = sc
                case "authors":
                    fields.append((key, .array(Parser.listItems(v).map(Parser.author))))
                case "related_resources":
                    fields.append((key, .array(Parser.listItems(v).map(Parser.relatedResource))))
                default:
                    fields.append((key, Parser.yamlValue(v)))
                }
            }
        }
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
