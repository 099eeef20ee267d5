import Foundation
import Yams

/// A config file that cannot be used: every problem found, each naming its key and line.
struct ConfigError: Error, CustomStringConvertible {
    var file: String
    var problems: [String]
    var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
}

/// Reads and validates the YAML config file.
enum ConfigLoader {
    static func load(file: String) throws(ConfigError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, problems: ["cannot read file"])
        }
        var config = try parse(text, file: file)
        config.resolveKeyFiles(relativeTo: directory(of: file))
        return config
    }

    /// The absolute directory holding `file` (relative paths are taken from the working
    /// directory at load time, so a later chdir changes nothing).
    static func directory(of file: String) -> String {
        let dir = (file as NSString).deletingLastPathComponent
        if dir.hasPrefix("/") { return dir }
        let cwd = FileManager.default.currentDirectoryPath
        return dir.isEmpty ? cwd : cwd + "/" + dir
    }

    static func parse(_ text: String, file: String = "<config>") throws(ConfigError) -> Configuration {
        let root: Node?
        do { root = try ConfigYAML.compose(text) } catch {
            throw ConfigError(file: file, problems: ["invalid YAML: \(error)"])
        }
        var config = Configuration()
        guard let root else { return config }  // an empty file means all defaults
        var problems: [String] = []
        ConfigSchema.root.check(root, at: "", into: &problems)
        if !problems.isEmpty { throw ConfigError(file: file, problems: problems) }

        func node(_ path: String...) -> Node? { node(path) }
        func str(_ path: String...) -> String? { node(path).flatMap { $0.string } }
        func int(_ path: String...) -> Int? { node(path).flatMap { $0.int } }
        func bool(_ path: String...) -> Bool? { node(path).flatMap { $0.bool } }
        func node(_ path: [String]) -> Node? {
            var n: Node? = root
            for p in path { n = ConfigYAML.child(n, p) }
            return n
        }
        func line(_ n: Node?) -> String { n?.mark.map { " (line \($0.line))" } ?? "" }

        if let v = str("socket", "path") { config.socket.path = v }
        if let n = node("socket", "mode"), let s = n.scalar?.string, let m = UInt32(s, radix: 8) {
            if m > 0o777 { problems.append("socket.mode\(line(n)): not a permission mode") }
            config.socket.mode = m
        }
        if let v = str("socket", "group") { config.socket.group = v.isEmpty ? nil : v }
        if let v = str("state_dir") { config.stateDir = v }
        if let v = str("bundles", "dir") { config.bundles.dir = v }
        if let v = bool("bundles", "allow_unsigned") { config.bundles.allowUnsigned = v }
        if let v = int("bundles", "max_bundle_bytes") { config.bundles.maxBundleBytes = v }
        if let v = int("bundles", "max_files") { config.bundles.maxFiles = v }
        if let v = int("bundles", "debounce_ms") { config.bundles.debounceMs = v }
        if let v = bool("bundles", "keep_last_good") { config.bundles.keepLastGood = v }
        if let v = str("bundles", "signing", "keyid") { config.bundles.signingKeyID = v.isEmpty ? nil : v }
        if let v = str("bundles", "signing", "scope") { config.bundles.signingScope = v.isEmpty ? nil : v }
        if let v = node("bundles", "signing", "exclude_files")?.sequence { config.bundles.excludeFiles = v.compactMap { $0.string } }
        if let v = int("bundles", "max_compressed_bytes") { config.bundles.maxCompressedBytes = v }
        if let v = int("bundles", "max_file_bytes") { config.bundles.maxFileBytes = v }
        if let v = int("bundles", "max_path_length") { config.bundles.maxPathLength = v }
        if let n = node("bundles", "history"), let v = n.int {
            if v < 1 { problems.append("bundles.history\(line(n)): must be at least 1") }
            config.bundles.history = max(1, v)
        }
        if let n = node("bundles", "reload_priority"), let v = n.string {
            if let p = BackgroundThread.Priority(rawValue: v) { config.bundles.reloadPriority = p } else {
                problems.append("bundles.reload_priority\(line(n)): must be batch or idle")
            }
        }
        for (k, v) in node("keys")?.mapping.map(Array.init) ?? [] {
            guard let name = k.string else { continue }
            func field(_ key: String) -> Node? { ConfigYAML.child(v, key) }
            guard let alg = field("algorithm")?.string else {
                problems.append("keys.\(name)\(line(v)): algorithm is required")
                continue
            }
            if field("key_file") == nil && field("key") == nil {
                problems.append("keys.\(name)\(line(v)): one of key_file or key is required")
            }
            config.keys[name] = .init(algorithm: alg, keyFile: field("key_file")?.string, key: field("key")?.string,
                                      scope: field("scope")?.string)
        }
        if let n = node("default_path"), let s = n.string {
            if let p = Configuration.parsePath(s) { config.defaultPath = p } else {
                problems.append("default_path\(line(n)): empty path")
            }
        }
        for (k, v) in node("entrypoints")?.mapping.map(Array.init) ?? [] {
            guard let name = k.string, let path = Configuration.parsePath(name) else {
                problems.append("entrypoints\(line(k)): invalid entrypoint path")
                continue
            }
            var e = Configuration.Entrypoint(path: path)
            if let d = ConfigYAML.child(v, "default") {
                guard let s = d.string, let def = Configuration.Entrypoint.Default(rawValue: s) else {
                    problems.append("entrypoints.\(name).default\(line(d)): must be allow or deny")
                    continue
                }
                e.defaultDecision = def
            }
            e.kinds = ConfigYAML.child(v, "kinds")?.sequence?.compactMap { $0.string } ?? []
            config.entrypoints.append(e)
        }
        if let seq = node("admin_uids")?.sequence {
            config.adminUIDs = []
            for n in seq {
                guard let i = n.int, i >= 0, i <= Int(UInt32.max) else {
                    problems.append("admin_uids\(line(n)): not a uid")
                    continue
                }
                config.adminUIDs.append(UInt32(i))
            }
        }
        if let n = node("max_frame_bytes"), let v = n.int {
            if v < 16 || v > Int(UInt32.max) { problems.append("max_frame_bytes\(line(n)): must be 16 … 4294967295") }
            config.maxFrameBytes = v
        }
        if let v = int("threads") { config.threads = v }
        if let n = node("loop_nice"), let v = n.int {
            if v < -20 || v > 19 { problems.append("loop_nice\(line(n)): must be -20 … 19") }
            config.loopNice = v
        }
        if let v = int("limits", "max_connections") { config.limits.maxConnections = v }
        if let v = int("limits", "max_json_depth") { config.limits.maxJSONDepth = v }
        if let v = int("limits", "eval_timeout_ms") { config.limits.evalTimeoutMs = v }
        if let v = int("limits", "max_eval_steps") { config.limits.maxEvalSteps = v }
        if let v = int("limits", "max_eval_depth") { config.limits.maxEvalDepth = v }
        if let v = int("limits", "idle_timeout_ms") { config.limits.idleTimeoutMs = v }
        if let n = node("log", "target"), let s = n.string {
            if let t = Configuration.Log.Target(rawValue: s) { config.log.target = t } else {
                problems.append("log.target\(line(n)): must be journal or stderr")
            }
        }
        if let n = node("log", "level"), let s = n.string {
            if ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(s) { config.log.level = s } else {
                problems.append("log.level\(line(n)): unknown level \(s)")
            }
        }
        if let v = bool("log", "decisions") { config.log.decisions = v }
        if let n = node("decision_log") {
            do { config.decisionLog = try DecisionLogConfig(value: ConfigYAML.value(n)) } catch {
                problems.append("decision_log\(line(n)): \(error)")
            }
        }
        if !problems.isEmpty { throw ConfigError(file: file, problems: problems) }
        return config
    }
}
