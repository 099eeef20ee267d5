// Rules, functions and the data tree: base documents merged with the virtual documents that
// rules define, memoised per evaluation.

extension Evaluator {
    /// Resolves `data.<node path>` followed by `path`.
    func evalData(_ node: DataNode, _ path: [PTerm], _ k: (Value) throws -> Void) throws {
        var n = node
        var i = 0
        while i < path.count, !n.hasRules, case .const(.string(let s)) = path[i], let c = n.child(s) {
            n = c
            i += 1
        }
        if !dataOverlays.isEmpty, try evalOverlaid(n, path, i, k) { return }
        try evalDataFrom(n, path, i, k)
    }

    /// Descends the data tree along `path[i...]`: variables iterate over the node's keys (child
    /// nodes and base data), so `data[x].allow` does not compute all of `data`.
    private func evalDataFrom(_ n: DataNode, _ path: [PTerm], _ i: Int, _ k: (Value) throws -> Void) throws {
        if n.hasRules || i == path.count {
            if n.hasNumberKeyedRules, i < path.count, !path[i].hasUnboundLocals(self) {
                // A lookup by a known key: rules are matched by number text (NumberKeyedRules).
                try enter(); defer { depth -= 1 }
                try evalTerm(path[i]) { first in
                    let keys = [first] + NumberKeyedRules.groundKeys(path, from: i + 1) { self.slots[self.base + $0] }
                    let memoKey = [Value.number(.int(n.id))] + keys
                    if let c = memo.numberKeyed[memoKey], NumberKeyedRules.filed(n.numberKeyedPrefixes, keys) {
                        return try walk(c, path, i + keys.count, k)
                    }
                    guard var c = try partialObjectValue(n, keys: keys) else { return }
                    for key in keys {
                        guard let next = c[key] else { return }
                        c = next
                    }
                    memo.numberKeyed[memoKey] = c
                    try walk(c, path, i + keys.count, k)
                }
                return
            }
            if let v = try nodeValue(n) { try walk(v, path, i, k) }
            return
        }
        let elem = path[i]
        if case .local(let s) = elem, slots[base + s] == nil {
            var keys = Set<String>(n.children.keys)
            if case .object(let o)? = n.base {
                for key in o.keys { if case .string(let ks) = key { keys.insert(ks) } }
            }
            let slot = base + s
            for key in keys.sorted(by: { regoStringsCompare($0, $1) < 0 }) {
                slots[slot] = .string(key)
                try descend(n, .string(key), path, i, k)
            }
            slots[slot] = nil
            return
        }
        if elem.hasUnboundLocals(self) {
            if let v = try nodeValue(n) { try walk(v, path, i, k) }
            return
        }
        try evalTerm(elem) { key in try descend(n, key, path, i, k) }
    }

    private func descend(_ n: DataNode, _ key: Value, _ path: [PTerm], _ i: Int, _ k: (Value) throws -> Void) throws {
        if case .string(let s) = key, let c = n.child(s) {
            return try evalDataFrom(c, path, i + 1, k)
        }
        // Not a child node: only base data can answer.
        guard let b = n.base else { return }
        if let c = b[key] { return try walkBase(c, path, i + 1, k) }
        // Data documents are JSON: a number key finds its string form.
        if case .number(let num) = key, let c = b[Value.string(num.description)] { try walkBase(c, path, i + 1, k) }
    }

    /// `walk` through base data: at every step with a known key, a number key that an object
    /// lacks finds its string form (OPA reads base data by storage path, `data.x[2]` ≡ `data.x["2"]`).
    private func walkBase(_ v: Value, _ path: [PTerm], _ i: Int, _ k: (Value) throws -> Void) throws {
        if i == path.count { return try k(v) }
        let key: Value?
        switch path[i] {
        case .const(let c): key = c
        case .local(let s): key = slots[base + s]
        default: key = nil
        }
        guard let key else { return try walk(v, path, i, k) }
        if let c = v[key] { return try walkBase(c, path, i + 1, k) }
        if case .object(let o) = v, case .number(let num) = key, let c = o[Value.string(num.description)] {
            try walkBase(c, path, i + 1, k)
        }
    }

