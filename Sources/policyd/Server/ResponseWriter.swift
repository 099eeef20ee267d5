import Engine

/// Builds one response object directly as JSON bytes, with a 4-byte length header reserved at
/// the front (so the frame is written with a single buffer copy). Keys are written in a fixed
/// order; no intermediate tree.
struct ResponseWriter {
    private(set) var json = JSONWriter(reserve: 384)
    private var first = true

    init(id: Value?) {
        json.appendRaw("{\"id\":")
        json.write(id ?? .null)
        first = false
    }

    mutating func key(_ k: String) {
        json.appendRaw(first ? "\"" : ",\"")
        json.appendRaw(k)
        json.appendRaw("\":")
        first = false
    }

    mutating func string(_ k: String, _ v: String) {
        key(k)
        json.writeString(v)
    }

    mutating func int(_ k: String, _ v: some BinaryInteger) {
        key(k)
        json.appendRaw(String(v))
    }

    mutating func value(_ k: String, _ v: Value) {
        key(k)
        json.write(v)
    }

    mutating func raw(_ k: String, _ text: String) {
        key(k)
        json.appendRaw(text)
    }

    mutating func strings(_ k: String, _ list: [String]) {
        key(k)
        json.appendRaw("[")
        for (i, s) in list.enumerated() {
            if i > 0 { json.appendRaw(",") }
            json.writeString(s)
        }
        json.appendRaw("]")
    }

    /// `{"name":"revision",…}` for the bundles of a snapshot.
    mutating func bundles(_ k: String, _ b: [String: BundleInfo]) {
        key(k)
        Self.writeBundles(b, into: &json)
    }

    /// The same object alone (decide responses cache it per snapshot generation).
    static func bundlesJSON(_ b: [String: BundleInfo]) -> [UInt8] {
        var w = JSONWriter(reserve: 64)
        writeBundles(b, into: &w)
        return w.bytes
    }

    private static func writeBundles(_ b: [String: BundleInfo], into json: inout JSONWriter) {
        json.appendRaw("{")
        for (i, name) in b.keys.sorted().enumerated() {
            if i > 0 { json.appendRaw(",") }
            json.writeString(name)
            json.appendRaw(":")
            json.writeString(b[name]!.revision)
        }
        json.appendRaw("}")
    }

    mutating func error(code: String, message: String) {
        key("error")
        json.appendRaw("{\"code\":")
        json.writeString(code)
        json.appendRaw(",\"message\":")
        json.writeString(message)
        json.appendRaw("}")
    }

    consuming func finish() -> [UInt8] {
        json.appendRaw("}")
        return json.bytes
    }

    static func error(id: Value?, code: String, message: String) -> [UInt8] {
        var w = ResponseWriter(id: id)
        w.error(code: code, message: message)
        return w.finish()
    }
}
