/// Per-evaluation state that builtins may see. One evaluation (one decision, one query) owns one
/// context; it is never shared across threads. A caller may make one per evaluation, or let the
/// engine use the pooled evaluator's own (`PreparedQuery.evaluate(input:nowNs:limits:)`), which
/// is reset to a fresh context's state before each evaluation: no allocation per decision.
public final class EvalContext {
    /// `time.now_ns()` for this whole evaluation (OPA fixes it at the start of a query).
    public private(set) var nowNs: Int64
    /// Results of non-deterministic builtins (rand.intn, uuid.rfc4122, …) keyed by builtin name
    /// and arguments, so they are stable within one evaluation.
    private var memoTable: [Value: Value] = [:] { didSet { modified = true } }
    /// Where `print` output goes (nil: discarded).
    public var printSink: ((String) -> Void)? { didSet { modified = true } }
    /// The value `opa.runtime()` returns.
    public var runtime: Value { didSet { modified = true } }
    /// Builtin errors abort evaluation (OPA's strict-builtin-errors mode) instead of being
    /// undefined.
    public var strictBuiltinErrors: Bool { didSet { modified = true } }
    /// Network builtins (`http.send`, `net.lookup_ip_addr`) may reach the network. Off by
    /// default: the daemon never enables it (its compiler refuses such policies too); `policyd
    /// eval` does, as `opa eval` would.
    public var allowNetworkBuiltins = false { didSet { modified = true } }
    /// Something other than `nowNs` was set since this context was made or reset: `reset`
    /// restores the rest only then (a decision's reset is one store and one test).
    private var modified = false

    public init(nowNs: Int64? = nil, runtime: Value = .emptyObject, strictBuiltinErrors: Bool = false,
                printSink: ((String) -> Void)? = nil) {
        self.nowNs = nowNs ?? EvalContext.wallClockNs()
        self.runtime = runtime
        self.strictBuiltinErrors = strictBuiltinErrors
        self.printSink = printSink
    }

    /// Back to the state `EvalContext(nowNs: nowNs)` starts in (the engine's own reused
    /// context; nothing of the previous evaluation stays: memoised values are dropped).
    func reset(nowNs: Int64) {
        self.nowNs = nowNs
        guard modified else { return }
        memoTable = [:]
        printSink = nil
        runtime = .emptyObject
        strictBuiltinErrors = false
        allowNetworkBuiltins = false
        modified = false
    }

    /// Returns the memoised value for `key`, computing it once per evaluation.
    public func memo(_ key: Value, _ compute: () throws -> Value?) rethrows -> Value? {
        if let v = memoTable[key] { return v }
        guard let v = try compute() else { return nil }
        memoTable[key] = v
        return v
    }

    public static func wallClockNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
