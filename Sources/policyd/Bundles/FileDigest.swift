import COpenSSL
import Crypto
import Engine
import Foundation
import Yams

/// The digest names OPA accepts in a signature's `files` list (exact spelling).
enum HashAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case sha1 = "SHA-1"
    case sha224 = "SHA-224"
    case sha256 = "SHA-256"
    case sha384 = "SHA-384"
    case sha512 = "SHA-512"
    case sha512_224 = "SHA-512-224"
    case sha512_256 = "SHA-512-256"

    fileprivate var openSSLName: String {
        switch self {
        case .md5: return "MD5"
        case .sha1: return "SHA1"
        case .sha224: return "SHA224"
        case .sha256: return "SHA256"
        case .sha384: return "SHA384"
        case .sha512: return "SHA512"
        case .sha512_224: return "SHA512-224"
        case .sha512_256: return "SHA512-256"
        }
    }

    func digest(_ bytes: [UInt8]) -> [UInt8] {
        // The common digests through swift-crypto (BoringSSL, inside the binary): a daemon that
        // serves unsigned bundles then never initialises libcrypto (its config file, providers
        // and method tables: ~2 MiB of its pages touched at start for one SHA-256).
        switch self {
        case .sha256: return Array(Crypto.SHA256.hash(data: bytes))
        case .sha384: return Array(Crypto.SHA384.hash(data: bytes))
        case .sha512: return Array(Crypto.SHA512.hash(data: bytes))
        case .sha1: return Array(Crypto.Insecure.SHA1.hash(data: bytes))
        case .md5: return Array(Crypto.Insecure.MD5.hash(data: bytes))
        case .sha224, .sha512_224, .sha512_256: break  // not in swift-crypto
        }
        var out = [UInt8](repeating: 0, count: 64)
        var len = out.count
        let status = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                copenssl_digest(openSSLName, b.baseAddress, b.count, o.baseAddress, &len)
            }
        }
        precondition(status == Int32(COPENSSL_OK.rawValue), "libcrypto lacks \(openSSLName)")  // all are in OpenSSL 3's default provider
        return Array(out[0..<len])
    }
}

/// How OPA digests one bundle file (reference B.5): `data.json`, `data.yaml`, `.manifest` and
/// `signatures.json` by their canonical JSON, everything else (including `data.yml`) by its bytes.
enum FileDigest {
    static func isStructured(_ name: String) -> Bool {
        switch BundlePath.basename(name) {
        case "data.json", "data.yaml", ".manifest", "signatures.json": return true
        default: return false
        }
    }

    /// The bytes that get hashed for `file`.
    static func digestInput(name: String, bytes: [UInt8]) throws(BundleError) -> [UInt8] {
        var parsed = ParsedFiles()
        return try digestInput(name: name, bytes: bytes, parsed: &parsed)
    }

    /// Structured files parsed as JSON while their digests were computed, by file name, so that
    /// loading the bundle does not parse its data a second time.
    typealias ParsedFiles = [String: Value]

    /// The bytes that get hashed for `file`; a structured file's parsed value goes to `parsed`.
    static func digestInput(name: String, bytes: [UInt8], parsed: inout ParsedFiles) throws(BundleError) -> [UInt8] {
        guard isStructured(name) else { return bytes }
        if let (value, numbersAsWritten) = CanonicalValueWriter.parse(bytes) {
            parsed[name] = value
            if numbersAsWritten { return CanonicalValueWriter.canonicalBytes(value, reserve: bytes.count) }
        }
        do { return CanonicalJSON.canonicalBytes(try parseStructured(bytes)) } catch {
            throw BundleError(.signature, .badData, "\(name): cannot parse for digest: \(error)", file: name)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex decoded case-insensitively, as Go's hex.DecodeString does; nil when malformed.
    static func unhex(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        let nibble = HexDigit.value
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    /// JSON when it parses as JSON, otherwise YAML converted to JSON (OPA's order).
    static func parseStructured(_ bytes: [UInt8]) throws -> RawJSON {
        do { return try CanonicalJSON.parse(bytes) } catch let jsonError {
            var body = bytes
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
            guard let text = String(validating: body, as: UTF8.self),
                  let node = try? Yams.compose(yaml: text)
            else { throw jsonError }
            return try yamlToJSON(node)
        }
    }

    /// YAML → JSON the way a YAML-to-JSON converter would write it. Only `foo: 1`-style data is
    /// cross-checked against OPA; signed YAML data is refused by the verifier for that reason.
    static func yamlToJSON(_ node: Node) throws -> RawJSON {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if let _ = Bool.construct(from: s) { return .bool(Bool.construct(from: s)!) }
                if NSNull.construct(from: s) != nil { return .null }
                if let i = Int.construct(from: s) { return .number(String(i)) }
                if let d = Double.construct(from: s), d.isFinite {
                    if d == d.rounded(), abs(d) < 1e21 { return .number(String(Int(d))) }
                    return .number(String(d))
                }
            }
            return .string(s.string)
        case .sequence(let seq):
            return .array(try seq.map(yamlToJSON))
        case .mapping(let map):
            var members: [(String, RawJSON)] = []
            var index: [String: Int] = [:]
            for (k, v) in map {
                let key: String
                if case .scalar(let ks) = k { key = ks.string } else { throw CanonicalJSONError(message: "non-scalar YAML key", offset: 0) }
                let value = try yamlToJSON(v)
                if let at = index[key] { members[at].1 = value } else { index[key] = members.count; members.append((key, value)) }
            }
            return .object(members)
        case .alias:
            throw CanonicalJSONError(message: "YAML aliases are not supported in bundle data", offset: 0)
        }
    }
}