    /// Handles a data reference while `with data…` overlays are in effect. Returns false when
    /// no overlay touches the reference.
    private func evalOverlaid(_ n: DataNode, _ path: [PTerm], _ i: Int, _ k: (Value) throws -> Void) throws -> Bool {
        var full = n.path.map { Value.string($0) }
        var j = i
        while j < path.count, case .const(let key) = path[j] {
            full.append(key)
            j += 1
        }
        for (o, v) in dataOverlays.reversed() where o.count <= full.count && Array(full[0..<o.count]) == o {
            var cur: Value? = v
            for key in full[o.count...] { cur = cur?[key] }
            if let cur { try walk(cur, path, j, k) }
            return true
        }
        let deeper = dataOverlays.filter { o, _ in o.count > full.count && Array(o[0..<full.count]) == full }
        if deeper.isEmpty { return false }
        if !n.hasRules, j == i {
            // A package (or the root): its rules see the overlays below it (`data.lib with
            // data.lib.p as 5` evaluates `q := p + 1` with p = 5), so build it child by child.
            if let doc = try overlaidPackage(n, full, deeper) { try walk(doc, path, j, k) }
            return true
        }
        // A rule's value or base data: compute it without those overlays, then patch them in.
        let saved = dataOverlays
        dataOverlays = saved.filter { o, _ in !(o.count > full.count && Array(o[0..<full.count]) == full) }
        var doc: Value?
        do {
            try evalData(n, Array(path[i..<j]), { v in if doc == nil { doc = v } })
        } catch {
            dataOverlays = saved
            throw error
        }
        dataOverlays = saved
        for (o, v) in deeper {
            doc = Evaluator.upsert(doc ?? .emptyObject, Array(o[full.count...]), 0, v)
        }
        if let doc { try walk(doc, path, j, k) }
        return true
    }

    /// A package's document while overlays below it are in effect: each child node through
    /// `evalData` (which applies the overlays on and below it, to rules that read them too),
    /// then the overlays into base data that no child node holds.
    private func overlaidPackage(_ n: DataNode, _ full: [Value], _ deeper: [([Value], Value)]) throws -> Value? {
        var b = ObjectBuilder()
        if case .object(let o)? = n.base {
            for (key, val) in o.pairs { b[key] = val }
        }
        for (name, child) in n.orderedChildren {
            if child.kind == .function { continue }
            var cv: Value?
            try evalData(child, []) { v in if cv == nil { cv = v } }
            guard let cv else { continue }
            if let existing = b[.string(name)] {
                if case .object(let eo) = existing, case .object(let co) = cv {
                    b[.string(name)] = .object(Evaluator.mergeObjects(eo, co))
                }
            } else {
                b[.string(name)] = cv
            }
        }
        var doc = Value.object(b.build())
        for (o, v) in deeper {
            if case .string(let s) = o[full.count], n.children[s] != nil { continue }
            doc = Evaluator.upsert(doc, Array(o[full.count...]), 0, v)
        }
        return doc
    }

    /// The document at `node`: its rules' value, or for a package the object of base data and
    /// all children.
    func nodeValue(_ node: DataNode) throws -> Value? {
        if let c = node.constantValue { return c }
        if let m = memo[node.id] { return m }
        let v: Value?
        if node.hasRules {
            v = try ruleSetValue(node)
        } else {
            var b = ObjectBuilder()
            if case .object(let o)? = node.base {
                for (key, val) in o.pairs { b[key] = val }
            }
            for (name, child) in node.orderedChildren {
                if child.kind == .function { continue }
                if let cv = try nodeValue(child) {
                    if let existing = b[.string(name)] {
                        // Base data and a rule at one path: objects merge; otherwise the base
                        // document wins in the package's document (OPA's extent merge).
                        if case .object(let eo) = existing, case .object(let co) = cv {
                            b[.string(name)] = .object(Evaluator.mergeObjects(eo, co))
                        }
                    } else {
                        b[.string(name)] = cv
                    }
                }
            }
            v = .object(b.build())
        }
        memo.store(node.id, v)
        return v
    }

