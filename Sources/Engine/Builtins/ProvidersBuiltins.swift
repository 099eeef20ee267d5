/// `providers.aws.sign_req(request, aws_config, time_ns)`: signs an `http.send` request object
/// with AWS Signature Version 4 (Support/AWSSigV4.swift). A pure function of its arguments
/// (no network, no clock): allowed everywhere, unlike `http.send`.
enum ProvidersBuiltins {
    static let builtins: [Builtin] = [
        Builtin("providers.aws.sign_req", arity: 3) { args, _ in try signRequest(args) },
    ]

    static let configRequiredKeys = ["aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"]

    /// Checks in OPA's order: config keys, time, request keys and values, headers, URL,
    /// `disable_payload_signing`.
    static func signRequest(_ args: Arguments) throws -> Value {
        let req = try args.object(0)
        let config = try args.object(1)
        let missingConfig = configRequiredKeys.filter { config[$0] == nil }
        if !missingConfig.isEmpty {
            throw BuiltinError(.type, "operand 2 missing required AWS config parameters(s): \(HTTPRequestObject.stringSet(missingConfig))")
        }
        let badConfig = configRequiredKeys.filter { if case .string? = config[$0] { false } else { true } }
        if !badConfig.isEmpty {
            throw BuiltinError(.type, "operand 2 invalid values for required AWS config parameters(s): \(HTTPRequestObject.stringSet(badConfig))")
        }
        let timeNs = try unixNanos(try args.number(2))

        try HTTPRequestObject.validateKeys(req, position: 1)
        let badValues = HTTPRequestObject.requiredKeys.filter { if case .string? = req[$0] { false } else { true } }
        if !badValues.isEmpty {
            throw BuiltinError(.type, "operand 1 invalid values for required request parameters(s): \(HTTPRequestObject.stringSet(badValues))")
        }

        // Headers as strings (non-string names and values read as "", as OPA does).
        var headers: [(String, String)] = []
        if let h = req["headers"] {
            guard case .object(let ho) = h else { throw BuiltinError.operandType(0, expected: "object", got: h) }
            for (k, v) in ho.pairs {
                headers.append((HTTPRequestObject.stringOrEmpty(k), HTTPRequestObject.stringOrEmpty(v)))
            }
        }

        let url: GoHTTPURL
        do { url = try GoHTTPURL.parse(HTTPRequestObject.stringOrEmpty(req["url"])) } catch { throw BuiltinError(.builtin, error.message) }

        var unsignedPayload = false
        if let d = config["disable_payload_signing"] {
            guard case .bool(let b) = d else {
                throw BuiltinError(.type, "operand 2 invalid value for 'disable_payload_signing' in AWS config")
            }
            unsignedPayload = b
        }

        // raw_body wins over body; body is sent as JSON (Go's encoding, HTML-escaped).
        let payload: [UInt8]
        if let raw = req["raw_body"] {
            payload = Array(HTTPRequestObject.stringOrEmpty(raw).utf8)
        } else if let body = req["body"] {
            payload = JSONWriter.data(body, options: .init(escapeHTML: true))
        } else {
            payload = []
        }

        let signer = AWSSigV4(
            accessKey: HTTPRequestObject.stringOrEmpty(config["aws_access_key"]),
            secretKey: HTTPRequestObject.stringOrEmpty(config["aws_secret_access_key"]),
            sessionToken: HTTPRequestObject.stringOrEmpty(config["aws_session_token"]),
            region: HTTPRequestObject.stringOrEmpty(config["aws_region"]),
            service: HTTPRequestObject.stringOrEmpty(config["aws_service"]))
        // Signed as written: OPA does not upper-case the method for the signature.
        let method = HTTPRequestObject.stringOrEmpty(req["method"])
        let signed = signer.sign(method: method, url: url, headers: headers, payload: payload,
                                 unsignedPayload: unsignedPayload, timeNs: timeNs)

        var out = ObjectBuilder()
        for (k, v) in headers { out[.string(k)] = .string(v) }
        out[.string("Authorization")] = .string(signed.authorization)
        for (k, v) in signed.added { out[.string(k)] = .string(v) }
        var result = ObjectBuilder(req)
        result[.string("headers")] = .object(out.build())
        return .object(result.build())
    }

    /// The time operand as nanoseconds: an integer written without an exponent that fits in
    /// 64 bits (OPA's `Number.Int64`: `1000000000.0` is accepted, `-1e9` and `1.5` refused).
    static func unixNanos(_ n: Number) throws -> Int64 {
        guard let i = n.writtenInt else {
            throw BuiltinError(.type, "operand 3 could not convert time_ns value into a unix timestamp")
        }
        return Int64(i)
    }
}
