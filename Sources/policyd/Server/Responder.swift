import Engine
import Foundation
import Logging
import Wire

/// Admin operations the responder can trigger (implemented by the daemon's reload coordinator).
protocol AdminActions: Sendable {
    func reload() -> ReloadOutcome
    func rollback() -> PolicySnapshot?
    /// Re-activates a stored earlier revision of one bundle (after revalidating it).
    func rollback(bundle: String, revision: String) -> Result<PolicySnapshot, BundleError>
}

extension AdminActions {
    func rollback(bundle: String, revision: String) -> Result<PolicySnapshot, BundleError> {
        .failure(BundleError(.activation, .unsupportedFeature, "named rollback is not available"))
    }
}

/// One request frame in, one response frame out: parsing, the decision, the response bytes.
/// Shared by every connection and thread; all per-request state lives on the stack. Testable
/// without sockets.
final class Responder: Sendable {
    let store: PolicyStore
    let config: Configuration
    let counters: ServerCounters
    let sink: (any DecisionSink)?
    let admin: (any AdminActions)?
    let logger: Logger
    let startedAtNs: Int64
    private let limits: EvalLimits
    private let defaultPathText: String

    init(store: PolicyStore, config: Configuration, counters: ServerCounters = ServerCounters(),
         sink: (any DecisionSink)? = nil, admin: (any AdminActions)? = nil, logger: Logger)
    {
        self.store = store
        self.config = config
        self.counters = counters
        self.sink = sink
        self.admin = admin
        self.logger = logger
        startedAtNs = EvalContext.wallClockNs()
        limits = EvalLimits(maxSteps: config.limits.maxEvalSteps, maxDepth: config.limits.maxEvalDepth)
        defaultPathText = config.defaultPath.joined(separator: "/")
    }

    /// A parsed request (the fields policyd reads; others are ignored).
    struct Request {
        var id: Value?
        var op: WireOp
        var path: [String]?
        var kind: String?
        var input: Value?
        /// `rollback` to a stored revision: {"op":"rollback","bundle":NAME,"revision":REV}.
        var bundle: String? = nil
        var revision: String? = nil
        /// `test` of a candidate not yet dropped: {"op":"test","candidate":"/abs/x.tar.gz","unsigned":false}.
        var candidate: String? = nil
        var unsigned = false
    }

    enum RequestError: Error {
        case bad(id: Value?, code: WireErrorCode, message: String)
    }

    /// Answers one frame body. `isAdmin` was decided from the peer's uid at accept time.
    func respond(to body: UnsafeRawBufferPointer, peer: PeerCredentials, isAdmin: Bool) -> [UInt8] {
        counters.requests.wrappingIncrement(ordering: .relaxed)
        let request: Request
        do { request = try parse(body) } catch let RequestError.bad(id, code, message) {
            counters.protocolErrors.wrappingIncrement(ordering: .relaxed)
            logger.event(.protocolError, .debug, "bad request: \(message)",
                         ["POLICYD_ERROR": .string(code.rawValue), "POLICYD_PEER_PID": "\(peer.pid)",
                          "POLICYD_PEER_UID": "\(peer.uid)"])
            return ResponseWriter.error(id: id, code: code.rawValue, message: message)
        } catch {
            return ResponseWriter.error(id: nil, code: WireErrorCode.badRequest.rawValue, message: "\(error)")
        }
        switch request.op {
        case .decide: return decide(request, peer: peer)
        case .eval: return eval(request)
        case .health: return health(request)
        case .status: return status(request)
        case .reload, .rollback, .test:
            guard isAdmin else {
                logger.event(.adminAction, .warning, "refused admin op \(request.op.rawValue)",
                             ["POLICYD_PEER_PID": "\(peer.pid)", "POLICYD_PEER_UID": "\(peer.uid)"])
                return ResponseWriter.error(id: request.id, code: WireErrorCode.forbidden.rawValue,
                                            message: "\(request.op.rawValue) needs uid 0 or one of admin_uids (peer uid \(peer.uid))")
            }
            logger.event(.adminAction, .notice, "admin op \(request.op.rawValue)",
                         ["POLICYD_PEER_PID": "\(peer.pid)", "POLICYD_PEER_UID": "\(peer.uid)"])
            return adminOp(request)
        }
    }

    // MARK: - Parsing

