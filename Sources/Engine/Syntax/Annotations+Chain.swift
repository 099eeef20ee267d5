// The annotations of all modules, indexed the way `rego.metadata.chain()` / `rego.metadata.rule()`
// look them up. The compiler evaluates both calls once per rule (they only depend on which rule
// contains them) and lowers them to constants.

struct AnnotationSet {
    /// Document-scoped blocks by rule path (package + the rule ref's constant prefix).
    private var document: [[String]: Annotations] = [:]
    /// Package-scoped blocks by package path.
    private var package: [[String]: Annotations] = [:]
    /// Subpackages-scoped blocks by package path.
    private var subpackages: [[String]: Annotations] = [:]
    private enum Kind: String { case document, package, subpackages }
    /// Duplicate package/document blocks (OPA rejects them as type errors).
    private(set) var errors: [EngineError] = []

    init() {}

    init(_ modules: [Module]) {
        for m in modules {
            for a in m.annotations {
                switch a.scope {
                case .rule: break
                case .document: insert(a, .document)
                case .package: insert(a, .package)
                case .subpackages: insert(a, .subpackages)
                }
            }
        }
    }

    private mutating func insert(_ a: Annotations, _ kind: Kind) {
        let prev: Annotations?
        switch kind {
        case .document: prev = document[a.path]
        case .package: prev = package[a.path]
        case .subpackages: prev = subpackages[a.path]
        }
        if let prev {
            errors.append(EngineError(.typeError, "\(kind.rawValue) annotation redeclared: \(prev.location.file):\(prev.location.row)",
                                      location: a.location))
            return
        }
        switch kind {
        case .document: document[a.path] = a
        case .package: package[a.path] = a
        case .subpackages: subpackages[a.path] = a
        }
    }

    /// `rego.metadata.chain()` inside `rule` of package `pkg`: the rule's own blocks (closest
    /// first; a path-only entry when it has none), then its document block, the package block,
    /// and the subpackages blocks from the package outwards to the root.
    func chain(rule: Rule, package pkg: [String]) -> Value {
        let rulePath = pkg + rule.head.ref.staticPrefix
        var entries: [Value] = []
        let own = rule.annotations.filter { $0.scope == .rule }
        if own.isEmpty {
            entries.append(Self.entry(path: rulePath, annotations: nil))
        } else {
            for a in own.sorted(by: { ($0.location.row, $0.location.col) > ($1.location.row, $1.location.col) }) {
                entries.append(Self.entry(path: a.path, annotations: a.value))
            }
        }
        if let d = document[rulePath] { entries.append(Self.entry(path: d.path, annotations: d.value)) }
        if let p = package[pkg] { entries.append(Self.entry(path: p.path, annotations: p.value)) }
        var prefix = pkg
        while true {
            if let s = subpackages[prefix] { entries.append(Self.entry(path: s.path, annotations: s.value)) }
            if prefix.isEmpty { break }
            prefix.removeLast()
        }
        return .array(entries)
    }

    /// `rego.metadata.rule()`: the rule's closest rule-scoped block, or `{}`.
    func ruleMetadata(rule: Rule) -> Value {
        let own = rule.annotations.filter { $0.scope == .rule }
        let closest = own.max { ($0.location.row, $0.location.col) < ($1.location.row, $1.location.col) }
        return closest?.value ?? .emptyObject
    }

    private static func entry(path: [String], annotations: Value?) -> Value {
        var pairs: [(Value, Value)] = [(.string("path"), .array(path.map(Value.string)))]
        if let annotations { pairs.append((.string("annotations"), annotations)) }
        return .object(ObjectValue(pairs: pairs))
    }
}
