import Engine

/// One decision-log line written straight from a `DecisionEvent` into a byte buffer: the same
/// bytes as `DecisionLogSink.record(from:labels:).writeJSON` plus a newline, without building
/// the record or intermediate strings (DecisionLineTests holds the two to the same output).
/// Fragments that repeat on a connection (its peer, the bundles of a snapshot) are cached in
/// the connection's `DecisionBatch`.
///
/// The line's size is bounded first and the line written through one raw pointer
/// (`ByteCursor`): one capacity check per line instead of one per piece.
enum DecisionLine {
    /// Bytes of the line besides its variable parts: keys and punctuation (~210), the
    /// timestamp (≤ 30), two integers (≤ 20 each), with room to spare.
    static let fixedBound = 384

    /// `rawInput`, when given, is the input's JSON as the request held it (copied, whitespace
    /// dropped, instead of `inputJSON` or serialising `input`); `encoded`, the id, reasons and
    /// rules as the response encoded them (copied instead of encoding those strings again).
    /// Without `encoded` (tests, tools) those pieces are encoded here first.
    static func append(_ e: DecisionEvent, rawInput: RawInput? = nil, encoded: EncodedDecision? = nil,
                       labelsJSON: [UInt8], to out: LineBuffer, cache: inout DecisionBatch.Fragments)
    {
        var error: (code: String, message: String)?
        if let code = e.outcome.error { error = (code, errorMessage(e, code)) }
        func write(_ encoded: EncodedDecision, _ pathJSON: UnsafeRawBufferPointer) {
            let f = DecisionFacts(encoded: encoded, pathJSON: pathJSON, rawInput: rawInput, verdict: e.outcome.verdict,
                                  timestampNs: e.timestampNs, evalNs: e.evalNs, handlerNs: e.handlerNs, peer: e.peer,
                                  snapshotGeneration: e.snapshotGeneration)
            append(f, input: e.input, inputJSON: e.inputJSON, result: e.result, error: error, bundles: e.bundles,
                   labelsJSON: labelsJSON, to: out, cache: &cache)
        }
        let pathJSON = JSONWriter.data(.string(e.path))
        pathJSON.withUnsafeBytes { path in
            if let encoded { return write(encoded, path) }
            let id = JSONWriter.data(.string(e.decisionID))
            let reasons = JSONWriter.data(.array(e.outcome.reasons.map { .string($0) }))
            let rules = JSONWriter.data(.array(e.outcome.rules.map { .string($0) }))
            id.withUnsafeBytes { i in
                reasons.withUnsafeBytes { rs in
                    rules.withUnsafeBytes { ru in write(EncodedDecision(id: i, reasons: rs, rules: ru), path) }
                }
            }
        }
    }

