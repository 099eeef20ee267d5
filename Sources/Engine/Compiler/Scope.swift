/// Slot allocation for one frame (a rule, function or query) and the nested variable scopes
/// inside it (comprehensions, `every`).
final class FrameAlloc {
    private(set) var names: [String] = []
    var wildcards: Set<Int> = []

    var count: Int { names.count }
    /// Slot → order in which `:=` / `some` declared it (OPA names such locals `__localN__` in
    /// that order, which orders them in set literals: LiteralTermOrder).
    private(set) var declarationOrder: [Int: Int] = [:]

    func noteDeclared(_ slot: Int) {
        if declarationOrder[slot] == nil { declarationOrder[slot] = declarationOrder.count }
    }

    func allocate(_ name: String) -> Int {
        names.append(name)
        if name.hasPrefix("$") || name == "_" { wildcards.insert(names.count - 1) }
        return names.count - 1
    }
}

/// Names visible at one level; lookups fall back to the enclosing scope.
final class Scope {
    let parent: Scope?
    let frame: FrameAlloc
    var vars: [String: Int] = [:]

    init(parent: Scope?, frame: FrameAlloc) {
        self.parent = parent
        self.frame = frame
    }

    func lookup(_ name: String) -> Int? {
        if let s = vars[name] { return s }
        return parent?.lookup(name)
    }

    /// Declares `name` in this scope (reusing its slot if this scope already has it).
    @discardableResult
    func declare(_ name: String) -> Int {
        if let s = vars[name] { return s }
        let s = frame.allocate(name)
        vars[name] = s
        return s
    }

    /// A fresh slot for `name` in this scope, shadowing any outer one.
    @discardableResult
    func declareFresh(_ name: String) -> Int {
        let s = frame.allocate(name)
        vars[name] = s
        return s
    }
}
