import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An async client for the policyd socket: one connection, pipelined requests, per-request
/// timeouts, and a reconnect on the next call after the connection drops.
///
///     let client = PolicyClient(socketPath: "run/policyd.sock")
///     let d = try await client.decide(input: ["tool": "fs.read"])
///     try await client.close()
public final class PolicyClient: Sendable {
    public let socketPath: String
    public let timeout: TimeAmount
    public let maxFrameBytes: Int
    private let group: any EventLoopGroup
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    public init(socketPath: String, timeout: TimeAmount = .seconds(5), maxFrameBytes: Int = 64 << 20,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
    {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxFrameBytes = maxFrameBytes
        self.group = group
    }

    /// Connects now (otherwise the first call connects).
    public func connect() async throws {
        _ = try await activeChannel()
    }

    public func close() async {
        let ch = channel.withLockedValue { c -> (any Channel)? in
            defer { c = nil }
            return c
        }
        try? await ch?.close()
    }

    /// Sends one request object and returns the daemon's response object as is (error
    /// responses included).
    public func send(_ request: JSON) async throws -> JSON {
        try await batch([request])[0]
    }

    /// Sends all requests without waiting (pipelining) and returns the responses in order.
    public func batch(_ requests: [JSON]) async throws -> [JSON] {
        let ch = try await activeChannel()
        var futures: [EventLoopFuture<ByteBuffer>] = []
        futures.reserveCapacity(requests.count)
        for r in requests {
            let p = ch.eventLoop.makePromise(of: ByteBuffer.self)
            var body = ch.allocator.buffer(capacity: 256)
            body.writeBytes(r.bytes)
            ch.write(PendingRequest(body: body, promise: p), promise: nil)
            futures.append(p.futureResult)
        }
        ch.flush()
        let deadline = NIODeadline.now() + timeout
        let timer = ch.eventLoop.scheduleTask(deadline: deadline) {
            // Responses are matched by order, so after a timeout the connection is unusable.
            ch.close(promise: nil)
        }
        defer { timer.cancel() }
        var out: [JSON] = []
        out.reserveCapacity(requests.count)
        do {
            for f in futures {
                let buf = try await f.get()
                do { out.append(try JSON.parse(buf.readableBytesView)) } catch {
                    throw PolicyClientError.badResponse("\(error)")
                }
            }
        } catch let e as PolicyClientError where e == .connectionClosed && NIODeadline.now() >= deadline {
            throw PolicyClientError.timeout
        }
        return out
    }

    /// Asks for a decision. Error responses become `PolicyClientError.server`.
    public func decide(input: JSON, path: String? = nil, kind: String? = nil, id: JSON? = nil) async throws
        -> Decision
    {
        let r = try await send(Request.decide(id: id, path: path, kind: kind, input: input))
        try Self.throwIfError(r)
        guard let d = Decision(r) else { throw PolicyClientError.badResponse(r.text) }
        return d
    }

    /// Many decisions, pipelined on the connection.
    public func decideBatch(_ inputs: [JSON], path: String? = nil) async throws -> [Decision] {
        let rs = try await batch(inputs.enumerated().map { Request.decide(id: .int($0.offset), path: path, input: $0.element) })
        return try rs.map { r in
            try Self.throwIfError(r)
            guard let d = Decision(r) else { throw PolicyClientError.badResponse(r.text) }
            return d
        }
    }

    /// The raw document at data.<path> (nil when undefined).
    public func eval(path: String, input: JSON? = nil) async throws -> JSON? {
        let r = try await send(Request.eval(path: path, input: input))
        try Self.throwIfError(r)
        return r["result"]
    }

    public func health() async throws -> JSON { try await checked(.health) }
    public func status() async throws -> JSON { try await checked(.status) }
    public func reload() async throws -> JSON { try await checked(.reload) }
    public func rollback() async throws -> JSON { try await checked(.rollback) }

    private func checked(_ op: WireOp) async throws -> JSON {
        let r = try await send(Request.simple(op))
        try Self.throwIfError(r)
        return r
    }

    static func throwIfError(_ r: JSON) throws {
        if case .object = r["error"] ?? .null {
            let e = r["error"]!
            throw PolicyClientError.server(
                code: WireErrorCode(rawValue: e["code"]?.stringValue ?? "unknown"),
                message: e["message"]?.stringValue ?? "")
        }
    }

    private func activeChannel() async throws -> any Channel {
        if let ch = channel.withLockedValue({ $0 }), ch.isActive { return ch }
        let maxBytes = maxFrameBytes
        let ch: any Channel
        do {
            ch = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(maxBytes: maxBytes)),
                            MessageToByteHandler(FrameEncoder()),
                            ResponseMatcher(),
                        ])
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
        } catch {
            throw PolicyClientError.connectFailed("\(socketPath): \(error)")
        }
        let old = channel.withLockedValue { c -> (any Channel)? in
            defer { c = ch }
            return c
        }
        old?.close(promise: nil)
        return ch
    }
}
