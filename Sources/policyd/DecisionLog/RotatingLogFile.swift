#if canImport(Glibc)
import Glibc
#endif

/// An append-only file that rotates by size: when the next write would take `path` past
/// `maxBytes`, it becomes `path.1` (`path.1` becomes `path.2`, …) and a new `path` starts.
/// At most `maxFiles` files exist in total (the live one plus `maxFiles - 1` rotated ones);
/// the oldest is deleted. A single write larger than `maxBytes` still goes whole into a fresh
/// file: entries are never split across files.
///
/// Not thread-safe: owned by the decision log's single writer thread.
public final class RotatingLogFile {
    public let path: String
    public let maxBytes: Int
    public let maxFiles: Int
    private var fd: Int32 = -1
    public private(set) var size = 0
    public private(set) var rotations = 0

    public struct IOError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(path: String, maxBytes: Int, maxFiles: Int) throws(IOError) {
        self.path = path
        self.maxBytes = max(1, maxBytes)
        self.maxFiles = max(1, maxFiles)
        try open()
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private func open() throws(IOError) {
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw IOError(description: "cannot open decision log \(path): \(errnoText())") }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Appends `bytes` (whole entries), rotating first if they would not fit.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(IOError) {
        guard !bytes.isEmpty else { return }
        if size > 0 && size + bytes.count > maxBytes { try rotate() }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(description: "cannot write decision log \(path): \(errnoText())")
            }
            done += n
        }
        size += bytes.count
    }

    public func append(_ bytes: [UInt8]) throws(IOError) {
        var failure: IOError?
        bytes.withUnsafeBytes { b in
            do throws(IOError) { try append(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Makes everything written so far durable.
    public func sync() {
        if fd >= 0 { _ = fdatasync(fd) }
    }

    public func close() {
        if fd >= 0 {
            _ = fdatasync(fd)
            Glibc.close(fd)
            fd = -1
        }
    }

    private func rotate() throws(IOError) {
        _ = fdatasync(fd)
        Glibc.close(fd)
        fd = -1
        if maxFiles == 1 {
            unlink(path)
        } else {
            unlink("\(path).\(maxFiles - 1)")
            var i = maxFiles - 2
            while i >= 1 {
                rename("\(path).\(i)", "\(path).\(i + 1)")
                i -= 1
            }
            rename(path, "\(path).1")
        }
        rotations += 1
        try open()
    }

    /// The live file then the rotated ones, newest first, that exist on disk.
    public static func existingFiles(path: String, maxFiles: Int = 1000) -> [String] {
        var files: [String] = []
        var st = stat()
        if stat(path, &st) == 0 { files.append(path) }
        var i = 1
        while i < maxFiles, stat("\(path).\(i)", &st) == 0 {
            files.append("\(path).\(i)")
            i += 1
        }
        return files
    }
}

func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
