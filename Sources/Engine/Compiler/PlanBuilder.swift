// Builds the data tree from base data and modules, places every rule at its node, then
// lowers bodies (after all nodes exist, so references resolve to direct links).

final class PlanBuilder {
    /// `errors` tagged with OPA's compiler stage (`CheckStage`).
    var stagedErrors: [(CheckStage, EngineError)] {
        errors.enumerated().map { (CheckStage.ofPlanError($0.element, headSafety: headSafetyErrors.contains($0.offset)), $0.element) }
    }

    let root: DataNode
    private var nextID = 1
    var errors: [EngineError] = []
    /// Indices into `errors` of head-safety errors (OPA checks heads in a stage before bodies).
    var headSafetyErrors = Set<Int>()
    var warnings: [String] = []
    /// Every module's `# METADATA` blocks (for `rego.metadata.*` calls).
    var annotations = AnnotationSet()

    init(data: Value) {
        root = DataNode(id: 0, path: [])
        root.base = data
    }

    /// A builder over a finished plan, for resolving query references (adds no nodes).
    init(existing plan: Plan) {
        root = plan.root
        nextID = plan.nodeCount
    }

    func existingNode(_ path: [String]) -> DataNode? {
        var n = root
        for p in path {
            guard let c = n.children[p] else { return nil }
            n = c
        }
        return n
    }

    func makeNode(_ path: [String]) -> DataNode {
        var n = root
        for (i, p) in path.enumerated() {
            if let c = n.children[p] {
                n = c
            } else {
                let c = DataNode(id: nextID, path: Array(path[0...i]))
                nextID += 1
                if let b = n.base, let cb = b[p] { c.base = cb }
                n.children[p] = c
                n = c
            }
        }
        return n
    }

    /// A `data` reference: follows nodes for the constant prefix (stopping at a rule node),
    /// the rest stays a runtime path.
    func dataRef(_ path: [String], _ extra: [PTerm]) -> PTerm {
        Self.dataRef(root, path, extra)
    }

    // MARK: building

    struct Pending {
        let rule: Rule
        let prule: PRule
        let lowerer: Lowerer
        let keyParts: [RefPart]
        /// The module keeps `not expr` whole (NegationLifting).
        let keepsNegation: Bool
    }

    func build(modules: [Module]) -> Plan {
        var ruleNames: [[String]: Set<String>] = [:]
        for m in modules {
            for r in m.rules { ruleNames[m.package.segments, default: []].insert(r.name) }
        }
        var pending: [Pending] = []
        annotations = AnnotationSet(modules)  // its errors are reported by AnnotationsCheck
        // Every package exists, even one without rules (its document is `{}`).
        for m in modules { _ = makeNode(m.package.segments) }
        for m in modules {
            var imports: [String: Ref] = [:]
            for imp in m.imports {
                if let n = imp.boundName { imports[n] = imp.path }
            }
            let env = ModuleEnv(package: m.package.segments, imports: imports, ruleNames: ruleNames[m.package.segments] ?? [])
            let lowerer = Lowerer(plan: self, env: env)
            let keepsNegation = NegationLifting.keepsNegationWhole(m)
            for r in m.rules {
                // The node: package + the ground prefix of the head ref.
                var path = m.package.segments + [r.name]
                var keyParts: [RefPart] = []
                var ground = true
                for p in r.head.ref.parts {
                    if ground, let k = p.stringKey {
                        path.append(k)
                    } else {
                        ground = false
                        keyParts.append(p)
                    }
                }
                if r.kind == .partialObject && keyParts.isEmpty, let last = path.popLast() {
                    // `p["a"] := 1` style: the last constant key is the object key.
                    keyParts = [.field(last, r.location)]
                }
                let node = makeNode(path)
                let kind: NodeKind
                switch r.kind {
                case .complete: kind = .complete
                case .partialSet: kind = keyParts.isEmpty ? .partialSet : .partialObject
                case .partialObject: kind = .partialObject
                case .function: kind = .function
                }
                if node.kind == .package || node.kind == kind {
                    node.kind = kind
                } else if !r.isDefault {
                    errors.append(EngineError(.compileError, "conflicting rules \(node.dottedPath) found", location: r.location))
                    continue
                }
                let pr = PRule(kind: r.kind, isDefault: r.isDefault, location: r.location)
                pr.arity = r.head.args?.count ?? 0
                if r.isDefault { node.defaultRule = pr } else { node.rules.append(pr) }
                pending.append(Pending(rule: r, prule: pr, lowerer: lowerer, keyParts: keyParts, keepsNegation: keepsNegation))
            }
        }
        for p in pending { lowerRule(p) }
        for p in pending where !p.keepsNegation { NegationLifting.rewrite(p.prule) }
        for p in pending {
            for (i, e) in p.lowerer.errors.enumerated() {
                if p.lowerer.headSafetyErrors.contains(i) { headSafetyErrors.insert(errors.count) }
                errors.append(e)
            }
            p.lowerer.errors = []
            p.lowerer.headSafetyErrors = []
        }
        buildIndexes(root, RaiseAnalysis())
        var refs = InputRefRewriter(nextID: nextID)
        refs.rewrite(root)
        nextID = refs.nextID
        return Plan(root: root, nodeCount: nextID)
    }

