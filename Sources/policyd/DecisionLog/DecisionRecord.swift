import Engine

/// One decision as the audit log keeps it: everything needed to see why it was made and to make
/// it again (`policyd replay`). Field names follow OPA's decision-log event (EventV1) where the two
/// overlap (`decision_id`, `path`, `input`, `result`, `bundles`, `timestamp`, `metrics`, `error`,
/// `erased`, `masked`, `requested_by`, `labels`); policyd adds `decision`, `reasons`, `rules` and
/// a structured `peer`.
public struct DecisionRecord: Sendable {
    public struct Peer: Sendable, Equatable {
        public var pid: Int32
        public var uid: UInt32
        public var gid: UInt32
        public init(pid: Int32, uid: UInt32, gid: UInt32) {
            self.pid = pid
            self.uid = uid
            self.gid = gid
        }
    }

    public struct Failure: Sendable, Equatable {
        /// OPA-style code, e.g. `eval_conflict_error`, `undefined_document`.
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var decisionID: String
    /// Unix time in nanoseconds when the request arrived.
    public var timestampNs: Int64
    /// Entrypoint path without a leading slash, e.g. `behavry/authz`.
    public var path: String
    /// `allow`, `deny` or `escalate`.
    public var decision: String
    public var reasons: [String]
    /// The policy rules that fired (as the decision mapping reports them).
    public var rules: [String]
    /// Nil when the request carried no input.
    public var input: Value?
    /// The input as compact JSON text, written instead of `input` when set (the daemon passes
    /// the request's own bytes rather than serialising the parsed value again).
    public var inputJSON: String?
    /// Nil when the document was undefined or evaluation failed (undefined ≠ false).
    public var result: Value?
    /// Every active bundle at decision time: name → revision ("" when the manifest has none).
    public var bundles: [(name: String, revision: String)]
    public var peer: Peer?
    /// Time spent in the Rego evaluation and in the whole request handler.
    public var evalNs: Int64?
    public var handlerNs: Int64?
    public var error: Failure?
    /// JSON pointers removed / replaced by masking before the record was written.
    public var erased: [String]
    public var masked: [String]
    public var labels: [(String, String)]

    public init(decisionID: String, timestampNs: Int64, path: String, decision: String,
                reasons: [String] = [], rules: [String] = [], input: Value? = nil, inputJSON: String? = nil,
                result: Value? = nil,
                bundles: [(name: String, revision: String)] = [], peer: Peer? = nil,
                evalNs: Int64? = nil, handlerNs: Int64? = nil, error: Failure? = nil,
                erased: [String] = [], masked: [String] = [], labels: [(String, String)] = [])
    {
        self.decisionID = decisionID
        self.timestampNs = timestampNs
        self.path = path
        self.decision = decision
        self.reasons = reasons
        self.rules = rules
        self.input = input
        self.inputJSON = inputJSON
        self.result = result
        self.bundles = bundles
        self.peer = peer
        self.evalNs = evalNs
        self.handlerNs = handlerNs
        self.error = error
        self.erased = erased
        self.masked = masked
        self.labels = labels
    }

    /// Latency as the journal reports it (whole handler when known, else evaluation only).
    public var latencyUs: Int64? { (handlerNs ?? evalNs).map { $0 / 1000 } }

    /// `pid=…,uid=…,gid=…`, OPA's `requested_by` for a Unix-socket peer.
    public var requestedBy: String? {
        peer.map { "pid=\($0.pid),uid=\($0.uid),gid=\($0.gid)" }
    }

