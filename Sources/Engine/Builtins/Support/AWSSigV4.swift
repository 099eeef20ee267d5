import Crypto

/// AWS Signature Version 4 (the `AWS4-HMAC-SHA256` scheme, as AWS documents it), in the
/// variant OPA's `providers.aws.sign_req` produces: the path is Go's escaped path (empty for
/// `http://host`), the query is signed as written, every request header is signed, and
/// `x-amz-content-sha256` is added for S3 and Glacier only.
struct AWSSigV4 {
    var accessKey: String
    var secretKey: String
    var sessionToken: String
    var region: String
    var service: String

    struct Signed {
        /// The `Authorization` header value.
        var authorization: String
        /// Headers the signature adds (`host`, `x-amz-date`, …), lowercase names.
        var added: [(String, String)]
    }

    /// Signs a request. `headers` are the request's headers (names in any case; each name is
    /// lowercased for signing, and a later duplicate wins); `payload` is the body as sent.
    func sign(method: String, url: GoHTTPURL, headers: [(String, String)], payload: [UInt8],
              unsignedPayload: Bool, timeNs: Int64) -> Signed {
        let contentHash = unsignedPayload ? "UNSIGNED-PAYLOAD" : CryptoBuiltins.hex(SHA256.hash(data: payload))
        let (date, stamp) = Self.timestamps(timeNs)

        var added: [(String, String)] = [("host", url.host), ("x-amz-date", stamp)]
        if service == "s3" || service == "glacier" { added.append(("x-amz-content-sha256", contentHash)) }
        if !sessionToken.isEmpty { added.append(("x-amz-security-token", sessionToken)) }

        // The request's own headers are signed too, and win over the added ones in the
        // canonical request (the caller sends the added values).
        var toSign: [String: String] = [:]
        for (k, v) in added { toSign[k] = v }
        for (k, v) in headers { toSign[k.lowercased()] = v }
        let names = toSign.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

        var canonical = method + "\n" + url.escapedPath + "\n" + url.rawQuery + "\n"
        for n in names { canonical += n + ":" + toSign[n]! + "\n" }
        let signedHeaders = names.joined(separator: ";")
        canonical += "\n" + signedHeaders + "\n" + contentHash

        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n"
            + CryptoBuiltins.hex(SHA256.hash(data: Array(canonical.utf8)))

        var key = Self.hmac(Array("AWS4\(secretKey)".utf8), date)
        for part in [region, service, "aws4_request"] { key = Self.hmac(key, part) }
        let signature = CryptoBuiltins.hex(Self.hmac(key, stringToSign))

        let auth = "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope),SignedHeaders=\(signedHeaders),Signature=\(signature)"
        return Signed(authorization: auth, added: added)
    }

    private static func hmac(_ key: [UInt8], _ message: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
    }

    /// `20151228` and `20151228T140825Z` (UTC) for a Unix time in nanoseconds.
    static func timestamps(_ ns: Int64) -> (date: String, stamp: String) {
        let secs = GoCivil.floorDiv(ns, 1_000_000_000)
        let days = GoCivil.floorDiv(secs, GoCivil.secondsPerDay)
        let sod = Int(secs - days * GoCivil.secondsPerDay)
        let c = GoCivil.civil(days: days)
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        let date = pad(c.year, 4) + pad(Int64(c.month), 2) + pad(Int64(c.day), 2)
        let time = pad(Int64(sod / 3600), 2) + pad(Int64(sod / 60 % 60), 2) + pad(Int64(sod % 60), 2)
        return (date, date + "T" + time + "Z")
    }
}