    static func mergeObjects(_ a: ObjectValue, _ b: ObjectValue) -> ObjectValue {
        var out = ObjectBuilder(a)
        for (k, v) in b.pairs {
            if let old = out[k] {
                if case .object(let oo) = old, case .object(let no) = v { out[k] = .object(mergeObjects(oo, no)) }
            } else {
                out[k] = v
            }
        }
        return out.build()
    }

    // MARK: rule sets

    private func ruleSetValue(_ node: DataNode) throws -> Value? {
        try enter(); defer { depth -= 1 }
        // A function's error deferred in a rule's body is raised before the next rule runs.
        let pending = deferredErrors.count
        switch node.kind {
        case .complete:
            var result: Value?
            let early = node.earlyExit
            // Rules are lent from the plan's buffer, not retained per rule (`withBorrowed`).
            let rules = candidateRules(node)
            for j in 0..<rules.count {
                try rules.withBorrowed(j) { r in try evalCompleteRule(r, &result, firstOnly: early) }
                try raiseDeferred(since: pending)
                if early && result != nil { break }
            }
            if result == nil, let d = node.defaultRule {
                try evalCompleteRule(d, &result)
            }
            return result
        case .partialSet:
            var b = SetBuilder()
            let rules = candidateRules(node)
            for j in 0..<rules.count {
                try rules.withBorrowed(j) { r in try evalSetRule(r, &b) }
                try raiseDeferred(since: pending)
            }
            return .set(b.build())
        case .partialObject:
            return try partialObjectValue(node, keys: nil)
        case .function:
            // A function referred to as a value: undefined.
            return nil
        case .package:
            return nil
        }
    }

    /// A partial object's document. With `keys` (a lookup by ground keys into a node with
    /// number-keyed rules), rules filed under another text of those numbers are left out; the
    /// whole document is undefined when two rules filed under different texts of one number both
    /// produce a value (NumberKeyedRules).
    func partialObjectValue(_ node: DataNode, keys lookup: [Value]?) throws -> Value? {
        var obj: Value = .emptyObject
        var filed = NumberKeyedRules.Filing()
        // Key paths where a rule placed a whole value (children may not extend those).
        var leaves = Set<[Value]>()
        let textDepth = lookup.map { NumberKeyedRules.textDepth(node.numberKeyedPrefixes, $0) } ?? 0
        let rules = candidateRules(node)
        for j in 0..<rules.count {
            let r = rules[j]
            if let lookup, NumberKeyedRules.filedElsewhere(r, lookup, depth: textDepth) { continue }
            rulesRun += 1
            let saved = try pushFrame(r.slotCount)
            defer { popFrame(saved) }
            try evalBody(r.body, 0) {
                try evalList(r.keyPath) { keys in
                    if r.kind == .partialSet {
                        // Multi-value rule with a variable ref head: a set at the leaf.
                        guard let kt = r.key else { return }
                        try evalTerm(kt) { e in
                            if node.hasNumberKeyedRules, filed.add(r, keys, depth: node.numberKeyedDepth) { return }
                            obj = try Evaluator.insertPath(obj, keys, 0, .set(SetValue([e])), r.location, mergeSets: true)
                        }
                        return
                    }
                    guard let vt = r.value else { return }
                    try evalTerm(vt) { v in
                        if node.hasNumberKeyedRules {
                            // OPA caches a rule-tree node's value by its keys' values.
                            if lookup == nil, r.keyPath.count == NumberKeyedRules.groundPrefix(r).count {
                                let memoKey = [Value.number(.int(node.id))] + keys
                                if memo.numberKeyed[memoKey] == nil { memo.numberKeyed[memoKey] = v }
                            }
                            if filed.add(r, keys, depth: node.numberKeyedDepth) { return }
                        }
                        obj = try Evaluator.insertPath(obj, keys, 0, v, r.location)
                        leaves.insert(keys)
                    }
                }
            }
        }
        // Rules defined below this one (`p.q.r := 1` next to `p.q[s] := 2`).
        for (name, child) in node.orderedChildren where child.kind != .function {
            if let cv = try valueBelowVariableKey(child) {
                obj = try Evaluator.mergeChild(obj, [], .string(name), cv, leaves: leaves,
                                               Evaluator.firstRuleLocation(child) ?? SourceLocation(file: "", row: 0, col: 0))
            }
        }
        if filed.collided { return nil }
        if case .object(let o) = obj, o.isEmpty, let d = node.defaultRule {
            var result: Value?
            try evalCompleteRule(d, &result)
            return result ?? obj
        }
        return obj
    }

