import Engine
import Foundation
import Logging
import NIOCore
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
    /// The route of requests that name neither a path nor a mapped kind, and of each kind.
    private let defaultRoute: Route
    private let kindRoutes: [String: Route]
    private let bufferAllocator = ByteBufferAllocator()
    /// Some sink takes the input as JSON text (the decision log without masks).
    private let sinkWantsInputJSON: Bool
    /// The outcomes some sink keeps (the sink's `wants`, asked once).
    private let sinkWants: WantedOutcomes?
    /// The decision log, when it takes decisions without an event (`DecisionFacts`), and the
    /// outcomes it keeps; `sink` holds the other sinks then.
    private let factsSink: DecisionLogSink?
    private let factsWants: WantedOutcomes?
    /// No sink reads the parsed input: a decision parses only what its policy can observe.
    private let projectInput: Bool
    /// Some sink keeps some decisions: only then is the handler's time (a clock read) taken.
    private let timesHandler: Bool

    init(store: PolicyStore, config: Configuration, counters: ServerCounters = ServerCounters(),
         sink: (any DecisionSink)? = nil, admin: (any AdminActions)? = nil, logger: Logger)
    {
        self.store = store
        self.config = config
        self.counters = counters
        // The decision log writes from the response's bytes (no event); other sinks get events.
        (factsSink, self.sink) = DecisionSinks.split(sink)
        self.admin = admin
        self.logger = logger
        startedAtNs = EvalContext.wallClockNs()
        limits = EvalLimits(maxSteps: config.limits.maxEvalSteps, maxDepth: config.limits.maxEvalDepth)
        defaultPathText = config.defaultPath.joined(separator: "/")
        defaultRoute = Route(segments: config.defaultPath, config: config)
        var kinds: [String: Route] = [:]
        for e in config.entrypoints {
            let route = Route(segments: e.path, config: config)
            for k in e.kinds where kinds[k] == nil { kinds[k] = route }
        }
        kindRoutes = kinds
        sinkWantsInputJSON = sink?.wantsInputJSON ?? false
        sinkWants = self.sink.map { WantedOutcomes($0) }
        factsWants = factsSink.map { WantedOutcomes($0) }
        projectInput = !(sink?.usesInputValue ?? false)
        timesHandler = factsWants?.isEmpty == false || sinkWants?.isEmpty == false
    }

    /// A parsed request (the fields policyd reads; others are ignored).
    struct Request: Sendable {
        var id: Value? = nil
        var op = WireOp.decide
        var path: [String]? = nil
        var kind: String? = nil
        var input: Value? = nil
        /// The entrypoint `path` names, when resolved by the fast parser (else derived from `path`).
        var route: Route? = nil
        /// Where `input` is in the frame body (fast parser only): the decision log copies these
        /// bytes instead of serialising the parsed value again.
        var inputRange: Range<Int>? = nil
        /// Those bytes are already compact JSON.
        var inputIsCompact = false
        /// `input` is not parsed yet (`input` is nil): `decide` parses `inputRange` for its
        /// entrypoint, keeping only what the policy can observe.
        var inputDeferred = false
        /// `input` was parsed keeping only what this query observes (nil: parsed whole).
        var inputProjection: PreparedQuery? = nil
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

    /// Answers one frame body (tests and tools): the response body, without the frame header.
    func respond(to body: UnsafeRawBufferPointer, peer: PeerCredentials, isAdmin: Bool) -> [UInt8] {
        var state = ConnectionState()
        state.ids = ConnectionDecisionIDs(shared: .shared)  // one-off calls: ids ordered across calls
        var out = bufferAllocator.buffer(capacity: 512)
        respond(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state)
        flushDecisions(&state)
        out.moveReaderIndex(forwardBy: Frame.headerBytes)
        return out.readBytes(length: out.readableBytes) ?? []
    }

    /// Answers one frame body by appending one response frame to `out`. `isAdmin` was decided
    /// from the peer's uid at accept time; `state` is the connection's reusable state.
    func respond(to body: UnsafeRawBufferPointer, peer: PeerCredentials, isAdmin: Bool,
                 into out: inout ByteBuffer, state: inout ConnectionState)
    {
        if let slow = respondOrDefer(to: body, peer: peer, isAdmin: isAdmin, into: &out, state: &state) {
            Frame.write(slow.run(), into: &out)
        }
    }

    /// Slow admin work (`reload`, `rollback`, `test`) handed back to the caller to run off the
    /// event loop; `run` returns the response body (without the frame header).
    struct DeferredOp: Sendable {
        let id: Value?
        let run: @Sendable () -> [UInt8]
    }

    /// Like `respond(to:peer:isAdmin:into:state:)`, except that an authorised slow admin op is
    /// not run: it is returned, and nothing is appended to `out` for it. Every other request
    /// (decisions above all) is answered inline, with no extra hop.
    func respondOrDefer(to body: UnsafeRawBufferPointer, peer: PeerCredentials, isAdmin: Bool,
                        into out: inout ByteBuffer, state: inout ConnectionState) -> DeferredOp?
    {
        (state.counts ?? counters.shared).increment(.requests)
        // The handler's time (`timer_server_handler_ns`) includes parsing: the input is parsed here
        // (it stops at the verdict, see `decide`).
        // Only sinks read it (no clock read per request when no sink keeps decisions).
        let handlerStart = timesHandler ? Self.monotonicNs() : 0
        let snap = state.snapshot(store)  // this snapshot serves the whole request
        var request = Request()
        do { try parse(body, state: &state, snap: snap, into: &request) } catch {
            writeRequestError(error, peer: peer, into: &out)
            return nil
        }
        if request.op == .decide {
            decide(request, snap: snap, handlerStart: handlerStart, body: body, peer: peer, into: &out, state: &state)
            return nil
        }
        if request.op.isAdmin && isAdmin {
            logger.event(.adminAction, .notice, "admin op \(request.op.rawValue)",
                         ["POLICYD_PEER_PID": "\(peer.pid)", "POLICYD_PEER_UID": "\(peer.uid)"])
            return DeferredOp(id: request.id) { [self, request] in adminOp(request) }
        }
        Frame.write(respondOther(request, peer: peer, isAdmin: isAdmin), into: &out)
        return nil
    }

    private func writeRequestError(_ error: Error, peer: PeerCredentials, into out: inout ByteBuffer) {
        if case let RequestError.bad(id, code, message) = error {
            counters.protocolErrors.wrappingIncrement(ordering: .relaxed)
            logger.event(.protocolError, .debug, "bad request: \(message)",
                         ["POLICYD_ERROR": .string(code.rawValue), "POLICYD_PEER_PID": "\(peer.pid)",
                          "POLICYD_PEER_UID": "\(peer.uid)"])
            Frame.write(ResponseWriter.error(id: id, code: code.rawValue, message: message), into: &out)
        } else {
            Frame.write(ResponseWriter.error(id: nil, code: WireErrorCode.badRequest.rawValue, message: "\(error)"),
                        into: &out)
        }
    }

    /// Decisions a connection stages before handing them to the sinks even mid-batch.
    static let maxPendingEvents = 64

    /// Hands the connection's pending decision events to the sinks (end of a read batch, or
    /// before the connection closes), and the journal entries its rate limit refused meanwhile.
    func flushDecisions(_ state: inout ConnectionState) {
        guard state.batch.count > 0 || !state.batch.journal.isEmpty || state.batch.journalSuppressed > 0 else { return }
        factsSink?.flush(&state.batch)
        if sinkWants?.isEmpty == false { sink?.flush(&state.batch) }
    }

    private func respondOther(_ request: Request, peer: PeerCredentials, isAdmin: Bool) -> [UInt8] {
        switch request.op {
        case .decide: preconditionFailure("decide is answered by decide(_:peer:into:state:)")
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
            preconditionFailure("authorised admin ops are answered by respondOrDefer's DeferredOp")
        }
    }

    // MARK: - Parsing

    /// The request fields `makeRequest` checks, as parsed values (nil: absent). The input, and
    /// what the fast parser knows of it and of the route, go into the `Request` directly (moved
    /// once, not copied from here).
    struct Fields {
        var id: Value? = nil
        var op: Value? = nil
        /// `op` was the literal "decide" (no value built).
        var opIsDecide = false
        var path: Value? = nil
        var kind: Value? = nil
        var bundle: Value? = nil
        var revision: Value? = nil
        /// `test` only (read by the whole-frame parser).
        var candidate: Value? = nil
        var unsigned: Value? = nil
    }

    /// Parses a frame body in one pass over its bytes: the envelope is scanned without building
    /// the outer object, and `input` is parsed where the scan meets it, for the entrypoint the
    /// fields before it name (`routeSoFar`), keeping only what that entrypoint's policy in `snap`
    /// can observe. A `path` the connection sent before is resolved from its route cache by its
    /// bytes. When the entrypoint is not known yet at the input (a path new to the connection),
    /// the input is parsed later in `decide`; when the fields after the input name another one
    /// (or another op), it is parsed again there. Anything unusual, and every error, takes the
    /// whole-frame parser, so errors are reported exactly as it reports them.
    func parse(_ body: UnsafeRawBufferPointer, state: inout ConnectionState, snap: PolicySnapshot) throws -> Request {
        var request = Request()
        try parse(body, state: &state, snap: snap, into: &request)
        return request
    }

    /// `parse(_:state:snap:)` filling the caller's fresh `request` in place: the request path
    /// keeps one `Request` for the whole request (returning it showed as a copy and a destroy
    /// of the struct per request in profiles).
    func parse(_ body: UnsafeRawBufferPointer, state: inout ConnectionState, snap: PolicySnapshot,
               into request: inout Request) throws
    {
        let maxDepth = config.limits.maxJSONDepth
        guard let base = body.baseAddress else { request = try parse(body); return }
        func slice(_ r: Range<Int>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count)
        }
        func value(_ r: Range<Int>?) throws(JSONParseError) -> Value? {
            guard let r else { return nil }
            return try JSONReader.parse(slice(r), maxDepth: maxDepth - 1)
        }
        var parsedInput: Value?
        var inputQuery: PreparedQuery?  // the query `parsedInput` was projected for (nil: whole)
        let scanned = RequestEnvelope.scan(body, maxDepth: maxDepth) { seen, at in
            parsedInput = nil
            inputQuery = nil
            var shape: InputShape?
            // Decisions parse for their entrypoint (other ops, and sinks that read the input,
            // take it whole).
            if projectInput, let policy = snap.policy, seen[.op].map({ Self.equals(slice($0), Self.decideLiteral) }) ?? true {
                guard let route = routeSoFar(seen, slice, state.routes) else { return .skip }
                let query = state.query(route, in: policy)
                shape = query.inputShape
                if shape != nil { inputQuery = query }
            }
            do {
                let r = try JSONReader.parseEmbedded(body, at: at, shape: shape, maxDepth: maxDepth - 1)
                parsedInput = r.value
                return .parsed(end: r.end, compact: r.compact)
            } catch {
                return .invalid
            }
        }
        guard let env = scanned else { request = try parse(body); return }
        var f = Fields()
        do {
            f.id = try Self.plainInteger(env[.id].map(slice)) ?? value(env[.id])
            if let r = env[.op] {
                if Self.equals(slice(r), Self.decideLiteral) { f.opIsDecide = true } else { f.op = try value(r) }
            }
            if let r = env[.path] {
                if let hit = state.routes.lookup(slice(r)) { request.route = hit } else { f.path = try value(r) }
            }
            f.kind = try value(env[.kind])
            let decides = f.opIsDecide || f.op == nil || f.op == .string("decide")
            if env.inputParsed, decides || inputQuery == nil {
                request.input = parsedInput
                parsedInput = nil
                request.inputProjection = inputQuery
            } else if projectInput, env[.input] != nil, decides {
                // The entrypoint was not known at the input: `decide` parses it for its own.
                request.inputDeferred = true
            } else {
                // Not a decision after all (an `op` after the input): parse it whole.
                request.input = try value(env[.input])
            }
            request.inputRange = env[.input]
            request.inputIsCompact = env.inputIsCompact
            f.bundle = try value(env[.bundle])
            f.revision = try value(env[.revision])
        } catch {
            request = try parse(body); return  // reports the error exactly as a whole-frame parse does
        }
        // The common frame, a decision to a path this connection sent before, with a scalar id
        // and no kind: what `makeRequest` fills in for it, without passing the fields through.
        if f.op == nil, f.kind == nil, let route = request.route, Self.isScalar(f.id) {
            request.id = f.id
            request.path = route.segments
            return
        }
        // The envelope scan reads only the decision fields; the `test` admin op has its own.
        if f.op == .string("test") { request = try parse(body); return }
        do { try makeRequest(f, &request) } catch {
            // An unparsed input may be bad JSON, which a whole-frame parse reports first.
            if request.inputDeferred { request = try parse(body); return }
            throw error
        }
        if request.route == nil, let p = request.path, let r = env[.path] {
            let route = Route(segments: p, config: config)
            state.routes.insert(slice(r), route)
            request.route = route
        }
    }

    /// The entrypoint of a decision as far as its envelope has been read (`route(_:_:)` on the
    /// fields seen so far): its path if this connection sent that path before, else its kind's
    /// configured entrypoint, else the default. nil when that takes more work than waiting for
    /// the whole request (a new path, an escaped or manifest-declared kind).
    private func routeSoFar(_ seen: RequestEnvelope, _ slice: (Range<Int>) -> UnsafeRawBufferPointer,
                            _ routes: RouteCache) -> Route?
    {
        if let r = seen[.path] { return routes.lookup(slice(r)) }
        if let r = seen[.kind] {
            let raw = slice(r)
            guard raw.count >= 2, raw[0] == UInt8(ascii: "\""), raw[raw.count - 1] == UInt8(ascii: "\""),
                  !raw.contains(UInt8(ascii: "\\"))
            else { return nil }
            return kindRoutes[String(decoding: UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - 1)]), as: UTF8.self)]
        }
        return defaultRoute
    }

    /// A request id of plain decimal digits (as agent proxies number their requests), read without
    /// a JSON parser: the value `JSONReader` gives it. nil for anything else.
    private static func plainInteger(_ raw: UnsafeRawBufferPointer?) -> Value? {
        guard let raw, raw.count >= 1, raw.count <= 18, raw[0] != UInt8(ascii: "0") || raw.count == 1 else { return nil }
        var v = 0
        for c in raw {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return .number(.int(v))
    }

    /// A static string (no lazy global to check per request).
    private static var decideLiteral: StaticString { "\"decide\"" }

    /// An id `makeRequest` accepts (absent, or a JSON scalar).
    private static func isScalar(_ id: Value?) -> Bool {
        switch id {
        case nil, .null?, .bool?, .number?, .string?: return true
        default: return false
        }
    }

    private static func equals(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        a.count == b.utf8CodeUnitCount && memcmp(b.utf8Start, a.baseAddress!, a.count) == 0
    }

    /// The whole-frame parser: the reference behaviour, and the fallback for unusual frames.
    func parse(_ body: UnsafeRawBufferPointer) throws -> Request {
        let doc: Value
        do { doc = try JSONReader.parse(body, maxDepth: config.limits.maxJSONDepth) } catch {
            throw RequestError.bad(id: nil, code: .badJSON, message: error.description)
        }
        guard case .object(let obj) = doc else {
            throw RequestError.bad(id: nil, code: .badRequest, message: "a request must be a JSON object")
        }
        var request = Request()
        request.input = obj["input"]
        try makeRequest(Fields(id: obj["id"], op: obj["op"], path: obj["path"], kind: obj["kind"],
                               bundle: obj["bundle"], revision: obj["revision"],
                               candidate: obj["candidate"], unsigned: obj["unsigned"]), &request)
        return request
    }

    /// Checks the fields' types and fills them into `request` (which already holds the input,
    /// and the route when the fast parser resolved it).
    private func makeRequest(_ f: Fields, _ request: inout Request) throws {
        let id = f.id
        guard Self.isScalar(id) else {
            throw RequestError.bad(id: nil, code: .badRequest, message: "id must be a JSON scalar")
        }
        var op = WireOp.decide
        if !f.opIsDecide, let o = f.op {
            guard case .string(let s) = o else {
                throw RequestError.bad(id: id, code: .badRequest, message: "op must be a string")
            }
            guard let known = WireOp(rawValue: s) else {
                throw RequestError.bad(id: id, code: .unknownOp, message: "unknown op \"\(s)\"")
            }
            op = known
        }
        var path: [String]?
        if let route = request.route {
            path = route.segments
        } else if let p = f.path {
            guard case .string(let s) = p, let parsed = Configuration.parsePath(s) else {
                throw RequestError.bad(id: id, code: .badRequest, message: "path must be a non-empty string such as \"behavry/authz\"")
            }
            path = parsed
        }
        var kind: String?
        if let k = f.kind {
            guard case .string(let s) = k else { throw RequestError.bad(id: id, code: .badRequest, message: "kind must be a string") }
            kind = s
        }
        request.id = id
        request.op = op
        request.path = path
        request.kind = kind
        if op == .test {
            if let c = f.candidate {
                guard case .string(let s) = c, s.hasPrefix("/") else {
                    throw RequestError.bad(id: id, code: .badRequest, message: "candidate must be an absolute path to a bundle (.tar.gz or directory)")
                }
                request.candidate = s
            }
            if let u = f.unsigned {
                guard case .bool(let b) = u else { throw RequestError.bad(id: id, code: .badRequest, message: "unsigned must be a boolean") }
                request.unsigned = b
            }
        }
        if op == .rollback || op == .test {
            if let b = f.bundle {
                guard case .string(let s) = b else { throw RequestError.bad(id: id, code: .badRequest, message: "bundle must be a string") }
                request.bundle = s
            }
            if let rev = f.revision {
                guard case .string(let s) = rev else { throw RequestError.bad(id: id, code: .badRequest, message: "revision must be a string") }
                request.revision = s
            }
        }
    }

    private func resolvePath(_ r: Request, _ snap: PolicySnapshot) -> [String] {
        if let p = r.path { return p }
        if let k = r.kind, let p = snap.path(forKind: k, config: config) { return p }
        return config.defaultPath
    }

    // MARK: - Operations

    /// The route a decide request uses: its path, else its kind's entrypoint (the config's,
    /// else one a served bundle's manifest declares), else the default.
    private func route(_ r: Request, _ snap: PolicySnapshot) -> Route {
        if let route = r.route { return route }
        if let p = r.path { return Route(segments: p, config: config) }
        if let k = r.kind {
            if let route = kindRoutes[k] { return route }
            if let p = snap.declaredKinds[k] { return Route(segments: p, config: config) }
        }
        return defaultRoute
    }

    private func decide(_ r: Request, snap: PolicySnapshot, handlerStart: Int64, body: UnsafeRawBufferPointer,
                        peer: PeerCredentials, into out: inout ByteBuffer, state: inout ConnectionState)
    {
        let route = route(r, snap)
        let query = snap.policy.map { state.query(route, in: $0) }
        let input: Value?
        do { input = try self.input(of: r, body: body, for: query) } catch {
            return writeRequestError(error, peer: peer, into: &out)
        }
        let now = EvalContext.wallClockNs()
        var evalNs: Int64 = 0
        // Where the handler's timer (`timer_server_handler_ns`) stops: once the verdict is
        // known, before the response is encoded, as OPA stops it (its metrics can ride in the
        // response). With a policy that is the evaluation's own end reading: no clock read of its own.
        var handlerEnd: Int64 = 0
        let outcome: DecisionOutcome
        var result: Value?
        var evalError: String?
        if let query {
            var lim = limits
            if config.limits.evalTimeoutMs > 0 { lim.deadlineNs = now + Int64(config.limits.evalTimeoutMs) * 1_000_000 }
            let t0 = Self.monotonicNs()
            do {
                // The engine's reused context (no allocation per decision), fresh for this one.
                result = try query.evaluate(input: input, nowNs: now, limits: lim)
                // The config's default, else the served bundles' manifest declaration, else deny.
                outcome = DecisionMapper.map(result: result, route: route,
                                             defaultDecision: route.configuredDefault ?? snap.declaredDefault(route.text))
            } catch {
                evalError = "\(error)"
                outcome = DecisionMapper.failClosed(code: "eval_error", reason: "evaluation failed: \(error)")
            }
            handlerEnd = Self.monotonicNs()
            evalNs = handlerEnd - t0
        } else {
            outcome = DecisionMapper.failClosed(code: "no_policy", reason: "no policy loaded: \(snap.loadError ?? "unknown")")
            if timesHandler { handlerEnd = Self.monotonicNs() }
        }
        let counts = state.counts ?? counters.shared
        counts.count(outcome.verdict)
        if outcome.error != nil { counts.increment(.failClosed) }

        // The response, straight into the connection's outgoing buffer (same bytes, same key
        // order as ResponseWriter would give). The decision id is written in place (from the
        // connection's own generator) and read back as a String only if a sink keeps the event.
        if state.tailGeneration != snap.generation || state.tailRoute !== route {
            state.tail = Self.responseTail(bundles: snap.bundles, route: route)
            state.tailGeneration = snap.generation
            state.tailRoute = route
        }
        // The id is a JSON scalar: ints and strings are written in place, others rendered first.
        var idJSON: [UInt8]?
        var bound = 160 + state.tail.count + ByteCursor.bound(outcome.reasons)
        switch r.id {
        case nil, .null?, .bool?, .number(.int)?: bound += 20
        case .string(let s)?: bound += ByteCursor.bound(s)
        case let v?:
            idJSON = JSONWriter.data(v)
            bound += idJSON!.count
        }
        // A plain verdict's rules are the route's own (the same array): its JSON is cached.
        let ownRules = outcome.rules == route.selfRules
        bound += ownRules ? route.selfRulesJSON.count : ByteCursor.bound(outcome.rules)
        if let e = outcome.error { bound += ByteCursor.bound(e) }
        let start = out.writerIndex
        var idAt = 0
        // Where the reasons' and rules' JSON land in the response (relative to `start`): the
        // decision log copies them instead of encoding the strings again.
        var reasonsAt = 0, reasonsEnd = 0, rulesAt = 0, rulesEnd = 0
        let ms = UInt64(max(now, 0) / 1_000_000)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { raw in
            var w = ByteCursor(raw)
            w.skip(Frame.headerBytes)
            w.append("{\"id\":")
            switch r.id {
            case nil, .null?: w.append("null")
            case .bool(let b)?: w.append(b ? "true" : "false")
            case .number(.int(let i))?: w.appendDecimal(Int64(i))
            case .string(let s)?: w.appendJSONString(s)
            case .some: w.append(idJSON!)
            }
            switch outcome.verdict {
            case .allow: w.append(",\"decision\":\"allow\",\"reasons\":")
            case .deny: w.append(",\"decision\":\"deny\",\"reasons\":")
            case .escalate: w.append(",\"decision\":\"escalate\",\"reasons\":")
            }
            reasonsAt = w.count
            if outcome.reasons.isEmpty { w.append("[]") } else { w.appendJSONStrings(outcome.reasons) }
            reasonsEnd = w.count
            w.append(",\"decision_id\":")
            idAt = start + state.ids.writeNext(ms: ms, to: &w)
            w.append(state.tail)  // ,"bundles":{…},"path":"…","eval_ns":
            w.appendDecimal(evalNs)
            w.append(",\"rules\":")
            rulesAt = w.count
            if ownRules { w.append(route.selfRulesJSON) } else { w.appendJSONStrings(outcome.rules) }
            rulesEnd = w.count
            if let e = outcome.error {
                w.append(",\"error\":")
                w.appendJSONString(e)
            }
            w.append(UInt8(ascii: "}"))
            w.set(UInt32(w.count - Frame.headerBytes), at: 0)
            return w.count
        }

        // The decision log: its line and journal entry straight from the response's bytes.
        // A projected input is no audit record: sinks get it only when parsed whole. (Asked
        // only when a sink keeps the decision.)
        func inputIsWhole() -> Bool {
            Self.parsesAgain(r, for: query) ? query?.inputShape == nil : r.inputProjection == nil
        }
        if let factsWants, factsWants.contains(outcome.verdict, failed: outcome.error != nil), let factsSink {
            var raw: RawInput?
            if sinkWantsInputJSON, let range = r.inputRange, let base = body.baseAddress {
                raw = RawInput(bytes: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count),
                               isCompact: r.inputIsCompact)
            }
            let handlerNs = handlerEnd - handlerStart
            let readerIndex = out.readerIndex
            out.withUnsafeReadableBytes { buf in
                func piece(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: buf[(from - readerIndex)..<(to - readerIndex)])
                }
                route.textJSON.withUnsafeBytes { pathJSON in
                    let f = DecisionFacts(
                        encoded: EncodedDecision(id: piece(idAt - 1, idAt + 27), reasons: piece(start + reasonsAt, start + reasonsEnd),
                                                 rules: piece(start + rulesAt, start + rulesEnd)),
                        pathJSON: pathJSON, rawInput: raw, verdict: outcome.verdict, timestampNs: now, evalNs: evalNs,
                        handlerNs: handlerNs, peer: peer, snapshotGeneration: snap.generation)
                    factsSink.record(f, path: route.text, outcome: outcome, errorMessage: evalError,
                                     input: raw == nil && inputIsWhole() ? input : nil, result: result, bundles: snap.bundles,
                                     batch: &state.batch)
                }
            }
            if state.batch.count >= Self.maxPendingEvents { flushDecisions(&state) }
        }
        // Only build the event when some other sink keeps it (with the decision log off,
        // allows usually go nowhere).
        if let sinkWants, sinkWants.contains(outcome.verdict, failed: outcome.error != nil), let sink {
            let decisionID = out.getString(at: idAt, length: 26) ?? ""
            var event = DecisionEvent(decisionID: decisionID, requestID: r.id, path: route.text, input: inputIsWhole() ? input : nil,
                                      outcome: outcome, bundles: snap.bundles, timestampNs: now, evalNs: evalNs,
                                      peer: peer, result: result, errorMessage: evalError,
                                      handlerNs: handlerEnd - handlerStart)
            event.snapshotGeneration = snap.generation
            // The input's bytes go to the sink as they are (no string made of them).
            var raw: RawInput?
            if sinkWantsInputJSON, let range = r.inputRange, let base = body.baseAddress {
                raw = RawInput(bytes: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count),
                               isCompact: r.inputIsCompact)
            }
            // Sinks stage their work in the connection's batch, handed on per read batch
            // (`flushDecisions`), not per decision. The response's bytes are valid during the call.
            let readerIndex = out.readerIndex
            out.withUnsafeReadableBytes { buf in
                func piece(_ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: buf[(from - readerIndex)..<(to - readerIndex)])
                }
                let encoded = EncodedDecision(id: piece(idAt - 1, idAt + 27), reasons: piece(start + reasonsAt, start + reasonsEnd),
                                              rules: piece(start + rulesAt, start + rulesEnd))
                sink.record(event, rawInput: raw, encoded: encoded, batch: &state.batch)
            }
            if state.batch.count >= Self.maxPendingEvents { flushDecisions(&state) }
        }
    }

    /// The request's input for `query`: as parsed (whole, or projected for this query), or
    /// parsed now for `query`, keeping only what it can observe (all of it without a query).
    /// Bad JSON throws the `RequestError` a whole-frame parse reports (the projected parse
    /// rejects exactly what the full one does).
    func input(of r: Request, body: UnsafeRawBufferPointer, for query: PreparedQuery?) throws -> Value? {
        guard Self.parsesAgain(r, for: query), let range = r.inputRange, let base = body.baseAddress else { return r.input }
        let bytes = UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
        let maxDepth = config.limits.maxJSONDepth - 1
        do {
            if let query { return try query.parseInput(bytes, maxDepth: maxDepth) }
            return try JSONReader.parse(bytes, maxDepth: maxDepth)
        } catch {
            _ = try parse(body)
            throw RequestError.bad(id: r.id, code: .badJSON, message: error.description)
        }
    }

    /// The input as parsed does not serve `query`: not parsed yet, or projected for another one.
    private static func parsesAgain(_ r: Request, for query: PreparedQuery?) -> Bool {
        r.inputDeferred || (r.inputProjection != nil && r.inputProjection !== query)
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

    /// The part of a decision response between the decision id and `eval_ns`'s value, fixed
    /// per snapshot generation and route: `,"bundles":{…},"path":"…","eval_ns":`.
    static func responseTail(bundles: [String: BundleInfo], route: Route) -> [UInt8] {
        var t = Array(",\"bundles\":".utf8)
        t += ResponseWriter.bundlesJSON(bundles)
        t += Array(",\"path\":".utf8)
        t += route.textJSON
        t += Array(",\"eval_ns\":".utf8)
        return t
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// RFC 3339 UTC with the fraction Go writes (DecisionLog/RFC3339.swift), not
    /// `ISO8601DateFormatter`: that one initialises ICU (time zone names, number formats:
    /// ~1 MiB of code and data kept mapped by a daemon that answered one `status`).
    static func rfc3339(_ ns: Int64) -> String {
        RFC3339.format(ns: ns)
    }
}
