import Engine

/// One decision-log line written straight from a `DecisionEvent` into a byte buffer: the same
/// bytes as `DecisionLogSink.record(from:labels:).writeJSON` plus a newline, without building
/// the record or intermediate strings (DecisionLineTests holds the two to the same output).
/// Fragments that repeat on a connection (its peer, the bundles of a snapshot) are cached in
/// the connection's `DecisionBatch`.
enum DecisionLine {
    /// `rawInput`, when given, is the input's JSON as the request held it (copied, whitespace
    /// dropped, instead of `inputJSON` or serialising `input`).
    static func append(_ e: DecisionEvent, rawInput: RawInput? = nil, labelsJSON: [UInt8], to out: inout [UInt8],
                       cache: inout DecisionBatch.Fragments)
    {
        lit(#"{"decision_id":"#, &out); text(e.decisionID, &out)
        lit(#","timestamp":""#, &out); RFC3339.append(ns: e.timestampNs, to: &out, second: &cache.second)
        out.append(0x22)
        lit(#","path":"#, &out); text(e.path, &out)
        switch e.outcome.verdict {
        case .allow: lit(#","decision":"allow""#, &out)
        case .deny: lit(#","decision":"deny""#, &out)
        case .escalate: lit(#","decision":"escalate""#, &out)
        }
        lit(#","reasons":"#, &out); texts(e.outcome.reasons, &out)
        lit(#","rules":"#, &out); texts(e.outcome.rules, &out)
        if let raw = rawInput {
            lit(#","input":"#, &out)
            if raw.isCompact { out.append(contentsOf: raw.bytes) } else { CompactJSON.append(raw.bytes, to: &out) }
        } else if let inputJSON = e.inputJSON {
            lit(#","input":"#, &out); out.append(contentsOf: inputJSON.utf8)
        } else if let input = e.input {
            lit(#","input":"#, &out); out.append(contentsOf: JSONWriter.data(input))
        }
        if let result = e.result {
            lit(#","result":"#, &out)
            if case .string(let s) = result { text(s, &out) } else { out.append(contentsOf: JSONWriter.data(result)) }
        }
        if !e.bundles.isEmpty {
            if cache.bundlesGeneration != e.snapshotGeneration || e.snapshotGeneration < 0 {
                var b: [UInt8] = Array(#","bundles":{"#.utf8)
                let sorted = e.bundles.values.sorted { regoStringsCompare($0.name, $1.name) < 0 }
                for (i, info) in sorted.enumerated() {
                    if i > 0 { b.append(UInt8(ascii: ",")) }
                    text(info.name, &b)
                    b.append(contentsOf: #":{"revision":"#.utf8); text(info.revision, &b); b.append(UInt8(ascii: "}"))
                }
                b.append(UInt8(ascii: "}"))
                cache.bundlesJSON = b
                cache.bundlesGeneration = e.snapshotGeneration
            }
            out.append(contentsOf: cache.bundlesJSON)
        }
        let p = e.peer
        if cache.peer != p || cache.peerJSON.isEmpty {
            let pid = String(p.pid), uid = String(p.uid), gid = String(p.gid)
            cache.peerJSON = Array(",\"requested_by\":\"pid=\(pid),uid=\(uid),gid=\(gid)\",\"peer\":{\"pid\":\(pid),\"uid\":\(uid),\"gid\":\(gid)}".utf8)
            cache.peer = p
        }
        out.append(contentsOf: cache.peerJSON)
        lit(#","metrics":{"timer_rego_query_eval_ns":"#, &out); decimal(e.evalNs, &out)
        if let h = e.handlerNs { lit(#","timer_server_handler_ns":"#, &out); decimal(h, &out) }
        out.append(UInt8(ascii: "}"))
        if let code = e.outcome.error {
            lit(#","error":{"code":"#, &out); text(code, &out)
            lit(#","message":"#, &out); text(e.errorMessage ?? e.outcome.reasons.first ?? code, &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: labelsJSON)
        lit("}\n", &out)
    }

    /// A constant piece of the line (a plain copy: no `String` view to walk).
    @inline(__always)
    static func lit(_ s: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// `,"labels":{…}` (empty when there are none), computed once per sink.
    static func labelsJSON(_ labels: [(String, String)]) -> [UInt8] {
        guard !labels.isEmpty else { return [] }
        var b: [UInt8] = Array(#","labels":{"#.utf8)
        for (i, l) in labels.enumerated() {
            if i > 0 { b.append(UInt8(ascii: ",")) }
            text(l.0, &b); b.append(UInt8(ascii: ":")); text(l.1, &b)
        }
        b.append(UInt8(ascii: "}"))
        return b
    }

    /// A JSON string literal, copied whole when nothing needs escaping (as `JSONWriter.writeText`).
    static func text(_ s: String, _ out: inout [UInt8]) {
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { u in
            for c in u where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return false }
            out.append(0x22)
            out.append(contentsOf: u)
            out.append(0x22)
            return true
        }
        if copied == true { return }
        var w = JSONWriter(reserve: s.utf8.count + 8)
        w.writeString(s)
        out.append(contentsOf: w.bytes)
    }

    static func texts(_ list: [String], _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, s) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            text(s, &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `String(v)`'s digits, without the string.
    static func decimal(_ v: Int64, _ out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var d: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &d) { b in
            var i = b.count
            repeat {
                i -= 1
                b[i] = UInt8(48 + m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i...]))
        }
    }
}
