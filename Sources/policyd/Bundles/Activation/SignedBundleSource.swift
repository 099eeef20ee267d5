import Engine
import Foundation
import NIOConcurrencyHelpers

/// The real `BundleSource`: signed OPA bundles dropped into a watched directory.
///
/// A reload (start-up, inotify drop, SIGHUP, admin op) first restores the last activated
/// bundles from the state directory (once), then processes every drop in the directory in
/// modification order. Each new drop is read under the limits, verified, checked (manifest,
/// roots, no overlap with other active bundles), compiled together with the other active
/// bundles, tested, smoke-tested, and only then swapped in atomically and recorded in the
/// history. A refused tarball is moved to `<state>/rejected/`, its failure is recorded in the
/// store (status), and the previous policy keeps serving. A bundle whose drop is deleted from
/// the directory is deactivated (see `deactivateRemoved`).
final class SignedBundleSource: BundleSource, Sendable {
    struct Settings: Sendable {
        var dropDirectory: String
        var stateDirectory: String
        var bundle = BundleSettings()
        var history = 5
        var compile = CompileOptions()
        /// How decision case files in a bundle are judged (the config's entrypoint defaults;
        /// the bundles' manifest declarations are added at assembly).
        var entrypoints = EntrypointDefaults()
    }

    struct ActiveBundle: Sendable {
        var bundle: LoadedBundle
        var digest: String
        var activatedAtNs: Int64
    }

    private struct State {
        var restored = false
        var active: [String: ActiveBundle] = [:]
        /// The set served before the last activation (for the admin's plain `rollback`).
        var previous: [String: ActiveBundle]? = nil
        /// Digest of the last drop processed per name (valid or not): unchanged drops are skipped.
        var lastDrop: [String: String] = [:]
        /// Active bundles whose drop policyd itself moved to rejected/: absent, not removed.
        var dropRefused: Set<String> = []
        /// Absent drops already reported as kept (last bundle, or others depend on it).
        var keptAbsent: Set<String> = []
    }

    let settings: Settings
    let history: BundleHistory
    /// Modules last checked: a data-only update skips parsing and static checks.
    let checks = CheckedModulesCache()
    private let state = NIOLockedValueBox(State())

    init(settings: Settings) {
        self.settings = settings
        history = BundleHistory(stateDirectory: settings.stateDirectory, keep: settings.history)
    }

    var rejectedDirectory: String { settings.stateDirectory + "/rejected" }

    /// Names and revisions currently active (for tests and status).
    var active: [String: ActiveBundle] { state.withLockedValue { $0.active } }

    func reload(into store: PolicyStore) -> ReloadOutcome {
        state.withLockedValue { st in
            var results: [ReloadResult] = []
            var activated = false
            if !st.restored {
                st.restored = true
                activated = restore(&st, store: store, results: &results)
            }
            let drops = scan()
            for drop in drops {
                if process(drop, &st, store: store, results: &results) { activated = true }
            }
            if deactivateRemoved(present: Set(drops.map(\.name)), &st, store: store, results: &results) { activated = true }
            let summary = Self.summary(results, store: store)
            return ReloadOutcome(activated: activated, summary: summary, results: results)
        }
    }

    /// Re-activates the newest history entry of `name` with `revision`, as a new activation,
    /// after verifying and testing it again.
    func rollback(name: String, revision: String, store: PolicyStore) -> Result<ReloadResult, BundleError> {
        state.withLockedValue { st in
            let now = EvalContext.wallClockNs()
            guard let entry = history.entries(name).last(where: { $0.revision == revision }) else {
                return .failure(BundleError(.activation, .badArchive, "no stored activation of bundle \(name) with revision \(revision)"))
            }
            do throws(BundleError) {
                let files = try history.files(name, entry, limits: settings.bundle.limits)
                let bundle = try BundleReader.load(files: files, name: name, config: settings.bundle.verification)
                var next = st.active
                next[name] = ActiveBundle(bundle: bundle, digest: entry.digest, activatedAtNs: now)
                try activate(next, changed: [name], &st, store: store, dropDigest: st.lastDrop[name] ?? "")
                return .success(ReloadResult(bundle: name, ok: true, revision: revision, error: nil, atNs: now))
            } catch {
                let r = ReloadResult(bundle: name, ok: false, revision: revision, error: "rollback: \(error)", atNs: now)
                store.recordFailure([r], loadError: "\(error)")
                return .failure(error)
            }
        }
    }

    /// The admin's plain `rollback`: back to the set served before the last activation, in
    /// the store and here (so the next drop builds on what is actually served), recorded in the
    /// history so a restart keeps it.
    func rollbackToPrevious(store: PolicyStore) -> PolicySnapshot? {
        state.withLockedValue { st in
            guard let previous = st.previous, let snap = store.rollback() else { return nil }
            let current = st.active
            st.active = previous
            st.previous = current
            for (name, a) in previous where current[name]?.digest != a.digest {
                _ = try? history.record(name: name, files: a.bundle.files, revision: a.bundle.revision, digest: a.digest,
                                        dropDigest: st.lastDrop[name] ?? "")
            }
            return snap
        }
    }