    func parse(_ body: UnsafeRawBufferPointer) throws -> Request {
        let doc: Value
        do { doc = try JSONReader.parse(body, maxDepth: config.limits.maxJSONDepth) } catch {
            throw RequestError.bad(id: nil, code: .badJSON, message: error.description)
        }
        guard case .object(let obj) = doc else {
            throw RequestError.bad(id: nil, code: .badRequest, message: "a request must be a JSON object")
        }
        let id = obj["id"]
        switch id {
        case nil, .null?, .bool?, .number?, .string?: break
        default: throw RequestError.bad(id: nil, code: .badRequest, message: "id must be a JSON scalar")
        }
        var op = WireOp.decide
        if let o = obj["op"] {
            guard case .string(let s) = o else {
                throw RequestError.bad(id: id, code: .badRequest, message: "op must be a string")
            }
            guard let known = WireOp(rawValue: s) else {
                throw RequestError.bad(id: id, code: .unknownOp, message: "unknown op \"\(s)\"")
            }
            op = known
        }
        var path: [String]?
        if let p = obj["path"] {
            guard case .string(let s) = p, let parsed = Configuration.parsePath(s) else {
                throw RequestError.bad(id: id, code: .badRequest, message: "path must be a non-empty string such as \"behavry/authz\"")
            }
            path = parsed
        }
        var kind: String?
        if let k = obj["kind"] {
            guard case .string(let s) = k else { throw RequestError.bad(id: id, code: .badRequest, message: "kind must be a string") }
            kind = s
        }
        var request = Request(id: id, op: op, path: path, kind: kind, input: obj["input"])
        if op == .test {
            if let c = obj["candidate"] {
                guard case .string(let s) = c, s.hasPrefix("/") else {
                    throw RequestError.bad(id: id, code: .badRequest, message: "candidate must be an absolute path to a bundle (.tar.gz or directory)")
                }
                request.candidate = s
            }
            if let u = obj["unsigned"] {
                guard case .bool(let b) = u else { throw RequestError.bad(id: id, code: .badRequest, message: "unsigned must be a boolean") }
                request.unsigned = b
            }
        }
        if op == .rollback || op == .test {
            if let b = obj["bundle"] {
                guard case .string(let s) = b else { throw RequestError.bad(id: id, code: .badRequest, message: "bundle must be a string") }
                request.bundle = s
            }
            if let rev = obj["revision"] {
                guard case .string(let s) = rev else { throw RequestError.bad(id: id, code: .badRequest, message: "revision must be a string") }
                request.revision = s
            }
        }
        return request
    }

    private func resolvePath(_ r: Request, _ snap: PolicySnapshot) -> [String] {
        if let p = r.path { return p }
        if let k = r.kind, let p = snap.path(forKind: k, config: config) { return p }
        return config.defaultPath
    }

    // MARK: - Operations

    private func decide(_ r: Request, peer: PeerCredentials) -> [UInt8] {
        let handlerStart = Self.monotonicNs()
        let snap = store.snapshot  // one load; this snapshot serves the whole request
        let path = resolvePath(r, snap)
        let pathText = r.path == nil && r.kind == nil ? defaultPathText : path.joined(separator: "/")
        let now = EvalContext.wallClockNs()
        var evalNs: Int64 = 0
        let outcome: DecisionOutcome
        var result: Value?
        var evalError: String?
        if let policy = snap.policy {
            let ctx = EvalContext(nowNs: now)
            var lim = limits
            if config.limits.evalTimeoutMs > 0 { lim.deadlineNs = now + Int64(config.limits.evalTimeoutMs) * 1_000_000 }
            let t0 = Self.monotonicNs()
            do {
                result = try policy.evaluate(path: path, input: r.input, context: ctx, limits: lim)
                outcome = DecisionMapper.map(result: result, path: path,
                                             defaultDecision: snap.defaultDecision(path, key: pathText, config: config))
            } catch {
                evalError = "\(error)"
                outcome = DecisionMapper.failClosed(code: "eval_error", reason: "evaluation failed: \(error)")
            }
            evalNs = Self.monotonicNs() - t0
        } else {
            outcome = DecisionMapper.failClosed(code: "no_policy", reason: "no policy loaded: \(snap.loadError ?? "unknown")")
        }
        counters.count(outcome.verdict)
        if outcome.error != nil { counters.failClosed.wrappingIncrement(ordering: .relaxed) }
        let decisionID = makeDecisionID()

        var w = ResponseWriter(id: r.id)
        w.string("decision", outcome.verdict.rawValue)
        w.strings("reasons", outcome.reasons)
        w.string("decision_id", decisionID)
        w.bundles("bundles", snap.bundles)
        w.string("path", pathText)
        w.int("eval_ns", evalNs)
        w.strings("rules", outcome.rules)
        if let e = outcome.error { w.string("error", e) }
        let bytes = w.finish()

        if let sink {
            sink.record(DecisionEvent(decisionID: decisionID, requestID: r.id, path: pathText, input: r.input,
                                      outcome: outcome, bundles: snap.bundles, timestampNs: now, evalNs: evalNs,
                                      peer: peer, result: result, errorMessage: evalError,
                                      handlerNs: Self.monotonicNs() - handlerStart))
        }
        return bytes
    }