    /// One rule of a partial set: leading single-solution expressions run directly (as for
    /// complete rules); a body without iteration adds its element without any continuation.
    private func evalSetRule(_ r: PRule, _ b: inout SetBuilder) throws {
        rulesRun += 1
        let saved = try pushFrame(r.slotCount)
        defer { popFrame(saved) }
        let mark = trail.count
        defer { unwindTrail(mark) }
        // The rule's fields are `var`s (compiler passes rewrite them): read each once, the
        // body through `straightBody` until the continuation path needs the array.
        let key = r.key
        let straight = r.straightBody
        guard let stop = try runStraight(straight) else { return }
        guard stop < straight.count else {
            try step()
            if let key { try insertElement(key, &b) }
            return
        }
        try evalBody(r.body, stop) {
            if let key { try insertElement(key, &b) }
        }
    }

    /// Inserts `v` at `keys` into nested objects; a different value already there is a conflict.
    static func insertPath(_ doc: Value, _ keys: [Value], _ i: Int, _ v: Value, _ loc: SourceLocation,
                           mergeSets: Bool = false, mergeObjects: Bool = false) throws -> Value {
        guard case .object(let o) = doc else {
            throw EngineError(.evalConflictError, "object keys must be unique", location: loc)
        }
        if i == keys.count - 1 {
            if let old = o[keys[i]] {
                if old == v { return doc }
                if mergeSets, case .set(let a) = old, case .set(let b) = v { return .object(o.inserting(keys[i], .set(a.union(b)))) }
                if mergeObjects, case .object(let a) = old, case .object(let b) = v {
                    var merged: Value = .object(a)
                    for (bk, bv) in b.pairs {
                        merged = try insertPath(merged, [bk], 0, bv, loc, mergeObjects: true)
                    }
                    return .object(o.inserting(keys[i], merged))
                }
                throw EngineError(.evalConflictError, "object keys must be unique", location: loc)
            }
            return .object(o.inserting(keys[i], v))
        }
        let child = o[keys[i]] ?? .emptyObject
        return .object(o.inserting(keys[i], try insertPath(child, keys, i + 1, v, loc, mergeSets: mergeSets, mergeObjects: mergeObjects)))
    }

