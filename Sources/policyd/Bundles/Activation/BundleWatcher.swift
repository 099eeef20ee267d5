import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Watches the drop directory with inotify and calls `onChange` once per burst. At the top
/// level a drop is a file closed after writing (IN_CLOSE_WRITE), anything renamed in
/// (IN_MOVED_TO) or a directory created (IN_CREATE); deletions count too; dotfiles and
/// temporary names are ignored. Directory bundles are watched through their whole subtree
/// (subdirectories are added as they appear), so a bundle filled in place is picked up without
/// SIGHUP: every event inside one counts. Events are debounced (`debounceMs` after the last
/// one); a queue overflow just triggers a rescan.
final class BundleWatcher: Sendable {
    let directory: String
    let debounceMs: Int
    /// Cap on watched subdirectories (inotify watches are a per-user kernel resource); beyond
    /// it, deeper changes are only seen on a rescan (SIGHUP, or any top-level event).
    static let maxWatches = 4096
    private let onChange: @Sendable () -> Void
    private let stopping = NIOLockedValueBox(false)
    private let fd: Int32
    /// Watch descriptor → directory path relative to `directory` ("" for the drop directory).
    /// Only the watcher thread touches it after init.
    private let watches = NIOLockedValueBox([Int32: String]())

    private static let topMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_CREATE)
    private static let subtreeMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_CREATE | IN_DELETE_SELF)

    init(directory: String, debounceMs: Int, onChange: @escaping @Sendable () -> Void) throws {
        self.directory = directory
        self.debounceMs = max(0, debounceMs)
        self.onChange = onChange
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw BundleError(.activation, .badArchive, "inotify_init1 failed: errno \(errno)") }
        let wd = inotify_add_watch(fd, directory, Self.topMask)
        guard wd >= 0 else {
            close(fd)
            throw BundleError(.activation, .badArchive, "cannot watch \(directory): errno \(errno)")
        }
        watches.withLockedValue { $0[wd] = "" }
        // Directory bundles already present.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where isBundleDirectory(entry) {
            addSubtree(entry)
        }
    }

    deinit { close(fd) }

    /// Number of directories watched (the drop directory included); for tests.
    var watchCount: Int { watches.withLockedValue { $0.count } }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "policyd-bundle-watcher"
        thread.start()
    }

    func stop() { stopping.withLockedValue { $0 = true } }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var pendingSince: Int64? = nil
        while !stopping.withLockedValue({ $0 }) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let timeout: Int32 = pendingSince == nil ? 200 : Int32(max(1, min(200, debounceMs)))
            let ready = poll(&p, 1, timeout)
            if ready > 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0, handle(buffer, count: n) { pendingSince = Self.nowMs() }
            }
            if let since = pendingSince, Self.nowMs() - since >= Int64(debounceMs) {
                pendingSince = nil
                onChange()
            }
        }
    }

    /// Follows new directories and says whether any event concerns a bundle (or overflowed).
    private func handle(_ buffer: [UInt8], count: Int) -> Bool {
        var offset = 0
        var any = false
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let wd = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
            let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
            let len = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
            var name = ""
            if len > 0, offset + header + len <= count {
                name = String(decoding: buffer[(offset + header)..<(offset + header + len)].prefix { $0 != 0 }, as: UTF8.self)
            }
            offset += header + len
            if mask & UInt32(IN_Q_OVERFLOW) != 0 { any = true; continue }
            if mask & UInt32(IN_IGNORED) != 0 {
                watches.withLockedValue { _ = $0.removeValue(forKey: wd) }
                continue
            }
            guard let parent = watches.withLockedValue({ $0[wd] }) else { continue }
            let isDirectory = mask & UInt32(IN_ISDIR) != 0
            let appeared = mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0
            if parent.isEmpty {
                guard BundleNaming.name(forEntry: name, isDirectory: isDirectory) != nil else { continue }
                if isDirectory && appeared { addSubtree(name) }
                any = true
            } else {
                // Inside a directory bundle every change counts (`.manifest` and
                // `.signatures.json` are dotfiles there).
                if isDirectory && appeared && !name.isEmpty { addSubtree(parent + "/" + name) }
                any = true
            }
        }
        return any
    }

    private func isBundleDirectory(_ entry: String) -> Bool {
        var st = stat()
        return lstat(directory + "/" + entry, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            && BundleNaming.name(forEntry: entry, isDirectory: true) != nil
    }

    /// Watches `relative` and every directory below it (ones created before the watch was in
    /// place are found by listing).
    private func addSubtree(_ relative: String) {
        var pending = [relative]
        while let rel = pending.popLast() {
            guard watches.withLockedValue({ $0.count }) < Self.maxWatches else { return }
            let wd = inotify_add_watch(fd, directory + "/" + rel, Self.subtreeMask | UInt32(IN_ONLYDIR | IN_DONT_FOLLOW))
            guard wd >= 0 else { continue }
            watches.withLockedValue { $0[wd] = rel }
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + rel)) ?? [] {
                var st = stat()
                if lstat(directory + "/" + rel + "/" + entry, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                    pending.append(rel + "/" + entry)
                }
            }
        }
    }

    private static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