    private func buildIndexes(_ n: DataNode, _ raising: RaiseAnalysis) {
        switch n.kind {
        case .complete, .partialSet, .partialObject, .function:
            n.rules = ClauseOrder.ordered(n.rules)
            var guarded: [PRule] = []
            var anyGuarded = false
            for r in n.rules {
                CallHoisting.rewrite(r)
                let g = ClausePrune.addChecks(r, raising)
                guarded.append(g ?? r)
                if g != nil { anyGuarded = true }
            }
            n.guardedRules = anyGuarded ? guarded : nil
        case .package: break
        }
        n.seal()
        if n.hasRules { n.index = InputRuleIndex.build(n) }
        n.constantValue = Self.constantValue(n)
        n.earlyExit = Self.earlyExit(n)
        n.numberKeyedDepth = NumberKeyedRules.depth(n)
        if n.numberKeyedDepth > 0 { n.numberKeyedPrefixes = n.rules.map(NumberKeyedRules.groundPrefix) }
        for c in n.children.values { buildIndexes(c, raising) }
    }

    /// The value of `n` when it is one complete rule without conditions, default or else
    /// whose value is a constant.
    static func constantValue(_ n: DataNode) -> Value? {
        guard n.kind == .complete, n.defaultRule == nil, n.rules.count == 1 else { return nil }
        let r = n.rules[0]
        guard r.elseChain.isEmpty, case .const(let v)? = r.value else { return nil }
        for e in r.body {
            guard e.withs.isEmpty, !e.negated else { return nil }
            switch e.kind {
            case .noop: continue
            case .term(.const(let c)) where Evaluator.truthy(c): continue
            default: return nil
            }
        }
        return v
    }

    /// True when `n` is a complete rule set or function whose rules (and else branches) all
    /// have one and the same constant value (`allow if …`, `deny if …` several times). The
    /// default rule does not count, as in OPA.
    static func earlyExit(_ n: DataNode) -> Bool {
        guard n.kind == .complete || n.kind == .function, !n.rules.isEmpty else { return false }
        var value: Value?
        for r in n.rules {
            guard case .const(let v)? = r.value else { return false }
            if let value, value != v { return false }
            value = v
            for e in r.elseChain {
                guard case .const(let ev) = e.value, ev == v else { return false }
            }
        }
        return true
    }

    private func lowerRule(_ p: Pending) {
        let r = p.rule.withComputedArgsInBody(), pr = p.prule, low = p.lowerer
        low.currentRule = p.rule
        defer { low.currentRule = nil }
        // The lowerer is shared by the module's rules: only this rule's body errors hide its head.
        let errorsBefore = low.errors.count
        let frame = FrameAlloc()
        // Arguments are visible to the body and to every else body; each body has its own
        // variables (a name in the first body is another variable in an else body, also inside
        // the else body's comprehensions).
        let argScope = Scope(parent: nil, frame: frame)
        let scope = Scope(parent: argScope, frame: frame)
        var bound = Set<Int>()
        if let args = r.head.args {
            for a in args { low.declarePattern(a, scope: argScope) }
            pr.args = args.map { low.lowerTerm($0, scope: argScope) }
            var u = VarUse()
            pr.args.forEach { u.pattern($0) }
            bound = u.provides
        }
        // Head variables are bound by the body (checked below).
        low.predeclare(r.body, scope: scope)
        let (body, endBound) = low.lowerBody(r.body, scope: scope, bound: bound)
        pr.body = body
        pr.value = r.head.value.map { low.lowerTerm($0, scope: scope) }
        if r.kind == .partialSet { pr.key = r.head.key.map { low.lowerTerm($0, scope: scope) } }
        pr.keyPath = p.keyParts.map { part in
            switch part {
            case .field(let f, _): return .const(.string(f))
            case .bracket(let t): return low.lowerTerm(t, scope: scope)
            }
        }
        low.checkTemplateVars(head: [pr.value, pr.key].compactMap { $0 } + pr.keyPath, bound: endBound, frame: frame,
                              location: r.head.location)
        var headUse = VarUse()
        if let v = pr.value { headUse.value(v) }
        if let k = pr.key { headUse.value(k) }
        pr.keyPath.forEach { headUse.value($0) }
        if let missing = headUse.needs.subtracting(endBound).sorted().first, low.errors.count == errorsBefore {
            low.headSafetyErrors.insert(low.errors.count)
            low.error(.unsafeVarError, "var \(frame.names[missing]) is unsafe", r.head.location)
        }
        for e in r.elseChain {
            let elseScope = Scope(parent: argScope, frame: frame)
            let (eb, elseBound) = low.lowerBody(e.body, scope: elseScope, bound: bound)
            let ev = low.lowerTerm(e.value, scope: elseScope)
            low.checkTemplateVars(head: [ev], bound: elseBound, frame: frame, location: e.value.location)
            pr.elseChain.append((value: ev, body: eb))
        }
        pr.slotCount = frame.count
    }
}

extension PlanBuilder {
    /// A `data` reference against a plan's root (used while building and on finished plans).
    static func dataRef(_ root: DataNode, _ path: [String], _ extra: [PTerm]) -> PTerm {
        var n = root
        var i = 0
        while i < path.count, !n.hasRules, let c = n.children[path[i]] {
            n = c
            i += 1
        }
        var rest = path[i...].map { PTerm.const(.string($0)) } + extra
        // Constant string keys in `extra` descend further while no rule is in the way.
        while !n.hasRules, let first = rest.first, case .const(.string(let s)) = first, let c = n.children[s] {
            n = c
            rest.removeFirst()
        }
        return .data(n, rest)
    }
}
