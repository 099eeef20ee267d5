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
public struct RegoModule: Sendable {
    public var name: String
    public var source: String
    public var regoVersion: RegoVersion
    public init(name: String, source: String, regoVersion: RegoVersion = .v1) {
        self.name = name
        self.source = source
        self.regoVersion = regoVersion
    }
}

public struct CompileOptions: Sendable {
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
    public init(rows: [Row]) { self.rows = rows }
}

public final class CompiledPolicy: Sendable {
    /// Base documents (`data`), before rules are merged in.
    public let data: Value
    /// Non-fatal compiler messages (for example v0 `in` without its import).
    public let warnings: [String]

    private init(data: Value, warnings: [String]) {
        self.data = data
        self.warnings = warnings
    }

    /// Parses, checks and compiles `modules` against `data`. Throws every error found (up to
    /// OPA's limit of 10), each with its OPA code and file:row:col.
    public static func compile(modules: [RegoModule], data: Value = .emptyObject,
                               options: CompileOptions = CompileOptions()) throws(EngineErrors) -> CompiledPolicy
    {
        throw EngineErrors([EngineError(.compileError, "the Rego compiler is not built yet")])
    }

    /// The document at `data.<path>` (e.g. ["behavry", "authz"] or ["agents", "rbac", "decision"]),
    /// or nil when undefined.
    public func evaluate(path: [String], input: Value?, context: EvalContext,
                         limits: EvalLimits = .default) throws(EngineError) -> Value?
    {
        throw EngineError(.evalInternalError, "the Rego evaluator is not built yet")
    }

    /// Evaluates an ad-hoc query such as `data.test.p = x`.
    public func query(_ text: String, input: Value?, context: EvalContext,
                      limits: EvalLimits = .default) throws(EngineErrors) -> QueryResult
    {
        throw EngineErrors([EngineError(.evalInternalError, "the Rego evaluator is not built yet")])
    }
}
