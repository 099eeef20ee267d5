import Engine

/// The `decision_log:` section of policyd.yaml.
///
/// ```yaml
/// decision_log:
///   enabled: true                # the audit file; journal entries are sent either way
///   path: decisions.jsonl        # relative paths are under the state directory
///   max_bytes: 67108864          # rotate when the live file would pass this size
///   max_files: 5                 # files kept in total: decisions.jsonl + .1 … .4
///   mask: [/input/secret, {op: upsert, path: /input/token, value: "***"}]
///   journal_sample_allow: 0.01   # share of allows also sent to the journal (denies/escalates: all)
///   journal_rate_limit_burst: 10000        # at most this many journal entries per interval (0: no limit)
///   journal_rate_limit_interval_ms: 30000  # (journald's own default limit for a service)
///   queue_capacity: 65536        # records waiting for the writer; beyond that they are dropped and counted
///   queue_max_bytes: 67108864    # and at most this many bytes of their lines and journal entries
///   direct_io: true              # write the file with O_DIRECT (falls back to buffered where unsupported)
/// ```
public struct DecisionLogConfig: Sendable, Equatable {
    public var enabled = true
    public var path = "decisions.jsonl"
    public var maxBytes = 64 * 1024 * 1024
    public var maxFiles = 5
    public var mask: [MaskRule] = []
    public var journalSampleAllow = 0.0
    /// Journal entries per interval beyond which they are counted, not sent (0: no limit).
    public var journalRateLimitBurst = 10_000
    public var journalRateLimitIntervalMs = 30_000
    /// Outlasts the disk stalls seen under machine load (up to ~0.35 s; docs/performance.md).
    public var queueCapacity = 65536
    /// Bytes of serialised lines and journal entries waiting for the writer: bounds the queue's
    /// memory whatever the inputs' size (65536 decisions of 64 KiB inputs would be 4 GiB).
    public var queueMaxBytes = 64 << 20
    /// Write whole blocks of the file with `O_DIRECT` (RotatingLogFile, DirectAppend).
    public var directIO = true

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Keys this section accepts (the daemon's config parser rejects unknown ones).
    public static let keys: Set<String> = [
        "enabled", "path", "max_bytes", "max_files", "mask", "journal_sample_allow", "queue_capacity", "queue_max_bytes",
        "journal_rate_limit_burst", "journal_rate_limit_interval_ms", "direct_io",
    ]

    /// Reads the section from its JSON/YAML value; absent keys keep their defaults.
    public init(value: Value) throws(Invalid) {
        guard case .object(let o) = value else {
            if value == .null { return }
            throw Invalid(description: "decision_log must be a mapping")
        }
        for (k, _) in o.pairs {
            guard let name = k.stringValue, Self.keys.contains(name) else {
                throw Invalid(description: "decision_log: unknown key \(k)")
            }
        }
        if let v = o["enabled"] {
            guard let b = v.boolValue else { throw Invalid(description: "decision_log.enabled must be a boolean") }
            enabled = b
        }
        if let v = o["path"] {
            guard let s = v.stringValue, !s.isEmpty else {
                throw Invalid(description: "decision_log.path must be a non-empty string")
            }
            path = s
        }
        maxBytes = try Self.positiveInt(o["max_bytes"], "max_bytes", default: maxBytes)
        maxFiles = try Self.positiveInt(o["max_files"], "max_files", default: maxFiles)
        queueCapacity = try Self.positiveInt(o["queue_capacity"], "queue_capacity", default: queueCapacity)
        queueMaxBytes = try Self.positiveInt(o["queue_max_bytes"], "queue_max_bytes", default: queueMaxBytes)
        journalRateLimitIntervalMs = try Self.positiveInt(o["journal_rate_limit_interval_ms"],
                                                          "journal_rate_limit_interval_ms", default: journalRateLimitIntervalMs)
        if let v = o["direct_io"] {
            guard let b = v.boolValue else { throw Invalid(description: "decision_log.direct_io must be a boolean") }
            directIO = b
        }
        if let v = o["journal_rate_limit_burst"] {
            guard let i = v.numberValue?.exactInt, i >= 0 else {
                throw Invalid(description: "decision_log.journal_rate_limit_burst must be a non-negative integer")
            }
            journalRateLimitBurst = i
        }
        if let v = o["journal_sample_allow"] {
            guard let d = v.numberValue?.doubleValue, d >= 0, d <= 1 else {
                throw Invalid(description: "decision_log.journal_sample_allow must be a number from 0 to 1")
            }
            journalSampleAllow = d
        }
        if let v = o["mask"] {
            guard let rules = v.arrayValue else {
                throw Invalid(description: "decision_log.mask must be a list of JSON pointers or {op, path, value}")
            }
            do {
                mask = try rules.map { (r) throws(MaskRule.Invalid) in try MaskRule(config: r) }
            } catch {
                throw Invalid(description: "decision_log.mask: \(error)")
            }
        }
    }

    private static func positiveInt(_ v: Value?, _ name: String, default d: Int) throws(Invalid) -> Int {
        guard let v else { return d }
        guard let i = v.numberValue?.exactInt, i > 0 else {
            throw Invalid(description: "decision_log.\(name) must be a positive integer")
        }
        return i
    }

    /// The log file: `path` itself when absolute, else under the state directory.
    public func resolvedPath(stateDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        return stateDirectory.hasSuffix("/") ? stateDirectory + path : stateDirectory + "/" + path
    }
}