    private func eval(_ r: Request) -> [UInt8] {
        let snap = store.snapshot
        let path = resolvePath(r, snap)
        guard let policy = snap.policy else {
            return ResponseWriter.error(id: r.id, code: WireErrorCode.evalError.rawValue,
                                        message: "no policy loaded: \(snap.loadError ?? "unknown")")
        }
        let now = EvalContext.wallClockNs()
        var lim = limits
        if config.limits.evalTimeoutMs > 0 { lim.deadlineNs = now + Int64(config.limits.evalTimeoutMs) * 1_000_000 }
        let t0 = Self.monotonicNs()
        do {
            let result = try policy.evaluate(path: path, input: r.input, context: EvalContext(nowNs: now), limits: lim)
            var w = ResponseWriter(id: r.id)
            if let result { w.value("result", result) }
            w.string("path", path.joined(separator: "/"))
            w.bundles("bundles", snap.bundles)
            w.int("eval_ns", Self.monotonicNs() - t0)
            return w.finish()
        } catch {
            return ResponseWriter.error(id: r.id, code: WireErrorCode.evalError.rawValue, message: "\(error)")
        }
    }

    private func health(_ r: Request) -> [UInt8] {
        let snap = store.snapshot
        var w = ResponseWriter(id: r.id)
        w.string("status", snap.policy == nil ? "no_policy" : (snap.degraded ? "degraded" : "ok"))
        w.bundles("bundles", snap.bundles)
        return w.finish()
    }

    private func status(_ r: Request) -> [UInt8] {
        let snap = store.snapshot
        var w = ResponseWriter(id: r.id)
        var bundles = ObjectBuilder()
        let names = Set(snap.bundles.keys).union(snap.lastResults.keys)
        for name in names {
            let info = snap.bundles[name]
            let last = snap.lastResults[name]
            bundles[.string(name)] = .object(ObjectValue([
                "revision": info.map { .string($0.revision) } ?? .null,
                "activated_at": info.map { .string(Self.rfc3339($0.activatedAtNs)) } ?? .null,
                "last_error": last?.error.map { .string($0) } ?? .null,
            ]))
        }
        w.value("bundles", .object(bundles.build()))
        w.int("uptime_s", (EvalContext.wallClockNs() - startedAtNs) / 1_000_000_000)
        w.value("counters", .object(ObjectValue(Dictionary(uniqueKeysWithValues: counters.all.map { ($0.0, Value.int($0.1)) }))))
        w.int("generation", snap.generation)
        return w.finish()
    }

    private func adminOp(_ r: Request) -> [UInt8] {
        if r.op == .test { return testBundles(r) }
        guard let admin else {
            return ResponseWriter.error(id: r.id, code: WireErrorCode.badRequest.rawValue, message: "admin operations unavailable")
        }
        switch r.op {
        case .reload:
            let outcome = admin.reload()
            var w = ResponseWriter(id: r.id)
            // "rejected" only when a drop failed; a rescan that finds nothing new is "ok".
            w.string("status", outcome.results.contains { !$0.ok } ? "rejected" : "ok")
            w.string("summary", outcome.summary)
            w.bundles("bundles", store.snapshot.bundles)
            return w.finish()
        default:
            if let bundle = r.bundle {
                switch admin.rollback(bundle: bundle, revision: r.revision ?? "") {
                case .success(let snap):
                    var w = ResponseWriter(id: r.id)
                    w.string("status", "ok")
                    w.bundles("bundles", snap.bundles)
                    return w.finish()
                case .failure(let error):
                    return ResponseWriter.error(id: r.id, code: WireErrorCode.badRequest.rawValue, message: error.description)
                }
            }
            guard let snap = admin.rollback() else {
                return ResponseWriter.error(id: r.id, code: WireErrorCode.badRequest.rawValue, message: "no previous policy to roll back to")
            }
            var w = ResponseWriter(id: r.id)
            w.string("status", "ok")
            w.bundles("bundles", snap.bundles)
            return w.finish()
        }
    }

    // MARK: - Helpers

    /// A ULID-shaped, time-ordered id (DecisionLog/DecisionID.swift): sorting ids sorts
    /// decisions by time, which the audit log and `policyd log show` rely on.
    private func makeDecisionID() -> String {
        DecisionIDGenerator.shared.next()
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func rfc3339(_ ns: Int64) -> String {
        let d = Date(timeIntervalSince1970: Double(ns) / 1e9)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
}
