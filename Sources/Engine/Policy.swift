/// The engine's public face: compile Rego modules plus base data once, then evaluate many
/// times. A `CompiledPolicy` is immutable and `Sendable`: the daemon shares one across all
/// request threads and swaps in a new one when a bundle changes.
///
/// (Placeholder bodies: the parser, compiler and evaluator land behind this API.)

/// Which Rego syntax a module is written in.
public enum RegoVersion: Sendable, Hashable {
    /// OPA 1.x rules: `if`/`contains` required, keywords reserved. The default.
    case v1
    /// OPA 0.x syntax (`p { … }`, `deny[msg] { … }`), as with `--v0-compatible`.
    case v0
}

/// One Rego source file.
public struct RegoModule: Sendable, Equatable {
    public var name: String
    public var source: String
    public var regoVersion: RegoVersion
    public init(name: String, source: String, regoVersion: RegoVersion = .v1) {
        self.name = name
        self.source = source
        self.regoVersion = regoVersion
    }
}

/// Parsed modules that passed the static checks under `options` (`CompiledPolicy.check`); only
/// the engine makes one, so holding one proves the checks ran.
public struct CheckedModules: Sendable {
    public let modules: [Module]
    public let options: CompileOptions
    fileprivate init(modules: [Module], options: CompileOptions) {
        self.modules = modules
        self.options = options
    }
}

public struct CompileOptions: Sendable, Equatable {
    /// Allow builtins refused by design (`http.send`, …). Off in the sidecar.
    public var allowNetworkBuiltins = false
    public init(allowNetworkBuiltins: Bool = false) { self.allowNetworkBuiltins = allowNetworkBuiltins }
}

/// Budgets for one evaluation; exceeding one is an `eval_limit_error`, never a crash.
public struct EvalLimits: Sendable {
    /// Maximum evaluation steps (expressions evaluated), 0 = unlimited.
    public var maxSteps: Int
    /// Maximum nesting of rule/function calls and comprehensions.
    public var maxDepth: Int
    /// Wall-clock deadline in nanoseconds of `EvalContext.wallClockNs()`, 0 = none.
    public var deadlineNs: Int64
    public init(maxSteps: Int = 10_000_000, maxDepth: Int = 2_000, deadlineNs: Int64 = 0) {
        self.maxSteps = maxSteps
        self.maxDepth = maxDepth
        self.deadlineNs = deadlineNs
    }
    public static let `default` = EvalLimits()
}

/// The answer to an ad-hoc query (`policyd eval`): one row of variable bindings per solution,
/// plus the value of each top-level expression (as in `opa eval`).
public struct QueryResult: Sendable {
    public struct Row: Sendable {
        public var expressions: [Value]
        public var bindings: [(String, Value)]
        public init(expressions: [Value], bindings: [(String, Value)]) {
            self.expressions = expressions
            self.bindings = bindings
        }
    }
    public var rows: [Row]
    /// Each top-level query expression as written, with its location (same order as
    /// `Row.expressions`).
    public var expressionTexts: [QuerySpan]
    public init(rows: [Row], expressionTexts: [QuerySpan] = []) {
        self.rows = rows
        self.expressionTexts = expressionTexts
    }
}

public final class CompiledPolicy: Sendable {
    /// Base documents (`data`), before rules are merged in.
    public let data: Value
    /// Non-fatal compiler messages (for example v0 `in` without its import).
    public let warnings: [String]
    let plan: Plan
    /// Rule and function types for checking ad-hoc queries (not the modules themselves).
    let queryTypes: QueryTypes
    /// Evaluators (slots, memo) reused across evaluations of this policy.
    let pool: EvaluatorPool
    /// What each entrypoint can observe of `input` (InputProjection.swift).
    let inputShapes = InputShapeCache()

    private init(data: Value, warnings: [String], plan: Plan, queryTypes: QueryTypes) {
        self.data = data
        self.warnings = warnings
        self.plan = plan
        self.queryTypes = queryTypes
        pool = EvaluatorPool(plan: plan)
    }

    /// Parses, checks and compiles `modules` against `data`. Throws every error found (up to
    /// OPA's limit of 10), each with its OPA code and file:row:col.
    public static func compile(modules: [RegoModule], data: Value = .emptyObject,
                               options: CompileOptions = CompileOptions()) throws(EngineErrors) -> CompiledPolicy
    {
        try compile(parsed: parse(modules), data: data, options: options)
    }

