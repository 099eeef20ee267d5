import Dispatch
import Foundation
import Logging
import NIOCore

/// The running daemon: wires config, logging, the policy store, the server and systemd
/// together, and handles signals.
struct Daemon {
    let config: Configuration

    func run() async throws {
        // Signals first: a SIGTERM during start-up is queued and handled once serving, never
        // the default kill. They arrive on a Dispatch queue and are handled one at a time below.
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGHUP, SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { continuation.yield(sig) }
            s.resume()
            sources.append(s)
        }

        let level = Logger.Level(rawValue: config.log.level) ?? .info
        let target: JournalLogHandler.Target = config.log.target == .journal ? .journal : .stderr
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, target: target, level: level) }
        let logger = Logger(label: "policyd")
        let notifier = SystemdNotifier()

        let stateDir = ProcessInfo.processInfo.environment["STATE_DIRECTORY"]
            .flatMap { $0.split(separator: ":").first.map(String.init) } ?? config.stateDir
        try? FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)

        let counters = ServerCounters()
        let store = PolicyStore()
        let bundleSettings: BundleSettings
        do { bundleSettings = try BundleSettings.from(config) } catch {
            logger.critical("bundle verification settings: \(error)")
            throw error
        }
        let source = SignedBundleSource(settings: .init(dropDirectory: config.bundles.dir, stateDirectory: stateDir,
                                                        bundle: bundleSettings, history: config.bundles.history,
                                                        entrypoints: EntrypointDefaults(config: config)))
        let reloader = Reloader(source: source, store: store, notifier: notifier, logger: logger, counters: counters,
                                priority: config.bundles.reloadPriority)
        reloader.initialLoad()
        // Drops in the bundle directory (inotify) reload like SIGHUP does.
        let watcher = try BundleWatcher(directory: config.bundles.dir, debounceMs: config.bundles.debounceMs) {
            _ = reloader.reload()
        }
        watcher.start()

        // The audit trail: every decision to the JSON-lines file; denies/escalates (and sampled
        // allows) to the journal unless log.decisions already logs every decision there.
        var decisionLog: DecisionLogWriter?
        var decisionLogConfig = config.decisionLog
        if config.log.decisions { decisionLogConfig.journalSampleAllow = 0 }
        do {
            // Logging to the journal: decision entries go to journald's socket as datagrams.
            decisionLog = try DecisionLogWriter(config: decisionLogConfig, stateDirectory: stateDir, logger: logger,
                                                journal: !config.log.decisions,
                                                journalSocket: target == .journal ? JournalSocket() : nil)
        } catch {
            logger.error("decision log disabled: \(error)")
        }
        var sinks: [any DecisionSink] = [LogDecisionSink(logger: logger, level: config.log.decisions ? .info : .debug)]
        if let decisionLog {
            sinks.append(DecisionLogSink(writer: decisionLog, labels: [("version", PolicyD.configuration.version)]))
        }
        let sink = DecisionSinks(sinks: sinks)
        let responder = Responder(store: store, config: config, counters: counters, sink: sink, admin: reloader,
                                  logger: logger)
        let threads = config.threads > 0 ? config.threads : System.coreCount
        let server: DecisionServer
        do { server = try DecisionServer(responder: responder, config: config, threads: threads) } catch {
            logger.critical("cannot start the socket loops: \(error)")
            throw error
        }

        let listen: DecisionServer.Listen
        if let activated = try SocketActivation.listeningSocket() {
            listen = .activated(fd: activated.fd)
            logger.info("using socket-activated fd \(activated.fd) (\(activated.name))")
        } else {
            listen = .path(config.socket.path)
        }
        do { try await server.start(listen) } catch {
            logger.critical("cannot listen: \(error)")
            throw error
        }

        let socketText: String = { if case .path(let p) = listen { return p } else { return "activated socket" } }()
        logger.event(.started, .notice, "policyd started on \(socketText) with \(threads) threads", [
            "POLICYD_REVISION": .string(store.snapshot.revisionSummary),
            "POLICYD_STATE_DIR": .string(stateDir),
        ])
        notifier.ready(status: reloader.statusLine())

        let background = Task {
            await Self.periodic(server: server, notifier: notifier, reloader: reloader)
        }

        for await sig in signals {
            if sig == SIGHUP {
                logger.info("SIGHUP: reloading bundles")
                _ = reloader.reload()
                continue
            }
            notifier.stopping()
            logger.event(.stopping, .notice, "stopping on \(sig == SIGTERM ? "SIGTERM" : "SIGINT"): draining connections",
                         ["POLICYD_DECISIONS": "\(counters.decisions)"])
            break
        }
        background.cancel()
        watcher.stop()
        await server.drain(timeout: .milliseconds(4000))
        logger.info("stopped after \(counters.decisions) decisions")
        await server.shutdown()
        // After the server: no new decisions; write out every queued one before exiting.
        if let decisionLog {
            await decisionLog.close()
            let s = decisionLog.stats
            logger.info("decision log closed: \(s.written) written, \(s.dropped) dropped, \(s.journalDropped) journal entries not sent (journal busy)")
        }
        _ = sources
        fflush(nil)
        exit(0)
    }

    /// Keeps STATUS= current and pings the watchdog after checking every event loop answers.
    static func periodic(server: DecisionServer, notifier: SystemdNotifier, reloader: Reloader) async {
        let watchdogUsec = SystemdNotifier.watchdogInterval()
        let tickMs = min(2_000, watchdogUsec.map { Int($0 / 1000) } ?? 2_000)
        var lastStatus = ""
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(max(tickMs, 10)))
            if Task.isCancelled { return }
            if watchdogUsec != nil, await server.loopsResponsive() { notifier.watchdog() }
            let s = reloader.statusLine()
            if s != lastStatus {
                notifier.status(s)
                lastStatus = s
            }
        }
    }
}
