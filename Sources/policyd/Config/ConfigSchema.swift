import Yams

/// The shape of the config file, checked before anything is read from it, so an unknown key or
/// a wrong type is reported with its key path and line instead of being silently ignored.
indirect enum ConfigSchema: Sendable {
    case string, int, bool, octal
    case stringList, intList
    /// Any value: the section's owner checks it (e.g. decision_log via DecisionLogConfig).
    case any
    /// A mapping with exactly these keys (all optional).
    case object([String: ConfigSchema])
    /// A mapping from free-form names to values of one shape.
    case map(ConfigSchema)

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .int: return "an integer"
        case .bool: return "a boolean"
        case .octal: return "an octal file mode such as \"0660\""
        case .stringList: return "a list of strings"
        case .intList: return "a list of integers"
        case .object, .map: return "a mapping"
        case .any: return "a value"
        }
    }

    /// Every key policyd knows. Keys reserved for other components (decision_log, keys, …) are
    /// listed too so that a documented file always passes.
    static let root: ConfigSchema = .object([
        "socket": .object(["path": .string, "mode": .octal, "group": .string]),
        "state_dir": .string,
        "bundles": .object([
            "dir": .string, "allow_unsigned": .bool, "max_bundle_bytes": .int, "max_files": .int,
            "debounce_ms": .int, "keep_last_good": .bool,
            "signing": .object(["keyid": .string, "scope": .string, "exclude_files": .stringList]),
            "max_compressed_bytes": .int, "max_file_bytes": .int, "max_path_length": .int, "history": .int,
            "reload_priority": .string,
        ]),
        "keys": .map(.object(["algorithm": .string, "key_file": .string, "key": .string, "scope": .string])),
        "default_path": .string,
        "entrypoints": .map(.object(["default": .string, "kinds": .stringList])),
        "admin_uids": .intList,
        "max_frame_bytes": .int,
        "threads": .int,
        "loop_nice": .int,
        "limits": .object([
            "max_connections": .int, "max_json_depth": .int, "eval_timeout_ms": .int,
            "max_eval_steps": .int, "max_eval_depth": .int, "idle_timeout_ms": .int,
        ]),
        "log": .object(["target": .string, "level": .string, "decisions": .bool]),
        "decision_log": .object([
            "enabled": .bool, "path": .string, "max_bytes": .int, "max_files": .int, "mask": .any,
            "journal_sample_allow": .any, "queue_capacity": .int, "queue_max_bytes": .int,
            "journal_rate_limit_burst": .int, "journal_rate_limit_interval_ms": .int, "direct_io": .bool,
        ]),
    ])

    /// Errors as "key.path (line N): message".
    func check(_ node: Node, at path: String, into errors: inout [String]) {
        func fail(_ msg: String, _ n: Node = node) {
            let line = n.mark.map { " (line \($0.line))" } ?? ""
            errors.append("\(path.isEmpty ? "<root>" : path)\(line): \(msg)")
        }
        switch self {
        case .any:
            return
        case .string:
            guard case .scalar = node, ConfigYAML.tagName(node) == .str else { return fail("expected \(typeName)") }
        case .int:
            guard node.int != nil, ConfigYAML.tagName(node) == .int else { return fail("expected \(typeName)") }
        case .bool:
            guard ConfigYAML.tagName(node) == .bool, node.bool != nil else { return fail("expected \(typeName)") }
        case .octal:
            guard case .scalar(let s) = node, UInt32(s.string, radix: 8) != nil else { return fail("expected \(typeName)") }
        case .stringList, .intList:
            guard case .sequence(let seq) = node else { return fail("expected \(typeName)") }
            let element: ConfigSchema = (self == .stringList) ? .string : .int
            for (i, item) in seq.enumerated() { element.check(item, at: "\(path)[\(i)]", into: &errors) }
        case .object(let fields):
            guard case .mapping(let m) = node else { return fail("expected \(typeName)") }
            for (k, v) in m {
                guard let key = k.string else { fail("keys must be strings", k); continue }
                let sub = path.isEmpty ? key : "\(path).\(key)"
                guard let schema = fields[key] else {
                    let line = k.mark.map { " (line \($0.line))" } ?? ""
                    errors.append("\(sub)\(line): unknown key")
                    continue
                }
                schema.check(v, at: sub, into: &errors)
            }
        case .map(let value):
            guard case .mapping(let m) = node else { return fail("expected \(typeName)") }
            for (k, v) in m {
                guard let key = k.string else { fail("keys must be strings", k); continue }
                value.check(v, at: path.isEmpty ? key : "\(path).\(key)", into: &errors)
            }
        }
    }
}

extension ConfigSchema: Equatable {
    static func == (a: ConfigSchema, b: ConfigSchema) -> Bool {
        switch (a, b) {
        case (.string, .string), (.int, .int), (.bool, .bool), (.octal, .octal), (.stringList, .stringList),
            (.intList, .intList), (.any, .any):
            return true
        default: return false
        }
    }
}
