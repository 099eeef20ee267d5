/// Why a bundle was refused: the pipeline stage that failed, a stable reason code (the codes of
/// the signing fixtures plus policyd's own), and the exact message, with file:line when known.
struct BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Stage: String, Sendable {
        case archive, limits, signature, manifest, data, roots, compile, tests, smoke, activation
    }

    enum Reason: String, Sendable {
        // Archive and limits.
        case badArchive = "bad_archive"
        case limitExceeded = "limit_exceeded"
        case unsafePath = "unsafe_path"
        case unsupportedEntry = "unsupported_entry"
        case duplicateFile = "duplicate_file"
        case unsupportedFeature = "unsupported_feature"
        // Signatures (names as in fixtures/opa-bundle-signing/cases.json).
        case badSignature = "bad_signature"
        case badToken = "bad_token"
        case badPayload = "bad_payload"
        case scopeMismatch = "scope_mismatch"
        case unknownKey = "unknown_key"
        case noKeyID = "no_key_id"
        case noVerificationKey = "no_verification_key"
        case signaturesMissing = "signatures_missing"
        case signatureCount = "signature_count"
        case fileNotSigned = "file_not_signed"
        case signedFileMissing = "signed_file_missing"
        case missingHashAlgorithm = "missing_hash_algorithm"
        case unsupportedHashAlgorithm = "unsupported_hash_algorithm"
        case digestMismatch = "digest_mismatch"
        case unsignedNotAllowed = "unsigned_not_allowed"
        case signatureExpired = "signature_expired"
        case badKey = "bad_key"
        // Content.
        case badManifest = "bad_manifest"
        case badData = "bad_data"
        case rootsViolation = "roots_violation"
        case rootsOverlap = "roots_overlap"
        case compileError = "compile_error"
        case testFailed = "test_failed"
        case smokeFailed = "smoke_failed"
    }

    var stage: Stage
    var reason: Reason
    var message: String
    var file: String?
    var line: Int?

    init(_ stage: Stage, _ reason: Reason, _ message: String, file: String? = nil, line: Int? = nil) {
        self.stage = stage
        self.reason = reason
        self.message = message
        self.file = file
        self.line = line
    }

    var description: String {
        var location = ""
        if let file { location = line.map { "\(file):\($0)" } ?? file }
        // Engine messages already carry file:row:col; do not repeat the location.
        if location.isEmpty || message.contains(location) { location = "" } else { location = " (\(location))" }
        return "\(stage.rawValue): \(reason.rawValue): \(message)\(location)"
    }
}
