/// Why a `PolicyClient` call failed. A `.server` error is the daemon's answer; the others are
/// transport failures (after which the client reconnects on the next call).
public enum PolicyClientError: Error, Sendable, Equatable {
    case connectFailed(String)
    case timeout
    case connectionClosed
    case badResponse(String)
    case server(code: WireErrorCode, message: String)
}
