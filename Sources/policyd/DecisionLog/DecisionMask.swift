import Engine
import Foundation

/// Masking of decision-log records, as OPA's `decision_logs` mask rules: each rule is a JSON
/// pointer into `/input` or `/result` that is removed, or an upsert that replaces (or creates) the
/// value there. Applied before a record is serialised, so masked data never reaches the disk or
/// the journal. Pointers that were actually removed are listed in the record's `erased`, those
/// replaced in `masked`; a pointer that matches nothing changes nothing and is not listed.
public struct MaskRule: Sendable, Equatable {
    public enum Op: String, Sendable { case remove, upsert }
    public var op: Op
    /// The pointer as written (`/input/secret`), kept for `erased`/`masked`.
    public var pointer: String
    /// `input` or `result`.
    public var root: String
    /// Unescaped reference tokens below the root (`~1` → `/`, `~0` → `~`).
    public var tokens: [String]
    public var value: Value?

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(op: Op = .remove, pointer: String, value: Value? = nil) throws(Invalid) {
        guard pointer.hasPrefix("/") else {
            throw Invalid(description: "mask pointer \(pointer) must start with /input or /result")
        }
        let parts = pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        guard let first = parts.first, first == "input" || first == "result" else {
            throw Invalid(description: "mask pointer \(pointer) must start with /input or /result")
        }
        if op == .upsert && value == nil {
            throw Invalid(description: "mask upsert of \(pointer) needs a value")
        }
        self.op = op
        self.pointer = pointer
        self.root = first
        self.tokens = Array(parts.dropFirst())
        self.value = value
    }

    /// A rule from config: a bare string (remove) or `{op, path, value}`.
    public init(config v: Value) throws(Invalid) {
        if let s = v.stringValue {
            try self.init(pointer: s)
            return
        }
        guard let path = v["path"]?.stringValue else {
            throw Invalid(description: "mask rule needs a string or {op, path, value}: \(v)")
        }
        let opName = v["op"]?.stringValue ?? "remove"
        guard let op = Op(rawValue: opName) else {
            throw Invalid(description: "mask rule op must be remove or upsert, not \(opName)")
        }
        try self.init(op: op, pointer: path, value: v["value"])
    }
}

extension MaskRule: CustomStringConvertible {
    public var description: String {
        op == .remove ? pointer : "upsert \(pointer)=\(value.map { JSONWriter.string($0) } ?? "null")"
    }
}

public enum DecisionMasker {
    /// Applies `rules` in order to `record`, filling `erased` and `masked`.
    public static func apply(_ rules: [MaskRule], to record: inout DecisionRecord) {
        for rule in rules {
            let current = rule.root == "input" ? record.input : record.result
            switch rule.op {
            case .remove:
                guard let doc = current else { continue }
                if rule.tokens.isEmpty {
                    set(rule.root, nil, &record)
                    record.erased.append(rule.pointer)
                } else if let updated = removing(doc, rule.tokens[...]) {
                    set(rule.root, updated, &record)
                    record.erased.append(rule.pointer)
                }
            case .upsert:
                guard let value = rule.value else { continue }
                if rule.tokens.isEmpty {
                    set(rule.root, value, &record)
                    record.masked.append(rule.pointer)
                } else if let doc = current, let updated = upserting(doc, rule.tokens[...], value) {
                    set(rule.root, updated, &record)
                    record.masked.append(rule.pointer)
                }
            }
        }
    }

    private static func set(_ root: String, _ v: Value?, _ r: inout DecisionRecord) {
        if root == "input" { r.input = v } else { r.result = v }
    }

    /// `doc` without the value at `path`, or nil when there is nothing there.
    static func removing(_ doc: Value, _ path: ArraySlice<String>) -> Value? {
        guard let head = path.first else { return nil }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            let key = Value.string(head)
            guard let child = o[key] else { return nil }
            if rest.isEmpty { return .object(o.removing(key)) }
            guard let updated = removing(child, rest) else { return nil }
            return .object(o.inserting(key, updated))
        case .array(var a):
            guard let i = arrayIndex(head, a.count) else { return nil }
            if rest.isEmpty {
                a.remove(at: i)
                return .array(a)
            }
            guard let updated = removing(a[i], rest) else { return nil }
            a[i] = updated
            return .array(a)
        default:
            return nil
        }
    }

    /// `doc` with `value` at `path`, creating missing objects on the way; nil when the path runs
    /// into a scalar or an array index that does not exist.
    static func upserting(_ doc: Value, _ path: ArraySlice<String>, _ value: Value) -> Value? {
        guard let head = path.first else { return value }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            let key = Value.string(head)
            let child = o[key] ?? (rest.isEmpty ? .null : .emptyObject)
            guard let updated = upserting(child, rest, value) else { return nil }
            return .object(o.inserting(key, updated))
        case .array(var a):
            guard let i = arrayIndex(head, a.count), let updated = upserting(a[i], rest, value) else { return nil }
            a[i] = updated
            return .array(a)
        default:
            return nil
        }
    }

    private static func arrayIndex(_ token: String, _ count: Int) -> Int? {
        guard let i = Int(token), i >= 0, i < count, String(i) == token else { return nil }
        return i
    }
}