    /// Parses every module, reporting the syntax errors of all of them (up to OPA's limit of 10).
    /// With `compile(parsed:)`, for callers that read the syntax tree themselves (test discovery
    /// at bundle activation), so each module is parsed once.
    public static func parse(_ modules: [RegoModule]) throws(EngineErrors) -> [Module] {
        var parsed: [Module] = []
        parsed.reserveCapacity(modules.count)
        var errors: [EngineError] = []
        for m in modules {
            do {
                parsed.append(try ParserBridge.parseModule(m))
            } catch {
                errors.append(contentsOf: error.errors)
            }
        }
        if !errors.isEmpty { throw EngineErrors(Array(errors.prefix(10))) }
        return parsed
    }

    /// Checks and compiles modules from `parse(_:)` (or `Parser.parseModule`) against `data`.
    public static func compile(parsed: [Module], data: Value = .emptyObject,
                               options: CompileOptions = CompileOptions()) throws(EngineErrors) -> CompiledPolicy
    {
        try compile(checked: check(parsed, options: options), data: data)
    }

    /// Runs the static checks (conflicting rules, undefined functions, arity, recursion, types)
    /// on parsed modules. They read the modules only, never `data`: a caller that compiles the
    /// same modules against new data (a data-only bundle update) can keep the result.
    public static func check(_ parsed: [Module], options: CompileOptions = CompileOptions()) throws(EngineErrors)
        -> CheckedModules
    {
        let staged = ParserBridge.check(parsed, options: options)
        guard let first = CheckStage.firstFailing(staged) else { return CheckedModules(modules: parsed, options: options) }
        // OPA stops at its first failing stage; the plan builder's stages (with targets, and
        // safety before recursion and types) may come first. (Safety reads the modules only,
        // so an empty data document is enough here.)
        if first.stage > .localVars {
            let builder = PlanBuilder(data: .emptyObject)
            _ = builder.build(modules: parsed)
            // Both report some stages (unsafe function-argument refs beside unsafe bodies); rule
            // conflicts and undefined functions come from the static checks when they found any.
            var all = staged
            let staticStages = Set(staged.map(\.0))
            for (stage, e) in builder.stagedErrors {
                if (stage == .ruleConflicts || stage == .undefinedFunctions) && staticStages.contains(stage) { continue }
                all.append((stage, e))
            }
            if let merged = CheckStage.firstFailing(all) { throw EngineErrors(merged.errors) }
        }
        throw EngineErrors(first.errors)
    }

    /// Compiles modules that passed `check` against `data` (the plan: rules, indexes, data).
    /// `queryTypes: false` skips inferring the types ad-hoc queries are checked against (a
    /// second inference pass over every rule), for a caller that only evaluates prepared
    /// `data` paths, as the daemon does; `query` then checks no types.
    public static func compile(checked: CheckedModules, data: Value = .emptyObject,
                               queryTypes: Bool = true) throws(EngineErrors) -> CompiledPolicy {
        let warnings = checked.modules.flatMap { $0.warnings.map(\.description) }
        let builder = PlanBuilder(data: data)
        let plan = builder.build(modules: checked.modules)
        if let first = CheckStage.firstFailing(builder.stagedErrors) { throw EngineErrors(first.errors) }
        return CompiledPolicy(data: data, warnings: warnings + builder.warnings, plan: plan,
                              queryTypes: queryTypes ? QueryTypes(checked.modules) : .empty)
    }

    /// The document at `data.<path>` (e.g. ["behavry", "authz"] or ["agents", "rbac", "decision"]),
    /// or nil when undefined.
    public func evaluate(path: [String], input: Value?, context: EvalContext,
                         limits: EvalLimits = .default) throws(EngineError) -> Value?
    {
        try evaluate(Entrypoint(plan, path), input: input, context: context, limits: limits)
    }

    /// Resolves `data.<path>` once, for a caller that evaluates the same path many times.
    public func prepare(path: [String]) -> PreparedQuery {
        let entry = Entrypoint(plan, path)
        return PreparedQuery(policy: self, entry: entry, inputShape: inputShapes.shape(entry))
    }

    func evaluate(_ entry: Entrypoint, input: Value?, context: EvalContext, limits: EvalLimits) throws(EngineError) -> Value? {
        try evaluate(entry, pool.acquire(input: input, context: context, limits: limits))
    }

    /// `evaluate(_:input:context:limits:)` in the pooled evaluator's own context, reset for
    /// this evaluation at `nowNs`: no context allocated per decision.
    func evaluate(_ entry: Entrypoint, input: Value?, nowNs: Int64, limits: EvalLimits) throws(EngineError) -> Value? {
        try evaluate(entry, pool.acquire(input: input, nowNs: nowNs, limits: limits))
    }

    @inline(__always)
    private func evaluate(_ entry: Entrypoint, _ ev: Evaluator) throws(EngineError) -> Value? {
        var result: Value?
        do {
            if let node = entry.node {
                result = try ev.nodeValue(node)
            } else {
                try ev.evalTerm(entry.term) { v in if result == nil { result = v } }
            }
            try ev.raiseDeferred(since: 0)
        } catch let e as EngineError {
            throw e
        } catch {
            throw EngineError(.evalInternalError, "\(error)")
        }
        pool.release(ev)
        return result
    }