    /// Revisions joined as `name=rev,…` sorted by name (one stable field for journal matching).
    public var revisionSummary: String {
        if bundles.count == 1 { return bundles[0].revision }
        return bundles.sorted { regoStringsCompare($0.name, $1.name) < 0 }
            .map { "\($0.name)=\($0.revision)" }.joined(separator: ",")
    }
}

// MARK: - JSON

extension DecisionRecord {
    /// One JSON object, fields in a fixed order (id first, so `grep`/`head` read well), no newline.
    public func writeJSON(into w: inout JSONWriter) {
        w.appendRaw("{\"decision_id\":"); w.writeText(decisionID)
        w.appendRaw(",\"timestamp\":"); w.writeText(RFC3339.format(ns: timestampNs))
        w.appendRaw(",\"path\":"); w.writeText(path)
        w.appendRaw(",\"decision\":"); w.writeText(decision)
        w.appendRaw(",\"reasons\":"); writeStrings(reasons, &w)
        w.appendRaw(",\"rules\":"); writeStrings(rules, &w)
        if let inputJSON {
            w.appendRaw(",\"input\":"); w.appendRaw(inputJSON)
        } else if let input {
            w.appendRaw(",\"input\":"); w.write(input)
        }
        if let result { w.appendRaw(",\"result\":"); w.write(result) }
        if !bundles.isEmpty {
            w.appendRaw(",\"bundles\":{")
            let ordered = bundles.count == 1 ? bundles : bundles.sorted(by: { regoStringsCompare($0.name, $1.name) < 0 })
            for (i, b) in ordered.enumerated() {
                if i > 0 { w.appendRaw(",") }
                w.writeText(b.name)
                w.appendRaw(":{\"revision\":"); w.writeText(b.revision); w.appendRaw("}")
            }
            w.appendRaw("}")
        }
        if let peer {
            // requested_by = "pid=…,uid=…,gid=…" (digits need no escaping), then the same as an object.
            let pid = String(peer.pid), uid = String(peer.uid), gid = String(peer.gid)
            w.appendRaw(",\"requested_by\":\"pid="); w.appendRaw(pid)
            w.appendRaw(",uid="); w.appendRaw(uid)
            w.appendRaw(",gid="); w.appendRaw(gid)
            w.appendRaw("\",\"peer\":{\"pid\":"); w.appendRaw(pid)
            w.appendRaw(",\"uid\":"); w.appendRaw(uid)
            w.appendRaw(",\"gid\":"); w.appendRaw(gid); w.appendRaw("}")
        }
        if evalNs != nil || handlerNs != nil {
            w.appendRaw(",\"metrics\":{")
            if let evalNs { w.appendRaw("\"timer_rego_query_eval_ns\":"); w.appendRaw(String(evalNs)) }
            if let handlerNs {
                w.appendRaw(evalNs == nil ? "\"timer_server_handler_ns\":" : ",\"timer_server_handler_ns\":")
                w.appendRaw(String(handlerNs))
            }
            w.appendRaw("}")
        }
        if let error {
            w.appendRaw(",\"error\":{\"code\":"); w.writeString(error.code)
            w.appendRaw(",\"message\":"); w.writeString(error.message); w.appendRaw("}")
        }
        if !erased.isEmpty { w.appendRaw(",\"erased\":"); writeStrings(erased, &w) }
        if !masked.isEmpty { w.appendRaw(",\"masked\":"); writeStrings(masked, &w) }
        if !labels.isEmpty {
            w.appendRaw(",\"labels\":{")
            for (i, l) in labels.enumerated() {
                if i > 0 { w.appendRaw(",") }
                w.writeString(l.0); w.appendRaw(":"); w.writeString(l.1)
            }
            w.appendRaw("}")
        }
        w.appendRaw("}")
    }

    public var jsonLine: String {
        var w = JSONWriter(reserve: 512)
        writeJSON(into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    private func writeStrings(_ a: [String], _ w: inout JSONWriter) {
        w.appendRaw("[")
        for (i, s) in a.enumerated() {
            if i > 0 { w.appendRaw(",") }
            w.writeText(s)
        }
        w.appendRaw("]")
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads one log line back. Tolerant of missing optional fields; requires an id and a path.
    public init(json line: String) throws {
        let v = try JSONReader.parse(line)
        guard case .object(let o) = v else { throw ParseError(description: "decision log entry is not an object") }
        guard let id = o["decision_id"]?.stringValue else { throw ParseError(description: "entry has no decision_id") }
        func strings(_ key: String) -> [String] { o[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        func int(_ v: Value?) -> Int64? { v?.numberValue?.exactInt.map(Int64.init) }
        let ts = o["timestamp"]?.stringValue.flatMap(RFC3339.parse) ?? 0
        self.init(decisionID: id, timestampNs: ts, path: o["path"]?.stringValue ?? "",
                  decision: o["decision"]?.stringValue ?? "", reasons: strings("reasons"), rules: strings("rules"),
                  input: o["input"], result: o["result"])
        if let b = o["bundles"]?.objectValue {
            bundles = b.pairs.compactMap { k, v in
                k.stringValue.map { ($0, v["revision"]?.stringValue ?? "") }
            }
        }
        if let p = o["peer"], let pid = int(p["pid"]), let uid = int(p["uid"]) {
            peer = Peer(pid: Int32(truncatingIfNeeded: pid), uid: UInt32(truncatingIfNeeded: uid),
                        gid: UInt32(truncatingIfNeeded: int(p["gid"]) ?? 0))
        }
        evalNs = int(o["metrics"]?["timer_rego_query_eval_ns"])
        handlerNs = int(o["metrics"]?["timer_server_handler_ns"])
        if let e = o["error"] {
            error = Failure(code: e["code"]?.stringValue ?? "", message: e["message"]?.stringValue ?? "")
        }
        erased = strings("erased")
        masked = strings("masked")
        if let l = o["labels"]?.objectValue {
            labels = l.pairs.compactMap { k, v in k.stringValue.flatMap { ks in v.stringValue.map { (ks, $0) } } }
        }
    }
}

extension JSONWriter {
    /// `writeString` with a copy fast path: ids, paths, reasons and names rarely need escaping,
    /// and copying them whole is several times cheaper than escaping byte by byte.
    mutating func writeText(_ s: String) {
        let plain = !options.escapeHTML && (s.utf8.withContiguousStorageIfAvailable { u in
            !u.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        } ?? false)
        guard plain else { return writeString(s) }
        appendRaw("\"")
        appendRaw(s)
        appendRaw("\"")
    }
}