    /// The line of a decision the request path describes without an event (`DecisionFacts`:
    /// the id, reasons, rules and path already encoded, the input's bytes); the values are
    /// borrowed for the call (no copies, no retains). `input`/`inputJSON` serve only when
    /// `f.rawInput` is nil. `error`: the failure's code and message (`DecisionRecord.Failure`).
    static func append(_ f: DecisionFacts, input: Value?, inputJSON: String?, result: Value?,
                       error: (code: String, message: String)?, bundles: [String: BundleInfo],
                       labelsJSON: [UInt8], to out: LineBuffer, cache: inout DecisionBatch.Fragments)
    {
        refresh(&cache, bundles: bundles, generation: f.snapshotGeneration, peer: f.peer)
        // Values without their JSON text at hand are serialised first (not the daemon's path
        // for the input: it passes the request's bytes).
        var inputData: [UInt8]?
        var inputCount = 0
        if let raw = f.rawInput {
            inputCount = raw.bytes.count  // compacting never grows it
        } else if let inputJSON {
            inputCount = inputJSON.utf8.count
        } else if let input {
            inputData = JSONWriter.data(input)
            inputCount = inputData!.count
        }
        var resultData: [UInt8]?
        var resultCount = 0
        if let result {
            if case .string(let s) = result { resultCount = ByteCursor.bound(s) } else {
                resultData = JSONWriter.data(result)
                resultCount = resultData!.count
            }
        }
        var bound = fixedBound + f.pathJSON.count + inputCount + resultCount
            + cache.tailJSON.count + labelsJSON.count
            + f.encoded.id.count + f.encoded.reasons.count + f.encoded.rules.count
        if let error { bound += ByteCursor.bound(error.code) + ByteCursor.bound(error.message) }

        var w = ByteCursor(out.reserve(bound))
        w.append(#"{"decision_id":"#)
        w.append(f.encoded.id)
        w.append(#","timestamp":""#); RFC3339.write(ns: f.timestampNs, to: &w, second: &cache.second)
        w.append(UInt8(ascii: "\""))
        w.append(#","path":"#); w.append(f.pathJSON)
        switch f.verdict {
        case .allow: w.append(#","decision":"allow""#)
        case .deny: w.append(#","decision":"deny""#)
        case .escalate: w.append(#","decision":"escalate""#)
        }
        w.append(#","reasons":"#); w.append(f.encoded.reasons)
        w.append(#","rules":"#); w.append(f.encoded.rules)
        if let raw = f.rawInput {
            w.append(#","input":"#)
            if raw.isCompact { w.append(raw.bytes) } else { w.skip(CompactJSON.copy(raw.bytes, to: w.base + w.count)) }
        } else if let inputJSON {
            w.append(#","input":"#)
            var s = inputJSON
            s.withUTF8 { w.append(UnsafeRawBufferPointer($0)) }
        } else if let inputData {
            w.append(#","input":"#); w.append(inputData)
        }
        if let result {
            w.append(#","result":"#)
            if case .string(let s) = result { w.appendJSONString(s) } else if let resultData { w.append(resultData) }
        }
        w.append(cache.tailJSON); w.appendDecimal(f.evalNs)
        if let h = f.handlerNs { w.append(#","timer_server_handler_ns":"#); w.appendDecimal(h) }
        w.append(UInt8(ascii: "}"))
        if let error {
            w.append(#","error":{"code":"#); w.appendJSONString(error.code)
            w.append(#","message":"#); w.appendJSONString(error.message)
            w.append(UInt8(ascii: "}"))
        }
        w.append(labelsJSON)
        w.append("}\n")
        out.commit(w.count)
    }

    /// The same line appended to an array (tests, tools).
    static func append(_ e: DecisionEvent, rawInput: RawInput? = nil, encoded: EncodedDecision? = nil,
                       labelsJSON: [UInt8], to out: inout [UInt8], cache: inout DecisionBatch.Fragments)
    {
        let buffer = LineBuffer()
        append(e, rawInput: rawInput, encoded: encoded, labelsJSON: labelsJSON, to: buffer, cache: &cache)
        out.append(contentsOf: buffer.bytes)
    }

    private static func errorMessage(_ e: DecisionEvent, _ code: String) -> String {
        e.errorMessage ?? e.outcome.reasons.first ?? code
    }

    /// The connection's cached `,"bundles":{…}` (per snapshot generation) and peer fields, and
    /// the line's tail made of them (`Fragments.tailJSON`).
    private static func refresh(_ cache: inout DecisionBatch.Fragments, bundles: [String: BundleInfo], generation: Int,
                                peer p: PeerCredentials) {
        var changed = false
        if !bundles.isEmpty && (cache.bundlesGeneration != generation || generation < 0) {
            changed = true
            var b: [UInt8] = Array(#","bundles":{"#.utf8)
            let sorted = bundles.values.sorted { regoStringsCompare($0.name, $1.name) < 0 }
            for (i, info) in sorted.enumerated() {
                if i > 0 { b.append(UInt8(ascii: ",")) }
                text(info.name, &b)
                b.append(contentsOf: #":{"revision":"#.utf8); text(info.revision, &b); b.append(UInt8(ascii: "}"))
            }
            b.append(UInt8(ascii: "}"))
            cache.bundlesJSON = b
            cache.bundlesGeneration = generation
        }
        if cache.peer != p || cache.peerJSON.isEmpty {
            changed = true
            let pid = String(p.pid), uid = String(p.uid), gid = String(p.gid)
            cache.peerJSON = Array(",\"requested_by\":\"pid=\(pid),uid=\(uid),gid=\(gid)\",\"peer\":{\"pid\":\(pid),\"uid\":\(uid),\"gid\":\(gid)}".utf8)
            cache.peer = p
        }
        if changed || cache.tailHasBundles != !bundles.isEmpty {
            cache.tailJSON = (bundles.isEmpty ? [] : cache.bundlesJSON) + cache.peerJSON
                + Array(#","metrics":{"timer_rego_query_eval_ns":"#.utf8)
            cache.tailHasBundles = !bundles.isEmpty
        }
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

    /// A JSON string literal (as `JSONWriter.writeString`), for the cached fragments.
    static func text(_ s: String, _ out: inout [UInt8]) {
        var w = JSONWriter(reserve: s.utf8.count + 8)
        w.writeString(s)
        out.append(contentsOf: w.bytes)
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