    /// Merges a child node's document at `prefix + [key]`: objects built from rule paths merge
    /// and sets (multi-value rules) unite, but a child may not reach into a value another rule
    /// produced (`p[q].r := {…}` next to `p.q.r.s := 1` is a conflict, as in OPA).
    static func mergeChild(_ doc: Value, _ prefix: [Value], _ key: Value, _ v: Value, leaves: Set<[Value]>,
                           _ loc: SourceLocation) throws -> Value {
        guard case .object(let o) = doc else {
            throw EngineError(.evalConflictError, "object keys must be unique", location: loc)
        }
        guard let old = o[key] else { return .object(o.inserting(key, v)) }
        if old == v { return doc }
        let path = prefix + [key]
        if case .set(let a) = old, case .set(let b) = v { return .object(o.inserting(key, .set(a.union(b)))) }
        if !leaves.contains(path), case .object(let a) = old, case .object(let b) = v {
            var merged: Value = .object(a)
            for (bk, bv) in b.pairs { merged = try mergeChild(merged, path, bk, bv, leaves: leaves, loc) }
            return .object(o.inserting(key, merged))
        }
        throw EngineError(.evalConflictError, "object keys must be unique", location: loc)
    }

    /// A child's document inside an object whose rules have variable keys (`p[k].c := …`):
    /// there OPA builds the object from the values rules produce, so a multi-value or partial
    /// object rule without values (and a path left empty by them) adds no key (`p.a.s contains
    /// x if false` beside `p[k].c := …` gives no `a`; without such a rule `p.a.s` is `[]`).
    private func valueBelowVariableKey(_ n: DataNode) throws -> Value? {
        switch n.kind {
        case .partialSet:
            let v = try nodeValue(n)
            if case .set(let s)? = v, s.isEmpty { return nil }
            return v
        case .partialObject:
            let v = try nodeValue(n)
            if case .object(let o)? = v, o.isEmpty, n.defaultRule == nil { return nil }
            return v
        case .package:
            guard n.base == nil else { return try nodeValue(n) }
            var b = ObjectBuilder()
            for (name, child) in n.orderedChildren where child.kind != .function {
                if let cv = try valueBelowVariableKey(child) { b[.string(name)] = cv }
            }
            let o = b.build()
            return o.isEmpty ? nil : .object(o)
        default:
            return try nodeValue(n)
        }
    }

    /// Where a conflict with `node`'s document is reported: its first rule, or the first rule
    /// below it (`p.a.b.x := 0` for the node `a`, which has no rules of its own).
    static func firstRuleLocation(_ node: DataNode) -> SourceLocation? {
        if let loc = node.rules.first?.location { return loc }
        for (_, child) in node.orderedChildren {
            if let loc = firstRuleLocation(child) { return loc }
        }
        return nil
    }

    /// A partial set rule's element: the key term's values (one, directly, in the common case).
    @inline(__always)
    private func insertElement(_ key: PTerm, _ b: inout SetBuilder) throws {
        var single: Value?
        if try evalSingle(key, &single) {
            if let v = single { b.insert(v) }
            return
        }
        try evalTerm(key) { b.insert($0) }
    }

    /// Runs a complete rule (and its else chain), merging each value it produces into `result`
    /// (a different value is a conflict). A body whose expressions all have at most one
    /// solution runs without continuations. `firstOnly` (the rule set's `earlyExit`): stop at
    /// the first value, since every other solution would produce the same constant.
    private func evalCompleteRule(_ r: PRule, _ result: inout Value?, firstOnly: Bool = false) throws {
        rulesRun += 1
        let saved = try pushFrame(r.slotCount)
        defer { popFrame(saved) }
        let mark = trail.count
        defer { unwindTrail(mark) }
        var produced = false
        // The body through `straightBody` (no retain of the `var` array); `r.body` only on the
        // continuation path.
        let straight = r.straightBody
        if let stop = try runStraight(straight) {
            if stop == straight.count {
                try step()
                try produceRuleValue(r, &result, &produced)
            } else if firstOnly {
                do {
                    try evalBody(r.body, stop) {
                        try produceRuleValue(r, &result, &produced)
                        if produced { throw Evaluator.stop }
                    }
                } catch let e where Evaluator.isStop(e) {}
            } else {
                try evalBody(r.body, stop) { try produceRuleValue(r, &result, &produced) }
            }
        }
        if produced { return }
        unwindTrail(mark)
        for e in r.elseChain {
            if firstOnly {
                do {
                    try evalBody(e.body, 0) {
                        try produceValue(e.value, r, &result, &produced)
                        if produced { throw Evaluator.stop }
                    }
                } catch let e where Evaluator.isStop(e) {}
            } else {
                try evalBody(e.body, 0) { try produceValue(e.value, r, &result, &produced) }
            }
            if produced { return }
        }
    }

