import Foundation

/// The HTTP and socket pieces the intake loop is built from: the token check, where headers end, replies, and
/// the listening socket.
extension IntakeServer {
    /// `Authorization: Bearer <token>`, compared in time that depends only on the lengths.
    static func authorized(_ header: String?, token: [UInt8]) -> Bool {
        let expected = Array("Bearer ".utf8) + token
        let given = Array((header ?? "").utf8)
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        if given.count != expected.count { difference |= 1 }
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    /// Where the headers end (`\r\n\r\n` or `\n\n`) and where the body starts.
    static func endOfHeaders(_ bytes: [UInt8]) -> (headers: Int, body: Int)? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A {
                    return (index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }

    static func errorBody(_ text: String) -> [UInt8] {
        Array(("{\"error\":\"" + text + "\"}\n").utf8)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 411: return "Length Required"
        case 413: return "Payload Too Large"
        case 431: return "Request Header Fields Too Large"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }

    static func makeNonBlocking(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) == $0.count }
    }

    /// A non-blocking listening socket on a numeric IPv4 or IPv6 address, and the address it got.
    static func listen(host: String, port: UInt16) throws(IntakeServerError) -> (Int32, String) {
        let isIPv6 = host.contains(":")
        let descriptor = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw IntakeServerError("socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        func fail(_ what: String) -> IntakeServerError {
            let error = IntakeServerError("\(what): \(String(cString: strerror(errno)))")
            _ = close(descriptor)
            return error
        }
        func bindTo<Address>(_ address: Address) -> Int32 {
            withUnsafePointer(to: address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<Address>.size))
                }
            }
        }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let parsed =
            isIPv6 ? inet_pton(AF_INET6, host, &v6.sin6_addr) : inet_pton(AF_INET, host, &v4.sin_addr)
        guard parsed == 1 else {
            _ = close(descriptor)
            throw IntakeServerError("\(host) is not a numeric \(isIPv6 ? "IPv6" : "IPv4") address")
        }
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = port.bigEndian
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = port.bigEndian
        let bound = isIPv6 ? bindTo(v6) : bindTo(v4)
        guard bound == 0 else { throw fail("bind") }
        guard Glibc.listen(descriptor, 512) == 0 else { throw fail("listen") }
        makeNonBlocking(descriptor)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let actualPort: UInt16 = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (descriptor, isIPv6 ? "[\(host)]:\(actualPort)" : "\(host):\(actualPort)")
    }
}

/// Why the intake server could not start.
struct IntakeServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
