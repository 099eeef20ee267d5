/// The request object that `http.send` and `providers.aws.sign_req` take: which keys it may
/// hold and which it must hold, with OPA's messages (`operand 1 invalid request
/// parameters(s): {"bad_key"}`; the doubled plural is OPA's wording).
enum HTTPRequestObject {
    static let requiredKeys: [String] = ["method", "url"]

    static let allowedKeys: Set<String> = [
        "method", "url", "body", "raw_body", "headers", "enable_redirect", "force_json_decode",
        "force_yaml_decode", "tls_use_system_certs", "tls_ca_cert", "tls_ca_cert_file",
        "tls_ca_cert_env_variable", "tls_client_cert", "tls_client_cert_file",
        "tls_client_cert_env_variable", "tls_client_key", "tls_client_key_file",
        "tls_client_key_env_variable", "tls_insecure_skip_verify", "tls_server_name", "timeout",
        "cache", "force_cache", "force_cache_duration_seconds", "raise_error", "caching_mode",
        "max_retry_attempts", "cache_ignored_headers",
    ]

    /// Checks the keys of the request operand at `position`: unknown keys first, then missing
    /// required ones (both type errors).
    static func validateKeys(_ req: ObjectValue, position: Int) throws {
        var invalid: [Value] = []
        for k in req.keys {
            if case .string(let s) = k, allowedKeys.contains(s) { continue }
            invalid.append(k)
        }
        if !invalid.isEmpty {
            throw BuiltinError(.type, "operand \(position) invalid request parameters(s): \(Value.set(SetValue(invalid)))")
        }
        let missing = requiredKeys.filter { req[$0] == nil }
        if !missing.isEmpty {
            throw BuiltinError(.type, "operand \(position) missing required request parameters(s): \(stringSet(missing))")
        }
    }

    /// `{"a", "b"}`: names as a Rego set.
    static func stringSet(_ names: [String]) -> Value { .set(SetValue(names.map { Value.string($0) })) }

    /// A string value, or "" for anything else (how OPA reads optional string fields).
    static func stringOrEmpty(_ v: Value?) -> String {
        if case .string(let s)? = v { return s }
        return ""
    }
}