    // MARK: - Steps

    struct Drop {
        var name: String
        var path: String
        var modified: Double
    }

    /// Bundles in the drop directory, oldest modification first (a burst is applied in order,
    /// so the last valid drop of a name wins).
    func scan() -> [Drop] {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: settings.dropDirectory)) ?? []
        var drops: [Drop] = []
        for entry in entries {
            let path = settings.dropDirectory + "/" + entry
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            let isFile = (st.st_mode & S_IFMT) == S_IFREG
            guard isDirectory || isFile, let name = BundleNaming.name(forEntry: entry, isDirectory: isDirectory) else { continue }
            drops.append(Drop(name: name, path: path, modified: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9))
        }
        return drops.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// Serves the last activated bundles from the state directory (re-verified).
    private func restore(_ st: inout State, store: PolicyStore, results: inout [ReloadResult]) -> Bool {
        let now = EvalContext.wallClockNs()
        var restored: [String: ActiveBundle] = [:]
        for name in history.names() where !history.has(.removed, name) {
            guard let entry = history.entries(name).last else { continue }
            if history.has(.dropRefused, name) { st.dropRefused.insert(name) }
            do {
                let files = try history.files(name, entry, limits: settings.bundle.limits)
                let bundle = try BundleReader.load(files: files, name: name, config: settings.bundle.verification)
                restored[name] = ActiveBundle(bundle: bundle, digest: entry.digest, activatedAtNs: now)
                st.lastDrop[name] = entry.dropDigest
            } catch {
                results.append(ReloadResult(bundle: name, ok: false, revision: entry.revision,
                                            error: "stored bundle no longer valid: \(error)", atNs: now))
            }
        }
        if restored.isEmpty { return false }
        do {
            let policy = try PolicyAssembler.assemble(restored.values.map(\.bundle), options: settings.compile,
                                                      entrypoints: settings.entrypoints, checks: checks)
            st.active = restored
            let rs = restored.values.map { ReloadResult(bundle: $0.bundle.name, ok: true, revision: $0.bundle.revision, error: nil, atNs: now) }
            store.activate(policy: policy, bundles: Self.infos(restored), results: rs)
            results += rs
            return true
        } catch {
            let rs = restored.values.map { ReloadResult(bundle: $0.bundle.name, ok: false, revision: $0.bundle.revision,
                                                        error: "stored bundles no longer valid: \(error)", atNs: now) }
            store.recordFailure(rs, loadError: "\(error)")
            results += rs
            return false
        }
    }

    /// One drop: skip when unchanged; otherwise validate and activate, or reject.
    private func process(_ drop: Drop, _ st: inout State, store: PolicyStore, results: inout [ReloadResult]) -> Bool {
        let now = EvalContext.wallClockNs()
        var revision: String? = nil
        st.keptAbsent.remove(drop.name)
        if st.dropRefused.remove(drop.name) != nil { history.set(.dropRefused, drop.name, false) }
        do throws(BundleError) {
            let files = try BundleArchive.read(path: drop.path, limits: settings.bundle.limits)
            let digest = BundleDigest.of(files)
            if st.lastDrop[drop.name] == digest { return false }
            st.lastDrop[drop.name] = digest
            if let active = st.active[drop.name], active.digest == digest {
                // The drop is the bundle being served again (a bad edit was undone): clear its error.
                if store.snapshot.lastResults[drop.name]?.ok == false {
                    let r = ReloadResult(bundle: drop.name, ok: true, revision: active.bundle.revision, error: nil, atNs: now)
                    store.record([r])
                    results.append(r)
                }
                return false
            }
            let bundle = try BundleReader.load(files: files, name: drop.name, config: settings.bundle.verification)
            revision = bundle.revision
            let others = st.active.values.filter { $0.bundle.name != drop.name }.map { (name: $0.bundle.name, roots: $0.bundle.roots) }
            let clash = BundleRoots.conflicts(roots: bundle.roots, with: others)
            if !clash.isEmpty {
                throw BundleError(.roots, .rootsOverlap, "detected overlapping roots in bundle manifest with: [\(clash.sorted().joined(separator: " "))]", file: ".manifest")
            }
            var next = st.active
            next[drop.name] = ActiveBundle(bundle: bundle, digest: digest, activatedAtNs: now)
            try activate(next, changed: [drop.name], &st, store: store, dropDigest: digest)
            results.append(ReloadResult(bundle: drop.name, ok: true, revision: bundle.revision, error: nil, atNs: now))
            return true
        } catch {
            let r = ReloadResult(bundle: drop.name, ok: false, revision: revision, error: error.description, atNs: now)
            results.append(r)
            store.recordFailure([r], loadError: error.description)
            if moveAside(drop), st.active[drop.name] != nil {
                st.dropRefused.insert(drop.name)
                history.set(.dropRefused, drop.name, true)
            }
            return false
        }
    }

    /// Compiles and proves the candidate set, swaps it in, records the changed bundles.
    private func activate(_ next: [String: ActiveBundle], changed: [String], _ st: inout State, store: PolicyStore,
                          dropDigest: String) throws(BundleError)
    {
        let policy = try PolicyAssembler.assemble(next.values.map(\.bundle), options: settings.compile,
                                                  entrypoints: settings.entrypoints, checks: checks)
        let now = EvalContext.wallClockNs()
        let results = changed.compactMap { n in next[n].map { ReloadResult(bundle: n, ok: true, revision: $0.bundle.revision, error: nil, atNs: now) } }
        store.activate(policy: policy, bundles: Self.infos(next), results: results)
        st.previous = st.active.isEmpty ? nil : st.active
        st.active = next
        for n in changed {
            guard let a = next[n] else { continue }
            // History is best effort: a full disk must not undo an activation already serving.
            _ = try? history.record(name: n, files: a.bundle.files, revision: a.bundle.revision, digest: a.digest, dropDigest: dropDigest)
        }
    }

    /// Moves a refused tarball to the rejected folder. Directory bundles stay where they are
    /// (they may be a checkout the operator edits); the digest memo keeps them from being retried
    /// until they change.
    @discardableResult
    private func moveAside(_ drop: Drop) -> Bool {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: drop.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return false }
        try? fm.createDirectory(atPath: rejectedDirectory, withIntermediateDirectories: true)
        let base = (drop.path as NSString).lastPathComponent
        let target = rejectedDirectory + "/" + base + "." + String(EvalContext.wallClockNs())
        if rename(drop.path, target) != 0 {
            // Another filesystem: copy, then remove. If even that fails the digest memo skips it.
            if (try? fm.copyItem(atPath: drop.path, toPath: target)) != nil { try? fm.removeItem(atPath: drop.path) }
        }
        return !fm.fileExists(atPath: drop.path)
    }

    /// Active bundles whose drop is gone from the directory (and was not moved aside by policyd
    /// itself) are deactivated: the others are compiled and tested without them and swapped in,
    /// the bundle is marked removed in the history (a restart does not bring it back) and its
    /// last revisions stay there for rollback. Two exceptions keep it serving, with a warning
    /// recorded once: it is the last bundle (an empty directory must not turn every decision
    /// into a deny), or the remaining bundles do not compile or pass their tests without it.
    private func deactivateRemoved(present: Set<String>, _ st: inout State, store: PolicyStore,
                                   results: inout [ReloadResult]) -> Bool
    {
        let gone = st.active.keys.filter { !present.contains($0) && !st.dropRefused.contains($0) && !st.keptAbsent.contains($0) }.sorted()
        guard !gone.isEmpty else { return false }
        let now = EvalContext.wallClockNs()
        var next = st.active
        for n in gone { next.removeValue(forKey: n) }
        func keep(_ why: String) {
            let rs = gone.map { n in
                ReloadResult(bundle: n, ok: true, revision: st.active[n]?.bundle.revision,
                             error: "drop removed from \(settings.dropDirectory) but still serving: \(why)", atNs: now, removal: .kept)
            }
            st.keptAbsent.formUnion(gone)
            store.record(rs)
            results += rs
        }
        if next.isEmpty {
            keep("it is the last bundle (drop a replacement, or stop policyd)")
            return false
        }
        let policy: CompiledPolicy
        do {
            policy = try PolicyAssembler.assemble(next.values.map(\.bundle), options: settings.compile,
                                                  entrypoints: settings.entrypoints, checks: checks)
        } catch {
            keep("the remaining bundles fail without it: \(error)")
            return false
        }
        let rs = gone.map { n in
            ReloadResult(bundle: n, ok: true, revision: st.active[n]?.bundle.revision,
                         error: "removed: drop deleted from \(settings.dropDirectory)", atNs: now, removal: .deactivated)
        }
        store.activate(policy: policy, bundles: Self.infos(next), results: rs)
        st.previous = st.active
        st.active = next
        for n in gone {
            st.lastDrop.removeValue(forKey: n)
            history.set(.removed, n, true)
        }
        results += rs
        return true
    }

    static func infos(_ active: [String: ActiveBundle]) -> [String: BundleInfo] {
        // Declarations were checked when the set was assembled.
        active.mapValues {
            BundleInfo(name: $0.bundle.name, revision: $0.bundle.revision, activatedAtNs: $0.activatedAtNs,
                       entrypoints: (try? DeclaredEntrypoint.parse($0.bundle.manifest, bundle: $0.bundle.name)) ?? [])
        }
    }

    static func summary(_ results: [ReloadResult], store: PolicyStore) -> String {
        if results.isEmpty { return "no change; serving \(store.snapshot.revisionSummary)" }
        return results.map { r in
            if let removal = r.removal { return "\(removal == .deactivated ? "removed" : "kept") \(r.bundle)@\(r.revision ?? "")" }
            return r.ok ? "activated \(r.bundle)@\(r.revision ?? "")" : "rejected \(r.bundle)\(r.revision.map { "@\($0)" } ?? ""): \(r.error ?? "")"
        }.joined(separator: "; ")
    }
}