    /// The rule's value for the current solution: its constant as is, else its term evaluated.
    @inline(__always)
    private func produceRuleValue(_ r: PRule, _ result: inout Value?, _ produced: inout Bool) throws {
        if let c = r.constantValue {
            try Self.merge(c, &result, &produced, r)
        } else if let vt = r.value {
            try produceValue(vt, r, &result, &produced)
        }
    }

    private func produceValue(_ vt: PTerm, _ r: PRule, _ result: inout Value?, _ produced: inout Bool) throws {
        var single: Value?
        if try evalSingle(vt, &single) {
            if let v = single { try Self.merge(v, &result, &produced, r) }
            return
        }
        try evalTerm(vt) { v in try Self.merge(v, &result, &produced, r) }
    }

    private static func merge(_ v: Value, _ result: inout Value?, _ produced: inout Bool, _ r: PRule) throws {
        produced = true
        if let old = result {
            if old != v {
                throw EngineError(.evalConflictError, "complete rules must not produce multiple outputs", location: r.location)
            }
            return  // equal values (1 and 1.0): the first one stays, as in OPA
        }
        result = v
    }

    // MARK: functions

    func callFunction(_ node: DataNode, _ args: Arguments, _ loc: SourceLocation) throws -> Value? {
        try enter(); defer { depth -= 1 }
        var result: Value?
        try deferringAfterFirstValue({ result != nil }) {
            for r in (replacements.isEmpty ? node.rules : node.guardedRules ?? node.rules) where r.args.count == args.count {
                let saved = try pushFrame(r.slotCount)
                defer { popFrame(saved) }
                var produced = false
                rulesRun += 1
                // A definition with a constant value stops at its body's first solution (OPA's
                // early exit): every other solution would give the same value.
                let firstOnly = r.value?.isConst ?? false
                try bindArgs(r.args, args, 0) {
                    do {
                        try evalBody(r.body, 0) {
                            if let vt = r.value { try evalTerm(vt) { v in try Self.accept(v, &result, &produced, r) } }
                            if firstOnly && produced { throw Evaluator.stop }
                        }
                    } catch let e where Evaluator.isStop(e) {}
                    if !produced {
                        for e in r.elseChain {
                            try evalBody(e.body, 0) { try evalTerm(e.value) { v in try Self.accept(v, &result, &produced, r) } }
                            if produced { break }
                        }
                    }
                }
                // Every definition has this same constant value: the others cannot change it.
                if node.earlyExit && result != nil { break }
            }
        }
        if result == nil, let d = node.defaultRule, let vt = d.value {
            let saved = try pushFrame(d.slotCount)
            defer { popFrame(saved) }
            try evalTerm(vt) { v in result = v }
        }
        return result
    }

    /// A function result: all definitions must agree for the same arguments.
    private static func accept(_ v: Value, _ result: inout Value?, _ produced: inout Bool, _ r: PRule) throws {
        produced = true
        if let old = result {
            if old != v {
                throw EngineError(.evalConflictError, "functions must not produce multiple outputs for same inputs", location: r.location)
            }
            return  // equal values (1 and 1.0): the first one stays, as in OPA
        }
        result = v
    }

    private func bindArgs(_ pats: [PTerm], _ vals: Arguments, _ i: Int, _ k: () throws -> Void) throws {
        if i == pats.count { return try k() }
        try unifyValue(pats[i], vals[i]) { try bindArgs(pats, vals, i + 1, k) }
    }
}
