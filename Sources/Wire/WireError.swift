/// The error codes of the protocol (`{"id","error":{"code","message"}}`), docs/protocol.md.
public struct WireErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The frame body is not valid UTF-8 JSON. The connection stays usable.
    public static let badJSON = WireErrorCode(rawValue: "bad_json")
    /// Valid JSON but not a valid request (not an object, wrong field types, zero-length frame).
    public static let badRequest = WireErrorCode(rawValue: "bad_request")
    public static let unknownOp = WireErrorCode(rawValue: "unknown_op")
    /// The header announced more than `max_frame_bytes`; the daemon closes the connection.
    public static let frameTooLarge = WireErrorCode(rawValue: "frame_too_large")
    /// An admin operation from a peer that is not root nor in `admin_uids`.
    public static let forbidden = WireErrorCode(rawValue: "forbidden")
    /// `eval` failed in the engine (decide never answers with an error: it fails closed).
    public static let evalError = WireErrorCode(rawValue: "eval_error")
    /// Too many connections or requests; retry later.
    public static let overloaded = WireErrorCode(rawValue: "overloaded")
}

/// The protocol's operations.
public enum WireOp: String, Sendable, CaseIterable {
    case decide, eval, health, status
    /// Admin operations (peer uid must be root or listed in `admin_uids`).
    case reload, rollback
    /// Admin: run the bundles' own Rego tests and decision cases (`policyd test` over the socket).
    case test

    public var isAdmin: Bool { self == .reload || self == .rollback || self == .test }
}