    /// Evaluates an ad-hoc query such as `data.test.p = x`.
    public func query(_ text: String, input: Value?, context: EvalContext,
                      limits: EvalLimits = .default) throws(EngineErrors) -> QueryResult
    {
        let (body, texts) = try ParserBridge.parseQuery(text)
        // OPA checks a query's safety before its types: an unsafe variable is reported first.
        let callErrors = QueryCallCheck.run(body)
        let q: PQuery
        do { q = try QueryCompiler.compile(body, plan: plan) } catch {
            if callErrors.isEmpty || error.errors.contains(where: { $0.code == .unsafeVarError }) { throw error }
            throw EngineErrors(callErrors)
        }
        if !callErrors.isEmpty { throw EngineErrors(callErrors) }
        let typeErrors = queryTypes.check(body)
        if !typeErrors.isEmpty { throw EngineErrors(Array(typeErrors.prefix(10))) }
        let ev = Evaluator(plan: plan, input: input, context: context, limits: limits)
        var rows: [QueryResult.Row] = []
        do {
            let saved = try ev.pushFrame(q.slotCount)
            defer { ev.popFrame(saved) }
            try ev.evalBody(q.body, 0) {
                var exprs: [Value] = []
                for (i, t) in q.expressionTerms.enumerated() {
                    var v: Value = .true
                    if let t { try ev.evalTerm(t) { x in v = x } }
                    if case .bool(false) = v, q.falseRejecting.contains(i) { return }
                    exprs.append(v)
                }
                let bindings = q.variables.compactMap { name, slot in ev.slots[ev.base + slot].map { (name, $0) } }
                rows.append(QueryResult.Row(expressions: exprs, bindings: bindings))
            }
        } catch let e as EngineError {
            throw EngineErrors([e])
        } catch {
            throw EngineErrors([EngineError(.evalInternalError, "\(error)")])
        }
        return QueryResult(rows: rows, expressionTexts: texts.count == q.expressionTerms.count ? texts : [])
    }
}

/// A `data` path resolved against one compiled policy: evaluating it skips the path lookup.
/// Hold one per entrypoint per policy snapshot.
public final class PreparedQuery: @unchecked Sendable {
    public let policy: CompiledPolicy
    let entry: Entrypoint
    /// The parts of `input` evaluating this query can observe, decided at compile time (nil:
    /// all of it). See InputShape and Compiler/InputProjection.swift.
    public let inputShape: InputShape?

    init(policy: CompiledPolicy, entry: Entrypoint, inputShape: InputShape?) {
        self.policy = policy
        self.entry = entry
        self.inputShape = inputShape
    }

    /// Parses an input JSON document for this query: values are built only for the parts the
    /// query can observe, the rest is validated and skipped. Evaluating the result gives the
    /// same answer as evaluating the fully parsed document; invalid JSON is rejected exactly
    /// as `JSONReader.parse` rejects it. Use the full parse for anything else the input is
    /// needed for (decision logs, masking, replay).
    public func parseInput(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONReader.defaultMaxDepth)
        throws(JSONParseError) -> Value
    {
        try JSONReader.parse(bytes, shape: inputShape, maxDepth: maxDepth)
    }

    /// Same answer as `policy.evaluate(path:input:context:limits:)` for the prepared path.
    public func evaluate(input: Value?, context: EvalContext, limits: EvalLimits = .default) throws(EngineError) -> Value? {
        try policy.evaluate(entry, input: input, context: context, limits: limits)
    }

    /// Same answer as `evaluate(input:context:limits:)` with `EvalContext(nowNs: nowNs)` (the
    /// decision path: no print sink, non-strict, no network), without making a context per
    /// call: the engine resets one it keeps with each pooled evaluator. Nothing the evaluation
    /// returns refers to that context.
    public func evaluate(input: Value?, nowNs: Int64, limits: EvalLimits = .default) throws(EngineError) -> Value? {
        try policy.evaluate(entry, input: input, nowNs: nowNs, limits: limits)
    }
}

/// Where an evaluation starts: a rule or package node reached by the whole path, or a general
/// data reference (into base data or below a rule's value).
struct Entrypoint {
    let node: DataNode?
    let term: PTerm

    init(_ plan: Plan, _ path: [String]) {
        var n = plan.root
        var i = 0
        while i < path.count, !n.hasRules, let c = n.children[path[i]] {
            n = c
            i += 1
        }
        node = i == path.count ? n : nil
        term = node == nil ? PlanBuilder.dataRef(plan.root, path, []) : .const(.null)
    }
}
