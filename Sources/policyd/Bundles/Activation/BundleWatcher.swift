import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Watches the drop directory with inotify and calls `onChange` once per burst: a drop is a
/// file closed after writing (IN_CLOSE_WRITE) or renamed in (IN_MOVED_TO, also for whole
/// directory bundles: a directory filled in place is only seen on the next rescan, e.g. SIGHUP);
/// deletions count too. Dotfiles and temporary names are ignored. Events
/// are debounced (`debounceMs` after the last one); a queue overflow just triggers a rescan.
final class BundleWatcher: Sendable {
    let directory: String
    let debounceMs: Int
    private let onChange: @Sendable () -> Void
    private let stopping = NIOLockedValueBox(false)
    private let fd: Int32

    init(directory: String, debounceMs: Int, onChange: @escaping @Sendable () -> Void) throws {
        self.directory = directory
        self.debounceMs = max(0, debounceMs)
        self.onChange = onChange
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw BundleError(.activation, .badArchive, "inotify_init1 failed: errno \(errno)") }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            close(fd)
            throw BundleError(.activation, .badArchive, "cannot watch \(directory): errno \(errno)")
        }
    }

    deinit { close(fd) }

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
                if n > 0, relevant(buffer, count: n) { pendingSince = Self.nowMs() }
            }
            if let since = pendingSince, Self.nowMs() - since >= Int64(debounceMs) {
                pendingSince = nil
                onChange()
            }
        }
    }

    /// Whether any event in the buffer names a possible bundle (or overflowed the queue).
    private func relevant(_ buffer: [UInt8], count: Int) -> Bool {
        var offset = 0
        var any = false
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
            let len = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
            if mask & UInt32(IN_Q_OVERFLOW) != 0 { any = true }
            if len > 0, offset + header + len <= count {
                let nameBytes = buffer[(offset + header)..<(offset + header + len)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                let isDirectory = mask & UInt32(IN_ISDIR) != 0
                if BundleNaming.name(forEntry: name, isDirectory: isDirectory) != nil {
                    any = true
                }
            }
            offset += header + len
        }
        return any
    }

    private static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
