import Crypto

/// The crypto.* builtins: digests and HMACs (hex output, as OPA), constant-time MAC comparison.
/// X.509 and private-key parsing are in CryptoBuiltins+X509.swift.
enum CryptoBuiltins {
    static let builtins: [Builtin] = [
        Builtin("crypto.md5", arity: 1) { args, _ in .string(hex(Insecure.MD5.hash(data: Array(try args.string(0).utf8)))) },
        Builtin("crypto.sha1", arity: 1) { args, _ in .string(hex(Insecure.SHA1.hash(data: Array(try args.string(0).utf8)))) },
        Builtin("crypto.sha256", arity: 1) { args, _ in .string(hex(SHA256.hash(data: Array(try args.string(0).utf8)))) },
        Builtin("crypto.hmac.md5", arity: 2) { args, _ in try mac(args, Insecure.MD5.self) },
        Builtin("crypto.hmac.sha1", arity: 2) { args, _ in try mac(args, Insecure.SHA1.self) },
        Builtin("crypto.hmac.sha256", arity: 2) { args, _ in try mac(args, SHA256.self) },
        Builtin("crypto.hmac.sha512", arity: 2) { args, _ in try mac(args, SHA512.self) },
        Builtin("crypto.hmac.equal", arity: 2) { args, _ in
            let a = Array(try args.string(0).utf8), b = Array(try args.string(1).utf8)
            return .bool(constantTimeEqual(a, b))
        },
    ] + x509Builtins

    /// HMAC(key, message) in lowercase hex; operand 1 is the message, operand 2 the key.
    private static func mac<H: HashFunction>(_ args: Arguments, _: H.Type) throws -> Value {
        let message = Array(try args.string(0).utf8), key = SymmetricKey(data: Array(try args.string(1).utf8))
        return .string(hex(Array(HMAC<H>.authenticationCode(for: message, using: key))))
    }

    static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Equal lengths and contents, without an early exit on the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
