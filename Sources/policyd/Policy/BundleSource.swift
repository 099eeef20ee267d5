/// The seam between "where policy comes from" and the server: the daemon calls `reload` at
/// start-up, on SIGHUP and on the admin `reload` op. An implementation loads whatever it
/// serves, and either activates a new snapshot in the store (`PolicyStore.activate`) or records
/// the failure (`PolicyStore.recordFailure`), keeping the last good policy.
///
/// Today: `DevelopmentBundleSource` (unsigned directories). The signed-bundle pipeline
/// (Sources/policyd/Bundles/, with its inotify watcher) replaces it behind this protocol.
protocol BundleSource: Sendable {
    func reload(into store: PolicyStore) -> ReloadOutcome
}

struct ReloadOutcome: Sendable {
    var activated: Bool
    /// One line for STATUS= and the log: "activated example@v1" / "rejected: …".
    var summary: String
    var results: [ReloadResult]
}
